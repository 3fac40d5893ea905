import type { IncomingMessage } from "node:http";
import type { EmulatorFaults } from "./faults";
import type { EmulatorState } from "./state";

// A tiny method + path-pattern router. Each resource lives in its own file under routes/ and exports
// a list of EmulatorRoute; server.ts concatenates them. Patterns use ":name" segments.

export type RouteContext = {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  state: EmulatorState;
  /** The accepted API key of this request. */
  apiKey: string;
  faults: EmulatorFaults;
};

export type RouteResult = {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
  /** A non-JSON body (file content). */
  raw?: { data: Buffer; contentType: string };
  /** Destroy the connection instead of answering (the work was done; the client never hears). */
  drop?: boolean;
  /** A streamed answer (stream: true): each chunk as an SSE `data:` line, `gapMs` apart, then `data: [DONE]`. */
  stream?: { chunks: unknown[]; gapMs: number };
};

export type EmulatorRoute = {
  method: "GET" | "POST" | "DELETE";
  pattern: string;
  handler: (ctx: RouteContext) => RouteResult | Promise<RouteResult>;
};

type Compiled = EmulatorRoute & { regex: RegExp; names: string[] };

export function compileRoutes(routes: readonly EmulatorRoute[]): Compiled[] {
  return routes.map((r) => {
    const names: string[] = [];
    const source = r.pattern
      .split("/")
      .map((seg) => {
        if (!seg.startsWith(":")) return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(seg.slice(1));
        return "([^/]+)";
      })
      .join("/");
    return { ...r, regex: new RegExp(`^${source}/?$`), names };
  });
}

export function matchRoute(
  routes: readonly Compiled[],
  method: string,
  path: string,
): { route: Compiled; params: Record<string, string> } | null {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.regex.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1]!)));
    return { route, params };
  }
  return null;
}
