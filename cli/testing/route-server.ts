import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

// Test-only: serves the app's own route handlers over node:http, as Next would, so CLI commands can be run
// against the real API (auth, zod parsing, domain code, Postgres, Redis) without building Next.

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** A path pattern whose capture groups fill `keys` (the [id] segments), and the route module's exports. */
export type RouteEntry = { pattern: RegExp; keys: string[]; module: Record<string, unknown> };

export type RouteServer = { url: string; close(): Promise<void> };

export async function serveRoutes(routes: RouteEntry[]): Promise<RouteServer> {
  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url!, `http://${req.headers.host}`);
    for (const r of routes) {
      const m = r.pattern.exec(u.pathname);
      const handler = m ? (r.module[req.method!] as Handler | undefined) : undefined;
      if (!m || !handler) continue;
      const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(u, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        ...(hasBody ? { body: Readable.toWeb(req) as unknown as ReadableStream, duplex: "half" } : {}),
      } as RequestInit);
      const response = await handler(request, { params: Promise.resolve(params) });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
