"""todo-mcp driven by the MCP Inspector CLI (npm), over stdio and HTTP."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from support import MCP_BIN, make_token, require_binary

HERE = Path(__file__).resolve().parent / "inspector"
CLI = HERE / "node_modules" / ".bin" / "mcp-inspector"


@pytest.fixture(scope="session")
def inspector() -> Path:
    if not CLI.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True)
    return CLI


def run(inspector: Path, target: list[str], *args: str, home: Path) -> dict:
    """One Inspector CLI call; returns its JSON output."""
    proc = subprocess.run(
        [str(inspector), "--cli", *target, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(home)},
    )
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return json.loads(proc.stdout)


@pytest.fixture(params=["stdio", "http"])
def target(request, database_url, secret, tmp_path) -> list[str]:
    if request.param == "stdio":
        env = [f"DATABASE_URL={database_url}", f"BETTER_AUTH_SECRET={secret}", "RUST_LOG=warn"]
        return [arg for pair in env for arg in ("-e", pair)] + [str(require_binary(MCP_BIN))]
    sidecar = request.getfixturevalue("http_sidecar")
    return [sidecar.url, "--transport", "http"]


def test_inspector_lists_and_calls_every_tool(inspector, target, secret, tmp_path):
    listed = run(inspector, target, "--method", "tools/list", home=tmp_path)
    assert sorted(t["name"] for t in listed["tools"]) == [
        "add_task",
        "complete_task",
        "delete_task",
        "list_tasks",
        "update_task",
    ]

    auth = ["--tool-metadata", f"authorization=Bearer {make_token(secret, 'ines')}"]

    def call(tool: str, **arguments) -> dict:
        pairs = [f"{k}={v}" for k, v in {"user_id": "ines", **arguments}.items()]
        return run(
            inspector, target, "--method", "tools/call", "--tool-name", tool, "--tool-arg", *pairs, *auth, home=tmp_path
        )

    added = call("add_task", title="Renew passport", description="before May")
    assert added["structuredContent"]["status"] == "created"
    task_id = added["structuredContent"]["task_id"]
    listed = call("list_tasks", status="pending")
    assert listed["structuredContent"]["tasks"] == [
        {"id": task_id, "title": "Renew passport", "completed": False, "description": "before May"}
    ]
    assert call("update_task", task_id=task_id, title="Renew passports")["structuredContent"]["status"] == "updated"
    assert call("complete_task", task_id=task_id)["structuredContent"]["status"] == "completed"
    assert call("delete_task", task_id=task_id)["structuredContent"]["status"] == "deleted"
    refused = call("delete_task", task_id=task_id)
    assert refused["isError"] is True and "not found" in refused["content"][0]["text"]


def test_inspector_without_a_token_is_refused(inspector, target, tmp_path):
    result = run(
        inspector,
        target,
        "--method",
        "tools/call",
        "--tool-name",
        "add_task",
        "--tool-arg",
        "user_id=ines",
        "title=x",
        home=tmp_path,
    )
    assert result["isError"] is True
    assert "authentication required" in result["content"][0]["text"]
