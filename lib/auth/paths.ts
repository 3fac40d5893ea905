// Which paths are reachable without signing in, shared by proxy.ts (cookie presence) and the page
// helper in session.ts (full verification). Kept free of Node/Prisma imports so the proxy stays light.

/** Request header the proxy sets to the path being rendered, so server components know it. */
export const PATH_HEADER = "x-tuneforge-path";

// The favicon is public so the sign-in page can show it before sign-in.
const PUBLIC_EXACT = new Set(["/login", "/api/health", "/favicon.ico", "/icon.svg", "/robots.txt"]);
const PUBLIC_PREFIXES = ["/api/auth/", "/_next/static/", "/_next/image", "/login/"];

export function isPublicPath(pathname: string): boolean {
  return PUBLIC_EXACT.has(pathname) || PUBLIC_PREFIXES.some((p) => pathname.startsWith(p));
}

export function isApiPath(pathname: string): boolean {
  return pathname === "/api" || pathname.startsWith("/api/");
}

/** Only same-site relative paths may be a post-login destination (no open redirect via ?next=). */
export function safeNextPath(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (next === "/login" || next.startsWith("/login?") || next.startsWith("/login/")) return "/";
  return next;
}

export function loginPath(next: string): string {
  const target = safeNextPath(next);
  return target === "/" ? "/login" : `/login?next=${encodeURIComponent(target)}`;
}
