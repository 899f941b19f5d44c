/** The parts of ChatKit's self-hosted protocol this app reads (see the openai-chatkit types). */

export interface Page<T> {
  data: T[];
  has_more: boolean;
  after?: string | null;
}

export interface UserMessageContent {
  type: "input_text" | "input_tag";
  text: string;
}

export interface AssistantMessageContent {
  type: "output_text";
  text: string;
  annotations?: unknown[];
}

interface ItemBase {
  id: string;
  thread_id: string;
  created_at: string;
}

export interface UserMessageItem extends ItemBase {
  type: "user_message";
  content: UserMessageContent[];
  attachments?: unknown[];
  quoted_text?: string | null;
}

export interface AssistantMessageItem extends ItemBase {
  type: "assistant_message";
  content: AssistantMessageContent[];
}

/** Items this view does not draw (widgets, tasks, workflows...) keep their type for a placeholder. */
export interface OtherItem extends ItemBase {
  type: Exclude<string, "user_message" | "assistant_message">;
}

export type ThreadItem = UserMessageItem | AssistantMessageItem | OtherItem;

export interface ThreadMetadata {
  id: string;
  title?: string | null;
  created_at: string;
  status?: { type: "active" | "locked" | "closed"; reason?: string | null };
  metadata?: Record<string, unknown>;
}

export interface Thread extends ThreadMetadata {
  items: Page<ThreadItem>;
}

export type ThreadItemUpdate =
  | { type: "assistant_message.content_part.added"; content_index: number; content: AssistantMessageContent }
  | { type: "assistant_message.content_part.text_delta"; content_index: number; delta: string }
  | { type: "assistant_message.content_part.done"; content_index: number; content: AssistantMessageContent }
  | { type: string; [key: string]: unknown };

export type ThreadStreamEvent =
  | { type: "thread.created"; thread: Thread }
  | { type: "thread.updated"; thread: Thread }
  | { type: "thread.item.added"; item: ThreadItem }
  | { type: "thread.item.done"; item: ThreadItem }
  | { type: "thread.item.updated"; item_id: string; update: ThreadItemUpdate }
  | { type: "thread.item.removed"; item_id: string }
  | { type: "thread.item.replaced"; item: ThreadItem }
  | { type: "stream_options"; stream_options: { allow_cancel: boolean } }
  | { type: "progress_update"; icon?: string | null; text: string }
  | { type: "client_effect"; name: string; data?: Record<string, unknown> }
  | { type: "error"; code?: string; message?: string | null; allow_retry?: boolean }
  | { type: "notice"; level: "info" | "warning" | "danger"; message: string; title?: string | null };

export function isUserMessage(item: ThreadItem): item is UserMessageItem {
  return item.type === "user_message";
}

export function isAssistantMessage(item: ThreadItem): item is AssistantMessageItem {
  return item.type === "assistant_message";
}

/** The plain text of a message item. */
export function itemText(item: ThreadItem): string {
  if (isUserMessage(item) || isAssistantMessage(item)) {
    return item.content.map((c) => c.text).join("");
  }
  return "";
}
