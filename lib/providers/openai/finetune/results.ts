import type OpenAI from "openai";

// The results file (result_files[0]) is a CSV, but files.content has returned it base64-encoded (the
// cookbook decodes it); decode whenever the body does not already start with the header.

export type ResultsRow = Record<string, number | null>;

export class ResultsFormatError extends Error {
  override name = "ResultsFormatError";
}

export async function readResultsCsv(client: OpenAI, fileId: string): Promise<ResultsRow[]> {
  const body = await (await client.files.content(fileId)).text();
  return parseResultsCsv(body);
}

/** The CSV text itself, base64-decoded when needed (what the worker keeps as the results artifact). */
export function decodeResultsCsv(body: string): string {
  const trimmed = body.trim();
  const text = trimmed.startsWith("step,") ? trimmed : Buffer.from(trimmed, "base64").toString("utf8").trim();
  if (!text.startsWith("step,")) throw new ResultsFormatError("The results file is neither a CSV nor base64 of one (no 'step,' header).");
  return `${text}\n`;
}

export function parseResultsCsv(body: string): ResultsRow[] {
  const text = decodeResultsCsv(body).trim();
  const [header, ...lines] = text.split(/\r?\n/);
  const cols = header!.split(",").map((c) => c.trim());
  // Unknown extra columns (e.g. full_valid_loss) are kept; empty cells are steps without validation.
  return lines.filter((l) => l.trim()).map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(cols.map((c, i) => {
      const raw = (cells[i] ?? "").trim();
      const n = raw === "" ? null : Number(raw);
      return [c, n === null || Number.isNaN(n) ? null : n];
    }));
  });
}
