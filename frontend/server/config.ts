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
  warnings: string[];
}

export class ConfigError extends Error {}

/** Shorter secrets are accepted with a warning: they are easy to guess. */
const MIN_SECRET_LENGTH = 32;

export function loadConfig(env: NodeJS.ProcessEnv, defaults: { staticDir: string }): Config {
  const secret = env.BETTER_AUTH_SECRET?.trim();
  if (!secret) {
    throw new ConfigError(
      "BETTER_AUTH_SECRET is not set. Set it to a random string of at least 32 characters " +
        "(for example: openssl rand -base64 32); the backend must use the same value.",
    );
  }
  const warnings: string[] = [];
  if (secret.length < MIN_SECRET_LENGTH) {
    warnings.push(`BETTER_AUTH_SECRET is short (${secret.length} characters); use at least ${MIN_SECRET_LENGTH}.`);
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

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

/** True when DATABASE_URL names a PostgreSQL server. */
export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//i.test(url);
}
