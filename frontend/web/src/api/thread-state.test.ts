import { describe, expect, it } from "vitest";
import { thread, turnEvents, userItem } from "../../../testing/chatkit-fixtures";
import { applyEvent, emptyChat, localUserMessage, type ChatState } from "./thread-state";
import { itemText } from "./types";

describe("applyEvent", () => {
  it("folds a whole turn into a thread with the user message and the streamed reply", () => {
    let state: ChatState = { ...emptyChat, items: [localUserMessage(null, "add buy milk")] };
    const events = turnEvents({
      threadId: "5",
      userId: "u1",
      assistantId: "a1",
      text: "add buy milk",
      reply: ["I added ", "“Buy milk”", "."],
      created: true,
      progress: "Calling add_task",
      title: "Buy milk",
    });
    const seen: (string | null)[] = [];
    for (const ev of events) {
      state = applyEvent(state, ev);
      seen.push(state.progress);
    }
    expect(state.threadId).toBe("5");
    expect(state.title).toBe("Buy milk");
    expect(state.items.map((i) => [i.id, i.type, itemText(i)])).toEqual([
      ["u1", "user_message", "add buy milk"],
      ["a1", "assistant_message", "I added “Buy milk”."],
    ]);
    expect(seen).toContain("Calling add_task");
    expect(state.progress).toBeNull();
  });

  it("shows partial text while deltas arrive", () => {
    let state = applyEvent(emptyChat, {
      type: "thread.item.added",
      item: { id: "a", thread_id: "1", created_at: "", type: "assistant_message", content: [] },
    });
    state = applyEvent(state, {
      type: "thread.item.updated",
      item_id: "a",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "Hel" },
    });
    expect(itemText(state.items[0]!)).toBe("Hel");
    state = applyEvent(state, {
      type: "thread.item.updated",
      item_id: "a",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "lo" },
    });
    expect(itemText(state.items[0]!)).toBe("Hello");
  });

  it("ignores updates for unknown items and unknown event types", () => {
    const state = applyEvent(emptyChat, {
      type: "thread.item.updated",
      item_id: "nope",
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta: "x" },
    });
    expect(state).toBe(emptyChat);
    expect(applyEvent(emptyChat, { type: "client_effect", name: "x" })).toBe(emptyChat);
  });

  it("turns an error event into a message, with a default text for stream.error", () => {
    const state = applyEvent(
      { ...emptyChat, progress: "working" },
      { type: "error", code: "stream.error", allow_retry: true },
    );
    expect(state.error).toEqual({ message: expect.stringMatching(/went wrong/) as unknown, allowRetry: true });
    expect(state.progress).toBeNull();
    expect(applyEvent(emptyChat, { type: "error", message: "Quota reached" }).error?.message).toBe("Quota reached");
  });

  it("removes and replaces items", () => {
    let state = applyEvent(emptyChat, { type: "thread.item.done", item: userItem("1", "t", "a") });
    state = applyEvent(state, { type: "thread.item.replaced", item: userItem("1", "t", "b") });
    expect(itemText(state.items[0]!)).toBe("b");
    state = applyEvent(state, { type: "thread.item.removed", item_id: "1" });
    expect(state.items).toEqual([]);
  });

  it("keeps the old title when an update has none", () => {
    const state = applyEvent({ ...emptyChat, title: "Kept" }, { type: "thread.updated", thread: thread("1") });
    expect(state.title).toBe("Kept");
  });
});
