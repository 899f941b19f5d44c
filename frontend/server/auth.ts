/** Better Auth: email + password accounts stored in PostgreSQL or a SQLite file. */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { betterAuth, type BetterAuthOptions } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { jwt } from "better-auth/plugins";
import Database from "better-sqlite3";
import pg from "pg";
import { CLIENT_IP_HEADER, isPostgresUrl, type Config } from "./config.js";

/** Audience every API token carries; the backend checks it. */
export const API_AUDIENCE = "todo-api";

export interface AuthStore {
  database: pg.Pool | Database.Database;
  describe: string;
  close: () => Promise<void>;
}

export function openStore(config: Config): AuthStore {
  if (isPostgresUrl(config.databaseUrl)) {
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 5 });
    // An idle client losing its connection must not crash the process.
    pool.on("error", (err) => console.error(`auth database: ${err.message}`));
    return {
      database: pool,
      describe: `PostgreSQL (${redact(config.databaseUrl)})`,
      close: () => pool.end(),
    };
  }
  const file = resolve(config.sqlitePath);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("busy_timeout = 5000");
  return {
    database: db,
    describe: `SQLite (${file})`,
    close: () => {
      db.close();
      return Promise.resolve();
    },
  };
}

export function authOptions(config: Config, store: AuthStore): BetterAuthOptions {
  return {
    appName: "Todo Assistant",
    database: store.database,
    secret: config.secret,
    baseURL: config.baseUrl,
    basePath: "/api/auth",
    trustedOrigins: config.trustedOrigins,
    emailAndPassword: { enabled: true, autoSignIn: true, minPasswordLength: 8 },
    telemetry: { enabled: false },
    // Better Auth skips its origin check under test runners; keep it on everywhere. The client
    // address comes only from the header this server sets (see security.ts).
    advanced: { disableOriginCheck: false, ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] } },
    // Kept in the database, so every replica counts the same attempts.
    rateLimit: config.authRateLimit
      ? {
          enabled: true,
          storage: "database",
          window: 60,
          max: 300,
          customRules: {
            // Reading one's own session happens on every page load and costs nothing to guess.
            "/get-session": false,
            "/sign-in/*": { window: config.authRateLimit.windowSeconds, max: config.authRateLimit.max },
            "/sign-up/*": { window: config.authRateLimit.windowSeconds, max: config.authRateLimit.max },
          },
        }
      : { enabled: false },
    plugins:
      config.tokenMode === "jwks"
        ? [
            jwt({
              jwks: { keyPairConfig: { alg: "EdDSA", crv: "Ed25519" } },
              jwt: {
                audience: API_AUDIENCE,
                issuer: config.baseUrl,
                expirationTime: `${config.tokenTtl}s`,
                definePayload: ({ user }) => ({ email: user.email, name: user.name }),
              },
            }),
          ]
        : [],
  };
}

export function createAuth(config: Config, store: AuthStore) {
  return betterAuth(authOptions(config, store));
}

export type Auth = ReturnType<typeof createAuth>;

/** Creates or updates Better Auth's tables; safe to run on every start. */
export async function migrate(config: Config, store: AuthStore): Promise<number> {
  const { toBeCreated, toBeAdded, runMigrations } = await getMigrations(authOptions(config, store));
  await runMigrations();
  return toBeCreated.length + toBeAdded.length;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://…";
  }
}
