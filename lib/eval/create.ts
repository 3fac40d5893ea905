import { randomUUID } from "node:crypto";
import { Prisma, type PrismaClient } from "@prisma/client";
import type { z } from "zod";
import { prisma } from "../db/client";
import { dataDir } from "../env";
import { HttpError } from "../http/errors";
import { resolveOpenAIConfig } from "../settings/credentials";
import type { QueueSet } from "../queue/queues";
import { attachTags, overlappingPrompts, readSplitLines, samplesOfLines, type PreparedSample } from "./create/samples";
import { enqueueEvalRun, type EvalQueue } from "./create/enqueue";
import { compileJsonSchema } from "./metrics";
import { resolveModelSpec } from "./models/resolve";
import { parseSpec } from "./spec";
import { createEvalSchema, type CreateEval } from "./types";

// POST /api/evals (and `tuneforge eval create`): checks everything a run will need before anything is stored —
// the version and its held-out split, each model spec (a job must have succeeded; a local model must be in the
// models directory), the JSON Schema — then writes the run with one EvalSample per held-out line and hands it
// to a worker. Problems the user can still act on (held-out prompts the candidate trained on, lines without
// an expected answer) are warnings stored on the run, not refusals.

export type CreateEvalDeps = { db?: PrismaClient; root?: string; modelsRoot?: string; /** Default: the process's queues (REDIS_URL, TUNEFORGE_QUEUE_PREFIX). */ queues?: QueueSet };
export type CreateEvalResult = { runIds: string[]; warnings: string[] };

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

function badField(error: z.ZodError): HttpError {
  const issue = error.issues[0]!;
  const field = issue.path.map(String).join(".") || "request";
  const all = error.issues.map((i) => ({ field: i.path.map(String).join(".") || "request", message: i.message }));
  return new HttpError(400, "invalid_eval_request", `${field}: ${issue.message}`, { field, issues: all });
}

export async function createEval(input: unknown, deps: CreateEvalDeps = {}): Promise<CreateEvalResult> {
  const db = deps.db ?? prisma();
  const root = deps.root ?? dataDir();
  const parsed = createEvalSchema.safeParse(input);
  if (!parsed.success) throw badField(parsed.error);
  const req = parsed.data;

  const version = await db.datasetVersion.findUnique({ where: { id: req.datasetVersionId }, include: { dataset: { select: { id: true, name: true } } } });
  if (!version) throw new HttpError(400, "version_not_found", `datasetVersionId: no dataset version with id ${req.datasetVersionId}.`, { field: "datasetVersionId" });
  if (version.hasPreference) {
    throw new HttpError(400, "preference_version", `datasetVersionId: "${version.dataset.name}" v${version.number} holds preference (DPO) pairs; an evaluation needs chat examples that end with the expected assistant reply.`, { field: "datasetVersionId" });
  }
  const splitPath = req.split === "validation" ? version.validationPath : version.trainPath;
  if (!splitPath) {
    throw new HttpError(400, "no_validation_split", `split: "${version.dataset.name}" v${version.number} has no validation examples; pick split "train" or freeze a version with a validation split.`, { field: "split" });
  }

  if (req.jsonSchema) {
    const compiled = compileJsonSchema(req.jsonSchema);
    if (!compiled.ok) throw new HttpError(400, "invalid_json_schema", `jsonSchema: ${compiled.message}`, { field: "jsonSchema" });
  }

  const opts = { db, dataRoot: root, modelsRoot: deps.modelsRoot };
  const candidate = await resolveModelSpec(req.candidate, { ...opts, field: "candidate" });
  const baseline = await resolveModelSpec(req.baseline, { ...opts, field: "baseline" });
  const judge = req.judge ? await resolveModelSpec(req.judge, { ...opts, field: "judge" }) : null;
  if (judge && judge.where !== "remote") {
    throw new HttpError(400, "judge_not_remote", `judge: the judge must be a chat-completions model (openai:<model>, endpoint:<url>#<model> or a hosted job); ${req.judge} runs on the local trainer.`, { field: "judge" });
  }

  // A run on OpenAI without a key could only fail on the worker; say so now, naming the field.
  const onOpenAI = (["candidate", "baseline", "judge"] as const).find((f) => {
    const m = { candidate, baseline, judge }[f];
    return m?.where === "remote" && m.provider === "openai";
  });
  if (onOpenAI && !(await resolveOpenAIConfig({ db }))) {
    throw new HttpError(400, "openai_not_configured", `${onOpenAI}: ${req[onOpenAI]} runs on OpenAI, and no OpenAI API key is configured. Add one in Settings or set OPENAI_API_KEY.`, { field: onOpenAI });
  }

  const lines = readSplitLines(root, splitPath, `${version.dataset.name} v${version.number} ${req.split}`);
  const { samples, skipped } = samplesOfLines(lines.lines, req.limit);
  if (samples.length === 0) {
    throw new HttpError(400, "no_samples", `split: none of the ${plural(lines.lines.length, "line")} of the ${req.split} split ends with an assistant reply to compare against.`, { field: "split" });
  }
  await attachTags(db, version.dataset.id, samples);

  const warnings: string[] = [];
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 10).join(", ") + (skipped.length > 10 ? ", …" : "");
    const one = skipped.length === 1;
    warnings.push(`${plural(skipped.length, "line")} of the ${req.split} split (line${one ? "" : "s"} ${shown}) ${one ? "ends" : "end"} without an assistant reply and ${one ? "was" : "were"} skipped: there is no expected answer to compare against.`);
  }
  const overlap = await trainingOverlap(db, root, req.candidate, samples);
  if (overlap) warnings.push(overlap);

  const runs = await plannedRuns(db, req);
  const queue: EvalQueue = [candidate, baseline].some((m) => m.where === "local") ? "gpu-jobs" : "eval";
  const sweepId = runs.length > 1 ? randomUUID() : null;
  const runIds: string[] = [];
  for (const run of runs) {
    const id = await db.$transaction(async (tx) => {
      const created = await tx.evalRun.create({
        data: {
          name: req.name,
          datasetVersionId: version.id,
          split: req.split,
          jobId: req.jobId ?? jobIdOf(req.candidate) ?? null,
          candidateSpec: run.candidateSpec,
          baselineSpec: req.baseline,
          judgeSpec: req.judge ?? null,
          rubric: req.rubric ?? null,
          generation: req.generation,
          jsonSchema: (req.jsonSchema as Prisma.InputJsonValue | undefined) ?? undefined,
          concurrency: req.concurrency,
          warnings,
          sweepId,
          checkpointStep: run.checkpointStep,
        },
        select: { id: true },
      });
      await tx.evalSample.createMany({
        data: samples.map((s) => ({ evalRunId: created.id, index: s.index, prompt: s.prompt, tools: (s.tools ?? Prisma.DbNull) as Prisma.InputJsonValue, expected: s.expected, tags: s.tags })),
      });
      return created.id;
    });
    runIds.push(id);
  }

  for (const id of runIds) {
    try {
      await enqueueEvalRun(id, queue, deps.queues);
    } catch (err) {
      // The run is saved; workers re-enqueue every unfinished run from Postgres when they (re)connect.
      await db.evalRun.update({
        where: { id },
        data: { errorMessage: `Waiting for the job queue (Redis: ${(err as Error).message}); the run starts once the workers can reach Redis.` },
      });
    }
  }
  return { runIds, warnings };
}

function jobIdOf(spec: string): string | null {
  const s = parseSpec(spec);
  return s.kind === "job" ? s.jobId : null;
}

type PlannedRun = { candidateSpec: string; checkpointStep: number | null };

/** One run, or with sweepCheckpoints one per kept checkpoint of the candidate job plus its final adapter. */
async function plannedRuns(db: PrismaClient, req: CreateEval): Promise<PlannedRun[]> {
  if (!req.sweepCheckpoints) return [{ candidateSpec: req.candidate, checkpointStep: parseStep(req.candidate) }];
  const spec = parseSpec(req.candidate);
  if (spec.kind !== "job" || spec.step !== undefined) {
    throw new HttpError(400, "sweep_needs_job", `sweepCheckpoints: the candidate must be a job (job:<id>, without @step) to evaluate each of its checkpoints.`, { field: "sweepCheckpoints" });
  }
  const checkpoints = await db.checkpoint.findMany({ where: { jobId: spec.jobId, path: { not: null } }, orderBy: { step: "asc" }, select: { step: true } });
  if (checkpoints.length === 0) {
    throw new HttpError(400, "no_checkpoints", `sweepCheckpoints: job ${spec.jobId} kept no checkpoints; evaluate its final model instead.`, { field: "sweepCheckpoints" });
  }
  // The final adapter has no step of its own; it is the sweep's last point (checkpointStep null).
  return [...checkpoints.map((c) => ({ candidateSpec: `job:${spec.jobId}@${c.step}`, checkpointStep: c.step })), { candidateSpec: req.candidate, checkpointStep: null }];
}

function parseStep(spec: string): number | null {
  const s = parseSpec(spec);
  return s.kind === "job" ? (s.step ?? null) : null;
}

/** A warning when held-out prompts also appear in the training split of the candidate job's own version. */
async function trainingOverlap(db: PrismaClient, root: string, candidateSpec: string, samples: PreparedSample[]): Promise<string | null> {
  const jobId = jobIdOf(candidateSpec);
  if (!jobId) return null;
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, select: { datasetVersion: { select: { trainPath: true, number: true, dataset: { select: { name: true } } } } } });
  const v = job?.datasetVersion;
  if (!v) return null;
  let train;
  try {
    train = readSplitLines(root, v.trainPath, `training data of job ${jobId}`);
  } catch {
    return `Could not read the training data of job ${jobId} to check for overlap with the held-out prompts.`;
  }
  const n = overlappingPrompts(samples, train.lines);
  if (n === 0) return null;
  return `${plural(n, "held-out prompt")} of ${samples.length.toLocaleString("en-US")} also ${n === 1 ? "appears" : "appear"} in the training data of job ${jobId} ("${v.dataset.name}" v${v.number}); the candidate has seen them, so its scores on them overstate how it generalizes.`;
}

