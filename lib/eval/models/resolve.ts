import type { PrismaClient } from "@prisma/client";
import { existingDataFolder } from "../../artifacts/paths";
import { HttpError } from "../../http/errors";
import { resolveModelDir } from "../../models/resolve";
import { parseSpec, type ModelSpec } from "../spec";

// A model spec turned into something that can generate: a remote chat-completions model (OpenAI with the
// Settings credentials, or any OpenAI-compatible endpoint) or a local base model plus an optional adapter
// folder. `job:` specs are looked up here, so the same checks run when an eval is created (refuse a job that
// has not succeeded, with a 400 naming the field) and again when the worker starts it (the job may have been
// deleted meanwhile).

export type ResolvedModel =
  | { where: "remote"; provider: "openai"; model: string; label: string }
  | { where: "remote"; provider: "endpoint"; baseUrl: string; model: string; label: string }
  | { where: "local"; model: string; modelDir: string; adapterDir?: string; label: string };

export type ResolveOptions = { db: PrismaClient; dataRoot?: string; modelsRoot?: string; field?: string };

const refuse = (field: string, code: string, message: string) => new HttpError(400, code, `${field}: ${message}`, { field });

export async function resolveModelSpec(raw: string | ModelSpec, opts: ResolveOptions): Promise<ResolvedModel> {
  const field = opts.field ?? "model";
  const spec = typeof raw === "string" ? parseSpec(raw) : raw;
  switch (spec.kind) {
    case "openai":
      return { where: "remote", provider: "openai", model: spec.model, label: `openai:${spec.model}` };
    case "endpoint":
      return { where: "remote", provider: "endpoint", baseUrl: spec.baseUrl, model: spec.model, label: `endpoint:${spec.baseUrl}#${spec.model}` };
    case "local":
      return localModel(spec.model, spec.adapter, opts, field);
    case "job":
      return jobModel(spec.jobId, spec.step, opts, field);
  }
}

function localModel(name: string, adapter: string | undefined, opts: ResolveOptions, field: string): ResolvedModel {
  let model;
  try {
    model = resolveModelDir(name, { root: opts.modelsRoot });
  } catch (err) {
    if (err instanceof HttpError) throw refuse(field, err.code, err.message);
    throw err;
  }
  const label = adapter ? `local:${model.name}+${adapter}` : `local:${model.name}`;
  if (!adapter) return { where: "local", model: model.name, modelDir: model.dir, label };
  const adapterDir = dataFolder(adapter, `The adapter folder ${adapter}`, opts, field);
  return { where: "local", model: model.name, modelDir: model.dir, adapterDir, label };
}

function dataFolder(rel: string, what: string, opts: ResolveOptions, field: string): string {
  try {
    return existingDataFolder(rel, what, opts.dataRoot);
  } catch (err) {
    if (err instanceof HttpError) throw refuse(field, err.code, err.message);
    throw err;
  }
}

async function jobModel(jobId: string, step: number | undefined, opts: ResolveOptions, field: string): Promise<ResolvedModel> {
  const job = await opts.db.fineTuneJob.findUnique({
    where: { id: jobId },
    select: { id: true, provider: true, status: true, baseModel: true, adapterPath: true, fineTunedModel: true },
  });
  if (!job) throw refuse(field, "job_not_found", `no fine-tuning job with id ${jobId}.`);
  if (step !== undefined) {
    if (job.provider !== "local") throw refuse(field, "checkpoint_not_local", `job ${jobId} ran at OpenAI; @step picks a local job's kept checkpoint.`);
    const ckpt = await opts.db.checkpoint.findUnique({ where: { jobId_step: { jobId, step } }, select: { path: true } });
    if (!ckpt?.path) throw refuse(field, "checkpoint_not_found", `job ${jobId} kept no checkpoint at step ${step}; pick one of the steps its Artifacts tab lists.`);
    const base = localModel(job.baseModel, undefined, opts, field);
    const adapterDir = dataFolder(ckpt.path, `Checkpoint ${step} of job ${jobId}`, opts, field);
    return { ...base, adapterDir, label: `job:${jobId}@${step}` } as ResolvedModel;
  }
  if (job.status !== "succeeded") throw refuse(field, "job_not_succeeded", `job ${jobId} is ${job.status}; only a job that has succeeded can be evaluated.`);
  if (job.provider === "openai") {
    if (!job.fineTunedModel) throw refuse(field, "no_fine_tuned_model", `job ${jobId} succeeded but recorded no fine-tuned model name.`);
    return { where: "remote", provider: "openai", model: job.fineTunedModel, label: `job:${jobId}` };
  }
  if (!job.adapterPath) throw refuse(field, "no_adapter", `job ${jobId} recorded no adapter folder.`);
  const base = localModel(job.baseModel, undefined, opts, field);
  const adapterDir = dataFolder(job.adapterPath, `The adapter of job ${jobId}`, opts, field);
  return { ...base, adapterDir, label: `job:${jobId}` } as ResolvedModel;
}
