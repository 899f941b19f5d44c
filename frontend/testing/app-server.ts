/** The real frontend server on a free loopback port, for the server tests. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, expect } from "vitest";
import { createApp } from "../server/app";
import { createAuth, migrate, openStore, type AuthStore } from "../server/auth";
import { loadConfig, type Config } from "../server/config";
import { startServer } from "./http-server";

export const SECRET = "test-secret-0123456789-abcdefghijklmnop";

export interface Running {
  url: string;
  /** The folder holding the web app and the auth database. */
  dir: string;
  config: Config;
  close: () => Promise<void>;
}

const dirs: string[] = [];
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "todo-frontend-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The real app on a free port: Better Auth on a fresh SQLite file, a small built web app. */
export async function startApp(env: Record<string, string> = {}, reuseDir?: string): Promise<Running> {
  const dir = reuseDir ?? tempDir();
  const web = join(dir, "web");
  mkdirSync(join(web, "assets"), { recursive: true });
  writeFileSync(join(web, "index.html"), "<!doctype html><html><head><title>app</title></head></html>");
  writeFileSync(join(web, "assets", "app-1234.js"), "console.log(1)");
  writeFileSync(join(web, "assets", "app-1234.js.map"), "{}");
  const port = await freePort();
  const config = loadConfig(
    { BETTER_AUTH_SECRET: SECRET, PORT: String(port), AUTH_SQLITE_PATH: join(dir, "auth.db"), ...env },
    { staticDir: web },
  );
  const store: AuthStore = openStore(config);
  await migrate(config, store);
  const app = createApp(config, createAuth(config, store));
  const server: ServerType = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" });
  await new Promise((r) => server.once("listening", r));
  return {
    url: `http://127.0.0.1:${port}`,
    dir,
    config,
    close: async () => {
      await new Promise((r) => {
        server.close(r);
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      await store.close();
    },
  };
}

export async function freePort(): Promise<number> {
  const s = await startServer(() => undefined);
  const port = Number(new URL(s.url).port);
  await s.close();
  return port;
}

export async function signUp(app: Running, email: string): Promise<string> {
  const res = await fetch(`${app.url}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: app.url },
    body: JSON.stringify({ email, password: "password123", name: "Test User" }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  expect(cookie).toMatch(/session_token=/);
  return cookie;
}
