/** Protocol-shaped values (as the openai-chatkit types define them) for tests. */
import type { ThreadStreamEvent } from "../web/src/api/types";

export const created = "2025-01-01T00:00:00Z";

export function userItem(id: string, threadId: string, text: string) {
  return {
    id,
    thread_id: threadId,
    created_at: created,
    type: "user_message" as const,
    content: [{ type: "input_text" as const, text }],
    attachments: [],
    inference_options: {},
  };
}

export function assistantItem(id: string, threadId: string, text: string) {
  return {
    id,
    thread_id: threadId,
    created_at: created,
    type: "assistant_message" as const,
    content: [{ type: "output_text" as const, text, annotations: [] }],
  };
}

export function thread(id: string, title?: string) {
  return {
    id,
    ...(title ? { title } : {}),
    created_at: created,
    status: { type: "active" as const },
    metadata: {},
    items: { data: [], has_more: false },
  };
}

/** The events of one turn, in the order the protocol prescribes. */
export function turnEvents(opts: {
  threadId: string;
  userId: string;
  assistantId: string;
  text: string;
  reply: string[];
  created?: boolean;
  progress?: string;
  title?: string;
}): ThreadStreamEvent[] {
  const full = opts.reply.join("");
  const events: ThreadStreamEvent[] = [];
  if (opts.created) events.push({ type: "thread.created", thread: thread(opts.threadId) });
  events.push({ type: "thread.item.done", item: userItem(opts.userId, opts.threadId, opts.text) });
  events.push({ type: "stream_options", stream_options: { allow_cancel: true } });
  if (opts.progress) events.push({ type: "progress_update", text: opts.progress });
  events.push({ type: "thread.item.added", item: assistantItem(opts.assistantId, opts.threadId, "") });
  events.push({
    type: "thread.item.updated",
    item_id: opts.assistantId,
    update: {
      type: "assistant_message.content_part.added",
      content_index: 0,
      content: { type: "output_text", text: "", annotations: [] },
    },
  });
  for (const delta of opts.reply) {
    events.push({
      type: "thread.item.updated",
      item_id: opts.assistantId,
      update: { type: "assistant_message.content_part.text_delta", content_index: 0, delta },
    });
  }
  events.push({
    type: "thread.item.updated",
    item_id: opts.assistantId,
    update: {
      type: "assistant_message.content_part.done",
      content_index: 0,
      content: { type: "output_text", text: full, annotations: [] },
    },
  });
  events.push({ type: "thread.item.done", item: assistantItem(opts.assistantId, opts.threadId, full) });
  if (opts.title) events.push({ type: "thread.updated", thread: thread(opts.threadId, opts.title) });
  return events;
}
