"""Helpers for the test suites: the built binaries, ports, tokens signed the
way the frontend signs them, PostgreSQL administration."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import jwt
import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug"
MCP_BIN = Path(os.environ.get("TODO_MCP_BIN", TARGET / "todo-mcp"))
BACKEND_BIN = Path(os.environ.get("TODO_BACKEND_BIN", TARGET / "todo-backend"))
AUDIENCE = "todo-api"


def require_binary(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `cargo build --workspace --bins` first")
    return path


# A listening line's port: the backend's `port=N` (or JSON `"port":N`), the
# HTTP sidecar's `addr=127.0.0.1:N`.
_LOGGED_PORT = re.compile(r'(?:"port":|port=|127\.0\.0\.1:)(\d+)')

# The lines that carry the bound port, and the RUST_LOG directive that keeps them.
BACKEND_LISTENING = ("todo-backend listening", "todo_backend::startup=info")
SIDECAR_LISTENING = ("serving MCP over streamable HTTP", "todo_mcp::http=info")


def logged_port(log: Path, listening: tuple[str, str], proc: subprocess.Popen, timeout: float = 30.0) -> int:
    """The port a child told to bind port 0 wrote on its listening line. No
    port is picked here, released, and then bound by the child: another
    process could take it in between."""
    deadline = time.monotonic() + timeout
    while True:
        text = log.read_text(errors="replace") if log.exists() else ""
        for line in text.splitlines():
            if listening[0] in line and (match := _LOGGED_PORT.search(line)):
                return int(match.group(1))
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before logging its port:\n{text}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {listening[0]!r} line within {timeout}s:\n{text}")
        time.sleep(0.05)


@contextlib.contextmanager
def refused_port():
    """A port bound but not listening while the block runs: connections to it
    are refused, and nothing else can take it meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def wait_http(url: str, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer 200 within {timeout}s")


def make_token(secret: str, sub: str, *, ttl: int = 600, aud: str = AUDIENCE, **extra) -> str:
    now = int(time.time())
    claims = {"sub": sub, "aud": aud, "iat": now, "exp": now + ttl, **extra}
    return jwt.encode(claims, secret, algorithm="HS256")


def postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL cases skipped (scripts/pg-start.sh starts one)")
    return url


def psql(url: str, sql: str) -> None:
    done = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"psql failed ({done.returncode}) on {sql!r}: {done.stderr.strip()}")


def drop_database(admin: str, name: str) -> None:
    """Drops a test database. A sidecar that is still exiting can open a new
    connection while DROP ... WITH (FORCE) terminates the others ("being
    accessed by other users"): try again a few times before failing."""
    for attempt in range(10):
        try:
            psql(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except RuntimeError:
            if attempt == 9:
                raise
            time.sleep(0.5)
