/** The HTTP surface: auth, API tokens, the backend proxy, the web app. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import type { Auth } from "./auth.js";
import type { Config } from "./config.js";
import { errorBody, proxy } from "./proxy.js";
import { issueToken } from "./token.js";

export function createApp(config: Config, auth: Auth): Hono {
  const app = new Hono();

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.on(["GET", "POST"], "/api/auth/*", (c) => auth.handler(c.req.raw));

  app.get("/api/token", async (c) => {
    c.header("cache-control", "no-store");
    try {
      const issued = await issueToken(config, auth, c.req.raw.headers);
      if (!issued) return c.json(errorBody("unauthorized", "Sign in first."), 401);
      return c.json(issued);
    } catch (err) {
      console.error(`token: ${err instanceof Error ? err.message : String(err)}`);
      return c.json(errorBody("token_failed", "Could not issue a token."), 500);
    }
  });

  app.on(["GET", "POST"], "/api/:userId/chat", (c) => proxy(c, config.backendUrl));
  app.get("/api/:userId/tasks", (c) => proxy(c, config.backendUrl));

  app.all("/api/*", (c) => c.json(errorBody("not_found", "No such API route."), 404));

  const index = join(config.staticDir, "index.html");
  const hasApp = existsSync(index);
  if (!hasApp) console.warn(`web app not built: ${index} is missing (run npm run build)`);
  app.use(
    "/assets/*",
    serveStatic({
      root: config.staticDir,
      onFound: (_path, c) => {
        // Vite puts a content hash in every asset name.
        c.header("cache-control", "public, max-age=31536000, immutable");
      },
    }),
  );
  app.use("*", serveStatic({ root: config.staticDir }));
  // Single-page app: any other GET answers with index.html.
  app.get("*", (c) => {
    if (!hasApp) return c.text("The web app is not built. Run npm run build.", 503);
    c.header("cache-control", "no-cache");
    return c.html(readFileSync(index, "utf8"));
  });

  app.onError((err, c) => {
    console.error(`unhandled: ${err.message}`);
    return c.json(errorBody("internal", "Something went wrong."), 500);
  });
  return app;
}
