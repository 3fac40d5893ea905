import { NextResponse } from "next/server";
import { z } from "zod";
import { HttpError } from "./errors";
import { authenticateRequest, type AuthContext } from "../auth/request";
import { isTransientConflict } from "../db/conflict";

// Every route handler goes through `route()`: it checks auth, parses params/query/body with zod,
// calls one lib function, serializes, and maps errors to HTTP. No Prisma in route.ts files.

type Schemas = {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Public routes (health, login) skip the auth check. */
  public?: boolean;
};

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export type RouteInput<S extends Schemas> = {
  req: Request;
  params: Infer<S["params"]>;
  query: Infer<S["query"]>;
  body: Infer<S["body"]>;
  auth: AuthContext | null;
};

type NextContext = { params: Promise<Record<string, string | string[]>> };

export function route<S extends Schemas>(schemas: S, handler: (input: RouteInput<S>) => Promise<unknown>) {
  return async (req: Request, ctx?: NextContext): Promise<Response> => {
    try {
      const auth = schemas.public ? null : await authenticateRequest(req);
      const rawParams = ctx?.params ? await ctx.params : {};
      const params = schemas.params ? schemas.params.parse(rawParams) : undefined;
      const url = new URL(req.url);
      const query = schemas.query ? schemas.query.parse(Object.fromEntries(url.searchParams)) : undefined;
      let body: unknown;
      if (schemas.body) {
        const text = await req.text();
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : {};
        } catch {
          throw new HttpError(400, "invalid_json", "Request body is not valid JSON");
        }
        body = schemas.body.parse(json);
      }
      const result = await handler({ req, params, query, body, auth } as RouteInput<S>);
      if (result instanceof Response) return result;
      return NextResponse.json(result ?? { ok: true }, { headers: { "Cache-Control": "no-store" } });
    } catch (err) {
      if (isClientAbort(req, err)) return new Response(null, { status: CLIENT_CLOSED_REQUEST });
      return errorResponse(err);
    }
  };
}

/** nginx's "client closed request": nobody reads it, but access logs show what happened. */
const CLIENT_CLOSED_REQUEST = 499;

/**
 * The browser went away while its request was read (react-query cancels a superseded estimate; the user navigated):
 * Node's "aborted" ECONNRESET, or an AbortError, with the request's signal aborted. Not a server fault, so it is not
 * logged as one; any other error of an aborted request still is.
 */
function isClientAbort(req: Request, err: unknown): boolean {
  if (!req.signal?.aborted || !(err instanceof Error)) return false;
  return (err as NodeJS.ErrnoException).code === "ECONNRESET" || err.name === "AbortError";
}

/** 201 Created with a JSON body, for routes that make a new resource. */
export function created(body: unknown): Response {
  return NextResponse.json(body, { status: 201, headers: { "Cache-Control": "no-store" } });
}

export function errorResponse(err: unknown): Response {
  if (err instanceof HttpError) {
    return NextResponse.json({ error: { code: err.code, message: err.message, details: err.details } }, { status: err.status });
  }
  if (err instanceof z.ZodError) {
    const details = err.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    const first = details[0];
    const message = first ? `${first.path || "input"}: ${first.message}` : "Invalid input";
    return NextResponse.json({ error: { code: "validation_error", message, details } }, { status: 400 });
  }
  // A deadlock that outlasted the retries of the write that met it (lib/db/conflict.ts): the transaction was
  // rolled back, so the request can simply be sent again.
  if (isTransientConflict(err)) {
    return NextResponse.json(
      { error: { code: "write_conflict", message: "Another change to the same rows was being saved at the same moment, so nothing was saved. Try again." } },
      { status: 503, headers: { "Retry-After": "1" } },
    );
  }
  console.error("[api] unhandled error:", err);
  return NextResponse.json({ error: { code: "internal_error", message: "Internal server error" } }, { status: 500 });
}
