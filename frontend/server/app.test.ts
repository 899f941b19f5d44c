import { createRemoteJWKSet, jwtVerify } from "jose";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, SECRET, signUp, startApp, type Running } from "../testing/app-server";
import { sendJson, sleep, startServer, type TestServer } from "../testing/http-server";
import { CHATKIT_CDN_SCRIPT, ConfigError, loadConfig, trimSecret } from "./config";

describe("config", () => {
  it("refuses to start without BETTER_AUTH_SECRET", () => {
    expect(() => loadConfig({}, { staticDir: "x" })).toThrow(ConfigError);
    expect(() => loadConfig({ BETTER_AUTH_SECRET: "  " }, { staticDir: "x" })).toThrow(/BETTER_AUTH_SECRET is not set/);
  });

  it("derives defaults and rejects bad values", () => {
    const c = loadConfig({ BETTER_AUTH_SECRET: SECRET }, { staticDir: "x" });
    expect(c).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      backendUrl: "http://127.0.0.1:8000",
      baseUrl: "http://127.0.0.1:3000",
      tokenMode: "hs256",
      tokenTtl: 900,
    });
    expect(c.trustedOrigins).toContain("http://localhost:3000");
    expect(() => loadConfig({ BETTER_AUTH_SECRET: SECRET, PORT: "http" }, { staticDir: "x" })).toThrow(/PORT/);
    expect(() => loadConfig({ BETTER_AUTH_SECRET: SECRET, AUTH_TOKEN_MODE: "rs" }, { staticDir: "x" })).toThrow(
      /AUTH_TOKEN_MODE/,
    );
    expect(() => loadConfig({ BETTER_AUTH_SECRET: SECRET, BACKEND_URL: "ftp://x" }, { staticDir: "x" })).toThrow(
      /BACKEND_URL/,
    );
    expect(() => loadConfig({ BETTER_AUTH_SECRET: "short" }, { staticDir: "x" })).toThrow(/5 bytes long/);
    for (const bad of [
      { MAX_BODY_BYTES: "10" },
      { AUTH_RATE_LIMIT: "lots" },
      { AUTH_RATE_LIMIT: "0/60" },
      { TRUSTED_IP_HEADER: "x forwarded" },
      { TRUSTED_IP_HEADER: "x-todo-client-ip" },
      { CHATKIT_SCRIPT_URL: "http://cdn.example/chatkit.js" },
      { CHATKIT_DICTATION: "maybe" },
    ]) {
      expect(() => loadConfig({ BETTER_AUTH_SECRET: SECRET, ...bad }, { staticDir: "x" })).toThrow(ConfigError);
    }
    expect(c).toMatchObject({
      maxBodyBytes: 1024 * 1024,
      trustedIpHeader: null,
      authRateLimit: { max: 5, windowSeconds: 60 },
      chatkitScriptUrl: CHATKIT_CDN_SCRIPT,
    });
    const custom = loadConfig(
      {
        BETTER_AUTH_SECRET: SECRET,
        AUTH_RATE_LIMIT: "off",
        CHATKIT_SCRIPT_URL: "off",
        TRUSTED_IP_HEADER: "X-Real-IP",
        CHATKIT_DICTATION: "on",
      },
      { staticDir: "x" },
    );
    expect(custom).toMatchObject({
      authRateLimit: null,
      chatkitScriptUrl: null,
      trustedIpHeader: "x-real-ip",
      chatkitDictation: true,
    });
    expect(custom.warnings).toEqual(["AUTH_RATE_LIMIT is off: sign-in and sign-up attempts are not limited."]);
    expect(c.warnings).toEqual([]);
  });

  it("trims secrets by the backend's rule: surrounding Unicode whitespace only", () => {
    expect(trimSecret(` \t${SECRET}\r\n`)).toBe(SECRET);
    expect(trimSecret("\u00a0\u2003abc\u3000")).toBe("abc");
    expect(trimSecret("a b\nc")).toBe("a b\nc");
    // U+FEFF is not whitespace for Rust's str::trim, so it stays (JavaScript's trim() would drop it).
    expect(trimSecret("\ufeffabc")).toBe("\ufeffabc");
    expect(loadConfig({ BETTER_AUTH_SECRET: `  ${SECRET}\n` }, { staticDir: "x" }).secret).toBe(SECRET);
    // 31 ASCII bytes are refused; 11 three-byte characters (33 bytes) are enough.
    expect(() => loadConfig({ BETTER_AUTH_SECRET: "x".repeat(31) }, { staticDir: "x" })).toThrow(ConfigError);
    expect(loadConfig({ BETTER_AUTH_SECRET: "€".repeat(11) }, { staticDir: "x" }).secret).toBe("€".repeat(11));
  });
});

describe("server, HS256 tokens", () => {
  let app: Running;
  let backend: TestServer;
  beforeAll(async () => {
    // The backend stand-in streams SSE in timed chunks and echoes what it received.
    backend = await startServer(async (req, res) => {
      if (req.url.endsWith("/chat") && req.body.includes("threads.create")) {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write('data: {"type":"progress_update","text":"one"}\n\n');
        await sleep(400);
        res.write('data: {"type":"progress_update","text":"two"}\n\n');
        res.end();
        return;
      }
      sendJson(res, req.url.includes("missing") ? 404 : 200, {
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization ?? null,
        cookie: req.headers.cookie ?? null,
        body: req.body,
      });
    });
    app = await startApp({ BACKEND_URL: backend.url });
  });
  afterAll(async () => {
    await app.close();
    await backend.close();
  });

  it("answers /healthz", async () => {
    expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: "ok" });
  });

  it("refuses a token without a session", async () => {
    const res = await fetch(`${app.url}/api/token`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: "Sign in first." } });
  });

  it("signs up, then issues a 15-minute HS256 token for the session's user", async () => {
    const cookie = await signUp(app, "ann@example.com");
    const res = await fetch(`${app.url}/api/token`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { token: string; user_id: string; expires_at: number };
    const { payload, protectedHeader } = await jwtVerify(body.token, new TextEncoder().encode(SECRET), {
      audience: "todo-api",
      issuer: app.config.baseUrl,
      algorithms: ["HS256"],
    });
    expect(protectedHeader.alg).toBe("HS256");
    expect(payload.sub).toBe(body.user_id);
    expect(payload.email).toBe("ann@example.com");
    expect(payload.exp).toBe(body.expires_at);
    expect(payload.exp! - payload.iat!).toBe(900);
    await expect(jwtVerify(body.token, new TextEncoder().encode(`${SECRET}x`))).rejects.toThrow();
  });

  it("refuses a cookie-carrying auth call from a foreign origin", async () => {
    const cookie = await signUp(app, "origin@example.com");
    const res = await fetch(`${app.url}/api/auth/sign-out`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://evil.example", cookie },
      body: "{}",
    });
    expect(res.status).toBe(403);
    expect((await fetch(`${app.url}/api/token`, { headers: { cookie } })).status).toBe(200);
  });

  it("proxies JSON calls with method, body and Authorization, but not cookies", async () => {
    const res = await fetch(`${app.url}/api/u1/chat`, {
      method: "POST",
      headers: { authorization: "Bearer abc", "content-type": "application/json", cookie: "secret=1" },
      body: '{"message":"hi"}',
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      method: "POST",
      url: "/api/u1/chat",
      authorization: "Bearer abc",
      cookie: null,
      body: '{"message":"hi"}',
    });
    const tasks = await fetch(`${app.url}/api/u1/tasks?status=pending`, { headers: { authorization: "Bearer t" } });
    expect(((await tasks.json()) as { url: string }).url).toBe("/api/u1/tasks?status=pending");
  });

  it("passes the backend's status codes through", async () => {
    const res = await fetch(`${app.url}/api/missing/tasks`);
    expect(res.status).toBe(404);
  });

  it("streams SSE frames as they arrive instead of buffering the response", async () => {
    const started = Date.now();
    const res = await fetch(`${app.url}/api/u1/chat`, {
      method: "POST",
      headers: { accept: "text/event-stream", "content-type": "application/json" },
      body: '{"type":"threads.create","params":{}}',
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("content-encoding")).toBeNull();
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const firstAt = Date.now() - started;
    expect(first).toContain('"one"');
    expect(first).not.toContain('"two"');
    expect(firstAt).toBeLessThan(350);
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain('"two"');
  });

  it("serves the web app: assets, and index.html for other paths", async () => {
    const asset = await fetch(`${app.url}/assets/app-1234.js`);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    const page = await fetch(`${app.url}/some/deep/link`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>app</title>");
    expect((await fetch(`${app.url}/api/nothing/here/at/all`)).status).toBe(404);
  });
});

describe("server without a backend", () => {
  let app: Running;
  afterEach(async () => {
    await app.close();
  });

  it("answers 502 with a JSON error when the backend is unreachable", async () => {
    app = await startApp({ BACKEND_URL: `http://127.0.0.1:${await freePort()}` });
    const res = await fetch(`${app.url}/api/u1/tasks`);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: "backend_unavailable" } });
  });
});

describe("server, JWKS tokens", () => {
  it("issues Better Auth's EdDSA JWT, verifiable with the published JWKS", async () => {
    const app = await startApp({ AUTH_TOKEN_MODE: "jwks" });
    try {
      const cookie = await signUp(app, "jo@example.com");
      const res = await fetch(`${app.url}/api/token`, { headers: { cookie } });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { token: string; user_id: string; expires_at: number };
      const jwks = createRemoteJWKSet(new URL(`${app.url}/api/auth/jwks`));
      const { payload, protectedHeader } = await jwtVerify(body.token, jwks, {
        audience: "todo-api",
        issuer: app.config.baseUrl,
      });
      expect(protectedHeader.alg).toBe("EdDSA");
      expect(payload.sub).toBe(body.user_id);
      expect(payload.exp).toBe(body.expires_at);
      expect(payload.email).toBe("jo@example.com");
    } finally {
      await app.close();
    }
  });
});

const pgUrl = process.env.TEST_DATABASE_URL;
// As in every suite: REQUIRE_POSTGRES=1 turns the missing server into a failure.
if (!pgUrl && process.env.REQUIRE_POSTGRES === "1") {
  throw new Error("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
}
if (!pgUrl) console.log("skipping the PostgreSQL auth-store test: TEST_DATABASE_URL is not set");

describe.skipIf(!pgUrl)("server on PostgreSQL", () => {
  const dbName = `todo_frontend_test_${process.pid}_${Date.now()}`;
  let admin: pg.Client;
  let dbUrl = "";
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(pgUrl ?? "");
    u.pathname = `/${dbName}`;
    dbUrl = u.toString();
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  });

  it("creates Better Auth's tables, keeps accounts across restarts, and migrates idempotently", async () => {
    const first = await startApp({ DATABASE_URL: dbUrl });
    let userId = "";
    try {
      const cookie = await signUp(first, "pg@example.com");
      userId = ((await (await fetch(`${first.url}/api/token`, { headers: { cookie } })).json()) as { user_id: string })
        .user_id;
    } finally {
      await first.close();
    }
    const check = new pg.Client({ connectionString: dbUrl });
    await check.connect();
    try {
      const { rows } = await check.query<{ id: string }>('SELECT id FROM "user" WHERE email = $1', ["pg@example.com"]);
      expect(rows).toEqual([{ id: userId }]);
      // Sign-up attempts are counted in the database (Better Auth's rate-limit storage).
      const limits = await check.query<{ key: string; count: string | number }>('SELECT key, count FROM "rateLimit"');
      expect(limits.rows.map((r) => [r.key, Number(r.count)])).toContainEqual(["127.0.0.1|/sign-up/email", 1]);
    } finally {
      await check.end();
    }
    const second = await startApp({ DATABASE_URL: dbUrl });
    try {
      const res = await fetch(`${second.url}/api/auth/sign-in/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: second.url },
        body: JSON.stringify({ email: "pg@example.com", password: "password123" }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { user: { id: string } }).user.id).toBe(userId);
    } finally {
      await second.close();
    }
  });
});
