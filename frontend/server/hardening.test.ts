import { request } from "node:http";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startApp, type Running } from "../testing/app-server";
import { sendJson, startServer, type TestServer } from "../testing/http-server";

const MiB = 1024 * 1024;

/**
 * Streams up to `totalBytes` of chunked body to `url`, honouring back-pressure, until the
 * server answers. Returns the status, how much was written by then, and the peak RSS growth.
 */
function streamPost(url: string, totalBytes: number): Promise<{ status: number; sent: number; rssGrowth: number }> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const rssStart = process.memoryUsage().rss;
  let peak = rssStart;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } });
    const finish = (status: number) => {
      if (answered) return;
      answered = true;
      clearInterval(sample);
      peak = Math.max(peak, process.memoryUsage().rss);
      resolve({ status, sent, rssGrowth: peak - rssStart });
      req.destroy();
    };
    req.on("response", (res) => {
      res.resume();
      finish(res.statusCode ?? 0);
    });
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    const pump = () => {
      while (!answered && sent < totalBytes) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe("request body limits", () => {
  let app: Running;
  let backend: TestServer;
  beforeAll(async () => {
    backend = await startServer((req, res) => sendJson(res, 200, { received: req.body.length }));
    app = await startApp({ BACKEND_URL: backend.url, MAX_BODY_BYTES: String(MiB) });
  });
  afterAll(async () => {
    await app.close();
    await backend.close();
  });

  it("refuses a 400 MB streamed chat POST after at most a few MB, with memory flat", async () => {
    const r = await streamPost(`${app.url}/api/anyone/chat`, 400 * MiB);
    console.log(
      `400 MB streamed POST: ${r.status} after ${(r.sent / MiB).toFixed(1)} MiB sent, ` +
        `peak RSS growth ${(r.rssGrowth / MiB).toFixed(1)} MiB`,
    );
    expect(r.status).toBe(413);
    // Refused once the first MiB is exceeded; what the sockets held in flight is all that went out.
    expect(r.sent).toBeLessThan(16 * MiB);
    expect(r.rssGrowth).toBeLessThan(64 * MiB);
    // Nothing reached the backend.
    expect(backend.requests).toHaveLength(0);
  });

  it("refuses a declared Content-Length over the limit without reading it, on chat and auth routes", async () => {
    const big = "x".repeat(MiB + 1);
    const chat = await fetch(`${app.url}/api/u1/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: big,
    });
    expect(chat.status).toBe(413);
    expect(await chat.json()).toMatchObject({ error: { code: "payload_too_large" } });
    const auth = await fetch(`${app.url}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: app.url },
      body: "x".repeat(65 * 1024),
    });
    expect(auth.status).toBe(413);
    const streamedAuth = await streamPost(`${app.url}/api/auth/sign-up/email`, 50 * MiB);
    expect(streamedAuth.status).toBe(413);
    expect(backend.requests).toHaveLength(0);
  });

  it("still forwards bodies under the limit", async () => {
    const body = JSON.stringify({ message: "y".repeat(MiB - 100) });
    const res = await fetch(`${app.url}/api/u1/chat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: body.length });
  });
});

describe("security headers", () => {
  it("sends CSP, frame-ancestors, nosniff and Referrer-Policy; the CDN only when ChatKit is enabled", async () => {
    const off = await startApp({ CHATKIT_SCRIPT_URL: "off" });
    const on = await startApp();
    try {
      for (const path of ["/", "/healthz", "/api/token", "/assets/app-1234.js"]) {
        const res = await fetch(`${off.url}${path}`);
        const csp = res.headers.get("content-security-policy") ?? "";
        expect(csp, path).toContain("default-src 'self'");
        expect(csp, path).toContain("frame-ancestors 'none'");
        expect(csp, path).toContain("script-src 'self';");
        expect(csp, path).not.toContain("openai.com");
        expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
        expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
        expect(res.headers.get("x-frame-options"), path).toBe("DENY");
        expect(res.headers.get("permissions-policy"), path).toContain("microphone=(self)");
      }
      const page = await fetch(`${off.url}/`);
      const html = await page.text();
      expect(html).toContain('<meta name="chatkit-script-url" content="" />');
      expect(html).toContain('<meta name="chatkit-dictation" content="off" />');

      const res = await fetch(`${on.url}/`);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self' https://cdn.platform.openai.com");
      expect(csp).toContain("frame-src https://cdn.platform.openai.com");
      expect(await res.text()).toContain(
        '<meta name="chatkit-script-url" content="https://cdn.platform.openai.com/deployments/chatkit/chatkit.js" />',
      );
    } finally {
      await off.close();
      await on.close();
    }
  });

  it("never serves source maps", async () => {
    const app = await startApp();
    try {
      expect((await fetch(`${app.url}/assets/app-1234.js`)).status).toBe(200);
      expect((await fetch(`${app.url}/assets/app-1234.js.map`)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});

async function signIn(app: Running, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${app.url}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: app.url, ...headers },
    body: JSON.stringify({ email: "victim@example.com", password: "wrong-password" }),
  });
  await res.arrayBuffer();
  return res.status;
}

function rateLimitRows(app: Running): { key: string; count: number }[] {
  const db = new Database(join(app.dir, "auth.db"), { readonly: true });
  try {
    return db.prepare('SELECT key, count FROM "rateLimit"').all() as { key: string; count: number }[];
  } finally {
    db.close();
  }
}

describe("sign-in rate limiting", () => {
  it("refuses the attempt after the limit, counts in the database, and ignores a client-set X-Forwarded-For", async () => {
    const app = await startApp({ AUTH_RATE_LIMIT: "3/60" });
    let dir = "";
    try {
      dir = app.dir;
      await signUp(app, "victim@example.com");
      const statuses: number[] = [];
      // A different spoofed address on every attempt changes nothing: the peer address is the key.
      for (let i = 0; i < 5; i++) statuses.push(await signIn(app, { "x-forwarded-for": `203.0.113.${i}` }));
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      // The server's own address header cannot be forged either.
      expect(await signIn(app, { "x-todo-client-ip": "198.51.100.7" })).toBe(429);
      const rows = rateLimitRows(app);
      expect(rows).toContainEqual({ key: "127.0.0.1|/sign-in/email", count: 3 });
    } finally {
      await app.close();
    }
    // Stored in the database: a restarted server (or another replica) still refuses.
    const again = await startApp({ AUTH_RATE_LIMIT: "3/60" }, dir);
    try {
      expect(await signIn(again)).toBe(429);
    } finally {
      await again.close();
    }
  });

  it("keys on the header the deployment declares trusted, taking the address its proxy added", async () => {
    const app = await startApp({ AUTH_RATE_LIMIT: "2/60", TRUSTED_IP_HEADER: "X-Forwarded-For" });
    try {
      await signUp(app, "victim@example.com");
      const a = { "x-forwarded-for": "198.51.100.1, 203.0.113.10" };
      const b = { "x-forwarded-for": "198.51.100.1, 203.0.113.20" };
      expect([await signIn(app, a), await signIn(app, a), await signIn(app, a)]).toEqual([401, 401, 429]);
      // Another client behind the same proxy has its own budget.
      expect(await signIn(app, b)).toBe(401);
      const keys = rateLimitRows(app).map((r) => r.key);
      expect(keys).toContain("203.0.113.10|/sign-in/email");
      expect(keys).toContain("203.0.113.20|/sign-in/email");
    } finally {
      await app.close();
    }
  });
});
