import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { once } from "node:events";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { parseCommandOptions, UsageError } from "../args";
import type { CliContext, Command } from "../command";

// tuneforge export --dataset NAME – downloads a version (or the working set) of a dataset as OpenAI chat JSONL
// through the REST API of a running server, so it sees exactly what the dashboard's download links give.
// Exit 0 = written, 1 = the server refused (unknown dataset or version, …), 2 = wrong usage or no server.

const SPLITS = ["train", "validation", "test", "all"] as const;

export const exportCommand: Command = {
  name: "export",
  summary: "download a dataset version (or the working set) as OpenAI chat JSONL from the server",
  usage: [
    "Usage: tuneforge export --dataset NAME [--version N|working] [--split train|validation|test|all] [-o FILE]",
    "",
    "Downloads one split of a dataset from the running tuneforge server. A version's file is sent as it was",
    "frozen (its bytes match the version's sha256); the working set is the current rows.",
    "",
    "Options:",
    "  --dataset NAME   the dataset's name, as listed on the Datasets page",
    "  --version V      a version number, or working (default: working)",
    "  --split S        train, validation, test (working set only) or all = train then validation (default: all)",
    "  -o, --output F   write to file F (default: standard output)",
    "",
    "Environment: TUNEFORGE_URL (default http://127.0.0.1:3000), TUNEFORGE_API_TOKEN when the server asks to sign in.",
    "Exit codes: 0 written, 1 the server refused, 2 wrong usage or the server cannot be reached.",
    "",
  ].join("\n"),
  async run(args, ctx) {
    const { values: v } = parseCommandOptions("export", args, {
      dataset: { type: "string" },
      version: { type: "string", default: "working" },
      split: { type: "string", default: "all" },
      output: { type: "string", short: "o" },
    });
    if (!v.dataset) throw new UsageError("export: --dataset NAME is required. Run `tuneforge export --help` for usage.");
    const version = v.version ?? "working";
    if (version !== "working" && !/^[1-9]\d*$/.test(version)) throw new UsageError(`export: --version must be a version number or "working", not "${version}"`);
    const split = v.split ?? "all";
    if (!(SPLITS as readonly string[]).includes(split)) throw new UsageError(`export: --split must be one of ${SPLITS.join(", ")}, not "${split}"`);
    const { env } = await import("../../lib/env");
    const e = env();
    return runExport({ baseUrl: e.TUNEFORGE_URL, token: e.TUNEFORGE_API_TOKEN, dataset: v.dataset, version, split, output: v.output }, ctx);
  },
};

type ExportRun = { baseUrl: string; token?: string; dataset: string; version: string; split: string; output?: string };

class ServerUnreachable extends Error {}

async function call(run: ExportRun, pathAndQuery: string): Promise<Response> {
  const url = new URL(pathAndQuery, run.baseUrl);
  try {
    return await fetch(url, { headers: run.token ? { authorization: `Bearer ${run.token}` } : {} });
  } catch {
    throw new ServerUnreachable(`cannot reach the tuneforge server at ${run.baseUrl}; start the server with npm start (or set TUNEFORGE_URL).`);
  }
}

async function apiError(res: Response): Promise<string> {
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `${res.status} ${res.statusText}`;
}

async function runExport(run: ExportRun, ctx: CliContext): Promise<number> {
  try {
    const list = await call(run, "/api/datasets");
    if (!list.ok) {
      ctx.err(`tuneforge: export: ${await apiError(list)}\n`);
      return 1;
    }
    const { datasets } = (await list.json()) as { datasets: { id: string; name: string }[] };
    const dataset = datasets.find((d) => d.name === run.dataset);
    if (!dataset) {
      const names = datasets.map((d) => `"${d.name}"`).join(", ") || "none yet";
      ctx.err(`tuneforge: export: no dataset named "${run.dataset}" (datasets: ${names})\n`);
      return 1;
    }
    const query = new URLSearchParams({ version: run.version, split: run.split });
    const res = await call(run, `/api/datasets/${encodeURIComponent(dataset.id)}/export?${query}`);
    if (!res.ok || !res.body) {
      ctx.err(`tuneforge: export: ${await apiError(res)}\n`);
      return 1;
    }
    const lines = run.output ? await writeFile(res.body, run.output) : await writeOut(res.body, ctx);
    const what = `${run.version === "working" ? "working set" : `version ${run.version}`}, ${run.split}`;
    ctx.err(`tuneforge: export: ${lines} ${lines === 1 ? "example" : "examples"} of "${dataset.name}" (${what})${run.output ? ` written to ${run.output}` : ""}\n`);
    return 0;
  } catch (err) {
    if (err instanceof ServerUnreachable) {
      ctx.err(`tuneforge: export: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** The DOM ReadableStream type lacks async iteration in this lib setup; Node's stream does the same job. */
function chunks(body: ReadableStream<Uint8Array>): AsyncIterable<Buffer> {
  return Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>);
}

function countNewlines(chunk: Uint8Array): number {
  let n = 0;
  for (const byte of chunk) if (byte === 10) n++;
  return n;
}

/** Streams to `<file>.tmp` and renames, so an interrupted download never leaves a half file under the name. */
async function writeFile(body: ReadableStream<Uint8Array>, file: string): Promise<number> {
  const tmp = `${file}.tmp`;
  const out = createWriteStream(tmp);
  let lines = 0;
  try {
    for await (const chunk of chunks(body)) {
      lines += countNewlines(chunk);
      if (!out.write(chunk)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    await rename(tmp, file);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
  return lines;
}

async function writeOut(body: ReadableStream<Uint8Array>, ctx: CliContext): Promise<number> {
  const decoder = new TextDecoder();
  let lines = 0;
  for await (const chunk of chunks(body)) {
    lines += countNewlines(chunk);
    ctx.out(decoder.decode(chunk, { stream: true }));
  }
  ctx.out(decoder.decode());
  return lines;
}
