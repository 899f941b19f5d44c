/** The API token: fetched from /api/token, reused until shortly before it expires. */

export interface IssuedToken {
  token: string;
  user_id: string;
  /** Unix seconds. */
  expires_at: number;
}

export class AuthRequiredError extends Error {
  constructor() {
    super("Your session has ended. Please sign in again.");
  }
}

export type TokenSource = () => Promise<IssuedToken>;

/** Fetches a token from the frontend server with the session cookie. */
export function serverTokenSource(url = "/api/token", fetchFn: typeof fetch = fetch): TokenSource {
  return async () => {
    const res = await fetchFn(url, { credentials: "same-origin", headers: { accept: "application/json" } });
    if (res.status === 401) throw new AuthRequiredError();
    if (!res.ok) throw new Error(`Could not get an API token (HTTP ${res.status}).`);
    const body = (await res.json()) as Partial<IssuedToken>;
    if (typeof body.token !== "string" || typeof body.expires_at !== "number" || typeof body.user_id !== "string") {
      throw new Error("The token endpoint answered with an unexpected body.");
    }
    return body as IssuedToken;
  };
}

export class TokenCache {
  private current: IssuedToken | null = null;
  private pending: Promise<IssuedToken> | null = null;

  constructor(
    private readonly source: TokenSource,
    /** Refresh this long before expiry, so a token never expires in flight. */
    private readonly marginMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly fetchImpl: typeof fetch = (...args) => globalThis.fetch(...args),
  ) {}

  /** A valid token; concurrent callers share one request. */
  async get(): Promise<string> {
    const cur = this.current;
    if (cur && cur.expires_at * 1000 - this.marginMs > this.now()) return cur.token;
    this.pending ??= this.source()
      .then((t) => {
        this.current = t;
        return t;
      })
      .finally(() => {
        this.pending = null;
      });
    return (await this.pending).token;
  }

  /** Forgets the token (after a 401, or on sign-out). */
  invalidate(token?: string): void {
    if (!token || this.current?.token === token) this.current = null;
  }

  /**
   * fetch() with `Authorization: Bearer`. A 401 gets one retry with a fresh token; a
   * second 401 is returned to the caller.
   */
  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    // A Request's body can be read once: keep a pristine copy for the retry.
    const original = input instanceof Request ? input : null;
    const send = async () => {
      const token = await this.get();
      const headers = new Headers(original?.headers);
      new Headers(init.headers).forEach((v, k) => headers.set(k, v));
      headers.set("authorization", `Bearer ${token}`);
      const target = original ? original.clone() : input;
      return { token, res: await this.fetchImpl(target, { ...init, headers }) };
    };
    const first = await send();
    if (first.res.status !== 401) return first.res;
    this.invalidate(first.token);
    await first.res.body?.cancel().catch(() => undefined);
    return (await send()).res;
  };
}
