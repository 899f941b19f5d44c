"""The streaming operations: the reference's event sequence, frame by frame."""

from __future__ import annotations

import os
import re
import signal
import time

import requests
from conformance import ITEM_PAGE, check

TURN_TAIL = [
    "thread.item.added",
    "assistant_message.content_part.added",
    "assistant_message.content_part.text_delta",
    "assistant_message.content_part.done",
    "thread.item.done",
]


def collapse(kinds: list[str]) -> list[str]:
    """Runs of deltas and of progress updates folded into one entry."""
    out: list[str] = []
    for kind in kinds:
        folding = kind in ("assistant_message.content_part.text_delta", "progress_update")
        if not (folding and out and out[-1] == kind):
            out.append(kind)
    return out


def item_number(item_id: str) -> int:
    match = re.fullmatch(r"msg_([1-9][0-9]*)", item_id)
    assert match, f"unexpected item id {item_id!r}"
    return int(match.group(1))


def check_reply(stream, thread_id: str) -> dict:
    """The assistant part of a turn; returns the finished assistant item."""
    events = [e for e in stream.events if e["type"] != "progress_update"]
    added = next(e for e in events if e["type"] == "thread.item.added")
    item_id = added["item"]["id"]
    assert added["item"]["type"] == "assistant_message"
    assert added["item"]["content"] == []
    assert added["item"]["thread_id"] == thread_id
    updates = [e for e in events if e["type"] == "thread.item.updated"]
    assert updates and all(e["item_id"] == item_id for e in updates)
    assert updates[0]["update"] == {
        "type": "assistant_message.content_part.added",
        "content_index": 0,
        "content": {"type": "output_text", "text": "", "annotations": []},
    }
    deltas = [u["update"]["delta"] for u in updates[1:-1]]
    assert all(u["update"]["content_index"] == 0 for u in updates)
    text = "".join(deltas)
    assert text.strip(), "the reply is empty"
    assert updates[-1]["update"]["content"]["text"] == text
    done = [e for e in events if e["type"] == "thread.item.done"][-1]["item"]
    assert done["id"] == item_id
    assert done["content"] == [{"type": "output_text", "text": text, "annotations": []}]
    return done


def test_create_streams_the_reference_sequence(alice):
    stream = alice.create("Hello there, plan my week")
    kinds = collapse(stream.kinds())
    assert [k for k in kinds if k != "progress_update"] == [
        "thread.created",
        "thread.item.done",
        "stream_options",
        *TURN_TAIL,
        "thread.updated",
    ], kinds

    thread = stream.events[0]["thread"]
    assert re.fullmatch(r"[1-9][0-9]*", thread["id"])
    assert "title" not in thread, "a new thread is titled once its first reply is in"
    assert thread["status"] == {"type": "active"} and thread["metadata"] == {}
    assert thread["items"] == {"data": [], "has_more": False}

    user_item = stream.events[1]["item"]
    assert user_item["type"] == "user_message"
    assert user_item["thread_id"] == thread["id"]
    assert user_item["content"] == [{"type": "input_text", "text": "Hello there, plan my week"}]
    assert user_item["attachments"] == [] and user_item["inference_options"] == {}

    assert stream.events[2] == {"type": "stream_options", "stream_options": {"allow_cancel": False}}
    reply = check_reply(stream, thread["id"])
    assert item_number(reply["id"]) > item_number(user_item["id"])

    updated = stream.events[-1]["thread"]
    assert updated["id"] == thread["id"]
    assert updated["title"] == "Hello there, plan my week"


def test_add_user_message_continues_the_thread(alice):
    thread_id = alice.create("first message").events[0]["thread"]["id"]
    stream = alice.say(thread_id, "  second message  ")
    kinds = [k for k in collapse(stream.kinds()) if k != "progress_update"]
    assert kinds == ["thread.item.done", "stream_options", *TURN_TAIL], kinds
    assert stream.events[0]["item"]["content"][0]["text"] == "second message"
    check_reply(stream, thread_id)

    items = check(ITEM_PAGE, alice.request("items.list", thread_id=thread_id, order="asc").content)
    roles = [i["type"] for i in items["data"]]
    assert roles == ["user_message", "assistant_message"] * 2
    assert items["data"][2]["id"] == stream.events[0]["item"]["id"]


def test_a_tool_turn_reports_progress_while_the_tool_runs(alice):
    stream = alice.create("add buy milk")
    progress = [e for e in stream.events if e["type"] == "progress_update"]
    # The offline agent always adds a task for this: no progress is a regression.
    assert progress, f"no progress_update for 'add buy milk': {stream.kinds()}"
    kinds = stream.kinds()
    assert kinds.index("progress_update") > kinds.index("stream_options")
    assert kinds.index("progress_update") < kinds.index("thread.item.added")
    assert progress[0]["text"] == "Adding task…"


def test_retry_after_item_answers_again_from_that_message(alice):
    first = alice.create("first question")
    thread_id = first.events[0]["thread"]["id"]
    first_user = first.events[1]["item"]["id"]
    old_reply = check_reply(first, thread_id)["id"]
    alice.say(thread_id, "second question")

    stream = alice.stream("threads.retry_after_item", thread_id=thread_id, item_id=first_user)
    kinds = [k for k in collapse(stream.kinds()) if k != "progress_update"]
    assert kinds == ["stream_options", *TURN_TAIL], kinds
    new_reply = check_reply(stream, thread_id)
    assert new_reply["id"] != old_reply

    items = check(ITEM_PAGE, alice.request("items.list", thread_id=thread_id, order="asc").content)
    assert [i["id"] for i in items["data"]] == [first_user, new_reply["id"]]


def test_retry_refuses_items_that_are_not_user_messages_of_that_thread(alice, bob):
    stream = alice.create("question")
    thread_id = stream.events[0]["thread"]["id"]
    reply_id = check_reply(stream, thread_id)["id"]
    user_id = stream.events[1]["item"]["id"]
    retry = lambda **p: alice.request("threads.retry_after_item", **p)  # noqa: E731
    assert retry(thread_id=thread_id, item_id=reply_id).status_code == 400
    assert retry(thread_id=thread_id, item_id="msg_x").status_code == 400
    assert retry(thread_id=thread_id, item_id="msg_999999999").status_code == 404
    other = alice.create("another thread").events[0]["thread"]["id"]
    assert retry(thread_id=other, item_id=user_id).status_code == 404
    # Bob cannot retry in Alice's thread, and is not told it exists.
    response = bob.request("threads.retry_after_item", thread_id=thread_id, item_id=user_id)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


def test_custom_actions_get_an_in_stream_error_without_retry(alice):
    thread_id = alice.create("hi").events[0]["thread"]["id"]
    stream = alice.stream(
        "threads.custom_action", thread_id=thread_id, action={"type": "noop", "payload": {}}
    )
    assert stream.events == [{"type": "error", "code": "stream.error", "allow_retry": False}]


def test_a_failed_turn_is_an_in_stream_error(model_down_server):
    client = model_down_server.client()
    stream = client.create("add buy milk")
    assert stream.response.status_code == 200
    assert collapse(stream.kinds()) in (
        ["thread.created", "thread.item.done", "stream_options", "error"],
        ["thread.created", "thread.item.done", "stream_options", "progress_update", "error"],
    ), stream.kinds()
    assert stream.events[-1] == {"type": "error", "code": "stream.error", "allow_retry": True}
    thread_id = stream.events[0]["thread"]["id"]
    user_id = stream.events[1]["item"]["id"]
    # The user message stays, so that the client's retry can answer it; no reply was stored.
    items = check(ITEM_PAGE, client.request("items.list", thread_id=thread_id).content)
    assert [i["id"] for i in items["data"]] == [user_id]
    retry = client.stream("threads.retry_after_item", thread_id=thread_id, item_id=user_id)
    assert retry.kinds() == ["stream_options", "error"]


def test_a_killed_sidecar_fails_one_turn_in_stream_then_the_next_recovers(server):
    client = server.client()
    probe = client.create("add buy milk")
    # The sidecar is running only if this turn called a tool.
    assert any(e["type"] == "progress_update" for e in probe.events), probe.kinds()
    thread_id = probe.events[0]["thread"]["id"]
    pids = server.sidecar_pids()
    assert pids, "the backend runs no todo-mcp child"
    server.block_file.touch()
    try:
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while server.sidecar_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        failed = client.say(thread_id, "add buy bread")
        assert failed.response.status_code == 200
        assert failed.events[-1] == {"type": "error", "code": "stream.error", "allow_retry": True}
        assert "thread.item.added" not in failed.kinds()
    finally:
        server.block_file.unlink()
    # The next turn respawns the sidecar and succeeds; the failed turn's
    # message can be retried with the client's retry.
    recovered = client.say(thread_id, "add buy eggs")
    check_reply(recovered, thread_id)
    assert any(e["type"] == "progress_update" for e in recovered.events)
    assert server.sidecar_pids()
    retried = client.stream(
        "threads.retry_after_item", thread_id=thread_id, item_id=failed.events[0]["item"]["id"]
    )
    check_reply(retried, thread_id)


def test_events_reach_the_client_while_the_turn_runs(scripted_model_server):
    """With a model that pauses after the tool call, the opening events and
    the tool's progress arrive before the pause ends, not with the reply."""
    from scripted_model import PAUSE_SECONDS, REPLY

    client = scripted_model_server.client()
    timed = client.timed_stream(
        "threads.create", input={"content": [{"type": "input_text", "text": "buy milk"}],
                                 "attachments": [], "inference_options": {}}
    )
    kinds = [e["type"] for _, e in timed]
    assert kinds[:4] == ["thread.created", "thread.item.done", "stream_options", "progress_update"]
    assert timed[3][1]["text"] == "Adding task…"
    reply_at = next(t for t, e in timed if e["type"] == "thread.item.added")
    assert reply_at - timed[3][0] >= PAUSE_SECONDS * 0.8, "events were held back until the end"
    done = [e for _, e in timed if e["type"] == "thread.item.done"][-1]["item"]
    assert done["content"][0]["text"] == REPLY
    items = client.json("items.list", thread_id=timed[0][1]["thread"]["id"], order="asc")
    assert [i["type"] for i in items["data"]] == ["user_message", "assistant_message"]
    # The reply streamed under the id it is stored with.
    added = next(e for _, e in timed if e["type"] == "thread.item.added")["item"]
    assert added["id"] == done["id"] == items["data"][1]["id"]
    deltas = [e["update"]["delta"] for _, e in timed
              if e["type"] == "thread.item.updated"
              and e["update"]["type"] == "assistant_message.content_part.text_delta"]
    assert "".join(deltas) == REPLY and len(deltas) > 1, deltas
    # The tool really ran, for this user.
    tasks = requests.get(
        f"{scripted_model_server.base}/api/{client.user_id}/tasks",
        headers={"Authorization": f"Bearer {client.token}"},
        timeout=30,
    )
    assert tasks.status_code == 200, tasks.text
    assert "Buy milk" in tasks.text
