// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
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
});
