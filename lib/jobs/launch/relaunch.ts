import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { hyperparametersOf } from "../hosted/input";
import { DEFAULT_LOCAL_CONFIG, type LocalConfig } from "../local/config";
import { readLocalConfig } from "../local/stored";
import type { LaunchHyperparameters } from "./request";

// "Launch again" (/jobs/new?from=<job id>, GET /api/jobs/<id>/relaunch, `tuneforge jobs create --from`): a job's
// settings as the starting point of the next launch, so a team tries one change at a time instead of retyping
// twenty fields. Nothing here launches: the draft goes through the same form, checks and POST /api/jobs as any
// launch. An OpenAI job gives what was asked for (an "auto" stays auto); one attached by its OpenAI id gives what
// OpenAI resolved, since nothing else is known of it.

export type RelaunchSource = {
  id: string;
  provider: "openai" | "local";
  status: string;
  baseModel: string;
  suffix: string | null;
  fineTunedModel: string | null;
  /** "support-chat v3", or null when the version is gone (or the job was attached, with none). */
  datasetLabel: string | null;
  createdAt: string;
};

type Common = {
  from: RelaunchSource;
  /** The version to train on, or null when the job's is gone: the form then asks for one. */
  datasetVersionId: string | null;
  baseModel: string;
  suffix: string | null;
  /** What the form should tell the user about the copy (a version gone, settings that could not be read). */
  notes: string[];
};

export type OpenAIRelaunchDraft = Common & {
  provider: "openai";
  method: "supervised" | "dpo";
  /** Absent keys are "auto". */
  hyperparameters: LaunchHyperparameters;
  seed: number | null;
  /** The epochs the job ran (or was estimated to run) when n_epochs was "auto": for training it locally instead. */
  epochsRun: number | null;
};

export type LocalRelaunchDraft = Common & { provider: "local"; config: LocalConfig };

export type RelaunchDraft = OpenAIRelaunchDraft | LocalRelaunchDraft;

/** The draft for launching `jobId` again, or null when there is no such job. */
export async function relaunchDraft(jobId: string, opts: { db?: PrismaClient } = {}): Promise<RelaunchDraft | null> {
  const db = opts.db ?? prisma();
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, include: { datasetVersion: { include: { dataset: { select: { name: true } } } } } });
  if (!job) return null;
  const version = job.datasetVersion;
  const from: RelaunchSource = {
    id: job.id,
    provider: job.provider,
    status: job.status,
    baseModel: job.baseModel,
    suffix: job.suffix,
    fineTunedModel: job.fineTunedModel,
    datasetLabel: version ? `${version.dataset.name} v${version.number}` : null,
    createdAt: job.createdAt.toISOString(),
  };
  const notes: string[] = [];
  if (!version)
    notes.push(job.attached ? "The job was attached by its OpenAI id, so it has no dataset version here: pick the one to train on." : "The job's dataset version no longer exists: pick the one to train on.");
  const common = { from, datasetVersionId: version?.id ?? null, baseModel: job.baseModel, suffix: job.suffix, notes };

  if (job.provider === "openai") {
    if (job.attached) notes.push("Its hyperparameters are the ones OpenAI resolved for it (an \"auto\" shows as the number OpenAI chose).");
    return { ...common, provider: "openai", method: job.method, hyperparameters: hyperparametersOf(job.hyperparameters), seed: job.seed, epochsRun: job.estimatedEpochs };
  }
  // Parsing fills in settings added since the job was launched with their defaults, as its run did.
  const read = readLocalConfig(job);
  if ("problem" in read) notes.push(`The job's stored settings could not be read (${read.problem}), so the form starts from the defaults.`);
  return { ...common, provider: "local", config: "config" in read ? read.config : DEFAULT_LOCAL_CONFIG };
}
