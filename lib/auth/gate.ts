import { NextResponse, type NextRequest } from "next/server";
import { authRequired, type Env } from "../env";
import { SESSION_COOKIE } from "./cookies";
import { isLoopbackHostHeader } from "./origin";
import { isApiPath, isPublicPath, loginPath, PATH_HEADER } from "./paths";
import { hasValidSignature } from "./signed-cookie";

// The decision proxy.ts makes for every request, as a function of the request and an Env (so tests can
// try both loopback and network configurations). No database here — see proxy.ts for why.

export function proxyGate(req: NextRequest, e: Env): NextResponse {
  const { pathname, search } = req.nextUrl;

  // Tell server components which path they render (requireSession() builds /login?next=… from it).
  // Set unconditionally, so a client-supplied value never survives.
  const headers = new Headers(req.headers);
  headers.set(PATH_HEADER, pathname + search);
  const pass = () => NextResponse.next({ request: { headers } });

  if (!authRequired(e)) {
    // No sign-in on loopback, so only loopback host names are served (blocks DNS rebinding).
    if (!isLoopbackHostHeader(req.headers.get("host"))) {
      return NextResponse.json(
        {
          error: {
            code: "host_not_allowed",
            message: "This server runs without sign-in and only answers requests for localhost.",
          },
        },
        { status: 403 },
      );
    }
    return pass();
  }

  if (isPublicPath(pathname)) return pass();

  const cookie = req.cookies.get(SESSION_COOKIE)?.value;
  const signedIn = cookie !== undefined && hasValidSignature(cookie, e);

  if (isApiPath(pathname)) {
    if (signedIn || /^Bearer\s+\S/i.test(req.headers.get("authorization") ?? "")) return pass();
    return NextResponse.json(
      { error: { code: "unauthorized", message: "Sign in or send an API token (Authorization: Bearer …)" } },
      { status: 401, headers: { "Cache-Control": "no-store" } },
    );
  }

  if (signedIn) return pass();
  return NextResponse.redirect(new URL(loginPath(pathname + search), req.url));
}
