import { isLoopbackHost } from "../env";

// CSRF defence by origin checking. Browsers attach Origin to every cross-origin non-GET request (and
// Referer almost always); a page on another site can make the browser send our cookie, but cannot make
// those headers name our host. Bearer requests are exempt: browsers never attach Authorization by themselves.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/** Host (with port) the client addressed: Host header, else X-Forwarded-Host, else the URL's host. */
export function requestHosts(req: Request): string[] {
  const hosts = [req.headers.get("host"), req.headers.get("x-forwarded-host")?.split(",")[0]?.trim()]
    .filter((h): h is string => !!h)
    .map((h) => h.toLowerCase());
  if (hosts.length === 0) hosts.push(new URL(req.url).host.toLowerCase());
  return hosts;
}

export type OriginVerdict = { ok: true } | { ok: false; reason: string };

/**
 * For a state-changing request: the Origin (or, when absent, the Referer) must name the host the request
 * was sent to. `requireHeader`: refuse when neither header is present (cookie-authenticated requests).
 */
export function checkSameOrigin(req: Request, opts: { requireHeader: boolean }): OriginVerdict {
  const origin = req.headers.get("origin");
  const referer = req.headers.get("referer");
  const source = origin ?? referer;
  if (!source) {
    return opts.requireHeader
      ? { ok: false, reason: "Missing Origin header on a state-changing request" }
      : { ok: true };
  }
  let host: string;
  try {
    // "null" (sandboxed frames, opaque origins) fails to parse and is refused.
    host = new URL(source).host.toLowerCase();
  } catch {
    return { ok: false, reason: "Unreadable Origin header" };
  }
  return requestHosts(req).includes(host)
    ? { ok: true }
    : { ok: false, reason: `Cross-origin request from ${host} refused` };
}

/**
 * Without sign-in (loopback), only loopback host names are served. This stops DNS rebinding: a page on
 * attacker.example re-pointed at 127.0.0.1 would be same-origin to the browser, but its Host is not loopback.
 */
export function isLoopbackHostHeader(hostHeader: string | null): boolean {
  if (!hostHeader) return true; // not from a browser (tests, internal calls)
  const h = hostHeader.trim().toLowerCase();
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.split(":")[0]!;
  return isLoopbackHost(name) || name.endsWith(".localhost");
}
