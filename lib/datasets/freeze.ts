import { createHash, randomUUID } from "node:crypto";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Prisma, type DatasetVersion, type PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { dataDir } from "../env";
import { HttpError, notFound } from "../http/errors";
import { countChatExampleTokens, DEFAULT_COUNT_MODEL } from "../tokens/count";
import { jsonlLines, writeJsonlFile, type StoredExample } from "./export";

// A version is what jobs and evaluations train and score on, so it must never change after it is made: the
// rows are snapshotted into files under the data directory, and the version row records their sha256.
//
// sha256 = one hash over the bytes of train.jsonl followed by the bytes of validation.jsonl (when present), so a
// single value covers the whole version and checking it means hashing the two files in that order.

const ATTEMPTS = 3;

/** Files of version `number`, relative to the data directory (what the row stores). */
export function versionDir(datasetId: string, number: number): string {
  return path.join("datasets", datasetId, `v${number}`);
}

/**
 * Billed tokens of one example with the dataset's count model (the one its table shows); for DPO the prompt plus
 * the preferred answer, as an estimate. Counted here, not read from the rows, so a pending analysis never matters.
 */
function exampleTokens(example: StoredExample, model: string): number {
  const messages = Array.isArray(example.messages) ? example.messages : [];
  const preference = example.preference as { preferred_output?: unknown } | null;
  const extra = example.kind === "preference" && Array.isArray(preference?.preferred_output) ? preference.preferred_output : [];
  return countChatExampleTokens({ messages: [...messages, ...extra], tools: example.tools ?? undefined }, model);
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/**
 * Freezes the dataset's train and validation examples into version last + 1. Examples in the "test" split are
 * held out of training data and are not part of a version. Refuses an empty dataset and one with no train
 * examples (OpenAI requires a training file), and one whose train/validation rows have errors.
 */
export async function freezeDatasetVersion(opts: { datasetId: string; note?: string; db?: PrismaClient; root?: string }): Promise<DatasetVersion> {
  const db = opts.db ?? prisma();
  const root = opts.root ?? dataDir();
  const dataset = await db.dataset.findUnique({ where: { id: opts.datasetId }, select: { id: true, name: true, countModel: true } });
  if (!dataset) throw notFound("Dataset");

  // One repeatable-read transaction = one consistent snapshot: the error check and the rows it vouches for see
  // the same data, and edits after it belong to the next version.
  const frozenSplits = { datasetId: dataset.id, split: { in: ["train", "validation"] as ("train" | "validation")[] } };
  const [withErrors, examples] = await db.$transaction(
    [
      db.example.count({ where: { ...frozenSplits, errorCount: { gt: 0 } } }),
      db.example.findMany({
        where: frozenSplits,
        orderBy: [{ position: "asc" }, { id: "asc" }],
        select: { kind: true, position: true, split: true, messages: true, tools: true, preference: true, extra: true },
      }),
    ],
    { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
  );
  // OpenAI rejects a file with format errors, and a version is what jobs upload: refuse rather than freeze a
  // version that can never train. Rows in the test split are not frozen, so their errors do not block.
  if (withErrors > 0) {
    throw new HttpError(
      409,
      "examples_have_errors",
      `${withErrors === 1 ? "1 example has" : `${withErrors} examples have`} errors; fix or delete them first (filter the Examples table by errors).`,
      { examplesWithErrors: withErrors },
    );
  }
  const trainCount = examples.filter((e) => e.split === "train").length;
  const validationCount = examples.length - trainCount;
  if (examples.length === 0) {
    throw new HttpError(409, "dataset_empty", `"${dataset.name}" has no train or validation examples; add some before freezing a version.`);
  }
  if (trainCount === 0) {
    throw new HttpError(409, "no_train_examples", `"${dataset.name}" has no examples in the train split; a version needs a training file.`);
  }

  // Write into a private staging folder first: the version folder appears only once its row exists.
  const datasetRoot = path.join(root, "datasets", dataset.id);
  const staging = path.join(datasetRoot, `.staging-${randomUUID()}`);
  await mkdir(staging, { recursive: true });
  try {
    const hash = createHash("sha256");
    await writeJsonlFile(path.join(staging, "train.jsonl"), jsonlLines(examples, "train"), { hash });
    if (validationCount > 0) await writeJsonlFile(path.join(staging, "validation.jsonl"), jsonlLines(examples, "validation"), { hash });
    const sha256 = hash.digest("hex");
    const tokenCount = examples.reduce((sum, e) => sum + exampleTokens(e, dataset.countModel || DEFAULT_COUNT_MODEL), 0);
    const hasPreference = examples.some((e) => e.kind === "preference");

    for (let attempt = 1; ; attempt++) {
      try {
        return await db.$transaction(async (tx) => {
          const last = await tx.datasetVersion.aggregate({ where: { datasetId: dataset.id }, _max: { number: true } });
          const number = (last._max.number ?? 0) + 1;
          const dir = versionDir(dataset.id, number);
          // The unique (datasetId, number) index makes a concurrent freeze of the same number wait here and then
          // fail; the loser retries with the next number.
          const version = await tx.datasetVersion.create({
            data: {
              datasetId: dataset.id,
              number,
              note: opts.note ?? "",
              trainPath: path.join(dir, "train.jsonl"),
              validationPath: validationCount > 0 ? path.join(dir, "validation.jsonl") : null,
              sha256,
              exampleCount: examples.length,
              trainCount,
              validationCount,
              tokenCount,
              hasPreference,
            },
          });
          // Holding this number's row, any folder already there is left from a freeze whose commit failed.
          const target = path.join(root, dir);
          await rm(target, { recursive: true, force: true });
          await rename(staging, target);
          return version;
        });
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= ATTEMPTS) throw error;
      }
    }
  } finally {
    // Gone after a successful rename; after a failure it must not pile up.
    await rm(staging, { recursive: true, force: true });
  }
}
