import type { PrismaClient } from "@prisma/client";
import { authRequired, env as defaultEnv, type Env } from "../env";
import { HttpError } from "../http/errors";
import { readCookie, SESSION_COOKIE } from "./cookies";
import { checkSameOrigin, isLoopbackHostHeader, isSafeMethod } from "./origin";
import { verifySession } from "./sessions";
import { verifyApiToken } from "./tokens";

export type AuthContext = { kind: "loopback" } | { kind: "session"; sessionId: string } | { kind: "token"; tokenId: string };

export type AuthOptions = { env?: Env; db?: PrismaClient };

/**
 * Decides whether an API request may proceed (route() calls it for every non-public route).
 * - Loopback HOST: no sign-in; refuse non-loopback Host headers (DNS rebinding) and cross-origin mutations.
 * - Otherwise: `Authorization: Bearer <api token>` (exempt from origin checks), or the session cookie,
 *   for which every state-changing request must come from our own origin (CSRF).
 */
export async function authenticateRequest(req: Request, opts: AuthOptions = {}): Promise<AuthContext> {
  const e = opts.env ?? defaultEnv();
  const unsafe = !isSafeMethod(req.method);

  if (!authRequired(e)) {
    if (!isLoopbackHostHeader(req.headers.get("host"))) throw foreignHost();
    if (unsafe) assertSameOrigin(req, false);
    return { kind: "loopback" };
  }

  const authorization = req.headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const verified = match ? await verifyApiToken(match[1]!, { db: opts.db }) : null;
    if (!verified) throw new HttpError(401, "invalid_token", "Invalid or revoked API token");
    return { kind: "token", tokenId: verified.tokenId };
  }

  const cookie = readCookie(req, SESSION_COOKIE);
  if (cookie) {
    const session = await verifySession(cookie, { db: opts.db, env: e });
    if (!session) throw new HttpError(401, "session_expired", "Your session has expired; sign in again");
    if (unsafe) assertSameOrigin(req, true);
    return { kind: "session", sessionId: session.sessionId };
  }

  throw new HttpError(401, "unauthorized", "Sign in or send an API token (Authorization: Bearer …)");
}

/** Throws 403 unless the request comes from our own origin (see origin.ts). */
export function assertSameOrigin(req: Request, requireHeader: boolean): void {
  const verdict = checkSameOrigin(req, { requireHeader });
  if (!verdict.ok) throw new HttpError(403, "cross_origin", verdict.reason);
}

const foreignHost = () =>
  new HttpError(
    403,
    "host_not_allowed",
    "This server runs without sign-in on a loopback address and only answers requests for localhost. " +
      "To serve it under another name, set HOST (e.g. 0.0.0.0) and TUNEFORGE_PASSWORD.",
  );
