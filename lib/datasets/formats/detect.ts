import { isRecord } from "./fields";
import type { DatasetFormat } from "./types";

// Key signatures, most specific first: a preference record also has "input", and chat records are the
// target format so they win over anything else they might happen to contain.
function formatOf(record: unknown): Exclude<DatasetFormat, "csv"> | null {
  if (!isRecord(record)) return null;
  if ("preferred_output" in record || "non_preferred_output" in record) return "preference";
  if ("messages" in record) return "openai-chat";
  if ("conversations" in record) return "sharegpt";
  if ("instruction" in record && "output" in record) return "alpaca";
  if ("prompt" in record && "completion" in record) return "prompt-completion";
  return null;
}

/**
 * The JSONL format of a file from its first parsed records (CSV is known from the file itself). The most
 * common recognizable format wins, so one stray line at the top does not decide it; null when none is
 * recognized. Ties go to the earliest record's format.
 */
export function detectFormat(firstRecords: readonly unknown[]): Exclude<DatasetFormat, "csv"> | null {
  const counts = new Map<Exclude<DatasetFormat, "csv">, number>();
  for (const record of firstRecords) {
    const f = formatOf(record);
    if (f) counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  let best: Exclude<DatasetFormat, "csv"> | null = null;
  for (const [format, n] of counts) if (best === null || n > (counts.get(best) ?? 0)) best = format;
  return best;
}
