// The REST calls `tuneforge jobs …` makes, with the two failures every subcommand reports the same way:
// Unreachable (no server, not tuneforge, sign-in needed: exit 2) and Refused (a 4xx/5xx whose message the
// server wrote for people: printed verbatim, exit 1).

import { readApiJson, sendApiRequest, Unreachable, type ApiRequestInit } from "../../api-client";

export type ApiErrorBody = { error?: { code?: string; message?: string; details?: { issues?: { message: string }[] } } };

export { Unreachable };

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

  private send(method: string, pathname: string, init: ApiRequestInit): Promise<Response> {
    return sendApiRequest(this.base, this.token, method, pathname, init);
  }

  private async read<T>(res: Response, what: string): Promise<T> {
    const body = await readApiJson(res, this.base, what);
    if (!res.ok) {
      const error = (body as ApiErrorBody).error;
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

/**
 * The exit code of a subcommand that talks to the server, for every command group (jobs, eval): 2 when the
 * server cannot be reached, 1 when it refused (its message printed), else whatever the subcommand returns.
 */
export async function serverSubcommandExit(group: string, sub: string | undefined, ctx: { err(text: string): void }, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Unreachable) {
      ctx.err(`tuneforge: ${group}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof Refused) {
      ctx.err(`tuneforge: ${group} ${sub}: ${refusalText(err)}\n`);
      return 1;
    }
    throw err;
  }
}

/** The client for the server this CLI run talks to: --url, else TUNEFORGE_URL, with TUNEFORGE_API_TOKEN. */
export async function serverApi(url: string | undefined): Promise<JobsApi> {
  // Imported here so commands that never reach the server do not validate the environment.
  const { env } = await import("../../../lib/env");
  const e = env();
  return new JobsApi(url ?? e.TUNEFORGE_URL, e.TUNEFORGE_API_TOKEN);
}
