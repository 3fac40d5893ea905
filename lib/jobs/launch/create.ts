import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import type { Env } from "../../env";
import type { JobView } from "../types";
import { loadJobView } from "../view";
import { checkLaunch } from "./check";
import { enqueueJobRun } from "./enqueue";
import { launchRefused } from "./issues";

// POST /api/jobs: re-checks everything the form showed, records the job with the estimate it was launched on
// (for "estimated vs actual" later), then hands it to the openai-jobs worker, which uploads, creates and polls.

const usd = (n: number) => `$${n.toFixed(n < 0.01 ? 4 : 2)}`;
const int = (n: number) => n.toLocaleString("en-US");

export async function launchJob(raw: unknown, opts: { db?: PrismaClient; env?: Env; root?: string } = {}): Promise<JobView> {
  const db = opts.db ?? prisma();
  const { estimate: e, request } = await checkLaunch(raw, opts);
  if (e.issues.length > 0 || !request || !e.version) {
    const fallback = { field: "datasetVersionId", code: "version_not_found" as const, message: "Pick a dataset version to train on." };
    throw launchRefused(e.issues.length > 0 ? e.issues : [fallback]);
  }

  const cost = e.usd === null ? "cost unknown (no price for this model)" : `estimated ${usd(e.usd)}`;
  const summary =
    `Queued: ${request.method} fine-tune of ${request.baseModel} on "${e.version.datasetName}" v${e.version.number} ` +
    `(${int(e.examples)} training, ${int(e.validationExamples)} validation examples); ` +
    `${int(e.tokensPerEpoch)} tokens × ${e.epochs} epoch${e.epochs === 1 ? "" : "s"}${e.epochsAuto ? " (auto)" : ""}, ${cost}.`;

  const job = await db.$transaction(async (tx) => {
    const created = await tx.fineTuneJob.create({
      data: {
        provider: "openai",
        status: "queued",
        method: request.method,
        baseModel: request.baseModel,
        datasetVersionId: e.version!.id,
        // As requested, keys named as in FineTuneConfig.hyperparameters; absent keys mean "auto".
        hyperparameters: request.hyperparameters ?? {},
        suffix: request.suffix ?? null,
        seed: request.seed ?? null,
        estimatedTokensPerEpoch: e.tokensPerEpoch,
        estimatedEpochs: e.epochs,
        trainingPricePerMTok: e.usdPerMTok,
        estimatedUsd: e.usd,
      },
    });
    await tx.jobEvent.create({ data: { jobId: created.id, level: "info", message: summary, data: { estimate: { ...e, issues: undefined, notes: undefined } } } });
    return created;
  });

  try {
    await enqueueJobRun(job.id);
  } catch (err) {
    // The job is saved; workers re-enqueue every unfinished job from Postgres when they (re)connect.
    const message = `Waiting for the job queue (Redis: ${(err as Error).message}); the job starts once the workers can reach Redis.`;
    await db.fineTuneJob.update({ where: { id: job.id }, data: { retryMessage: message } });
  }
  return loadJobView(job.id, { db });
}
