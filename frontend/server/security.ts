/** What protects the server itself: body limits, security headers, the client address for rate limits. */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { secureHeaders } from "hono/secure-headers";
import { CLIENT_IP_HEADER, type Config } from "./config.js";

/** Sign-in, sign-up and session calls are small JSON bodies. */
export const AUTH_MAX_BODY_BYTES = 64 * 1024;

/**
 * Refuses a body larger than `maxBytes` with 413, before it is buffered: a declared
 * Content-Length is checked before reading anything, a chunked body is counted as it streams
 * and reading stops at the limit. The connection is closed so the rest is not read either.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) =>
      c.json(
        { error: { code: "payload_too_large", message: `The request body is larger than ${maxBytes} bytes.` } },
        413,
        { connection: "close" },
      ),
  });
}

/** The origin of the ChatKit script, when the official element may load. */
function chatkitOrigin(config: Config): string | null {
  return config.chatkitScriptUrl ? new URL(config.chatkitScriptUrl).origin : null;
}

/**
 * Security headers on every answer. The CSP allows only this origin, plus the ChatKit
 * element's origin (script, its frame, its styles) when the official element is enabled.
 */
export function securityHeaders(config: Config): MiddlewareHandler {
  const cdn = chatkitOrigin(config);
  const extra = cdn ? [cdn] : [];
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", ...extra],
      // The ChatKit element puts <style> elements into its shadow root.
      styleSrc: cdn ? ["'self'", "'unsafe-inline'", cdn] : ["'self'"],
      imgSrc: ["'self'", "data:", ...extra],
      fontSrc: ["'self'", ...extra],
      connectSrc: ["'self'", ...extra],
      frameSrc: cdn ? [cdn] : ["'none'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
    },
    referrerPolicy: "no-referrer",
    xFrameOptions: "DENY",
    // Browsers ignore HSTS on plain HTTP; send it only where it means something.
    strictTransportSecurity: config.baseUrl.startsWith("https:") ? "max-age=31536000; includeSubDomains" : false,
    crossOriginEmbedderPolicy: false,
    permissionsPolicy: { microphone: ["self"], camera: [], geolocation: [] },
  });
}

/**
 * The client's address: from the header the deployment declared trusted (its reverse proxy
 * sets it; for a list such as X-Forwarded-For, the entry the nearest proxy added, the last),
 * otherwise the connection's peer. A header the client sets itself is never read by default.
 */
export function clientAddress(c: Context, config: Config): string | null {
  if (config.trustedIpHeader) {
    const value = c.req.header(config.trustedIpHeader);
    const last = value
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .at(-1);
    return last ?? null;
  }
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

/** The request as Better Auth sees it: the address header set by this server alone. */
export function withClientAddress(c: Context, config: Config): Request {
  const headers = new Headers(c.req.raw.headers);
  headers.delete(CLIENT_IP_HEADER);
  const ip = clientAddress(c, config);
  if (ip) headers.set(CLIENT_IP_HEADER, ip.replace(/^::ffff:/i, ""));
  return new Request(c.req.raw, { headers });
}
