import type { EvalSample, PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import type { EvalRunView, EvalSampleView, SampleMetrics } from "./types";
import { getEvalRunView, toEvalSampleView } from "./view";

// Export of a run with every sample, as CSV (for spreadsheets) or JSON ({ run, samples }, for scripts). Both are
// streamed a page of rows at a time so a 10,000-sample run never sits in memory as one string.

export type ExportFormat = "csv" | "json";

const PAGE = 500;

/** The metric columns, per side, in this order. */
const METRIC_COLUMNS = ["exactMatch", "normalizedMatch", "jsonValid", "schemaValid", "toolCallMatch", "toolNameMatch", "rougeL", "tokenF1", "lengthRatio", "latencyMs", "promptTokens", "completionTokens", "costUsd"] as const satisfies readonly (keyof SampleMetrics)[];

export const CSV_HEADER = [
  "index",
  "tags",
  "prompt",
  "expected",
  "baseline",
  "candidate",
  ...METRIC_COLUMNS.map((m) => `baseline_${m}`),
  ...METRIC_COLUMNS.map((m) => `candidate_${m}`),
  "verdict",
  "human_verdict",
  "rationale_forward",
  "rationale_swapped",
  "baseline_error",
  "candidate_error",
  "judge_error",
];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote, CR or LF, quotes doubled. Text that a spreadsheet
 * would run as a formula (starting with = + - @, or a tab/CR that some spreadsheets skip before one) gets a
 * leading apostrophe first: model outputs are untrusted text. Numbers are written as they are.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(fields: (string | number | null | undefined)[]): string {
  return `${fields.map(csvField).join(",")}\r\n`;
}

/** The prompt as one cell: the last user message (the system prompt is the same on every row and would drown it). */
function lastUserMessage(s: EvalSampleView): string {
  for (let i = s.prompt.length - 1; i >= 0; i--) if (s.prompt[i]!.role === "user") return s.prompt[i]!.content;
  return s.prompt.at(-1)?.content ?? "";
}

export function csvRow(s: EvalSampleView): string {
  const metrics = (m: SampleMetrics | null) => METRIC_COLUMNS.map((k) => (m ? (m[k] ?? null) : null));
  return csvLine([
    s.index,
    s.tags.join(";"),
    lastUserMessage(s),
    s.expected,
    s.baselineOutput,
    s.candidateOutput,
    ...metrics(s.baselineMetrics),
    ...metrics(s.candidateMetrics),
    s.verdict,
    s.humanVerdict,
    s.judgeForward?.rationale,
    s.judgeSwapped?.rationale,
    s.baselineError,
    s.candidateError,
    s.judgeError,
  ]);
}

/** A file name from the run's name (ASCII, no quotes or slashes) and id, e.g. "eval-triage-v2-ckxyz.csv". */
export function exportFileName(run: Pick<EvalRunView, "id" | "name">, format: ExportFormat): string {
  const slug = run.name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "") // accents split off by NFKD: "É" → "E"
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .toLowerCase()
    .slice(0, 60);
  return `eval-${slug ? `${slug}-` : ""}${run.id}.${format}`;
}

async function* samplePages(db: PrismaClient, runId: string): AsyncGenerator<EvalSample[]> {
  let after = -1;
  for (;;) {
    const rows = await db.evalSample.findMany({ where: { evalRunId: runId, index: { gt: after } }, orderBy: { index: "asc" }, take: PAGE });
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.index;
  }
}

async function* exportChunks(db: PrismaClient, run: EvalRunView, format: ExportFormat): AsyncGenerator<string> {
  if (format === "csv") {
    // A BOM so spreadsheet programs read the UTF-8 outputs (accents, CJK, emoji) as UTF-8.
    yield `\uFEFF${csvLine(CSV_HEADER)}`;
    for await (const rows of samplePages(db, run.id)) yield rows.map((r) => csvRow(toEvalSampleView(r))).join("");
    return;
  }
  yield `{"run":${JSON.stringify(run)},"samples":[`;
  let first = true;
  for await (const rows of samplePages(db, run.id)) {
    yield (first ? "" : ",") + rows.map((r) => JSON.stringify(toEvalSampleView(r))).join(",");
    first = false;
  }
  yield "]}";
}

export type EvalExport = { fileName: string; contentType: string; body: ReadableStream<Uint8Array> };

/** The run (404 when unknown) and a stream of its export; rows are read as the client reads the stream. */
export async function exportEvalRun(id: string, format: ExportFormat, deps: { db?: PrismaClient } = {}): Promise<EvalExport> {
  const db = deps.db ?? prisma();
  const run = await getEvalRunView(id, { db });
  const chunks = exportChunks(db, run, format);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return { fileName: exportFileName(run, format), contentType: format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8", body };
}

/** The HTTP response of an export download (the route returns it as is). */
export function exportResponse(exp: EvalExport): Response {
  return new Response(exp.body, {
    headers: {
      "Content-Type": exp.contentType,
      "Content-Disposition": `attachment; filename="${exp.fileName}"`,
      "Cache-Control": "no-store",
      "X-Content-Type-Options": "nosniff",
    },
  });
}
