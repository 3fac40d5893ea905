import type { NextRequest, NextResponse } from "next/server";
import { proxyGate } from "./lib/auth/gate";
import { env } from "./lib/env";

// First gate for every request (Next 16 "proxy"; runs in the Node.js runtime by default). It stays light
// and never touches the database: a page needs a correctly signed, unexpired session cookie or is sent to
// /login?next=…; an API call needs that cookie or a Bearer header, or gets 401 JSON. The full checks
// (session not signed out, token not revoked, CSRF) run in lib/auth/request.ts for APIs and in
// requireSession() (lib/auth/session.ts) for pages.
export function proxy(req: NextRequest): NextResponse {
  return proxyGate(req, env());
}

export const config = {
  // Everything except Next's build assets and image optimizer (public anyway, and hot), and the dataset
  // upload: when a proxy runs, Next buffers the request body in memory and cuts it at 10 MB, so a file upload
  // must bypass it. route() still runs every auth check (lib/auth/request.ts) on that route.
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/datasets/[^/]+/imports/?$).*)"],
};
