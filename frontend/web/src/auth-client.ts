import { createAuthClient } from "better-auth/react";

/** Better Auth's client; with no base URL it talks to /api/auth on this origin. */
export const authClient = createAuthClient();
