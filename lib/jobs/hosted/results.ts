import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { NotFoundError } from "openai";
import { decodeResultsCsv, parseResultsCsv, ResultsFormatError } from "../../providers/openai/finetune/results";
import { publishMetrics, recordJobEvent, storeMetricPoints } from "../events";
import type { JobRow, StepContext } from "./context";
import { resultsMetricRows } from "./series";

// When a job succeeds: keep OpenAI's results CSV as an artifact under the data directory, and back-fill
// any metric point the event polling missed from it. Runs before the row turns terminal, so a crash in
// between repeats it (the artifact check and ON CONFLICT keep it idempotent).

export async function storeResults(ctx: StepContext, row: JobRow, resultFileIds: string[], nEpochs: number | null): Promise<void> {
  const fileId = resultFileIds[0];
  if (!fileId) return;
  const existing = await ctx.db.artifact.findFirst({ where: { jobId: row.id, kind: "results_csv" } });
  if (existing) return;
  let csv: string;
  try {
    csv = decodeResultsCsv(await (await ctx.client.files.content(fileId)).text());
  } catch (err) {
    // A missing or unreadable results file must not fail a job that succeeded: say so, keep the event curve.
    if (!(err instanceof NotFoundError) && !(err instanceof ResultsFormatError)) throw err;
    await recordJobEvent(ctx.db, ctx.pub, row.id, { level: "warn", message: `OpenAI's results file ${fileId} could not be read (${err.message}); the curve shown comes from the job's events.` });
    return;
  }
  const inserted = await storeMetricPoints(ctx.db, row.id, resultsMetricRows(parseResultsCsv(csv), nEpochs));
  await publishMetrics(ctx.pub, row.id, inserted);
  if (inserted.length) ctx.log?.info(`[openai-jobs] job ${row.id}: back-filled ${inserted.length} metric point(s) from the results file`);

  const rel = path.join("jobs", row.id, "results.csv");
  const full = path.join(ctx.dataDir, rel);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, csv);
  const bytes = Buffer.from(csv);
  await ctx.db.artifact.create({
    data: { jobId: row.id, kind: "results_csv", path: rel, sizeBytes: BigInt(bytes.length), sha256: createHash("sha256").update(bytes).digest("hex") },
  });
}
