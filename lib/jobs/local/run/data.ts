import fs from "node:fs";
import type { PrismaClient } from "@prisma/client";
import { parseChatJsonl, type NumberedExample } from "../../../tokenizer";
import { absoluteInData } from "./paths";

// A job trains on its pinned DatasetVersion: the frozen train.jsonl (+ validation.jsonl) written at freeze
// time, read exactly as frozen. Preference (DPO) versions cannot be trained locally yet; launch refuses them,
// and this says so again in case a row was written by hand.

export type VersionData = {
  version: { id: string; number: number; sha256: string; datasetName: string; trainCount: number; validationCount: number };
  train: NumberedExample[];
  validation: NumberedExample[] | null;
  trainFile: string;
  validationFile: string | null;
};

export class VersionDataError extends Error {}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VersionDataError(`cannot read the frozen dataset file ${file} (${code === "ENOENT" ? "it is missing" : (err as Error).message}); freeze a new version and launch again`);
  }
}

export async function loadVersionData(db: PrismaClient, dataDir: string, versionId: string | null): Promise<VersionData> {
  if (!versionId) throw new VersionDataError("the job has no dataset version; launch it from a frozen version");
  const v = await db.datasetVersion.findUnique({ where: { id: versionId }, include: { dataset: { select: { name: true } } } });
  if (!v) throw new VersionDataError(`dataset version ${versionId} no longer exists`);
  if (v.hasPreference) throw new VersionDataError(`"${v.dataset.name}" v${v.number} holds preference (DPO) pairs; local training takes chat examples only`);
  const trainFile = absoluteInData(dataDir, v.trainPath);
  const train = parseChatJsonl(readText(trainFile), trainFile);
  let validation: NumberedExample[] | null = null;
  let validationFile: string | null = null;
  if (v.validationPath && v.validationCount > 0) {
    validationFile = absoluteInData(dataDir, v.validationPath);
    validation = parseChatJsonl(readText(validationFile), validationFile);
  }
  return {
    version: { id: v.id, number: v.number, sha256: v.sha256, datasetName: v.dataset.name, trainCount: v.trainCount, validationCount: v.validationCount },
    train,
    validation,
    trainFile,
    validationFile,
  };
}
