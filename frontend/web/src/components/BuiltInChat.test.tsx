// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { thread, turnEvents, userItem, assistantItem } from "../../../testing/chatkit-fixtures";
import { sendJson, sendSse, startServer, type TestServer } from "../../../testing/http-server";
import { ChatKitClient } from "../api/chatkit";
import { BuiltInChat } from "./BuiltInChat";

let server: TestServer | undefined;
afterEach(async () => {
  cleanup();
  window.location.hash = "";
  await server?.close();
  server = undefined;
});

/** A server that holds one thread in memory and answers the protocol like the backend does. */
async function protocolServer() {
  const threads: { id: string; title?: string }[] = [];
  return startServer(
    async (req, res) => {
      const { type, params } = JSON.parse(req.body) as { type: string; params: Record<string, unknown> };
      switch (type) {
        case "threads.list":
          return sendJson(res, 200, { data: threads.map((t) => thread(t.id, t.title)), has_more: false });
        case "threads.create": {
          threads.push({ id: "12", title: "Buy milk" });
          return sendSse(
            res,
            turnEvents({
              threadId: "12",
              userId: "m1",
              assistantId: "m2",
              text: "add buy milk",
              reply: ["I added ", "task 1: ", "Buy milk."],
              created: true,
              progress: "Adding the task…",
              title: "Buy milk",
            }),
            15,
          );
        }
        case "threads.get_by_id":
          return sendJson(res, 200, {
            ...thread(String(params.thread_id), "Buy milk"),
            items: {
              data: [userItem("m1", "12", "add buy milk"), assistantItem("m2", "12", "Done.")],
              has_more: false,
            },
          });
        case "threads.update":
          threads[0]!.title = String(params.title);
          return sendJson(res, 200, thread("12", String(params.title)));
        case "threads.delete":
          threads.length = 0;
          return sendJson(res, 200, {});
        default:
          return sendJson(res, 400, { error: { code: "bad_request", message: type } });
      }
    },
    { cors: true },
  );
}

describe("BuiltInChat", () => {
  it("sends on Enter, streams the reply, then lists the new thread", async () => {
    server = await protocolServer();
    const onTurnEnd = vi.fn();
    render(<BuiltInChat client={new ChatKitClient(`${server.url}/api/u1/chat`, fetch)} onTurnEnd={onTurnEnd} />);
    await screen.findByText("No conversations yet.");

    const box = screen.getByLabelText("Message");
    expect(document.activeElement).toBe(box);
    fireEvent.change(box, { target: { value: "add buy milk" } });
    fireEvent.keyDown(box, { key: "Enter", shiftKey: true });
    expect(server.requests.filter((r) => r.body.includes("threads.create"))).toHaveLength(0);
    fireEvent.keyDown(box, { key: "Enter" });

    const log = screen.getByRole("log");
    expect(within(log).getByText("add buy milk")).toBeTruthy();
    await within(log).findByText("I added task 1: Buy milk.", undefined, { timeout: 5000 });
    await waitFor(() => expect(onTurnEnd).toHaveBeenCalledTimes(1));
    expect(window.location.hash).toBe("#thread=12");
    expect((box as HTMLTextAreaElement).value).toBe("");
    await screen.findByRole("button", { name: "Buy milk" });
    expect(screen.getByRole("heading", { name: "Buy milk" })).toBeTruthy();
  });

  it("opens, renames and deletes a thread from the list", async () => {
    server = await protocolServer();
    const client = new ChatKitClient(`${server.url}/api/u1/chat`, fetch);
    await fetch(`${server.url}/c`, {
      method: "POST",
      body: JSON.stringify({ type: "threads.create", params: {} }),
    }).then((r) => r.text());
    render(<BuiltInChat client={client} onTurnEnd={() => undefined} />);

    fireEvent.click(await screen.findByRole("button", { name: "Buy milk" }));
    await within(screen.getByRole("log")).findByText("Done.");

    fireEvent.click(screen.getByRole("button", { name: "Rename Buy milk" }));
    const input = screen.getByLabelText("New title for Buy milk");
    fireEvent.change(input, { target: { value: "Shopping" } });
    await act(async () => {
      fireEvent.submit(input.closest("form")!);
      await Promise.resolve();
    });
    await screen.findByRole("button", { name: "Shopping" });
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({
      type: "threads.update",
      params: { thread_id: "12", title: "Shopping" },
    });

    fireEvent.click(screen.getByRole("button", { name: "Delete Shopping" }));
    fireEvent.click(
      within(screen.getByRole("group", { name: "Delete Shopping?" })).getByRole("button", { name: "Delete" }),
    );
    await screen.findByText("No conversations yet.");
    expect(screen.getByRole("heading", { name: "New chat" })).toBeTruthy();
  });

  it("shows a backend error inline", async () => {
    server = await startServer(
      (req, res) => {
        const { type } = JSON.parse(req.body) as { type: string };
        if (type === "threads.list") sendJson(res, 200, { data: [], has_more: false });
        else void sendSse(res, [{ type: "error", code: "stream.error", allow_retry: true }]);
      },
      { cors: true },
    );
    render(<BuiltInChat client={new ChatKitClient(`${server.url}/c`, fetch)} onTurnEnd={() => undefined} />);
    const box = screen.getByLabelText("Message");
    fireEvent.change(box, { target: { value: "hello" } });
    fireEvent.keyDown(box, { key: "Enter" });
    expect((await screen.findByRole("alert")).textContent).toMatch(/went wrong/);
  });
});
