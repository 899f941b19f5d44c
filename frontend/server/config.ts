/** Server configuration, read once from the environment. */

export type TokenMode = "hs256" | "jwks";

export interface Config {
  port: number;
  host: string;
  backendUrl: string;
  secret: string;
  baseUrl: string;
  databaseUrl: string | undefined;
  sqlitePath: string;
  tokenMode: TokenMode;
  staticDir: string;
  trustedOrigins: string[];
  /** Lifetime of issued API tokens, in seconds. */
  tokenTtl: number;
  /** Largest request body the proxy accepts, in bytes. */
  maxBodyBytes: number;
  /** Header a trusted reverse proxy sets to the client's address; unset: the connection's peer address. */
  trustedIpHeader: string | null;
  /** Sign-in/sign-up attempts allowed per client address and window; null: no limit. */
  authRateLimit: { max: number; windowSeconds: number } | null;
  /** Where OpenAI's ChatKit element is loaded from; null: never (the built-in view only). */
  chatkitScriptUrl: string | null;
  /** Whether the official element offers dictation (the backend then needs TRANSCRIPTION_URL). */
  chatkitDictation: boolean;
  warnings: string[];
}

/** The ChatKit element's published location. */
export const CHATKIT_CDN_SCRIPT = "https://cdn.platform.openai.com/deployments/chatkit/chatkit.js";

/**
 * The one trimming rule for secrets, the same as the Rust side's `str::trim`: leading and
 * trailing Unicode White_Space goes, nothing inside changes. (JavaScript's own `trim()` also
 * drops U+FEFF, which Rust keeps, so it is not used.)
 */
export function trimSecret(value: string): string {
  return value.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, "");
}

export class ConfigError extends Error {}

/** Shorter secrets are refused, as the backend does: they are easy to guess. In UTF-8 bytes. */
export const MIN_SECRET_BYTES = 32;

export function loadConfig(env: NodeJS.ProcessEnv, defaults: { staticDir: string }): Config {
  const secret = trimSecret(env.BETTER_AUTH_SECRET ?? "");
  if (!secret) {
    throw new ConfigError(
      "BETTER_AUTH_SECRET is not set. Set it to a random string of at least 32 characters " +
        "(for example: openssl rand -base64 32); the backend must use the same value.",
    );
  }
  const warnings: string[] = [];
  const secretBytes = Buffer.byteLength(secret, "utf8");
  if (secretBytes < MIN_SECRET_BYTES) {
    throw new ConfigError(
      `BETTER_AUTH_SECRET is ${secretBytes} bytes long; use at least ${MIN_SECRET_BYTES} ` +
        "(for example: openssl rand -base64 32).",
    );
  }

  const portText = env.PORT?.trim() || "3000";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be an integer between 0 and 65535, got "${portText}".`);
  }
  const host = env.HOST?.trim() || "127.0.0.1";

  const backendUrl = parseUrl("BACKEND_URL", env.BACKEND_URL?.trim() || "http://127.0.0.1:8000");
  const baseUrl = parseUrl("BETTER_AUTH_URL", env.BETTER_AUTH_URL?.trim() || `http://${urlHost(host)}:${port}`);

  const modeText = (env.AUTH_TOKEN_MODE?.trim() || "hs256").toLowerCase();
  if (modeText !== "hs256" && modeText !== "jwks") {
    throw new ConfigError(`AUTH_TOKEN_MODE must be "hs256" or "jwks", got "${modeText}".`);
  }

  const ttlText = env.API_TOKEN_TTL_SECONDS?.trim() || "900";
  const tokenTtl = Number(ttlText);
  if (!Number.isInteger(tokenTtl) || tokenTtl < 30 || tokenTtl > 86400) {
    throw new ConfigError(`API_TOKEN_TTL_SECONDS must be an integer from 30 to 86400, got "${ttlText}".`);
  }

  const maxBodyText = env.MAX_BODY_BYTES?.trim() || String(1024 * 1024);
  const maxBodyBytes = Number(maxBodyText);
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1024 || maxBodyBytes > 64 * 1024 * 1024) {
    throw new ConfigError(`MAX_BODY_BYTES must be an integer from 1024 to 67108864, got "${maxBodyText}".`);
  }

  const ipHeaderText = env.TRUSTED_IP_HEADER?.trim().toLowerCase() || "";
  if (ipHeaderText && !/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(ipHeaderText)) {
    throw new ConfigError(`TRUSTED_IP_HEADER must be a header name such as x-forwarded-for, got "${ipHeaderText}".`);
  }
  if (ipHeaderText === CLIENT_IP_HEADER) {
    throw new ConfigError(`TRUSTED_IP_HEADER cannot be ${CLIENT_IP_HEADER}: this server sets it itself.`);
  }

  let authRateLimit: Config["authRateLimit"] = null;
  const limitText = (env.AUTH_RATE_LIMIT?.trim() || "5/60").toLowerCase();
  if (limitText !== "off") {
    const m = /^(\d+)\s*\/\s*(\d+)$/.exec(limitText);
    const max = Number(m?.[1]);
    const windowSeconds = Number(m?.[2]);
    if (!m || max < 1 || max > 10_000 || windowSeconds < 1 || windowSeconds > 86_400) {
      throw new ConfigError(
        `AUTH_RATE_LIMIT must be "ATTEMPTS/SECONDS" (for example 5/60) or "off", got "${limitText}".`,
      );
    }
    authRateLimit = { max, windowSeconds };
  } else {
    warnings.push("AUTH_RATE_LIMIT is off: sign-in and sign-up attempts are not limited.");
  }

  const chatkitText = env.CHATKIT_SCRIPT_URL?.trim() ?? CHATKIT_CDN_SCRIPT;
  let chatkitScriptUrl: string | null = null;
  if (chatkitText !== "" && chatkitText.toLowerCase() !== "off") {
    chatkitScriptUrl = parseUrl("CHATKIT_SCRIPT_URL", chatkitText);
    if (new URL(chatkitScriptUrl).protocol !== "https:" && !isLoopback(new URL(chatkitScriptUrl).hostname)) {
      throw new ConfigError(`CHATKIT_SCRIPT_URL must be an https URL, got "${chatkitText}".`);
    }
  }

  const dictationText = (env.CHATKIT_DICTATION?.trim() || "off").toLowerCase();
  if (!["on", "off", "true", "false", "1", "0"].includes(dictationText)) {
    throw new ConfigError(`CHATKIT_DICTATION must be "on" or "off", got "${dictationText}".`);
  }
  const chatkitDictation = ["on", "true", "1"].includes(dictationText);

  const extraOrigins = (env.TRUSTED_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  const baseOrigin = new URL(baseUrl).origin;
  const trustedOrigins = new Set([baseOrigin, ...extraOrigins]);
  // The same local server is often opened as localhost or 127.0.0.1.
  const local = new URL(baseOrigin);
  if (local.hostname === "127.0.0.1" || local.hostname === "localhost") {
    trustedOrigins.add(`${local.protocol}//127.0.0.1:${local.port}`);
    trustedOrigins.add(`${local.protocol}//localhost:${local.port}`);
  }

  return {
    port,
    host,
    backendUrl: backendUrl.replace(/\/+$/, ""),
    secret,
    baseUrl: baseUrl.replace(/\/+$/, ""),
    databaseUrl: env.DATABASE_URL?.trim() || undefined,
    sqlitePath: env.AUTH_SQLITE_PATH?.trim() || "data/auth.db",
    tokenMode: modeText,
    staticDir: env.STATIC_DIR?.trim() || defaults.staticDir,
    trustedOrigins: [...trustedOrigins],
    tokenTtl,
    maxBodyBytes,
    trustedIpHeader: ipHeaderText || null,
    authRateLimit,
    chatkitScriptUrl,
    chatkitDictation,
    warnings,
  };
}

function parseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${value}".`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${name} must be an http(s) URL, got "${value}".`);
  }
  return value;
}

/** The header this server sets, for Better Auth, to the client address it decided on. */
export const CLIENT_IP_HEADER = "x-todo-client-ip";

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]";
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

/** True when DATABASE_URL names a PostgreSQL server. */
export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}
