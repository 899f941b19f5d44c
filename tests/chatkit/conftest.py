"""Runs the real backend binary (which spawns the real MCP sidecar) and
gives the tests a ChatKit client that validates every answer against the
reference models of the `openai-chatkit` package."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jwt
import pytest
import requests
from conformance import validate_event
from scripted_model import ScriptedModel

from support import BACKEND_LISTENING, logged_port, postgres_url, refused_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("TARGET_DIR", ROOT / "target")) / "debug"
BACKEND = BIN / "todo-backend"
SIDECAR = BIN / "todo-mcp"
AUDIENCE = "todo-api"
TIMEOUT = 60


class Server:
    """One backend process with its own database and secret."""

    def __init__(self, workdir: Path, database_url: str, extra_env: dict[str, str]):
        self.workdir = workdir
        self.secret = secrets.token_urlsafe(32)
        # PORT=0: the backend binds a free port and logs it (see start()).
        self.base = ""
        # The sidecar is started through a wrapper that refuses to start while
        # `sidecar_blocked` exists: a killed sidecar then stays down until the
        # test lets it come back.
        self.block_file = workdir / "sidecar_blocked"
        wrapper = workdir / "todo-mcp-wrapper"
        wrapper.write_text(
            f'#!/bin/sh\n[ -e "{self.block_file}" ] && exit 1\nexec "{SIDECAR}" "$@"\n'
        )
        wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOST": "127.0.0.1",
            "PORT": "0",
            "DATABASE_URL": database_url,
            "BETTER_AUTH_SECRET": self.secret,
            "LLM_PROVIDER": "offline",
            "MCP_COMMAND": str(wrapper),
            "RUST_LOG": f"{os.environ.get('RUST_LOG', 'info')},{BACKEND_LISTENING[1]}",
            # The suites send turns faster than a person; the limits have their own tests.
            "TURNS_PER_MINUTE": "0",
            "CONCURRENT_TURNS_PER_USER": "0",
            **extra_env,
        }
        self.log_path = workdir / "backend.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        if self.env["DATABASE_URL"].startswith("postgres"):
            subprocess.run(
                [str(BACKEND), "migrate"], env=self.env, check=True, timeout=TIMEOUT,
                capture_output=True,
            )
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [str(BACKEND)], env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            cwd=self.workdir,
        )
        self.base = f"http://127.0.0.1:{logged_port(self.log_path, BACKEND_LISTENING, self.process)}"
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the backend exited early:\n{self.log_path.read_text()}")
            try:
                if requests.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the backend never became ready:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def token(self, user_id: str, **claims) -> str:
        now = int(time.time())
        payload = {"sub": user_id, "aud": AUDIENCE, "iat": now, "exp": now + 600, **claims}
        return jwt.encode(payload, self.secret, algorithm="HS256")

    def sidecar_pids(self) -> list[int]:
        """The backend's children that run the sidecar binary."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                exe = os.readlink(entry / "exe")
            except OSError:
                continue
            if int(fields[1]) == self.process.pid and Path(exe).name == "todo-mcp":
                pids.append(int(entry.name))
        return pids

    def client(self, user_id: str | None = None) -> ChatKit:
        return ChatKit(self, user_id or f"user-{uuid.uuid4().hex[:12]}")


class Stream:
    """A streamed answer: the HTTP response and its validated events."""

    def __init__(self, response: requests.Response, events: list[dict]):
        self.response = response
        self.events = events

    def kinds(self) -> list[str]:
        """Event types, with the update type for `thread.item.updated`."""
        return [
            e["update"]["type"] if e["type"] == "thread.item.updated" else e["type"]
            for e in self.events
        ]

    def first(self, kind: str) -> dict:
        return next(e for e, k in zip(self.events, self.kinds()) if k == kind)


class ChatKit:
    """A ChatKit client for one user: posts to `/api/{user}/chat`."""

    def __init__(self, server: Server, user_id: str):
        self.server = server
        self.user_id = user_id
        self.token = server.token(user_id)

    def post(self, body, *, token: str | None = "default", path_user: str | None = None):
        headers = {"Accept": "text/event-stream", "Content-Type": "application/json"}
        token = self.token if token == "default" else token
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        url = f"{self.server.base}/api/{path_user or self.user_id}/chat"
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return requests.post(url, data=data, headers=headers, timeout=TIMEOUT)

    def request(self, op: str, /, **params) -> requests.Response:
        return self.post({"type": op, "params": params, "metadata": {}})

    def stream(self, op: str, /, **params) -> Stream:
        response = self.request(op, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers.get("cache-control") == "no-cache"
        return Stream(response, parse_sse(response.content))

    def timed_stream(self, op: str, /, **params) -> list[tuple[float, dict]]:
        """Each event with the time it arrived, read as the server sends it."""
        url = f"{self.server.base}/api/{self.user_id}/chat"
        headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {self.token}"}
        body = {"type": op, "params": params}
        timed, buffer = [], b""
        with requests.post(url, json=body, headers=headers, stream=True, timeout=TIMEOUT) as r:
            assert r.status_code == 200, r.text
            for chunk in r.iter_content(chunk_size=None):
                buffer += chunk
                while b"\n\n" in buffer:
                    frame, buffer = buffer.split(b"\n\n", 1)
                    timed.append((time.monotonic(), parse_sse(frame + b"\n\n")[0]))
        assert buffer == b"", buffer
        return timed

    def json(self, op: str, /, **params) -> dict:
        response = self.request(op, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        return response.json()

    def create(self, text: str) -> Stream:
        return self.stream("threads.create", input=user_input(text))

    def say(self, thread_id: str, text: str) -> Stream:
        return self.stream("threads.add_user_message", thread_id=thread_id, input=user_input(text))


def user_input(text: str) -> dict:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "quoted_text": "",
        "inference_options": {},
    }


def parse_sse(body: bytes) -> list[dict]:
    """Each event is exactly one `data: <json>` line and a blank line."""
    text = body.decode("utf-8")
    assert text.endswith("\n\n"), f"the stream does not end on a frame boundary: {text[-80:]!r}"
    events = []
    for frame in text[:-2].split("\n\n"):
        lines = frame.split("\n")
        assert len(lines) == 1, f"a frame spans several lines: {frame!r}"
        assert lines[0].startswith("data: "), f"not a data frame: {frame!r}"
        events.append(validate_event(lines[0][len("data: "):]))
    return events


def _start(tmp_path_factory, name: str, database_url_for, extra_env=None) -> Server:
    workdir = tmp_path_factory.mktemp(name)
    for binary in (BACKEND, SIDECAR):
        if not binary.exists():
            pytest.fail(f"{binary} is missing: run `cargo build --bins` first")
    return Server(workdir, database_url_for(workdir), extra_env or {}).start()


def _databases():
    # The PostgreSQL run skips (saying why) or, with REQUIRE_POSTGRES=1,
    # fails without TEST_DATABASE_URL: support.postgres_url decides.
    return ["sqlite", "postgres"]


def _psql(url: str, sql: str) -> None:
    subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql],
        check=True, capture_output=True, timeout=TIMEOUT,
    )


@contextlib.contextmanager
def _postgres_database():
    """A database of its own on the TEST_DATABASE_URL server, dropped after."""
    base = postgres_url()
    if shutil.which("psql") is None:
        print("psql not found: the suite runs in the TEST_DATABASE_URL database itself")
        yield base
        return
    name = f"chatkit_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(base)
    _psql(base, f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        _psql(base, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session", params=_databases())
def server(request, tmp_path_factory):
    """The backend on a fresh SQLite file, or on a fresh PostgreSQL database."""
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url_for = lambda d: f"sqlite://{d}/todo.db"  # noqa: E731
        else:
            url = stack.enter_context(_postgres_database())
            url_for = lambda d: url  # noqa: E731
        srv = _start(tmp_path_factory, f"backend-{request.param}", url_for)
        yield srv
        srv.stop()


@pytest.fixture(scope="session")
def model_down_server(tmp_path_factory):
    """A backend whose language model is unreachable: every turn fails."""
    with refused_port() as dead:
        srv = _start(
            tmp_path_factory,
            "backend-model-down",
            lambda d: f"sqlite://{d}/todo.db",
            {
                "LLM_PROVIDER": "openai",
                "OPENAI_API_KEY": "sk-test-unused",
                "OPENAI_BASE_URL": f"http://127.0.0.1:{dead}/v1",
                "MODEL_TIMEOUT_SECS": "5",
            },
        )
        yield srv
        srv.stop()


@pytest.fixture(scope="session")
def scripted_model_server(tmp_path_factory):
    """A backend whose OpenAI-compatible model is scripted: one add_task
    call, then (after a pause) a text reply."""
    with ScriptedModel() as model:
        srv = _start(
            tmp_path_factory,
            "backend-scripted-model",
            lambda d: f"sqlite://{d}/todo.db",
            {
                "LLM_PROVIDER": "openai",
                "OPENAI_API_KEY": "sk-test-unused",
                "OPENAI_BASE_URL": model.base_url,
            },
        )
        yield srv
        srv.stop()


@pytest.fixture
def alice(server) -> ChatKit:
    return server.client()


@pytest.fixture
def bob(server) -> ChatKit:
    return server.client()
