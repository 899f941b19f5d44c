/** Forwards the API calls to the backend, streaming answers (SSE included) as they arrive. */
import type { Context } from "hono";

/** Request headers worth forwarding; everything else (cookies above all) stays here. */
const FORWARD_REQUEST = ["authorization", "content-type", "accept", "last-event-id", "x-request-id"];
/** Response headers worth returning. */
const FORWARD_RESPONSE = ["content-type", "cache-control", "x-request-id", "www-authenticate", "retry-after"];

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export async function proxy(c: Context, backendUrl: string, upstreamTimeoutMs = 10_000): Promise<Response> {
  const incoming = new URL(c.req.url);
  const target = `${backendUrl}${incoming.pathname}${incoming.search}`;
  const headers = new Headers();
  for (const name of FORWARD_REQUEST) {
    const v = c.req.header(name);
    if (v) headers.set(name, v);
  }
  // Ask for an identity body so chunks are not held back by a compressor.
  headers.set("accept-encoding", "identity");

  const method = c.req.method;
  const body = method === "GET" || method === "HEAD" ? undefined : await c.req.arrayBuffer();

  // The timeout covers connecting and the response head only; a stream may then run as long as it needs.
  const connect = new AbortController();
  const deadline = { passed: false };
  const timer = setTimeout(() => {
    deadline.passed = true;
    connect.abort();
  }, upstreamTimeoutMs);
  const clientGone = c.req.raw.signal;
  const onClientGone = () => connect.abort();
  clientGone.addEventListener("abort", onClientGone);

  let upstream: Response;
  try {
    upstream = await fetch(target, { method, headers, body, signal: connect.signal, redirect: "manual" });
  } catch (err) {
    clientGone.removeEventListener("abort", onClientGone);
    // The browser went away first (a reload, a superseded request): nobody to answer.
    if (clientGone.aborted && !deadline.passed) return new Response(null, { status: 499 });
    const reason = deadline.passed ? "did not answer in time" : "is unreachable";
    console.error(`proxy ${method} ${incoming.pathname}: backend ${reason}: ${describe(err)}`);
    return c.json(errorBody("backend_unavailable", `The task service ${reason}. Try again shortly.`), 502);
  } finally {
    clearTimeout(timer);
  }

  const out = new Headers();
  for (const name of FORWARD_RESPONSE) {
    const v = upstream.headers.get(name);
    if (v) out.set(name, v);
  }
  const isStream = (upstream.headers.get("content-type") ?? "").includes("text/event-stream");
  if (isStream) {
    out.set("cache-control", "no-cache, no-transform");
    out.set("x-accel-buffering", "no");
  }
  const stream = upstream.body
    ? passThrough(upstream.body, () => clientGone.removeEventListener("abort", onClientGone))
    : null;
  if (!stream) clientGone.removeEventListener("abort", onClientGone);
  return new Response(stream, { status: upstream.status, headers: out });
}

/** Copies chunks one by one, so each SSE frame is written out as soon as it arrives. */
function passThrough(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done: finished } = await reader.read();
        if (finished) {
          done();
          controller.close();
        } else {
          controller.enqueue(value);
        }
      } catch (err) {
        done();
        controller.error(err);
      }
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
