/** API tokens for the backend: HS256 with the shared secret, or Better Auth's JWKS-signed JWT. */
import { decodeJwt, SignJWT } from "jose";
import type { Auth } from "./auth.js";
import { API_AUDIENCE } from "./auth.js";
import type { Config } from "./config.js";

export interface IssuedToken {
  token: string;
  user_id: string;
  /** Expiry as Unix seconds. */
  expires_at: number;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string;
}

export async function signHs256(config: Config, user: SessionUser, now = Date.now()): Promise<IssuedToken> {
  const iat = Math.floor(now / 1000);
  const exp = iat + config.tokenTtl;
  const token = await new SignJWT({ email: user.email, name: user.name })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user.id)
    .setAudience(API_AUDIENCE)
    .setIssuer(config.baseUrl)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(config.secret));
  return { token, user_id: user.id, expires_at: exp };
}

/** The token for the session carried by `headers`, or null when nobody is signed in. */
export async function issueToken(config: Config, auth: Auth, headers: Headers): Promise<IssuedToken | null> {
  const session = await auth.api.getSession({ headers });
  if (!session) return null;
  if (config.tokenMode === "hs256") return signHs256(config, session.user);

  // The jwt plugin adds api.getToken; its type is not visible through Auth's generic options.
  const api = auth.api as unknown as { getToken: (a: { headers: Headers }) => Promise<{ token: string }> };
  const { token } = await api.getToken({ headers });
  const { exp } = decodeJwt(token);
  return { token, user_id: session.user.id, expires_at: exp ?? Math.floor(Date.now() / 1000) + config.tokenTtl };
}
