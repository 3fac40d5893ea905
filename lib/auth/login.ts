import type { PrismaClient } from "@prisma/client";
import { authRequired, env as defaultEnv, type Env } from "../env";
import { HttpError } from "../http/errors";
import { clearedSessionCookie, isHttps, readCookie, SESSION_COOKIE, sessionCookie } from "./cookies";
import { constantTimeEqual } from "./hash";
import { assertSameOrigin, authenticateRequest } from "./request";
import { createSession, deleteSession } from "./sessions";
import { loginThrottle, type FailureThrottle } from "./throttle";

// Password sign-in / sign-out for browsers. The routes are public (they must work signed out), so they
// apply the origin check themselves: a cross-site form must not sign the user in or out.

export type SessionStatus = { authRequired: boolean; signedIn: boolean };
export type AuthResult = { body: SessionStatus; setCookie?: string };
type Options = { env?: Env; db?: PrismaClient; throttle?: FailureThrottle };

export async function signIn(req: Request, password: string, opts: Options = {}): Promise<AuthResult> {
  const e = opts.env ?? defaultEnv();
  assertSameOrigin(req, false);
  if (!authRequired(e)) return { body: { authRequired: false, signedIn: true } };
  if (!e.TUNEFORGE_PASSWORD) {
    // The start script refuses this configuration; reaching it means the server was started another way.
    throw new HttpError(503, "auth_not_configured", "Sign-in is not configured: set TUNEFORGE_PASSWORD and restart");
  }
  const throttle = opts.throttle ?? loginThrottle;
  const wait = throttle.retryAfterMs();
  if (wait > 0) {
    throw new HttpError(429, "too_many_attempts", `Too many failed sign-ins; try again in ${Math.ceil(wait / 1000)} s`);
  }
  if (!constantTimeEqual(password, e.TUNEFORGE_PASSWORD)) {
    throttle.recordFailure();
    throw new HttpError(401, "wrong_password", "Wrong password");
  }
  const session = await createSession({ db: opts.db, env: e });
  return {
    body: { authRequired: true, signedIn: true },
    setCookie: sessionCookie(session.cookieValue, { secure: isHttps(req) }),
  };
}

export async function signOut(req: Request, opts: Options = {}): Promise<AuthResult> {
  const e = opts.env ?? defaultEnv();
  assertSameOrigin(req, false);
  const cookie = readCookie(req, SESSION_COOKIE);
  if (cookie) await deleteSession(cookie, { db: opts.db });
  return { body: { authRequired: authRequired(e), signedIn: !authRequired(e) }, setCookie: clearedSessionCookie({ secure: isHttps(req) }) };
}

/** Whether this request is signed in (a session cookie or an API token); loopback counts as signed in. */
export async function sessionStatus(req: Request, opts: Options = {}): Promise<SessionStatus> {
  const e = opts.env ?? defaultEnv();
  if (!authRequired(e)) return { authRequired: false, signedIn: true };
  try {
    await authenticateRequest(req, { env: e, db: opts.db });
    return { authRequired: true, signedIn: true };
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) return { authRequired: true, signedIn: false };
    throw err;
  }
}
