import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { DatasetVersion, PrismaClient } from "@prisma/client";
import { freezeDatasetVersion } from "../../datasets/freeze";
import { newExampleRow } from "../../datasets/rows/build";
import { dataDir } from "../../env";

// Real datasets and frozen versions for the launch tests, made the way the app makes them (rows, then a
// freeze that writes the JSONL files), and removed afterwards.

export const chatExample = (i: number) => ({
  messages: [
    { role: "system", content: "You are TechCorp's support assistant." },
    { role: "user", content: `How do I reset the password of account number ${i}?` },
    { role: "assistant", content: `Open Settings → Security → Reset password for account ${i}, then follow the email.` },
  ],
});

export const preferenceExample = (i: number) => ({
  input: { messages: [{ role: "user", content: `Summarize ticket ${i} in one line.` }] },
  preferred_output: [{ role: "assistant", content: `Ticket ${i}: customer cannot log in; reset sent.` }],
  non_preferred_output: [{ role: "assistant", content: `It is a ticket.` }],
});

export type VersionFixture = { datasetId: string; datasetName: string; version: DatasetVersion };

export async function makeVersion(db: PrismaClient, opts: { train: number; validation?: number; kind?: "chat" | "preference"; name?: string }): Promise<VersionFixture> {
  const datasetName = opts.name ?? `launch-${randomUUID()}`;
  const ds = await db.dataset.create({ data: { name: datasetName } });
  const total = opts.train + (opts.validation ?? 0);
  await db.example.createMany({
    data: Array.from({ length: total }, (_, i) => {
      const split = i < opts.train ? "train" : "validation";
      const converted = opts.kind === "preference" ? ({ kind: "preference", example: preferenceExample(i) } as const) : ({ kind: "chat", example: chatExample(i) } as const);
      return newExampleRow(converted, { datasetId: ds.id, position: i, split });
    }),
  });
  const version = await freezeDatasetVersion({ datasetId: ds.id, db });
  return { datasetId: ds.id, datasetName, version };
}

/** Deletes the fixtures' jobs, versions, datasets and frozen files. */
export async function removeVersions(db: PrismaClient, fixtures: VersionFixture[]): Promise<void> {
  const datasetIds = fixtures.map((f) => f.datasetId);
  await db.fineTuneJob.deleteMany({ where: { datasetVersion: { datasetId: { in: datasetIds } } } });
  await db.datasetVersion.deleteMany({ where: { datasetId: { in: datasetIds } } });
  await db.dataset.deleteMany({ where: { id: { in: datasetIds } } });
  for (const id of datasetIds) await rm(path.join(dataDir(), "datasets", id), { recursive: true, force: true });
}
