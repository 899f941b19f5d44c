"""todo-mcp driven by the official Python MCP SDK, over stdio and streamable
HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import anyio
import jwt as pyjwt
import pytest
from mcp import Client

from support import make_token

pytestmark = pytest.mark.anyio

TOOLS = {
    "add_task": ({"user_id", "title", "description"}, {"user_id", "title"}),
    "list_tasks": ({"user_id", "status"}, {"user_id"}),
    "complete_task": ({"user_id", "task_id"}, {"user_id", "task_id"}),
    "delete_task": ({"user_id", "task_id"}, {"user_id", "task_id"}),
    "update_task": ({"user_id", "task_id", "title", "description"}, {"user_id", "task_id"}),
}
TYPES = {"user_id": "string", "title": "string", "description": "string", "status": "string", "task_id": "integer"}


def meta(token: str | None) -> dict | None:
    return None if token is None else {"authorization": f"Bearer {token}"}


async def call(client: Client, name: str, token: str | None, **arguments):
    return await client.call_tool(name, arguments, meta=meta(token))


def text_json(result):
    assert result.content and result.content[0].type == "text"
    return json.loads(result.content[0].text)


def error_text(result) -> str:
    assert result.is_error is True, f"expected a tool error, got {result}"
    return result.content[0].text


async def test_lists_exactly_the_five_tools_with_the_contract_parameters(server):
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    assert {t.name for t in tools} == set(TOOLS)
    for tool in tools:
        properties, required = TOOLS[tool.name]
        schema = tool.input_schema
        assert set(schema["properties"]) == properties, tool.name
        assert set(schema.get("required", [])) == required, tool.name
        for name, prop in schema["properties"].items():
            assert prop["type"] == TYPES[name], (tool.name, name)
        assert tool.description
    statuses = next(t for t in tools if t.name == "list_tasks").input_schema["properties"]["status"]["enum"]
    assert statuses == ["all", "pending", "completed"]


async def test_every_tool_returns_the_contract_shapes(server, secret):
    token = make_token(secret, "alice")
    async with Client(server) as client:
        added = await call(client, "add_task", token, user_id="alice", title="Buy groceries")
        assert added.is_error is False
        created = added.structured_content
        assert created == {"task_id": created["task_id"], "status": "created", "title": "Buy groceries"}
        assert text_json(added) == created
        first = created["task_id"]

        with_desc = await call(
            client, "add_task", token, user_id="alice", title="  Book flights ", description="to Lisbon"
        )
        second = with_desc.structured_content["task_id"]
        assert with_desc.structured_content["title"] == "Book flights"

        listed = await call(client, "list_tasks", token, user_id="alice")
        assert text_json(listed) == [
            {"id": first, "title": "Buy groceries", "completed": False},
            {"id": second, "title": "Book flights", "completed": False, "description": "to Lisbon"},
        ]
        assert listed.structured_content == {"tasks": text_json(listed)}

        done = await call(client, "complete_task", token, user_id="alice", task_id=first)
        assert done.structured_content == {"task_id": first, "status": "completed", "title": "Buy groceries"}
        pending = text_json(await call(client, "list_tasks", token, user_id="alice", status="pending"))
        completed = text_json(await call(client, "list_tasks", token, user_id="alice", status="completed"))
        assert [t["id"] for t in pending] == [second]
        assert [t["id"] for t in completed] == [first] and completed[0]["completed"] is True

        renamed = await call(
            client, "update_task", token, user_id="alice", task_id=second, title="Book flights to Lisbon"
        )
        assert renamed.structured_content == {"task_id": second, "status": "updated", "title": "Book flights to Lisbon"}
        described = await call(
            client, "update_task", token, user_id="alice", task_id=second, description="window seats"
        )
        assert described.structured_content["title"] == "Book flights to Lisbon"
        after = text_json(await call(client, "list_tasks", token, user_id="alice", status="pending"))
        assert after[0]["description"] == "window seats"

        deleted = await call(client, "delete_task", token, user_id="alice", task_id=first)
        assert deleted.structured_content == {"task_id": first, "status": "deleted", "title": "Buy groceries"}
        assert [t["id"] for t in text_json(await call(client, "list_tasks", token, user_id="alice", status="all"))] == [
            second
        ]
        assert "not found" in error_text(await call(client, "delete_task", token, user_id="alice", task_id=first))


async def test_a_user_cannot_touch_another_users_tasks(server, secret):
    alice, bob = make_token(secret, "alice"), make_token(secret, "bob")
    async with Client(server) as client:
        task = (await call(client, "add_task", alice, user_id="alice", title="Alice's secret")).structured_content[
            "task_id"
        ]
        missing = 987654321
        for name, extra in [
            ("complete_task", {}),
            ("delete_task", {}),
            ("update_task", {"title": "pwned"}),
        ]:
            # Bob acting as himself: the task looks exactly like one that does not exist.
            own = error_text(await call(client, name, bob, user_id="bob", task_id=task, **extra))
            absent = error_text(await call(client, name, bob, user_id="bob", task_id=missing, **extra))
            assert own == absent.replace(str(missing), str(task))
            # Bob naming Alice: refused before anything runs.
            assert "does not match" in error_text(await call(client, name, bob, user_id="alice", task_id=task, **extra))
        assert text_json(await call(client, "list_tasks", bob, user_id="bob")) == []
        assert "does not match" in error_text(await call(client, "list_tasks", bob, user_id="alice"))
        assert "does not match" in error_text(await call(client, "add_task", bob, user_id="alice", title="x"))
        assert text_json(await call(client, "list_tasks", alice, user_id="alice")) == [
            {"id": task, "title": "Alice's secret", "completed": False}
        ]


async def test_calls_without_a_valid_token_are_refused(server, secret):
    good = make_token(secret, "alice")
    forged = make_token("not-the-secret-" + secret, "alice")
    expired = make_token(secret, "alice", ttl=-120)
    wrong_aud = make_token(secret, "alice", aud="someone-else")
    unsigned = pyjwt.encode({"sub": "alice", "aud": "todo-api", "exp": 9999999999}, None, algorithm="none")
    async with Client(server) as client:
        assert "authentication required" in error_text(await call(client, "add_task", None, user_id="alice", title="x"))
        bad_scheme = await client.call_tool(
            "add_task", {"user_id": "alice", "title": "x"}, meta={"authorization": good}
        )
        assert "authentication required" in error_text(bad_scheme)
        for token in (forged, expired, wrong_aud, unsigned, "garbage"):
            message = error_text(await call(client, "add_task", token, user_id="alice", title="x"))
            assert "authentication failed" in message, message
        assert text_json(await call(client, "list_tasks", good, user_id="alice")) == []


@pytest.mark.parametrize(
    "name,arguments,expected",
    [
        ("add_task", {"title": ""}, "empty"),
        ("add_task", {"title": "   "}, "empty"),
        ("add_task", {"title": "x" * 201}, "200"),
        ("add_task", {"title": "ok", "description": "d" * 1001}, "1000"),
        ("add_task", {"title": 5}, "invalid arguments"),
        ("add_task", {}, "invalid arguments"),
        ("add_task", {"title": "ok", "priority": "high"}, "invalid arguments"),
        ("list_tasks", {"status": "done"}, "unknown status"),
        ("list_tasks", {"status": 3}, "invalid arguments"),
        ("complete_task", {}, "invalid arguments"),
        ("complete_task", {"task_id": "1"}, "invalid arguments"),
        ("complete_task", {"task_id": 1.5}, "invalid arguments"),
        ("delete_task", {"task_id": None}, "invalid arguments"),
        ("update_task", {"task_id": 1}, "nothing to update"),
        ("update_task", {"task_id": 1, "title": ""}, "empty"),
    ],
)
async def test_bad_input_is_a_tool_error_and_stores_nothing(server, secret, name, arguments, expected):
    token = make_token(secret, "alice")
    async with Client(server) as client:
        message = error_text(await client.call_tool(name, {"user_id": "alice", **arguments}, meta=meta(token)))
        assert expected in message, message
        assert text_json(await call(client, "list_tasks", token, user_id="alice")) == []


async def test_user_id_must_be_a_string(server, secret):
    token = make_token(secret, "alice")
    async with Client(server) as client:
        assert "invalid arguments" in error_text(
            await client.call_tool("add_task", {"user_id": 7, "title": "x"}, meta=meta(token))
        )


async def test_many_clients_at_once_lose_nothing(server, secret):
    clients, per_client = 8, 10

    async def worker(n: int):
        user = f"user{n % 4}"
        token = make_token(secret, user)
        async with Client(server) as client:
            ids = []
            for i in range(per_client):
                result = await call(client, "add_task", token, user_id=user, title=f"task {n}-{i}")
                assert result.is_error is False, result
                ids.append(result.structured_content["task_id"])
            for task_id in ids[::2]:
                result = await call(client, "complete_task", token, user_id=user, task_id=task_id)
                assert result.is_error is False, result

    async with anyio.create_task_group() as group:
        for n in range(clients):
            group.start_soon(worker, n)

    async with Client(server) as client:
        for u in range(4):
            token = make_token(secret, f"user{u}")
            tasks = text_json(await call(client, "list_tasks", token, user_id=f"user{u}"))
            assert len(tasks) == 2 * per_client
            assert sum(t["completed"] for t in tasks) == per_client
