import path from "node:path";
import { JsonlFileError } from "../../datasets/read/jsonl-stream";
import { validateFiles, type FileToValidate } from "../../datasets/validate/file";
import type { Issue } from "../../datasets/validate";
import { dataDir } from "../../env";
import { encodingNameForModel, openAiTokenCounter } from "../../tokens/count";

// What a frozen version holds, read from its files with the same validator `tuneforge validate` and the
// import use, counted with the base model's tokenizer. A version never changes, so the answer is cached per
// (version, encoding, limit): the launch form asks again on every keystroke.

export type VersionReport = {
  trainExamples: number;
  validationExamples: number;
  chatExamples: number;
  preferenceExamples: number;
  /** Billed tokens of each training example (file order), before the per-example limit. */
  trainTokens: number[];
  tokenLimit: number;
  errorCount: number;
  warningCount: number;
  /** The first few errors, each naming its line and what to fix. */
  errors: Issue[];
  /** Set when the frozen files cannot be read at all (deleted, moved data directory). */
  unreadable: string | null;
};

export type VersionFiles = { id: string; trainPath: string; validationPath: string | null };

const MAX_CACHED = 16;
const MAX_ERRORS_KEPT = 10;
const COUNT_CODES = new Set<string>(["too_few_examples", "empty_file"]);
const cache = new Map<string, Promise<VersionReport>>();

export function readVersionReport(version: VersionFiles, model: string, root: string = dataDir()): Promise<VersionReport> {
  const counter = openAiTokenCounter(model);
  const key = `${root}|${version.id}|${encodingNameForModel(model)}|${counter.tokenLimit}`;
  const hit = cache.get(key);
  if (hit) {
    // Re-insert: the Map's order is the eviction order.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  // Failures are not kept: files put back (a restored data directory) are read on the next ask.
  const pending = compute(version, model, root).then(
    (report) => {
      if (report.unreadable) cache.delete(key);
      return report;
    },
    (err: unknown) => {
      cache.delete(key);
      throw err;
    },
  );
  cache.set(key, pending);
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
  return pending;
}

async function compute(version: VersionFiles, model: string, root: string): Promise<VersionReport> {
  const counter = openAiTokenCounter(model);
  const files: FileToValidate[] = [{ path: path.join(root, version.trainPath), split: "train" }];
  if (version.validationPath) files.push({ path: path.join(root, version.validationPath), split: "validation" });
  try {
    const report = await validateFiles(files, { counter });
    // Too few examples is a launch issue of its own (./check.ts says how many OpenAI needs).
    const errors = report.errors.filter((e) => !COUNT_CODES.has(e.code));
    return {
      trainExamples: report.stats.trainExamples,
      validationExamples: report.stats.validationExamples,
      chatExamples: report.stats.chatExamples,
      preferenceExamples: report.stats.preferenceExamples,
      trainTokens: report.trainTokens,
      tokenLimit: counter.tokenLimit,
      errorCount: errors.length,
      warningCount: report.warnings.length,
      errors: errors.slice(0, MAX_ERRORS_KEPT),
      unreadable: null,
    };
  } catch (err) {
    if (!(err instanceof JsonlFileError)) throw err;
    const empty = { trainExamples: 0, validationExamples: 0, chatExamples: 0, preferenceExamples: 0, trainTokens: [], errorCount: 0, warningCount: 0, errors: [] };
    return { ...empty, tokenLimit: counter.tokenLimit, unreadable: err.message };
  }
}
