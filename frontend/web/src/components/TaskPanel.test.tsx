// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sendJson, startServer, type TestServer } from "../../../testing/http-server";
import { TaskPanel } from "./TaskPanel";

let server: TestServer | undefined;
afterEach(async () => {
  cleanup();
  await server?.close();
  server = undefined;
});

const tasks = [
  { id: 1, title: "Buy milk", completed: false },
  { id: 2, title: "Call mom", completed: true, description: "Sunday" },
];

/** fetch() against the test server, as the app's relative URLs would reach its own origin. */
const onServer = (input: RequestInfo | URL, init?: RequestInit) =>
  fetch(new URL(input instanceof Request ? input.url : input.toString(), server!.url), init);

describe("TaskPanel", () => {
  it("shows pending and done tasks differently and reloads on a new version", async () => {
    server = await startServer(
      (req, res) => {
        const status = new URL(req.url, "http://x").searchParams.get("status");
        const list = tasks.filter((t) => status === "all" || t.completed === (status === "completed"));
        sendJson(res, 200, { tasks: list });
      },
      { cors: true },
    );
    const { rerender } = render(<TaskPanel userId="u 1" fetchFn={onServer} version={0} />);

    const milk = (await screen.findByText("Buy milk")).closest("li")!;
    const mom = screen.getByText("Call mom").closest("li")!;
    expect(milk.className).toBe("task pending");
    expect(mom.className).toBe("task done");
    expect(milk.textContent).toContain("#1");
    expect(mom.textContent).toContain("(done)");
    expect(screen.getByText("Sunday")).toBeTruthy();
    expect(screen.getByText("1 pending, 1 done")).toBeTruthy();
    expect(server.requests[0]?.url).toBe("/api/u%201/tasks?status=all");

    rerender(<TaskPanel userId="u 1" fetchFn={onServer} version={1} />);
    await waitFor(() => expect(server!.requests).toHaveLength(2));

    fireEvent.click(screen.getByRole("button", { name: "Pending" }));
    await waitFor(() => expect(screen.queryByText("Call mom")).toBeNull());
    expect(server.requests.at(-1)?.url).toBe("/api/u%201/tasks?status=pending");
  });

  it("shows the server's error message", async () => {
    server = await startServer(
      (_req, res) => sendJson(res, 502, { error: { code: "backend_unavailable", message: "Backend down" } }),
      { cors: true },
    );
    render(<TaskPanel userId="u1" fetchFn={onServer} version={0} />);
    expect((await screen.findByRole("alert")).textContent).toBe("Backend down");
  });

  it("sends a chat turn for each action, and offers no way to reopen a done task", async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { tasks }), { cors: true });
    const sent: string[] = [];
    const send = vi.fn((text: string) => {
      sent.push(text);
      return Promise.resolve(true);
    });
    render(<TaskPanel userId="u1" fetchFn={onServer} version={0} send={send} />);

    fireEvent.click(await screen.findByRole("checkbox", { name: "Mark task 1: Buy milk as complete" }));
    await waitFor(() => expect(sent).toEqual(["mark task 1 as complete"]));
    // The done task has a tick, not a control.
    expect(screen.queryByRole("checkbox", { name: /task 2/ })).toBeNull();
    expect(screen.getByRole("img", { name: "Task 2 is done" })).toBeTruthy();

    fireEvent.click(await screen.findByRole("button", { name: "Rename task 1: Buy milk" }));
    const input = screen.getByLabelText("New title for task 1");
    expect(input.getAttribute("dir")).toBe("auto");
    fireEvent.change(input, { target: { value: "  Buy oat   milk " } });
    fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(sent.at(-1)).toBe("rename task 1 to Buy oat milk"));

    // Escape leaves the title as it was and sends nothing.
    fireEvent.click(await screen.findByRole("button", { name: "Rename task 2: Call mom" }));
    fireEvent.change(screen.getByLabelText("New title for task 2"), { target: { value: "Nope" } });
    fireEvent.keyDown(screen.getByLabelText("New title for task 2"), { key: "Escape" });
    expect(sent).toHaveLength(2);

    // Delete asks first.
    fireEvent.click(await screen.findByRole("button", { name: "Delete task 2: Call mom" }));
    fireEvent.click(screen.getByRole("button", { name: "Keep task 2: Call mom" }));
    expect(sent).toHaveLength(2);
    fireEvent.click(await screen.findByRole("button", { name: "Delete task 2: Call mom" }));
    fireEvent.click(screen.getByRole("button", { name: "Confirm deleting task 2: Call mom" }));
    await waitFor(() => expect(sent.at(-1)).toBe("delete task 2"));
  });

  it("says so when no chat can send", async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { tasks }), { cors: true });
    render(<TaskPanel userId="u1" fetchFn={onServer} version={0} send={() => Promise.resolve(false)} />);
    fireEvent.click(await screen.findByRole("checkbox", { name: /task 1/ }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/not ready/);
  });

  it("searches and sorts, and renders right-to-left titles by their own direction", async () => {
    const many = [
      { id: 1, title: "Buy milk", completed: true },
      { id: 2, title: "call Mom", completed: false, description: "about Sunday" },
      { id: 3, title: "دودھ خریدنا", completed: false },
      { id: 4, title: "Café visit", completed: false },
    ];
    server = await startServer((_req, res) => sendJson(res, 200, { tasks: many }), { cors: true });
    render(<TaskPanel userId="u1" fetchFn={onServer} version={0} />);
    const ids = () => [...document.querySelectorAll("li.task")].map((li) => li.getAttribute("data-task-id"));
    await screen.findByText("Buy milk");
    expect(ids()).toEqual(["1", "2", "3", "4"]);

    const sort = screen.getByLabelText("Sort tasks");
    fireEvent.change(sort, { target: { value: "newest" } });
    expect(ids()).toEqual(["4", "3", "2", "1"]);
    fireEvent.change(sort, { target: { value: "title" } });
    expect(ids().slice(0, 3)).toEqual(["1", "4", "2"]);
    fireEvent.change(sort, { target: { value: "pending" } });
    expect(ids().at(-1)).toBe("1");

    const search = screen.getByLabelText("Search tasks");
    fireEvent.change(search, { target: { value: "cafe" } });
    expect(ids()).toEqual(["4"]);
    fireEvent.change(search, { target: { value: "sunday" } });
    expect(ids()).toEqual(["2"]);
    fireEvent.change(search, { target: { value: "دودھ" } });
    expect(ids()).toEqual(["3"]);
    expect(screen.getByText("1 of 4 match “دودھ”")).toBeTruthy();
    expect(screen.getByText("دودھ خریدنا").getAttribute("dir")).toBe("auto");
    fireEvent.change(search, { target: { value: "nothing like it" } });
    expect(ids()).toEqual([]);
  });
});
