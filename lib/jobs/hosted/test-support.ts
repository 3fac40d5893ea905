import type { Prisma, PrismaClient } from "@prisma/client";
import type { OpenAIEmulator } from "../../../test/openai-emulator/server";
import { createFrozenVersion } from "../local/test-support";

// Test-only: a frozen dataset version on disk + a FineTuneJob row pointing at it, the way freeze and launch
// leave them, and the emulator's own view of a job's curve to compare stored metric points against.

export type HostedFixture = { datasetId: string; versionId: string; jobId: string };

export async function createHostedJob(
  db: PrismaClient,
  dataDir: string,
  opts: {
    train: string;
    validation?: string;
    model?: string;
    hyperparameters?: Prisma.InputJsonValue;
    pricePerMTok?: number;
    attachedRemoteId?: string;
  },
): Promise<HostedFixture> {
  const version = await createFrozenVersion(db, dataDir, { name: "hosted", train: opts.train, validation: opts.validation });
  const job = await db.fineTuneJob.create({
    data: {
      provider: "openai",
      baseModel: opts.model ?? "gpt-4o-mini-2024-07-18",
      datasetVersionId: version.versionId,
      hyperparameters: opts.hyperparameters ?? { n_epochs: 2 },
      trainingPricePerMTok: opts.pricePerMTok ?? 3,
      ...(opts.attachedRemoteId ? { attached: true, remoteJobId: opts.attachedRemoteId } : {}),
    },
  });
  return { ...version, jobId: job.id };
}

export async function deleteHostedJobs(db: PrismaClient, fixtures: HostedFixture[]): Promise<void> {
  await db.fineTuneJob.deleteMany({ where: { id: { in: fixtures.map((f) => f.jobId) } } });
  await db.datasetVersion.deleteMany({ where: { id: { in: fixtures.map((f) => f.versionId) } } });
  await db.dataset.deleteMany({ where: { id: { in: fixtures.map((f) => f.datasetId) } } });
}

/** The emulator's remote jobs tagged with our job id (exactly one is the goal). */
export function remoteJobsOf(emu: OpenAIEmulator, jobId: string) {
  return [...emu.state.jobs.values()].filter((r) => r.job.metadata?.tuneforge_job_id === jobId);
}

/** step → train_loss as the emulator emitted it: the curve stored metric points must equal. */
export function emulatorCurve(emu: OpenAIEmulator, remoteJobId: string): { step: number; trainLoss: number }[] {
  const rec = emu.state.jobs.get(remoteJobId);
  if (!rec) throw new Error(`the emulator has no job ${remoteJobId}`);
  return rec.events
    .filter((e) => e.type === "metrics")
    .map((e) => e.data as { step: number; train_loss: number })
    .map((d) => ({ step: d.step, trainLoss: d.train_loss }))
    .sort((a, b) => a.step - b.step);
}

/** A training file the emulator rejects while validating (a message without a role). */
export function invalidChatJsonl(n: number): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({ messages: i === 3 ? [{ content: "no role" }] : [{ role: "user", content: `q${i}` }, { role: "assistant", content: `a${i}` }] }),
  ).join("\n") + "\n";
}
