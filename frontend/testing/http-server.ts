/** A real HTTP server on a free loopback port, for tests that need the network path. */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface TestServer {
  url: string;
  requests: Recorded[];
  close: () => Promise<void>;
}

export type Handler = (req: Recorded, res: ServerResponse) => void | Promise<void>;

/** `cors` lets a page on another origin (a DOM test environment) call the server. */
export async function startServer(handler: Handler, opts: { cors?: boolean } = {}): Promise<TestServer> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    if (opts.cors) {
      res.setHeader("access-control-allow-origin", "*");
      res.setHeader("access-control-allow-headers", "*");
      res.setHeader("access-control-allow-methods", "GET, POST");
      if (req.method === "OPTIONS") {
        res.writeHead(204).end();
        return;
      }
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rec: Recorded = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(rec);
      Promise.resolve(handler(rec, res)).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes SSE frames one by one, `gapMs` apart, split mid-frame to test reassembly. */
export async function sendSse(res: ServerResponse, events: unknown[], gapMs = 5): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  for (const ev of events) {
    const frame = `data: ${JSON.stringify(ev)}\n\n`;
    const cut = Math.floor(frame.length / 2);
    res.write(frame.slice(0, cut));
    await sleep(gapMs);
    res.write(frame.slice(cut));
  }
  res.end();
}
