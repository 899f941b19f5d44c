/** Errors from the API, with the backend's `{"error": {"code", "message"}}` body when it sent one. */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const FALLBACK: Record<number, string> = {
  401: "Your session has ended. Please sign in again.",
  403: "You are not allowed to do that.",
  404: "That conversation was not found.",
  502: "The task service is unreachable. Try again shortly.",
};

export async function apiError(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = FALLBACK[res.status] ?? `The server answered with HTTP ${res.status}.`;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
    if (typeof body.error?.message === "string" && body.error.message) message = body.error.message;
  } catch {
    // Not JSON: keep the generic message.
  }
  return new ApiError(res.status, code, message);
}
