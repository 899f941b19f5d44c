"""Shared fixtures: a secret, fresh databases of each kind, npx."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import urllib.parse
import uuid

import pytest

from support import MCP_BIN, drop_database, postgres_url, psql, require_binary


@pytest.fixture
def secret() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path}/todo.db"
        return
    admin = postgres_url()
    name = f"pytest_{uuid.uuid4().hex[:12]}"
    psql(admin, f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(admin)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    subprocess.run(
        [str(require_binary(MCP_BIN)), "migrate"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    yield url
    drop_database(admin, name)


@pytest.fixture
def npx() -> str:
    path = shutil.which("npx")
    if path is None:
        pytest.fail("npx is not installed (Node.js is required for the MCP Inspector CLI)")
    return path


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
