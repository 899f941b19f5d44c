"""The JSON operations: shapes, ordering and pagination."""

from __future__ import annotations

from conformance import ITEM_PAGE, THREAD, THREAD_PAGE, check


def new_thread(client, text: str) -> str:
    return client.create(text).events[0]["thread"]["id"]


def test_get_by_id_returns_the_thread_with_its_items_oldest_first(alice):
    thread_id = new_thread(alice, "what is on my list")
    alice.say(thread_id, "and tomorrow")
    thread = check(THREAD, alice.request("threads.get_by_id", thread_id=thread_id).content)
    assert thread["id"] == thread_id
    assert thread["title"] == "what is on my list"
    assert thread["status"] == {"type": "active"}
    items = thread["items"]
    assert items["has_more"] is False and "after" not in items
    assert [i["type"] for i in items["data"]] == ["user_message", "assistant_message"] * 2
    assert items["data"][0]["content"][0]["text"] == "what is on my list"
    assert items["data"][2]["content"][0]["text"] == "and tomorrow"
    assert all(i["thread_id"] == thread_id for i in items["data"])


def test_threads_list_is_newest_first_and_pages_with_after(alice):
    ids = [new_thread(alice, f"thread {n}") for n in range(3)]
    first = check(THREAD_PAGE, alice.request("threads.list", limit=2).content)
    assert [t["id"] for t in first["data"]] == [ids[2], ids[1]]
    assert first["has_more"] is True and first["after"] == ids[1]
    assert all(t["items"] == {"data": [], "has_more": False} for t in first["data"])
    assert first["data"][0]["title"] == "thread 2"

    rest = check(THREAD_PAGE, alice.request("threads.list", limit=2, after=first["after"]).content)
    assert [t["id"] for t in rest["data"]] == [ids[0]]
    assert rest["has_more"] is False and "after" not in rest

    oldest = check(THREAD_PAGE, alice.request("threads.list", order="asc").content)
    assert [t["id"] for t in oldest["data"]] == ids


def test_threads_list_moves_a_thread_with_a_new_message_to_the_top(alice):
    ids = [new_thread(alice, f"thread {n}") for n in range(2)]
    alice.say(ids[0], "back to the first one")
    page = check(THREAD_PAGE, alice.request("threads.list").content)
    assert [t["id"] for t in page["data"]] == [ids[0], ids[1]]


def test_threads_list_shows_only_the_callers_threads(alice, bob):
    new_thread(alice, "alice's")
    page = check(THREAD_PAGE, bob.request("threads.list").content)
    assert page == {"data": [], "has_more": False}


def test_items_list_is_newest_first_by_default_and_pages_with_after(alice):
    thread_id = new_thread(alice, "one")
    alice.say(thread_id, "two")
    asc = check(ITEM_PAGE, alice.request("items.list", thread_id=thread_id, order="asc").content)
    ids = [i["id"] for i in asc["data"]]
    assert len(ids) == 4 and asc["has_more"] is False

    desc = check(ITEM_PAGE, alice.request("items.list", thread_id=thread_id).content)
    assert [i["id"] for i in desc["data"]] == ids[::-1]

    page1 = check(
        ITEM_PAGE, alice.request("items.list", thread_id=thread_id, order="asc", limit=3).content
    )
    assert [i["id"] for i in page1["data"]] == ids[:3]
    assert page1["has_more"] is True and page1["after"] == ids[2]
    page2 = check(
        ITEM_PAGE,
        alice.request(
            "items.list", thread_id=thread_id, order="asc", limit=3, after=page1["after"]
        ).content,
    )
    assert [i["id"] for i in page2["data"]] == ids[3:]
    assert page2["has_more"] is False

    back = check(
        ITEM_PAGE,
        alice.request("items.list", thread_id=thread_id, limit=2, after=ids[2]).content,
    )
    assert [i["id"] for i in back["data"]] == [ids[1], ids[0]]


def test_update_renames_the_thread(alice):
    thread_id = new_thread(alice, "old name")
    thread = check(
        THREAD, alice.request("threads.update", thread_id=thread_id, title="  Groceries  ").content
    )
    assert thread["title"] == "Groceries"
    assert thread["items"] == {"data": [], "has_more": False}
    fetched = check(THREAD, alice.request("threads.get_by_id", thread_id=thread_id).content)
    assert fetched["title"] == "Groceries"
    # A renamed thread keeps its name through later turns.
    stream = alice.say(thread_id, "more")
    assert "thread.updated" not in stream.kinds()
    for bad in ("", "   ", "x" * 201):
        response = alice.request("threads.update", thread_id=thread_id, title=bad)
        assert response.status_code == 400, bad


def test_delete_removes_the_thread_and_its_items(alice):
    thread_id = new_thread(alice, "to be deleted")
    assert alice.json("threads.delete", thread_id=thread_id) == {}
    for kind, params in [
        ("threads.get_by_id", {}),
        ("items.list", {}),
        ("threads.delete", {}),
        ("threads.update", {"title": "x"}),
    ]:
        response = alice.request(kind, thread_id=thread_id, **params)
        assert response.status_code == 404, kind
    page = check(THREAD_PAGE, alice.request("threads.list").content)
    assert thread_id not in [t["id"] for t in page["data"]]


def test_feedback_is_acknowledged(alice, bob):
    stream = alice.create("rate me")
    thread_id = stream.events[0]["thread"]["id"]
    reply = [e for e in stream.events if e["type"] == "thread.item.done"][-1]["item"]["id"]
    assert alice.json("items.feedback", thread_id=thread_id, item_ids=[reply], kind="positive") == {}
    bad = alice.request("items.feedback", thread_id=thread_id, item_ids=["nope"], kind="negative")
    assert bad.status_code == 400
    other = bob.request("items.feedback", thread_id=thread_id, item_ids=[reply], kind="negative")
    assert other.status_code == 404
