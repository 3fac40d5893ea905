import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";

// Test-only: a frozen chat (or preference) dataset version on disk and in Postgres, the way freeze leaves it, for local jobs
// launched through the API; and the cleanup of everything such a test created.

export type LocalVersionFixture = { datasetId: string; versionId: string };

export async function createFrozenVersion(db: PrismaClient, dataDir: string, opts: { name?: string; train: string; validation?: string; hasPreference?: boolean }): Promise<LocalVersionFixture> {
  const tag = randomBytes(4).toString("hex");
  const dataset = await db.dataset.create({ data: { name: `${opts.name ?? "local"}-${tag}` } });
  const rel = path.join("datasets", dataset.id, "v1");
  await mkdir(path.join(dataDir, rel), { recursive: true });
  await writeFile(path.join(dataDir, rel, "train.jsonl"), opts.train);
  await writeFile(path.join(dataDir, rel, "validation.jsonl"), opts.validation ?? "");
  const lines = (s: string) => s.split("\n").filter((l) => l.trim()).length;
  const trainCount = lines(opts.train);
  const validationCount = opts.validation ? lines(opts.validation) : 0;
  const version = await db.datasetVersion.create({
    data: {
      datasetId: dataset.id,
      number: 1,
      trainPath: path.join(rel, "train.jsonl"),
      validationPath: path.join(rel, "validation.jsonl"),
      sha256: createHash("sha256").update(opts.train).update(opts.validation ?? "").digest("hex"),
      exampleCount: trainCount + validationCount,
      trainCount,
      validationCount,
      tokenCount: 0,
      hasPreference: opts.hasPreference ?? false,
    },
  });
  return { datasetId: dataset.id, versionId: version.id };
}

export async function deleteFrozenVersions(db: PrismaClient, fixtures: LocalVersionFixture[]): Promise<void> {
  const versionIds = fixtures.map((f) => f.versionId);
  await db.fineTuneJob.deleteMany({ where: { datasetVersionId: { in: versionIds } } });
  await db.datasetVersion.deleteMany({ where: { id: { in: versionIds } } });
  await db.dataset.deleteMany({ where: { id: { in: fixtures.map((f) => f.datasetId) } } });
}
