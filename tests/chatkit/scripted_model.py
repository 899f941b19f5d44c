"""A small OpenAI-compatible chat-completions server for the suite: the
first round asks for `add_task`, the round after the tool result answers in
text after a pause, so a test can see events arrive while the turn runs.
Streamed (`stream: true`), the text goes word by word, so the backend's
live reply events are checked too."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAUSE_SECONDS = 1.5
REPLY = "I added \"Buy milk\" to your list."


def completion(message: dict, finish: str) -> dict:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "scripted",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("content-length", 0))
        request = json.loads(self.rfile.read(length))
        if any(m.get("role") == "tool" for m in request.get("messages", [])):
            threading.Event().wait(PAUSE_SECONDS)
            body = completion({"role": "assistant", "content": REPLY}, "stop")
        else:
            call = {
                "id": "call_1",
                "type": "function",
                "function": {"name": "add_task", "arguments": json.dumps({"title": "Buy milk"})},
            }
            body = completion(
                {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
            )
        if request.get("stream"):
            self.stream(body)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def stream(self, body: dict) -> None:
        """The same answer as server-sent chunks, as servers do for `stream: true`."""
        choice = body["choices"][0]
        message = dict(choice["message"])
        if message.get("tool_calls"):
            message["tool_calls"] = [dict(c, index=i) for i, c in enumerate(message["tool_calls"])]
        text = message.pop("content", None)
        chunks = [
            {"index": 0, "delta": {k: v for k, v in message.items() if v is not None},
             "finish_reason": None},
        ]
        for word in re.findall(r"\S+\s*", text or ""):
            chunks.append({"index": 0, "delta": {"content": word}, "finish_reason": None})
        chunks.append({"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]})
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for delta in chunks:
            chunk = {"id": body["id"], "object": "chat.completion.chunk", "created": 0,
                     "model": body["model"], "choices": [delta]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def log_message(self, *args):
        pass


class ScriptedModel:
    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ScriptedModel:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
