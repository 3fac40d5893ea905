// The REST calls `tuneforge jobs …` makes, with the two failures every subcommand reports the same way:
// Unreachable (no server, not tuneforge, sign-in needed: exit 2) and Refused (a 4xx/5xx whose message the
// server wrote for people: printed verbatim, exit 1).

export type ApiErrorBody = { error?: { code?: string; message?: string; details?: { issues?: { message: string }[] } } };

export class Unreachable extends Error {}

export class Refused extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: string[],
  ) {
    super(message);
  }
}

export class JobsApi {
  constructor(
    readonly base: string,
    private readonly token: string | undefined,
  ) {}

  /** JSON in, JSON out; a non-2xx answer throws Refused with the server's message. */
  async json<T>(method: string, pathname: string, body?: unknown, query?: Record<string, string | undefined>): Promise<T> {
    const res = await this.send(method, pathname, { json: body, query });
    return this.read<T>(res, `${method} ${pathname}`);
  }

  /** Streams a file body (an import upload). */
  async upload<T>(pathname: string, body: ReadableStream, query: Record<string, string>): Promise<T> {
    const res = await this.send("POST", pathname, { body, query });
    return this.read<T>(res, `upload to ${pathname}`);
  }

  url(pathname: string): string {
    return new URL(pathname, this.base).toString();
  }

  private async send(method: string, pathname: string, init: { json?: unknown; body?: ReadableStream; query?: Record<string, string | undefined> }): Promise<Response> {
    const url = new URL(pathname, this.base);
    for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (init.json !== undefined) headers["content-type"] = "application/json";
    if (init.body) headers["content-type"] = "application/octet-stream";
    try {
      return await fetch(url, {
        method,
        headers,
        body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
        ...(init.body ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Unreachable(
        `cannot reach tuneforge at ${this.base} (${cause?.code ?? cause?.message ?? (err as Error).message}). Start it with \`npm start\`, or point TUNEFORGE_URL (or --url) at the server`,
      );
    }
  }

  private async read<T>(res: Response, what: string): Promise<T> {
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      throw new Unreachable(`${new URL(this.base).origin} answered ${what} with ${res.status} and something that is not tuneforge's JSON API; check TUNEFORGE_URL`);
    }
    const error = (body as ApiErrorBody).error;
    if (res.status === 401) {
      throw new Unreachable(`the server requires sign-in: ${error?.message ?? "unauthorized"}. Create an API token in Settings and set TUNEFORGE_API_TOKEN`);
    }
    if (!res.ok) {
      const issues = (error?.details?.issues ?? []).map((i) => i.message);
      throw new Refused(res.status, error?.code ?? "http_error", error?.message ?? `${what} failed with ${res.status}`, issues);
    }
    return body as T;
  }
}

/** The server's words; several blocking issues one per line, so each can be read (and fixed) on its own. */
export function refusalText(err: Refused): string {
  return err.issues.length > 1 ? `${err.issues.length} problems:\n${err.issues.map((i) => `  - ${i}`).join("\n")}` : err.message;
}
