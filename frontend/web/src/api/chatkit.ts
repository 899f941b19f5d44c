/** A small client for ChatKit's self-hosted protocol: one POST endpoint, JSON or SSE answers. */
import { apiError } from "./http";
import { readJsonEvents } from "./sse";
import type { Page, Thread, ThreadItem, ThreadMetadata, ThreadStreamEvent } from "./types";

export interface ListParams {
  limit?: number;
  order?: "asc" | "desc";
  after?: string;
}

export class ChatKitClient {
  constructor(
    readonly url: string,
    private readonly fetchFn: typeof fetch,
  ) {}

  listThreads(params: ListParams = {}): Promise<Page<ThreadMetadata>> {
    return this.json("threads.list", { limit: params.limit ?? 50, order: params.order ?? "desc", ...after(params) });
  }

  getThread(threadId: string): Promise<Thread> {
    return this.json("threads.get_by_id", { thread_id: threadId });
  }

  listItems(threadId: string, params: ListParams = {}): Promise<Page<ThreadItem>> {
    return this.json("items.list", {
      thread_id: threadId,
      limit: params.limit ?? 50,
      order: params.order ?? "asc",
      ...after(params),
    });
  }

  /** Every item of a thread, oldest first, following `after` cursors. */
  async allItems(threadId: string, pageSize = 100, maxPages = 50): Promise<ThreadItem[]> {
    const items: ThreadItem[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const res = await this.listItems(threadId, { limit: pageSize, order: "asc", after: cursor });
      items.push(...res.data);
      if (!res.has_more) break;
      const next = res.after ?? res.data.at(-1)?.id;
      // A server that says "more" without moving on would loop forever.
      if (!next || next === cursor) break;
      cursor = next;
    }
    return items;
  }

  updateThread(threadId: string, title: string): Promise<ThreadMetadata> {
    return this.json("threads.update", { thread_id: threadId, title });
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.json("threads.delete", { thread_id: threadId });
  }

  createThread(text: string, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    return this.stream("threads.create", { input: userInput(text) }, signal);
  }

  addUserMessage(threadId: string, text: string, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    return this.stream("threads.add_user_message", { thread_id: threadId, input: userInput(text) }, signal);
  }

  retryAfterItem(threadId: string, itemId: string, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    return this.stream("threads.retry_after_item", { thread_id: threadId, item_id: itemId }, signal);
  }

  private async post(type: string, params: object, accept: string, signal?: AbortSignal): Promise<Response> {
    const res = await this.fetchFn(this.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify({ type, params }),
      signal,
    });
    if (!res.ok) throw await apiError(res);
    return res;
  }

  private async json<T>(type: string, params: object): Promise<T> {
    const res = await this.post(type, params, "application/json");
    return (await res.json()) as T;
  }

  private async *stream(type: string, params: object, signal?: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
    const res = await this.post(type, params, "text/event-stream", signal);
    if (!res.body) throw new Error("The server sent an empty answer.");
    const kind = res.headers.get("content-type") ?? "";
    if (!kind.includes("text/event-stream")) {
      throw new Error(`Expected an event stream, got "${kind || "no content type"}".`);
    }
    yield* readJsonEvents<ThreadStreamEvent>(res.body, signal);
  }
}

export function userInput(text: string) {
  return {
    content: [{ type: "input_text", text }],
    attachments: [],
    quoted_text: "",
    inference_options: {},
  };
}

function after(params: ListParams): { after?: string } {
  return params.after ? { after: params.after } : {};
}
