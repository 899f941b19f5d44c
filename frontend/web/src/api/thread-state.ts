/** Folds ChatKit stream events into what the chat view shows. Pure, so it is easy to test. */
import type { AssistantMessageContent, ThreadItem, ThreadStreamEvent } from "./types";

export interface ChatError {
  message: string;
  allowRetry: boolean;
}

export interface ChatState {
  threadId: string | null;
  title: string | null;
  items: ThreadItem[];
  /** What a running tool reports, until the reply starts. */
  progress: string | null;
  error: ChatError | null;
  notice: string | null;
}

export const emptyChat: ChatState = {
  threadId: null,
  title: null,
  items: [],
  progress: null,
  error: null,
  notice: null,
};

export const LOCAL_PREFIX = "local-";

const ERROR_TEXT: Record<string, string> = {
  "stream.error": "Something went wrong while answering. Please try again.",
};

export function applyEvent(state: ChatState, ev: ThreadStreamEvent): ChatState {
  switch (ev.type) {
    case "thread.created":
    case "thread.updated":
      return { ...state, threadId: ev.thread.id, title: ev.thread.title ?? state.title };
    case "thread.item.added":
    case "thread.item.done":
    case "thread.item.replaced": {
      const items = upsert(state.items, ev.item);
      const progress = ev.type === "thread.item.done" && ev.item.type === "assistant_message" ? null : state.progress;
      return { ...state, items, progress };
    }
    case "thread.item.removed":
      return { ...state, items: state.items.filter((i) => i.id !== ev.item_id) };
    case "thread.item.updated":
      return applyUpdate(state, ev.item_id, ev.update);
    case "progress_update":
      return { ...state, progress: ev.text };
    case "error":
      return {
        ...state,
        progress: null,
        error: {
          message: ev.message || ERROR_TEXT[ev.code ?? ""] || "Something went wrong.",
          allowRetry: ev.allow_retry ?? false,
        },
      };
    case "notice":
      return { ...state, notice: ev.title ? `${ev.title}: ${ev.message}` : ev.message };
    default:
      return state;
  }
}

/** Replaces the item with the same id; a server user message replaces the optimistic local one. */
function upsert(items: ThreadItem[], item: ThreadItem): ThreadItem[] {
  const at = items.findIndex((i) => i.id === item.id);
  if (at !== -1) return items.map((i, n) => (n === at ? item : i));
  if (item.type === "user_message") {
    const local = items.findIndex((i) => i.id.startsWith(LOCAL_PREFIX) && i.type === "user_message");
    if (local !== -1) return items.map((i, n) => (n === local ? item : i));
  }
  return [...items, item];
}

function applyUpdate(state: ChatState, itemId: string, update: { type: string; [k: string]: unknown }): ChatState {
  const at = state.items.findIndex((i) => i.id === itemId);
  const item = state.items[at];
  if (!item || item.type !== "assistant_message") return state;
  const content = [...(item as { content: AssistantMessageContent[] }).content];
  const index = typeof update.content_index === "number" ? update.content_index : 0;
  let progress = state.progress;
  switch (update.type) {
    case "assistant_message.content_part.added":
    case "assistant_message.content_part.done":
      content[index] = update.content as AssistantMessageContent;
      break;
    case "assistant_message.content_part.text_delta": {
      const part = content[index] ?? { type: "output_text", text: "", annotations: [] };
      content[index] = { ...part, text: part.text + (typeof update.delta === "string" ? update.delta : "") };
      progress = null;
      break;
    }
    default:
      return state;
  }
  const items = state.items.map((i, n) => (n === at ? ({ ...i, content } as ThreadItem) : i));
  return { ...state, items, progress };
}

/** The user message shown at once, before the server confirms it. */
export function localUserMessage(threadId: string | null, text: string, now = new Date()): ThreadItem {
  return {
    id: `${LOCAL_PREFIX}${now.getTime()}`,
    thread_id: threadId ?? "",
    created_at: now.toISOString(),
    type: "user_message",
    content: [{ type: "input_text", text }],
    attachments: [],
  };
}
