import fs from "node:fs";
import type { PrismaClient } from "@prisma/client";
import { parseChatJsonl, parsePreferenceJsonl, type NumberedExample, type NumberedPair } from "../../../tokenizer";
import { absoluteInData } from "./paths";

// A job trains on its pinned DatasetVersion: the frozen train.jsonl (+ validation.jsonl) written at freeze
// time, read exactly as frozen. A chat version trains supervised (SFT); a preference version (OpenAI's DPO
// format) trains with DPO, every line a pair.

export type LocalMethod = "supervised" | "dpo";

/** A split as read from its file: chat examples, or preference pairs. */
export type ParsedSplit = { kind: "chat"; examples: NumberedExample[] } | { kind: "preference"; pairs: NumberedPair[] };

export type VersionData = {
  version: { id: string; number: number; sha256: string; datasetName: string; trainCount: number; validationCount: number };
  method: LocalMethod;
  train: ParsedSplit;
  validation: ParsedSplit | null;
  trainFile: string;
  validationFile: string | null;
};

export class VersionDataError extends Error {}

/** The method a version trains with locally. */
export const localMethodOf = (v: { hasPreference: boolean }): LocalMethod => (v.hasPreference ? "dpo" : "supervised");

function readText(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new VersionDataError(`cannot read the frozen dataset file ${file} (${code === "ENOENT" ? "it is missing" : (err as Error).message}); freeze a new version and launch again`);
  }
}

/**
 * The method a JSONL file trains with when no version says so (`tuneforge train`): its first line decides, a
 * preference pair ({"input", "preferred_output", …}) meaning DPO. A file that mixes the two is then refused by
 * parseSplit at the first line of the other kind, by number.
 */
export function methodOfJsonl(text: string): LocalMethod {
  const first = text.replace(/^\uFEFF/, "").split("\n").find((l) => l.trim() !== "");
  try {
    const value = JSON.parse(first ?? "null") as unknown;
    return typeof value === "object" && value !== null && "input" in value && "preferred_output" in value ? "dpo" : "supervised";
  } catch {
    return "supervised"; // the chat parser names the line
  }
}

export function parseSplit(text: string, file: string, method: LocalMethod): ParsedSplit {
  return method === "dpo" ? { kind: "preference", pairs: parsePreferenceJsonl(text, file) } : { kind: "chat", examples: parseChatJsonl(text, file) };
}

export async function loadVersionData(db: PrismaClient, dataDir: string, versionId: string | null): Promise<VersionData> {
  if (!versionId) throw new VersionDataError("the job has no dataset version; launch it from a frozen version");
  const v = await db.datasetVersion.findUnique({ where: { id: versionId }, include: { dataset: { select: { name: true } } } });
  if (!v) throw new VersionDataError(`dataset version ${versionId} no longer exists`);
  const method = localMethodOf(v);
  const trainFile = absoluteInData(dataDir, v.trainPath);
  const train = parseSplit(readText(trainFile), trainFile, method);
  let validation: ParsedSplit | null = null;
  let validationFile: string | null = null;
  if (v.validationPath && v.validationCount > 0) {
    validationFile = absoluteInData(dataDir, v.validationPath);
    validation = parseSplit(readText(validationFile), validationFile, method);
  }
  return {
    version: { id: v.id, number: v.number, sha256: v.sha256, datasetName: v.dataset.name, trainCount: v.trainCount, validationCount: v.validationCount },
    method,
    train,
    validation,
    trainFile,
    validationFile,
  };
}
