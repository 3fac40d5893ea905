import { stat } from "node:fs/promises";
import path from "node:path";
import type { CliContext } from "../../command";
import type { JobView } from "../../../lib/jobs/types";
import { Refused, refusalText, type JobsApi } from "./api";
import type { CreateArgs } from "./args";
import { formatJob } from "./format";
import { importFile, ImportRefused } from "./import-file";
import { waitForJob } from "./wait";

// tuneforge jobs create: file(s) → new dataset (train + validation splits) → frozen version → launched job
// [→ waited for]. Each step goes through the REST API the dashboard uses, so the same checks apply.

async function readable(file: string): Promise<string | null> {
  try {
    const s = await stat(file);
    return s.isDirectory() ? `${file} is a directory; pass a .jsonl file` : null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? `${file}: no such file` : `${file}: cannot read (${(err as Error).message})`;
  }
}

/** Dataset names are unique; the file name and the second keep them apart and say where they came from. */
export function datasetNameFor(file: string, now: Date): string {
  return `${path.basename(file).replace(/\.jsonl$/i, "")} (tuneforge jobs create ${now.toISOString().slice(0, 19).replace("T", " ")})`;
}

type VersionRef = { datasetVersionId: string } | { datasetId: string; versionNumber: number };

/** FILE (and the --validation file) → a new dataset → its frozen version; a number is the exit code of a refusal. */
async function frozenFromFiles(data: string, validation: string | undefined, api: JobsApi, ctx: CliContext): Promise<{ ref: VersionRef; name: string; retryPath: string } | number> {
  const log = (line: string) => ctx.err(`${line}\n`);
  for (const f of [data, validation].filter((x): x is string => !!x)) {
    const problem = await readable(f);
    if (problem) {
      ctx.err(`tuneforge: jobs create: ${problem}\n`);
      return 2;
    }
  }
  const name = datasetNameFor(data, new Date());
  const { dataset } = await api.json<{ dataset: { id: string } }>("POST", "/api/datasets", { name, description: `Created by tuneforge jobs create from ${path.basename(data)}` });
  log(`created dataset "${name}"`);
  try {
    await importFile(api, dataset.id, data, "train", log);
    if (validation) await importFile(api, dataset.id, validation, "validation", log);
  } catch (err) {
    if (!(err instanceof ImportRefused)) throw err;
    ctx.err(`tuneforge: jobs create: ${err.message}\n`);
    return 1;
  }
  const { version } = await api.json<{ version: { number: number } }>("POST", `/api/datasets/${encodeURIComponent(dataset.id)}/versions`, { note: "frozen by tuneforge jobs create" });
  log(`froze version v${version.number}`);
  return {
    ref: { datasetId: dataset.id, versionNumber: version.number },
    name: `The dataset "${name}" v${version.number} was kept`,
    retryPath: `/jobs/new?dataset=${encodeURIComponent(dataset.id)}&version=${version.number}`,
  };
}

export async function runCreate(a: CreateArgs, api: JobsApi, ctx: CliContext): Promise<number> {
  const log = (line: string) => ctx.err(`${line}\n`);
  // With --from and no --data, the copied job's own version: nothing is imported.
  const frozen = a.datasetVersionId
    ? { ref: { datasetVersionId: a.datasetVersionId }, name: "Nothing was imported", retryPath: a.from ? `/jobs/new?from=${encodeURIComponent(a.from)}` : `/jobs/new?datasetVersion=${encodeURIComponent(a.datasetVersionId)}` }
    : await frozenFromFiles(a.data!, a.validation, api, ctx);
  if (typeof frozen === "number") return frozen;

  let jobs: JobView[];
  try {
    const body =
      a.provider === "local"
        ? { provider: "local", ...frozen.ref, baseModel: a.model, suffix: a.suffix, config: a.local }
        : { provider: "openai", ...frozen.ref, baseModel: a.model, hyperparameters: a.hyperparameters, suffix: a.suffix, seed: a.seed };
    jobs = a.sweep
      ? (await api.json<{ jobs: JobView[] }>("POST", "/api/jobs/sweep", { launch: body, sweep: a.sweep })).jobs
      : [(await api.json<{ job: JobView }>("POST", "/api/jobs", body)).job];
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    ctx.err(`tuneforge: jobs create: launch refused: ${refusalText(err)}\n${frozen.name}; fix the above and launch it again at ${api.url(frozen.retryPath)}\n`);
    return 1;
  }
  for (const job of jobs) log(`launched job ${job.id}${a.sweep ? ` (${job.suffix})` : ""}: ${api.url(`/jobs/${job.id}`)}`);
  if (a.sweep) log(`compare them at ${api.url(`/jobs/compare?ids=${jobs.map((j) => encodeURIComponent(j.id)).join(",")}`)}`);

  // A sweep's jobs are waited for in turn: they train one after another on a GPU worker anyway.
  if (a.wait) for (let i = 0; i < jobs.length; i++) jobs[i] = await waitForJob(api, jobs[i]!, { intervalMs: a.intervalMs, log });
  // --json: the job, or a sweep's array of jobs.
  if (a.json) ctx.out(`${JSON.stringify(a.sweep ? jobs : jobs[0], null, 2)}\n`);
  else ctx.out(jobs.map((j) => formatJob(j, api.url(`/jobs/${j.id}`))).join("\n"));
  if (!a.wait) return 0;
  return jobs.every((j) => j.status === "succeeded") ? 0 : 1;
}
