import fs from "node:fs";
import path from "node:path";
import { env } from "../env";
import { HttpError } from "../http/errors";
import { MIN_UNITS_PER_THREAD, tokenizeThreadCount } from "../jobs/local/run/tokenize-threads";
import { askThread } from "../threads/one-shot";
import type { SplitUnit, TokenizedSplit } from "./split-tokens";

// The launch form's first look at a large split (the estimate panel, then the launch check) tokenizes it on
// several threads, as a job's start does: contiguous parts of the file, one per thread, joined in file order.
// The web server runs from Next's bundle, which cannot start a thread from its own chunks, so the entry is the
// file on disk under the app's root; without it (or when the threads cannot start) the caller tokenizes on its
// own thread, as before. TUNEFORGE_LOCAL_THREADS caps the threads here as in the worker.

const ENTRY = path.join("lib", "models", "split-tokens-thread.mjs");

/**
 * The split at `file` (named in errors), read already into its units, tokenized on threads: each gets a contiguous
 * slice. Null when it should be tokenized on this thread.
 */
export async function tokenizeOnThreads(modelDir: string, file: string, preference: boolean, units: readonly SplitUnit[], threads = tokenizeThreadCount(env().TUNEFORGE_LOCAL_THREADS)): Promise<TokenizedSplit | null> {
  const n = Math.min(threads, Math.floor(units.length / MIN_UNITS_PER_THREAD));
  if (n <= 1) return null;
  const entry = path.join(/*turbopackIgnore: true*/ process.cwd(), ENTRY);
  if (!fs.existsSync(entry)) return null;
  const size = Math.ceil(units.length / n);
  let answers;
  try {
    answers = await Promise.all(
      Array.from({ length: n }, (_, i) => askThread<TokenizedSplit>(entry, { modelDir }, { file, preference, units: units.slice(i * size, (i + 1) * size) })),
    );
  } catch (err) {
    // The threads could not start or died (a data error is an answer, below): this thread does the work instead.
    console.warn(`[estimate] tokenizing ${path.basename(file)} on ${n} threads failed (${(err as Error).message}); tokenizing it on the server's own thread`);
    return null;
  }
  const out: TokenizedSplit = { preference, lengths: [], masks: [], lines: [] };
  for (const answer of answers) {
    if ("error" in answer) throw new HttpError(400, answer.code ?? "template_error", answer.error);
    const part = answer.result;
    for (let i = 0; i < part.lengths.length; i++) {
      out.lengths.push(part.lengths[i]!);
      out.masks.push(part.masks[i]!);
      out.lines.push(part.lines[i]!);
    }
  }
  return out;
}
