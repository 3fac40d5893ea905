import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { parseCommandOptions } from "../args";
import type { CliContext, Command } from "../command";
import type { ImportReport, ImportView } from "../../lib/datasets/import/types";
import { readApiJson, sendApiRequest, Unreachable, type ApiRequestInit } from "../api-client";

// tuneforge import FILE --dataset NAME – uploads a file to a running tuneforge through its REST API (the same
// path as the browser), waits for the worker, and prints the check in `tuneforge validate`'s style.
// Exit 0 = imported, 1 = refused (lines with errors, nothing imported), 2 = unreadable file, wrong usage or
// server unreachable.

const FORMATS = ["auto", "openai-chat", "preference", "alpaca", "sharegpt", "prompt-completion", "csv"];
const POLL_MS = 300;
const MAX_LISTED = 20;

type ImportRun = {
  file: string;
  dataset: string;
  create: boolean;
  skipInvalid: boolean;
  split: "train" | "validation";
  format: string;
  csvMap?: { system?: string; user: string; assistant: string };
  json: boolean;
  url: string;
  token?: string;
};

export const importCommand: Command = {
  name: "import",
  summary: "import a JSONL or CSV file into a dataset of a running tuneforge (through its API)",
  usage: [
    "Usage: tuneforge import FILE --dataset NAME [--create] [--skip-invalid] [--split train|validation]",
    "                             [--format F] [--csv-map user=COL,assistant=COL[,system=COL]] [--json] [--url URL]",
    "",
    "Uploads FILE to the tuneforge server (TUNEFORGE_URL, default http://127.0.0.1:3000; TUNEFORGE_API_TOKEN when",
    "it requires sign-in), which checks every line and adds the examples to the dataset in one step: either all",
    "of them or, with --skip-invalid, all valid lines. Lines that fail are listed with their line number.",
    "",
    "Options:",
    "  --dataset NAME      the dataset to add to (by name)",
    "  --create            create the dataset when no dataset has that name",
    "  --skip-invalid      import the valid lines even when some lines fail (they are listed and skipped)",
    "  --split S           train (default) or validation",
    `  --format F          ${FORMATS.join(", ")} (default auto: from the file name and first lines)`,
    "  --csv-map MAP       CSV columns for each role, e.g. user=question,assistant=answer[,system=sys]",
    "  --json              print the import (status, counts, report) as JSON",
    "  --url URL           server to talk to (default TUNEFORGE_URL)",
    "",
    "Exit codes: 0 imported, 1 refused (lines with errors; nothing imported), 2 the file cannot be read,",
    "the server cannot be reached, or wrong usage.",
    "",
  ].join("\n"),
  async run(args, ctx) {
    const { values: v, positionals } = parseCommandOptions(
      "import",
      args,
      {
        dataset: { type: "string" },
        create: { type: "boolean", default: false },
        "skip-invalid": { type: "boolean", default: false },
        split: { type: "string", default: "train" },
        format: { type: "string", default: "auto" },
        "csv-map": { type: "string" },
        json: { type: "boolean", default: false },
        url: { type: "string" },
      },
      { positionals: true },
    );
    const usage = (msg: string) => {
      ctx.err(`tuneforge: import: ${msg}. Run \`tuneforge import --help\` for usage.\n`);
      return 2;
    };
    if (positionals.length !== 1) return usage(`give exactly one FILE (got ${positionals.length})`);
    if (!v.dataset) return usage("--dataset NAME is required");
    if (v.split !== "train" && v.split !== "validation") return usage(`--split must be train or validation, not "${v.split}"`);
    if (!FORMATS.includes(v.format!)) return usage(`--format must be one of ${FORMATS.join(", ")}, not "${v.format}"`);
    let csvMap: ImportRun["csvMap"];
    if (v["csv-map"]) {
      const parsed = parseCsvMap(v["csv-map"]);
      if (typeof parsed === "string") return usage(parsed);
      csvMap = parsed;
    }
    const { env } = await import("../../lib/env");
    const e = env();
    return runImport(
      { file: positionals[0]!, dataset: v.dataset, create: !!v.create, skipInvalid: !!v["skip-invalid"], split: v.split, format: v.format!, csvMap, json: !!v.json, url: v.url ?? e.TUNEFORGE_URL, token: e.TUNEFORGE_API_TOKEN },
      ctx,
    );
  },
};

export function parseCsvMap(text: string): NonNullable<ImportRun["csvMap"]> | string {
  const map: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const m = /^\s*(system|user|assistant)\s*=\s*(.+?)\s*$/.exec(pair);
    if (!m) return `--csv-map: "${pair}" is not ROLE=COLUMN with ROLE system, user or assistant`;
    map[m[1]!] = m[2]!;
  }
  if (!map.user || !map.assistant) return "--csv-map needs user=COLUMN and assistant=COLUMN";
  return { user: map.user, assistant: map.assistant, ...(map.system ? { system: map.system } : {}) };
}

class Api {
  constructor(
    private readonly base: string,
    private readonly token: string | undefined,
  ) {}

  async call<T>(method: string, pathname: string, init: ApiRequestInit = {}): Promise<{ status: number; body: T & { error?: { code: string; message: string } } }> {
    const res = await sendApiRequest(this.base, this.token, method, pathname, init);
    const body = await readApiJson(res, this.base, `${method} ${pathname}`);
    return { status: res.status, body: body as T & { error?: { code: string; message: string } } };
  }
}

export async function runImport(opts: ImportRun, ctx: CliContext): Promise<number> {
  const fail = (msg: string, code: number) => {
    ctx.err(`tuneforge: import: ${msg}\n`);
    return code;
  };
  let size: number;
  try {
    const s = await stat(opts.file);
    if (s.isDirectory()) return fail(`${opts.file} is a directory; pass a .jsonl or .csv file`, 2);
    size = s.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(code === "ENOENT" ? `${opts.file}: no such file` : `${opts.file}: cannot read (${(err as Error).message})`, 2);
  }
  const api = new Api(opts.url, opts.token);
  try {
    const datasetId = await findDataset(api, opts, ctx);
    if (!datasetId) return 2;
    const imp = await upload(api, datasetId, opts, size, ctx);
    if (!imp) return 2;
    return await follow(api, datasetId, imp, opts, ctx);
  } catch (err) {
    if (err instanceof Unreachable) return fail(err.message, 2);
    throw err;
  }
}

async function findDataset(api: Api, opts: ImportRun, ctx: CliContext): Promise<string | null> {
  const list = await api.call<{ datasets: { id: string; name: string }[] }>("GET", "/api/datasets");
  if (list.status !== 200) throw new Unreachable(`listing datasets failed: ${list.body.error?.message ?? list.status}`);
  const found = list.body.datasets.find((d) => d.name === opts.dataset);
  if (found) return found.id;
  if (!opts.create) {
    ctx.err(`tuneforge: import: no dataset is named "${opts.dataset}"; add --create to create it, or pick one of: ${list.body.datasets.map((d) => `"${d.name}"`).join(", ") || "(none yet)"}\n`);
    return null;
  }
  const created = await api.call<{ dataset: { id: string } }>("POST", "/api/datasets", { json: { name: opts.dataset } });
  if (created.status !== 200) throw new Unreachable(`creating dataset "${opts.dataset}" failed: ${created.body.error?.message ?? created.status}`);
  if (!opts.json) ctx.err(`created dataset "${opts.dataset}"\n`);
  return created.body.dataset.id;
}

function progressLine(ctx: CliContext, text: string) {
  ctx.err(`\r${text}`.padEnd(72));
}

async function upload(api: Api, datasetId: string, opts: ImportRun, size: number, ctx: CliContext): Promise<ImportView | null> {
  let sent = 0;
  let lastShown = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      if (!opts.json && (Date.now() - lastShown > 200 || sent === size)) {
        lastShown = Date.now();
        progressLine(ctx, `uploading ${path.basename(opts.file)}: ${mb(sent)} of ${mb(size)} (${size ? Math.round((sent / size) * 100) : 100}%)`);
      }
      done(null, chunk);
    },
  });
  const body = Readable.toWeb(createReadStream(opts.file).pipe(counter)) as unknown as ReadableStream;
  const res = await api.call<{ import: ImportView }>("POST", `/api/datasets/${encodeURIComponent(datasetId)}/imports`, {
    body,
    query: { fileName: path.basename(opts.file), format: opts.format, split: opts.split, skipInvalid: opts.skipInvalid ? "1" : "0" },
  });
  if (!opts.json) ctx.err("\n");
  if (res.status !== 200) {
    ctx.err(`tuneforge: import: upload refused: ${res.body.error?.message ?? res.status}\n`);
    return null;
  }
  return res.body.import;
}

const FINAL = ["succeeded", "failed", "cancelled"];

async function follow(api: Api, datasetId: string, first: ImportView, opts: ImportRun, ctx: CliContext): Promise<number> {
  const base = `/api/datasets/${encodeURIComponent(datasetId)}/imports/${encodeURIComponent(first.id)}`;
  let imp = first;
  let mappingSent = false;
  for (;;) {
    if (FINAL.includes(imp.status)) break;
    if (imp.status === "needs_review") {
      const csv = imp.report?.csv && !imp.options.csvMapping;
      if (!csv) break;
      if (!opts.csvMap || mappingSent) {
        await api.call("POST", `${base}/cancel`);
        const suggested = imp.report!.csv!.suggestedMapping;
        ctx.err(
          `tuneforge: import: ${path.basename(opts.file)} is CSV with columns ${imp.report!.csv!.columns.join(", ")}; say which hold each role, e.g.\n` +
            `  --csv-map user=${suggested.user ?? "COLUMN"},assistant=${suggested.assistant ?? "COLUMN"}${suggested.system ? `,system=${suggested.system}` : ""}\n`,
        );
        return 2;
      }
      const confirmed = await api.call<{ import: ImportView }>("POST", `${base}/confirm`, { json: { csvMapping: opts.csvMap, skipInvalid: opts.skipInvalid } });
      if (confirmed.status !== 200) throw new Unreachable(`confirming the CSV mapping failed: ${confirmed.body.error?.message ?? confirmed.status}`);
      mappingSent = true;
      imp = confirmed.body.import;
      continue;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    const got = await api.call<{ import: ImportView }>("GET", base);
    if (got.status !== 200) throw new Unreachable(`reading the import failed: ${got.body.error?.message ?? got.status}`);
    imp = got.body.import;
    if (!opts.json && imp.status === "importing") progressLine(ctx, `checking: ${imp.lines.toLocaleString("en-US")} lines read (${imp.bytes ? Math.round((imp.bytesRead / imp.bytes) * 100) : 0}%)`);
  }
  if (!opts.json) ctx.err("\r".padEnd(72) + "\r");

  // Refused: the CLI does not leave an import waiting in the UI; nothing was written.
  if (imp.status === "needs_review") {
    const cancelled = await api.call<{ import: ImportView }>("POST", `${base}/cancel`);
    if (cancelled.status === 200) imp = { ...cancelled.body.import, report: imp.report };
  }
  if (opts.json) ctx.out(JSON.stringify(imp, null, 2) + "\n");
  else ctx.out(formatImport(opts, imp));
  if (imp.status === "succeeded") return 0;
  // An unreadable file (binary, empty, unknown format) is a 2, like `tuneforge validate`; lines that fail are a 1.
  if (imp.status === "failed" && !imp.report) return 2;
  return 1;
}

const int = (n: number) => n.toLocaleString("en-US");
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

function findings(title: string, list: ImportReport["errors"], counts: Record<string, number>): string[] {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) return [`${title}: none`];
  const out = [`${title}: ${int(total)}`];
  for (const [code, n] of Object.entries(counts)) {
    out.push(`  ${code} (${int(n)})`);
    const mine = list.filter((f) => f.code === code);
    for (const f of mine.slice(0, MAX_LISTED)) out.push(`    ${f.line ? `line ${f.line}: ` : ""}${f.message}`);
    if (n > Math.min(mine.length, MAX_LISTED)) out.push(`    … and ${int(n - Math.min(mine.length, MAX_LISTED))} more (--json lists the first 1,000)`);
  }
  return out;
}

export function formatImport(opts: Pick<ImportRun, "file" | "dataset">, imp: ImportView): string {
  const r = imp.report;
  const lines = [`${opts.file} → dataset "${opts.dataset}"${imp.format ? ` (${imp.format})` : ""}`];
  if (r) {
    lines.push(`  lines:           ${int(r.lines)}${r.blankLines ? ` (${int(r.blankLines)} blank)` : ""}`, `  valid examples:  ${int(r.validLines)}`, `  lines with errors: ${int(r.invalidLines)}`, "");
    lines.push(...findings("Errors", r.errors, r.errorCounts), ...findings("Warnings", r.warnings, r.warningCounts), "");
  }
  if (imp.status === "succeeded") {
    lines.push(`Imported ${int(imp.imported)} example${imp.imported === 1 ? "" : "s"}${imp.skipped ? `; skipped ${int(imp.skipped)} line${imp.skipped === 1 ? "" : "s"} with errors` : ""}. Token counts follow in the background.`);
  } else if (imp.status === "failed") {
    lines.push(`Import failed; nothing was added: ${imp.error ?? "unknown error"}`);
  } else if (r && r.invalidLines > 0) {
    lines.push(
      `Nothing was imported: ${int(r.invalidLines)} line${r.invalidLines === 1 ? "" : "s"} cannot be imported. Fix ${r.invalidLines === 1 ? "it" : "them"} and run again,`,
      `or add --skip-invalid to import the ${int(r.validLines)} valid line${r.validLines === 1 ? "" : "s"} and skip the rest.`,
    );
  } else {
    lines.push(`Import ${imp.status}.`);
  }
  return lines.join("\n") + "\n";
}
