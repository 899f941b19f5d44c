/** The HTTP surface: auth, API tokens, the backend proxy, the web app. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono, type Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Auth } from "./auth.js";
import type { Config } from "./config.js";
import { errorBody, proxy } from "./proxy.js";
import { AUTH_MAX_BODY_BYTES, limitBody, securityHeaders, withClientAddress } from "./security.js";
import { issueToken } from "./token.js";

export function createApp(config: Config, auth: Auth): Hono {
  const app = new Hono();
  app.use("*", securityHeaders(config));

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.use("/api/auth/*", limitBody(AUTH_MAX_BODY_BYTES));
  app.on(["GET", "POST"], "/api/auth/*", (c) => auth.handler(withClientAddress(c, config)));

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

  app.use("/api/:userId/chat", limitBody(config.maxBodyBytes));
  app.on(["GET", "POST"], "/api/:userId/chat", (c) => proxy(c, config.backendUrl));
  app.get("/api/:userId/tasks", (c) => proxy(c, config.backendUrl));

  app.all("/api/*", (c) => c.json(errorBody("not_found", "No such API route."), 404));

  const index = join(config.staticDir, "index.html");
  const indexHtml = existsSync(index) ? pageWithSettings(readFileSync(index, "utf8"), config) : null;
  if (!indexHtml) console.warn(`web app not built: ${index} is missing (run npm run build)`);
  // Source maps are never served, even when a build left some behind.
  app.get("*", async (c, next) => {
    if (c.req.path.endsWith(".map")) return c.text("Not found", 404);
    await next();
  });
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
  // Single-page app: index.html, with the run-time settings in it, for / and any other GET.
  const page = (c: Context) => {
    if (!indexHtml) return c.text("The web app is not built. Run npm run build.", 503);
    c.header("cache-control", "no-cache");
    return c.html(indexHtml);
  };
  app.get("/", page);
  app.get("/index.html", page);
  app.use("*", serveStatic({ root: config.staticDir }));
  app.get("*", page);

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    console.error(`unhandled: ${err.message}`);
    return c.json(errorBody("internal", "Something went wrong."), 500);
  });
  return app;
}

/**
 * Run-time settings the page reads: where the ChatKit element may come from (empty: nowhere),
 * and whether that element offers dictation.
 */
export function pageWithSettings(html: string, config: Config): string {
  const url = (config.chatkitScriptUrl ?? "").replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  const meta =
    `<meta name="chatkit-script-url" content="${url}" />` +
    `<meta name="chatkit-dictation" content="${config.chatkitDictation ? "on" : "off"}" />`;
  return html.includes("<head>") ? html.replace("<head>", `<head>\n    ${meta}`) : meta + html;
}
