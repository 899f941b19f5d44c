"""Dictation: `input.transcribe` answered through an OpenAI-compatible
transcription endpoint (a small scripted one here), its answer checked
against the reference `TranscriptionResult` model in strict mode."""

from __future__ import annotations

import base64
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from chatkit.types import InputTranscribeReq, TranscriptionResult
from conftest import _start

AUDIO = bytes([0x1A, 0x45, 0xDF, 0xA3, 0x00, 0xFF])  # an EBML (WebM) header start, then noise


class Transcriber(ThreadingHTTPServer):
    """Answers POST /v1/audio/transcriptions with {"text": ...}; records each form."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.forms: list[dict] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/audio/transcriptions"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["content-length"]))
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + body)
        form = {
            part.get_param("name", header="content-disposition"): (
                part.get_content_type(),
                part.get_filename(),
                part.get_payload(decode=True),
            )
            for part in message.iter_parts()
        }
        self.server.forms.append(form)
        reply = json.dumps({"text": "  mark task 3 as complete\n"}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def dictation(tmp_path_factory):
    with Transcriber() as stt:
        srv = _start(
            tmp_path_factory,
            "backend-transcribe",
            lambda d: f"sqlite://{d}/todo.db",
            {"TRANSCRIPTION_URL": f"{stt.url}?model=whisper-small"},
        )
        yield srv, stt
        srv.stop()


def test_transcribe_answers_a_reference_transcription_result(dictation):
    srv, stt = dictation
    request = {
        "type": "input.transcribe",
        "params": {"audio_base64": base64.b64encode(AUDIO).decode(), "mime_type": "audio/webm;codecs=opus"},
    }
    InputTranscribeReq.model_validate(request, strict=True)  # what the element sends
    response = srv.client().post(request)
    assert response.status_code == 200, response.text
    body = response.json()
    result = TranscriptionResult.model_validate_json(response.text, strict=True)
    assert body == result.model_dump() == {"text": "mark task 3 as complete"}

    form = stt.forms[-1]
    assert form["model"][2] == b"whisper-small"
    assert form["file"] == ("audio/webm", "audio.webm", AUDIO)


def test_transcribe_without_an_endpoint_is_refused_as_unsupported(alice):
    response = alice.post(
        {
            "type": "input.transcribe",
            "params": {"audio_base64": base64.b64encode(AUDIO).decode(), "mime_type": "audio/ogg"},
        }
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert "not supported" in response.json()["error"]["message"]
