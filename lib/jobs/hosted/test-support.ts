import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Prisma, PrismaClient } from "@prisma/client";
import type { OpenAIEmulator } from "../../../test/openai-emulator/server";

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
  const tag = randomBytes(4).toString("hex");
  const dataset = await db.dataset.create({ data: { name: `hosted-${tag}` } });
  const rel = path.join("datasets", dataset.id, "v1");
  await mkdir(path.join(dataDir, rel), { recursive: true });
  await writeFile(path.join(dataDir, rel, "train.jsonl"), opts.train);
  await writeFile(path.join(dataDir, rel, "validation.jsonl"), opts.validation ?? "");
  const lines = (s: string) => s.split("\n").filter((l) => l.trim()).length;
  const trainCount = lines(opts.train);
  const validationCount = opts.validation ? lines(opts.validation) : 0;
  const version = await db.datasetVersion.create({
    data: {
      datasetId: dataset.id, number: 1, trainPath: path.join(rel, "train.jsonl"), validationPath: path.join(rel, "validation.jsonl"),
      sha256: "0".repeat(64), exampleCount: trainCount + validationCount, trainCount, validationCount, tokenCount: 100,
    },
  });
  const job = await db.fineTuneJob.create({
    data: {
      provider: "openai",
      baseModel: opts.model ?? "gpt-4o-mini-2024-07-18",
      datasetVersionId: version.id,
      hyperparameters: opts.hyperparameters ?? { n_epochs: 2 },
      trainingPricePerMTok: opts.pricePerMTok ?? 3,
      ...(opts.attachedRemoteId ? { attached: true, remoteJobId: opts.attachedRemoteId } : {}),
    },
  });
  return { datasetId: dataset.id, versionId: version.id, jobId: job.id };
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
