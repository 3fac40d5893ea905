import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { CliContext } from "../../command";
import type { EvalRunView } from "../../../lib/eval/types";
import { isTerminalEvalStatus } from "../../../lib/eval/statuses";
import { Refused, refusalText, type JobsApi } from "../jobs/api";
import { importFile, ImportRefused } from "../jobs/import-file";
import type { EvalCreateArgs } from "./args";
import { evalProgressLine, evalResultJson, formatEvalRun } from "./format";

// tuneforge eval create: [file → new dataset → frozen version →] eval run [→ waited for]. Each step goes through
// the REST API the dashboard uses, so the same checks apply.

async function problemWith(file: string): Promise<string | null> {
  try {
    const s = await stat(file);
    return s.isDirectory() ? `${file} is a directory; pass a file` : null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read (${(err as Error).message})`;
  }
}

/** Dataset names are unique; the file name and the second keep them apart and say where they came from. */
export function evalDatasetName(file: string, now: Date): string {
  return `${path.basename(file).replace(/\.jsonl$/i, "")} (tuneforge eval create ${now.toISOString().slice(0, 19).replace("T", " ")})`;
}

class CliFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

async function readJsonSchema(file: string): Promise<Record<string, unknown>> {
  const problem = await problemWith(file);
  if (problem) throw new CliFailure(`--json-schema ${problem}`, 2);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new CliFailure(`--json-schema ${file} is not valid JSON (${(err as Error).message}); pass a JSON Schema document.`, 2);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new CliFailure(`--json-schema ${file} must hold a JSON object (a JSON Schema), not ${Array.isArray(parsed) ? "an array" : typeof parsed}.`, 2);
  return parsed as Record<string, unknown>;
}

/**
 * --data: the file becomes a new dataset's train split (a version needs a train split) and every line of it is
 * evaluated, so the run uses split "train". Lines are checked by the same import the dashboard runs.
 */
async function versionOfFile(api: JobsApi, file: string, log: (line: string) => void): Promise<{ id: string; split: "train" }> {
  const problem = await problemWith(file);
  if (problem) throw new CliFailure(problem, 2);
  const name = evalDatasetName(file, new Date());
  const { dataset } = await api.json<{ dataset: { id: string } }>("POST", "/api/datasets", { name, description: `Created by tuneforge eval create from ${path.basename(file)}` });
  log(`created dataset "${name}"`);
  try {
    await importFile(api, dataset.id, file, "train", log);
  } catch (err) {
    if (err instanceof ImportRefused) throw new CliFailure(err.message, 1);
    throw err;
  }
  const { version } = await api.json<{ version: { id: string; number: number } }>("POST", `/api/datasets/${encodeURIComponent(dataset.id)}/versions`, { note: "frozen by tuneforge eval create" });
  log(`froze version v${version.number}`);
  return { id: version.id, split: "train" };
}

async function waitForEval(api: JobsApi, first: EvalRunView, opts: { intervalMs: number; log: (line: string) => void }): Promise<EvalRunView> {
  let run = first;
  let shown = "";
  for (;;) {
    const line = evalProgressLine(run);
    if (line !== shown) {
      opts.log(line);
      shown = line;
    }
    if (isTerminalEvalStatus(run.status)) return run;
    await new Promise((r) => setTimeout(r, opts.intervalMs));
    run = (await api.json<{ run: EvalRunView }>("GET", `/api/evals/${encodeURIComponent(run.id)}`)).run;
  }
}

export async function runEvalCreate(a: EvalCreateArgs, api: JobsApi, ctx: CliContext): Promise<number> {
  const log = (line: string) => ctx.err(`${line}\n`);
  let created: { runs: EvalRunView[]; warnings: string[] };
  try {
    const jsonSchema = a.jsonSchemaFile ? await readJsonSchema(a.jsonSchemaFile) : undefined;
    const version = a.source.kind === "file" ? await versionOfFile(api, a.source.file, log) : { id: a.source.id, split: a.split };
    const generation = {
      ...(a.temperature !== undefined ? { temperature: a.temperature } : {}),
      ...(a.maxTokens !== undefined ? { maxTokens: a.maxTokens } : {}),
      ...(a.thinking !== undefined ? { thinking: a.thinking } : {}),
    };
    const body = {
      ...(a.name !== undefined ? { name: a.name } : {}),
      datasetVersionId: version.id,
      ...(version.split ? { split: version.split } : {}),
      candidate: a.candidate,
      baseline: a.baseline,
      ...(a.judge ? { judge: a.judge } : {}),
      ...(a.rubric !== undefined ? { rubric: a.rubric } : {}),
      ...(jsonSchema ? { jsonSchema } : {}),
      ...(Object.keys(generation).length ? { generation } : {}),
      ...(a.concurrency !== undefined ? { concurrency: a.concurrency } : {}),
      ...(a.limit !== undefined ? { limit: a.limit } : {}),
    };
    created = await api.json<{ runs: EvalRunView[]; warnings: string[] }>("POST", "/api/evals", body);
  } catch (err) {
    if (err instanceof CliFailure) {
      ctx.err(`tuneforge: eval create: ${err.message}\n`);
      return err.code;
    }
    if (err instanceof Refused) {
      ctx.err(`tuneforge: eval create: refused: ${refusalText(err)}\n`);
      return 1;
    }
    throw err;
  }
  let run = created.runs[0]!;
  const url = api.url(`/evaluations/${run.id}`);
  log(`created evaluation ${run.id} (${run.progress.total} samples): ${url}`);
  for (const w of created.warnings) log(`warning: ${w}`);
  if (a.wait) run = await waitForEval(api, run, { intervalMs: a.intervalMs, log });
  ctx.out(a.json ? `${JSON.stringify(evalResultJson(run, url, created.warnings), null, 2)}\n` : formatEvalRun(run, url));
  if (!a.wait) return 0;
  return run.status === "succeeded" ? 0 : 1;
}
