"""The sidecar under test, over stdio or streamable HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest
from mcp import StdioServerParameters

from support import MCP_BIN, SIDECAR_LISTENING, logged_port, require_binary, wait_http


def sidecar_env(database_url: str, secret: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": database_url,
        "BETTER_AUTH_SECRET": secret,
        "RUST_LOG": "warn",
    }


class HttpSidecar:
    def __init__(self, database_url: str, secret: str):
        # It binds port 0 and logs the port it got.
        self.logdir = tempfile.TemporaryDirectory()
        log = Path(self.logdir.name) / "sidecar.log"
        env = sidecar_env(database_url, secret)
        env["RUST_LOG"] += f",{SIDECAR_LISTENING[1]}"
        with open(log, "w") as out:
            self.proc = subprocess.Popen(
                [str(require_binary(MCP_BIN)), "--http", "127.0.0.1:0"],
                env=env,
                stderr=out,
            )
        self.port = logged_port(log, SIDECAR_LISTENING, self.proc)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_http(f"{self.base}/healthz", proc=self.proc)

    @property
    def url(self) -> str:
        return f"{self.base}/mcp"

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=10)
        self.logdir.cleanup()
        return code


@pytest.fixture(params=["stdio", "http"])
def server(request, database_url, secret):
    """What `mcp.Client` connects to: stdio parameters or an HTTP URL."""
    if request.param == "stdio":
        yield StdioServerParameters(command=str(require_binary(MCP_BIN)), env=sidecar_env(database_url, secret))
        return
    sidecar = HttpSidecar(database_url, secret)
    yield sidecar.url
    sidecar.stop()


@pytest.fixture
def http_sidecar(database_url, secret):
    sidecar = HttpSidecar(database_url, secret)
    yield sidecar
    sidecar.stop()
