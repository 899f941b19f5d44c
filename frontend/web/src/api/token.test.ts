import { afterEach, describe, expect, it } from "vitest";
import { sendJson, startServer, type TestServer } from "../../../testing/http-server";
import { AuthRequiredError, serverTokenSource, TokenCache, type IssuedToken } from "./token";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function counter(expiresIn = 900, clock = () => 0) {
  let n = 0;
  const source = (): Promise<IssuedToken> => {
    n += 1;
    return Promise.resolve({ token: `t${n}`, user_id: "u1", expires_at: Math.floor(clock() / 1000) + expiresIn });
  };
  return { source, calls: () => n };
}

describe("TokenCache", () => {
  it("reuses a token until shortly before it expires", async () => {
    let now = 1_000_000;
    const src = counter(900, () => now);
    const cache = new TokenCache(src.source, 60_000, () => now);
    expect(await cache.get()).toBe("t1");
    now += 800_000; // 100 s left, more than the 60 s margin
    expect(await cache.get()).toBe("t1");
    now += 50_000; // 50 s left: inside the margin
    expect(await cache.get()).toBe("t2");
    expect(src.calls()).toBe(2);
  });

  it("shares one request between concurrent callers", async () => {
    const src = counter();
    const cache = new TokenCache(src.source);
    const tokens = await Promise.all([cache.get(), cache.get(), cache.get()]);
    expect(tokens).toEqual(["t1", "t1", "t1"]);
    expect(src.calls()).toBe(1);
  });

  it("does not cache a failure", async () => {
    let fail = true;
    const cache = new TokenCache(() =>
      fail ? Promise.reject(new Error("down")) : Promise.resolve({ token: "ok", user_id: "u", expires_at: 2e9 }),
    );
    await expect(cache.get()).rejects.toThrow("down");
    fail = false;
    expect(await cache.get()).toBe("ok");
  });

  it("invalidate(token) only forgets that token", async () => {
    const src = counter(900, Date.now);
    const cache = new TokenCache(src.source);
    await cache.get();
    cache.invalidate("other");
    expect(await cache.get()).toBe("t1");
    cache.invalidate("t1");
    expect(await cache.get()).toBe("t2");
  });

  it("adds the bearer token and retries a 401 once with a fresh token", async () => {
    // The server accepts only the second token, as after a secret rotation.
    server = await startServer((req, res) => {
      if (req.headers.authorization === "Bearer t2") sendJson(res, 200, { ok: true, body: req.body });
      else sendJson(res, 401, { error: { code: "unauthorized", message: "bad token" } });
    });
    const src = counter(900, Date.now);
    const cache = new TokenCache(src.source);
    const res = await cache.fetch(`${server.url}/x`, {
      method: "POST",
      body: "hello",
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, body: "hello" });
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(["Bearer t1", "Bearer t2"]);
    expect(server.requests[1]?.headers["content-type"]).toBe("text/plain");
  });

  it("returns the second 401 instead of looping", async () => {
    server = await startServer((_req, res) => sendJson(res, 401, { error: { code: "x", message: "no" } }));
    const src = counter(900, Date.now);
    const res = await new TokenCache(src.source).fetch(`${server.url}/x`);
    expect(res.status).toBe(401);
    expect(server.requests).toHaveLength(2);
  });

  it("retries a Request object with its body intact", async () => {
    server = await startServer((req, res) => {
      if (req.headers.authorization === "Bearer t2") sendJson(res, 200, { body: req.body });
      else sendJson(res, 401, {});
    });
    const src = counter(900, Date.now);
    const req = new Request(`${server.url}/x`, { method: "POST", body: '{"type":"threads.list"}' });
    const res = await new TokenCache(src.source).fetch(req);
    expect(await res.json()).toEqual({ body: '{"type":"threads.list"}' });
  });
});

describe("serverTokenSource", () => {
  it("reads the token endpoint and maps 401 to AuthRequiredError", async () => {
    let signedIn = true;
    server = await startServer((_req, res) => {
      if (signedIn) sendJson(res, 200, { token: "abc", user_id: "u9", expires_at: 123 });
      else sendJson(res, 401, { error: { code: "unauthorized", message: "Sign in first." } });
    });
    const source = serverTokenSource(`${server.url}/api/token`);
    expect(await source()).toEqual({ token: "abc", user_id: "u9", expires_at: 123 });
    signedIn = false;
    await expect(source()).rejects.toBeInstanceOf(AuthRequiredError);
  });

  it("rejects a malformed answer", async () => {
    server = await startServer((_req, res) => sendJson(res, 200, { token: 5 }));
    await expect(serverTokenSource(`${server.url}/api/token`)()).rejects.toThrow(/unexpected body/);
  });
});
