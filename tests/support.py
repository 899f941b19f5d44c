"""Helpers for the test suites: the built binaries, ports, tokens signed the
way the frontend signs them, PostgreSQL administration."""

from __future__ import annotations

import os
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], check=True, capture_output=True)
