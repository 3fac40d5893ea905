import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { readApiJson, sendApiRequest } from "../../api-client";
import type { CliContext } from "../../command";
import { Refused, type ApiErrorBody } from "../jobs/api";

// tuneforge eval export: the server's streamed CSV/JSON download, piped to a file (or stdout) without holding it
// in memory. A failed download leaves no half-written file behind.

export async function runEvalExport(a: { id: string; format: "csv" | "json"; out?: string }, base: string, token: string | undefined, ctx: CliContext): Promise<number> {
  const pathname = `/api/evals/${encodeURIComponent(a.id)}/export`;
  const res = await sendApiRequest(base, token, "GET", pathname, { query: { format: a.format } });
  if (!res.ok || !res.body) {
    const error = ((await readApiJson(res, base, `GET ${pathname}`)) as ApiErrorBody).error;
    throw new Refused(res.status, error?.code ?? "http_error", error?.message ?? `GET ${pathname} failed with ${res.status}`, []);
  }
  const body = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
  if (!a.out) {
    // A streaming decoder: a multi-byte character split across two chunks is printed whole.
    const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
    const toOut = new Writable({
      write(chunk: Buffer, _enc, done) {
        ctx.out(decoder.decode(chunk, { stream: true }));
        done();
      },
      final(done) {
        ctx.out(decoder.decode());
        done();
      },
    });
    await pipeline(body, toOut);
    return 0;
  }
  try {
    await pipeline(body, createWriteStream(a.out));
  } catch (err) {
    await rm(a.out, { force: true });
    ctx.err(`tuneforge: eval export: writing ${a.out} failed: ${(err as Error).message}\n`);
    return 1;
  }
  ctx.err(`wrote ${a.out}\n`);
  return 0;
}
