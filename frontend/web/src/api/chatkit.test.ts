import { afterEach, describe, expect, it } from "vitest";
import { assistantItem, thread, turnEvents, userItem } from "../../../testing/chatkit-fixtures";
import { sendJson, sendSse, startServer, type TestServer } from "../../../testing/http-server";
import { ChatKitClient } from "./chatkit";
import { ApiError } from "./http";
import type { ThreadStreamEvent } from "./types";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const body = (i: number) => JSON.parse(server?.requests[i]?.body ?? "null") as unknown;

async function collect(gen: AsyncGenerator<ThreadStreamEvent>) {
  const out: ThreadStreamEvent[] = [];
  for await (const ev of gen) out.push(ev);
  return out;
}

describe("ChatKitClient requests", () => {
  it("sends each JSON operation as one POST with type and params", async () => {
    server = await startServer((req, res) => {
      const { type } = JSON.parse(req.body) as { type: string };
      if (type === "threads.list") sendJson(res, 200, { data: [thread("1", "Groceries")], has_more: false });
      else if (type === "threads.delete") sendJson(res, 200, {});
      else sendJson(res, 200, thread("1", "Renamed"));
    });
    const client = new ChatKitClient(`${server.url}/api/u1/chat`, fetch);

    expect((await client.listThreads({ limit: 20 })).data[0]?.title).toBe("Groceries");
    await client.getThread("1");
    await client.updateThread("1", "Renamed");
    await client.deleteThread("1");

    expect(server.requests.every((r) => r.method === "POST" && r.url === "/api/u1/chat")).toBe(true);
    expect(server.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(body(0)).toEqual({ type: "threads.list", params: { limit: 20, order: "desc" } });
    expect(body(1)).toEqual({ type: "threads.get_by_id", params: { thread_id: "1" } });
    expect(body(2)).toEqual({ type: "threads.update", params: { thread_id: "1", title: "Renamed" } });
    expect(body(3)).toEqual({ type: "threads.delete", params: { thread_id: "1" } });
  });

  it("pages through items.list with the after cursor", async () => {
    const all = Array.from({ length: 5 }, (_, i) => userItem(`m${i + 1}`, "7", `msg ${i + 1}`));
    server = await startServer((req, res) => {
      const { params } = JSON.parse(req.body) as { params: { limit: number; after?: string } };
      const start = params.after ? all.findIndex((m) => m.id === params.after) + 1 : 0;
      const data = all.slice(start, start + params.limit);
      const hasMore = start + params.limit < all.length;
      sendJson(res, 200, { data, has_more: hasMore, ...(hasMore ? { after: data.at(-1)?.id } : {}) });
    });
    const client = new ChatKitClient(`${server.url}/c`, fetch);
    const items = await client.allItems("7", 2);
    expect(items.map((i) => i.id)).toEqual(["m1", "m2", "m3", "m4", "m5"]);
    expect([0, 1, 2].map(body)).toEqual([
      { type: "items.list", params: { thread_id: "7", limit: 2, order: "asc" } },
      { type: "items.list", params: { thread_id: "7", limit: 2, order: "asc", after: "m2" } },
      { type: "items.list", params: { thread_id: "7", limit: 2, order: "asc", after: "m4" } },
    ]);
  });

  it("stops paging when the server repeats its cursor", async () => {
    server = await startServer((_req, res) =>
      sendJson(res, 200, { data: [userItem("same", "1", "x")], has_more: true, after: "same" }),
    );
    const items = await new ChatKitClient(`${server.url}/c`, fetch).allItems("1", 1);
    expect(server.requests).toHaveLength(2);
    expect(items).toHaveLength(2);
  });

  it("maps the backend's error body to ApiError", async () => {
    server = await startServer((_req, res) =>
      sendJson(res, 404, { error: { code: "not_found", message: "Conversation not found" } }),
    );
    const err = await new ChatKitClient(`${server.url}/c`, fetch).getThread("99").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: "not_found", message: "Conversation not found" });
  });

  it("gives a readable message for an error without a JSON body", async () => {
    server = await startServer((_req, res) => {
      res.writeHead(502, { "content-type": "text/plain" });
      res.end("bad gateway");
    });
    await expect(new ChatKitClient(`${server.url}/c`, fetch).listThreads()).rejects.toMatchObject({
      status: 502,
      message: "The task service is unreachable. Try again shortly.",
    });
  });
});

describe("ChatKitClient streams", () => {
  it("creates a thread and yields every event of the turn, frames split across writes", async () => {
    const events = turnEvents({
      threadId: "12",
      userId: "u",
      assistantId: "a",
      text: "add buy milk",
      reply: ["Added ", "“Buy milk”."],
      created: true,
      progress: "Running add_task…",
    });
    server = await startServer((_req, res) => sendSse(res, events));
    const client = new ChatKitClient(`${server.url}/c`, fetch);
    const got = await collect(client.createThread("add buy milk"));
    expect(got).toEqual(events);
    expect(server.requests[0]?.headers.accept).toBe("text/event-stream");
    expect(body(0)).toEqual({
      type: "threads.create",
      params: {
        input: {
          content: [{ type: "input_text", text: "add buy milk" }],
          attachments: [],
          quoted_text: "",
          inference_options: {},
        },
      },
    });
  });

  it("sends add_user_message and retry_after_item with their thread and item ids", async () => {
    server = await startServer((_req, res) =>
      sendSse(res, [{ type: "thread.item.done", item: assistantItem("a2", "12", "ok") }]),
    );
    const client = new ChatKitClient(`${server.url}/c`, fetch);
    await collect(client.addUserMessage("12", "show my tasks"));
    await collect(client.retryAfterItem("12", "u5"));
    expect(body(0)).toMatchObject({ type: "threads.add_user_message", params: { thread_id: "12" } });
    expect((body(0) as { params: { input: { content: unknown } } }).params.input.content).toEqual([
      { type: "input_text", text: "show my tasks" },
    ]);
    expect(body(1)).toEqual({ type: "threads.retry_after_item", params: { thread_id: "12", item_id: "u5" } });
  });

  it("passes a stream error event through as an event", async () => {
    const error = { type: "error", code: "stream.error", allow_retry: true } as const;
    server = await startServer((_req, res) => sendSse(res, [error]));
    expect(await collect(new ChatKitClient(`${server.url}/c`, fetch).addUserMessage("1", "x"))).toEqual([error]);
  });

  it("refuses a 200 answer that is not an event stream", async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { ok: true }));
    await expect(collect(new ChatKitClient(`${server.url}/c`, fetch).addUserMessage("1", "x"))).rejects.toThrow(
      /Expected an event stream/,
    );
  });

  it("raises 401 before any stream starts", async () => {
    server = await startServer((_req, res) => sendJson(res, 401, { error: { code: "unauthorized", message: "nope" } }));
    await expect(collect(new ChatKitClient(`${server.url}/c`, fetch).createThread("x"))).rejects.toMatchObject({
      status: 401,
    });
  });
});
