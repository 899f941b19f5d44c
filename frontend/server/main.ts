/** Entry point: read the environment, migrate the auth tables, serve, stop cleanly on SIGTERM. */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { createAuth, migrate, openStore, type AuthStore } from "./auth.js";
import { ConfigError, loadConfig } from "./config.js";

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  let config;
  try {
    // Built: dist/server/main.js next to dist/web. From source: server/main.ts, app in dist/web.
    const staticDir = here.endsWith(join("dist", "server")) ? join(here, "..", "web") : join(here, "..", "dist", "web");
    config = loadConfig(process.env, { staticDir });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`configuration error: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  for (const w of config.warnings) console.warn(`warning: ${w}`);

  let store: AuthStore;
  try {
    store = openStore(config);
  } catch (err) {
    console.error(`cannot open the auth store: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  try {
    const changes = await migrate(config, store);
    console.log(`auth store: ${store.describe}${changes ? `, ${changes} schema change(s) applied` : ""}`);
  } catch (err) {
    console.error(`auth store ${store.describe} unusable: ${err instanceof Error ? err.message : String(err)}`);
    await store.close().catch(() => undefined);
    process.exit(1);
  }

  const auth = createAuth(config, store);
  const app = createApp(config, auth);
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    console.log(
      `listening on http://${config.host}:${info.port} (backend ${config.backendUrl}, tokens ${config.tokenMode})`,
    );
  });
  server.on("error", (err: Error) => {
    console.error(`cannot listen on ${config.host}:${config.port}: ${err.message}`);
    process.exit(1);
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    // Streams in flight get a few seconds to finish.
    const force = setTimeout(() => {
      console.warn("forcing shutdown");
      process.exit(0);
    }, 5000);
    force.unref();
    server.close(() => {
      void store.close().finally(() => process.exit(0));
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

void main();
