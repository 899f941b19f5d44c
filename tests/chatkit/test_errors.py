"""Refusals: plain JSON errors with the right status, before any stream."""

from __future__ import annotations

import pytest
from conftest import user_input


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"], body
    # Every error names its request, as the x-request-id header does.
    assert body["error"].pop("request_id") == response.headers["x-request-id"], body
    return body


@pytest.fixture
def thread_id(alice) -> str:
    return alice.create("my thread").events[0]["thread"]["id"]


@pytest.mark.parametrize(
    "body",
    [
        {"type": "threads.teleport", "params": {}},
        {"type": 7, "params": {}},
        {"type": "threads.get_by_id"},
        {"type": "threads.get_by_id", "params": {}},
        {"type": "threads.get_by_id", "params": {"thread_id": 1}},
        {"type": "threads.get_by_id", "params": []},
        {"type": "threads.create", "params": {"input": {"content": "hi"}}},
        {"type": "threads.create", "params": {"input": {"content": [{"type": "input_text"}],
                                                         "attachments": [], "inference_options": {}}}},
        {"type": "threads.list", "params": {"order": "random"}},
        {"type": "threads.list", "params": {"limit": -1}},
        {"type": "threads.list", "params": {"limit": "ten"}},
        {"type": "threads.list", "params": {"after": "thr_1"}},
        {"type": "items.feedback", "params": {"thread_id": "1", "item_ids": "msg_1", "kind": "positive"}},
        {"type": "attachments.create", "params": {"name": "a.txt", "size": 1, "mime_type": "text/plain"}},
        {"type": "input.transcribe", "params": {"audio_base64": "", "mime_type": "audio/webm"}},
    ],
)
def test_bad_requests_are_400(alice, body):
    assert_error(alice.post(body), 400, "bad_request")


def test_a_body_that_is_not_json_is_400(alice):
    assert_error(alice.post(b'{"type": "threads.list",'), 400, "bad_request")


@pytest.mark.parametrize("bad_id", ["abc", "0", "-4", "007", "1.5", "", "99999999999999999999"])
def test_malformed_thread_ids_are_400(alice, bad_id):
    assert_error(alice.request("threads.get_by_id", thread_id=bad_id), 400, "bad_request")
    assert_error(
        alice.request("threads.add_user_message", thread_id=bad_id, input=user_input("hi")),
        400,
        "bad_request",
    )


def test_malformed_item_ids_are_400(alice, thread_id):
    for bad in ["1", "msg_", "msg_0", "msg_abc", "item_1"]:
        assert_error(
            alice.request("threads.retry_after_item", thread_id=thread_id, item_id=bad),
            400,
            "bad_request",
        )
        assert_error(
            alice.request("items.list", thread_id=thread_id, after=bad), 400, "bad_request"
        )


def test_empty_and_attached_messages_are_400(alice, thread_id):
    empty = user_input("   ")
    assert_error(alice.request("threads.create", input=empty), 400, "bad_request")
    assert_error(
        alice.request("threads.add_user_message", thread_id=thread_id, input=empty),
        400,
        "bad_request",
    )
    attached = {**user_input("see file"), "attachments": ["atc_123"]}
    assert_error(alice.request("threads.create", input=attached), 400, "bad_request")
    too_long = user_input("x" * 100_000)
    assert_error(alice.request("threads.create", input=too_long), 413, "payload_too_large")


def test_operations_without_a_pending_item_are_400(alice, thread_id):
    assert_error(
        alice.request("threads.add_client_tool_output", thread_id=thread_id, result={}),
        400,
        "bad_request",
    )


def test_another_users_thread_is_404_before_any_stream(alice, bob, thread_id):
    missing = "987654321"
    for target in (thread_id, missing):
        for kind, params in [
            ("threads.add_user_message", {"input": user_input("let me in")}),
            ("threads.retry_after_item", {"item_id": "msg_1"}),
            ("threads.get_by_id", {}),
            ("items.list", {}),
            ("threads.update", {"title": "mine now"}),
            ("threads.delete", {}),
            ("items.feedback", {"item_ids": [], "kind": "positive"}),
            ("threads.custom_action", {"action": {"type": "x"}}),
            ("threads.add_client_tool_output", {"result": None}),
        ]:
            response = bob.request(kind, thread_id=target, **params)
            body = assert_error(response, 404, "not_found")
            assert body == {"error": {"code": "not_found", "message": "thread not found"}}, kind
    # Nothing of Bob's reached Alice's thread.
    items = alice.json("items.list", thread_id=thread_id)["data"]
    assert [i["type"] for i in items] == ["assistant_message", "user_message"]


def test_no_token_is_401_and_someone_elses_path_is_403(server, alice, bob):
    body = {"type": "threads.list", "params": {}}
    assert_error(alice.post(body, token=None), 401, "unauthorized")
    assert_error(alice.post(body, token="not.a.jwt"), 401, "unauthorized")
    forged = server.token(alice.user_id).rsplit(".", 1)[0] + ".c2lnbmF0dXJl"
    assert_error(alice.post(body, token=forged), 401, "unauthorized")
    expired = server.token(alice.user_id, exp=1_000_000_000)
    assert_error(alice.post(body, token=expired), 401, "unauthorized")
    assert_error(alice.post(body, path_user=bob.user_id), 403, "forbidden")
    stream_body = {"type": "threads.create", "params": {"input": user_input("hi")}}
    assert_error(alice.post(stream_body, token=None), 401, "unauthorized")
    assert_error(alice.post(stream_body, path_user=bob.user_id), 403, "forbidden")
