import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { authRequired, env } from "../env";
import { SESSION_COOKIE } from "./cookies";
import { isLoopbackHostHeader } from "./origin";
import { isPublicPath, loginPath, PATH_HEADER } from "./paths";
import type { AuthContext } from "./request";
import { verifySession } from "./sessions";

// Page-side auth for server components (proxy.ts has already refused requests without a validly signed
// cookie; this checks the session still exists in the database). Call it from app/layout.tsx and from any
// page that reads data on the server.

/**
 * Resolves the signed-in context, or redirects to /login?next=… when a session is required and missing.
 * Returns null on public pages (the sign-in page itself), which render without a session.
 */
export async function requireSession(): Promise<AuthContext | null> {
  // Opt out of prerendering first: auth depends on the runtime HOST, not the one seen at build time.
  await connection();
  const e = env();
  const h = await headers();
  const path = h.get(PATH_HEADER) ?? "/";
  if (!authRequired(e)) {
    // proxy.ts already answers 403 for these; refuse here too in case a matcher change skips it.
    if (!isLoopbackHostHeader(h.get("host"))) throw new Error("Host not allowed without sign-in (see HOST)");
    return { kind: "loopback" };
  }
  if (isPublicPath(path.split("?")[0]!)) return null;
  const value = (await cookies()).get(SESSION_COOKIE)?.value;
  const session = value ? await verifySession(value, { env: e }) : null;
  if (!session) redirect(loginPath(path));
  return { kind: "session", sessionId: session.sessionId };
}

/** For shell UI (e.g. whether to show "Sign out"); never redirects. */
export async function pageAuthState(): Promise<{ authRequired: boolean; signedIn: boolean }> {
  await connection();
  const e = env();
  if (!authRequired(e)) return { authRequired: false, signedIn: true };
  const value = (await cookies()).get(SESSION_COOKIE)?.value;
  const session = value ? await verifySession(value, { env: e }) : null;
  return { authRequired: true, signedIn: session !== null };
}
