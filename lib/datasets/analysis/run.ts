import type { PrismaClient } from "@prisma/client";
import { retryOnConflict, transactionWithRetry } from "../../db/conflict";
import { DATASET_LEVEL_CODES, withDatasetIssues, type StoredIssue } from "../rows/issues";
import { fillSearchIndex } from "../rows/search-index";
import { countModelTokenLimit, parseCountModel } from "./count-model";
import { DatasetFindings, findingsKey } from "./findings";
import { CountPool, defaultThreadCount, INLINE_MAX_ROWS, InlineRunner, type RowRunner } from "./pool";
import { exampleIdsInOrder, lockIssues, readRows, writeIssueColumns, writeTokenCounts, type AnalysisRow } from "./rows-sql";
import type { ThreadRowResult } from "./thread-protocol";

// The background analysis of one dataset revision (the `datasets.analyze` job): token counts for rows that
// have none, written batch by batch so the table fills in while it runs, search entries for new rows, then the
// findings that need the
// whole dataset (duplicates, leakage, token limit), written only to rows whose findings changed.
// Jobs can repeat or arrive out of order; the revision decides what still needs doing.

export const BATCH_SIZE = 2_000;
const ISSUE_WRITE_BATCH = 1_000;

export type AnalysisOutcome =
  | { status: "skipped"; reason: "missing" | "done" | "superseded" }
  | { status: "superseded"; counted: number }
  | { status: "done"; counted: number; rows: number; threads: number; changedFindings: number; countMs: number; totalMs: number; phases: PhaseTimes; findings: DatasetFindings["counts"] };

/** Milliseconds spent per phase, summed over batches (batches overlap, so the sum can exceed the wall time). */
export type PhaseTimes = { readMs: number; threadMs: number; writeMs: number; findingsMs: number; searchMs: number };

export type AnalyzeOptions = {
  db: PrismaClient;
  datasetId: string;
  revision: number;
  /**
   * Counting threads; by default one per core but one, and none (this thread) for datasets of at most
   * INLINE_MAX_ROWS rows. 0 forces the inline path.
   */
  threads?: number;
  batchSize?: number;
  /** Where local models live; the configured models dir by default (tests point it at a fixture). */
  modelsDir?: string;
  /** Called after each batch's counts are committed (tests watch the table fill in; benches time it). */
  onBatch?: (progress: { counted: number; read: number; total: number }) => void | Promise<void>;
};

function datasetLevel(issuesJson: string | null): StoredIssue[] {
  if (!issuesJson) return [];
  const parsed = JSON.parse(issuesJson) as unknown;
  return Array.isArray(parsed) ? (parsed as StoredIssue[]).filter((i) => DATASET_LEVEL_CODES.has(i.code)) : [];
}

export async function analyzeDataset(opts: AnalyzeOptions): Promise<AnalysisOutcome> {
  const { db, datasetId, revision } = opts;
  const dataset = await db.dataset.findUnique({ where: { id: datasetId }, select: { revision: true, analyzedRevision: true, countModel: true } });
  if (!dataset) return { status: "skipped", reason: "missing" };
  if ((dataset.analyzedRevision ?? -1) >= revision) return { status: "skipped", reason: "done" };
  // A newer revision's job is queued (or the reconciler will queue it): it does the work on the newer rows.
  if (dataset.revision > revision) return { status: "skipped", reason: "superseded" };
  try {
    return await analyze(opts, dataset.countModel);
  } catch (err) {
    const message = `Analysis of revision ${revision} failed: ${(err as Error).message}`;
    await db.dataset.updateMany({ where: { id: datasetId }, data: { analysisError: message.slice(0, 2_000) } });
    throw err;
  }
}

async function analyze(opts: AnalyzeOptions, countModel: string): Promise<AnalysisOutcome> {
  const { db, datasetId, revision } = opts;
  const started = Date.now();
  parseCountModel(countModel); // a readable error for a name no counter exists for
  const tokenLimit = countModelTokenLimit(countModel);
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const ids = await exampleIdsInOrder(db, datasetId);
  const findings = new DatasetFindings({ tokenLimit, model: countModel });
  /** Dataset-level findings currently stored, for rows that have any. */
  const stored = new Map<string, string>();
  const wanted = opts.threads ?? (ids.length <= INLINE_MAX_ROWS ? 0 : defaultThreadCount());
  const threads = wanted === 0 ? 0 : Math.max(1, Math.min(wanted, Math.ceil(ids.length / batchSize) || 1));
  const data = { countModel, modelsDir: opts.modelsDir };
  const pool: RowRunner = threads === 0 ? new InlineRunner(data) : new CountPool(threads, data);
  let counted = 0;
  let read = 0;
  let countMs = 0;
  const phases: PhaseTimes = { readMs: 0, threadMs: 0, writeMs: 0, findingsMs: 0, searchMs: 0 };
  const timed = async <T>(phase: keyof PhaseTimes, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      phases[phase] += performance.now() - t;
    }
  };
  try {
    // Keep every thread busy: read the next batches while earlier ones count; fold results in table order.
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += batchSize) batches.push(ids.slice(i, i + batchSize));
    const inFlight: Promise<{ rows: AnalysisRow[]; results: ThreadRowResult[] }>[] = [];
    const start = (b: number) => {
      inFlight[b] = timed("readMs", () => readRows(db, batches[b]!)).then(async (rows) => {
        const results = await timed("threadMs", () => pool.run(rows));
        const byId = new Map(rows.map((r) => [r.id, r]));
        const toWrite = results
          .filter((r) => r.tokenCount !== null)
          .map((r) => ({ id: r.id, contentHash: byId.get(r.id)!.contentHash, tokenCount: r.tokenCount!, assistantTokens: r.assistantTokens! }));
        // Read `counted` after the await: batches finish concurrently.
        const written = await timed("writeMs", () => retryOnConflict(() => writeTokenCounts(db, toWrite)));
        counted += written;
        return { rows, results };
      });
      // Awaited in order below; until then a failure must not count as an unhandled rejection.
      inFlight[b]!.catch(() => undefined);
    };
    let next = 0;
    for (; next < Math.min(batches.length, Math.max(threads, 1) + 1); next++) start(next);
    for (let b = 0; b < batches.length; b++) {
      const { rows, results } = await inFlight[b]!;
      delete inFlight[b];
      if (next < batches.length) start(next++);
      read += rows.length;
      await opts.onBatch?.({ counted, read, total: ids.length });
      const foldStart = performance.now();
      const resultById = new Map(results.map((r) => [r.id, r]));
      for (const row of rows) {
        const result = resultById.get(row.id)!;
        const existing = datasetLevel(row.datasetIssues);
        if (existing.length > 0) stored.set(row.id, findingsKey(existing));
        findings.add({ id: row.id, position: row.position, split: row.split, tokenCount: result.tokenCount ?? row.tokenCount, fingerprint: result.fingerprint });
      }
      phases.findingsMs += performance.now() - foldStart;
    }
    countMs = Date.now() - started;
  } finally {
    await pool.close();
  }
  // New rows (import, create, undo) become searchable; after the counts, so the token column fills first.
  await timed("searchMs", () => retryOnConflict(() => fillSearchIndex(db, datasetId)));

  // Counts stay (they describe rows whose content hash still matched); findings and the analysed mark belong
  // to the newer revision's job.
  if (await superseded(db, datasetId, revision)) return { status: "superseded", counted };

  const fresh = findings.finish();
  const changed = new Set<string>();
  for (const [id, issues] of fresh) if (findingsKey(issues) !== (stored.get(id) ?? "")) changed.add(id);
  for (const id of stored.keys()) if (!fresh.has(id)) changed.add(id);
  const changedIds = [...changed];
  for (let i = 0; i < changedIds.length; i += ISSUE_WRITE_BATCH) {
    const chunk = changedIds.slice(i, i + ISSUE_WRITE_BATCH);
    // Rows change under the user's edits meanwhile: a deadlock with one aborts this chunk, which runs again.
    await transactionWithRetry(db, async (tx) => {
      // Read-modify-write under a row lock: an editor save in between keeps its example-level findings.
      const current = await lockIssues(tx, chunk);
      const rows = chunk.filter((id) => current.has(id)).map((id) => ({ id, columns: withDatasetIssues(current.get(id), fresh.get(id) ?? []) }));
      await writeIssueColumns(tx, rows);
    });
  }

  const marked = await db.dataset.updateMany({
    where: { id: datasetId, revision },
    data: { analyzedRevision: revision, analyzedAt: new Date(), analysisError: null },
  });
  if (marked.count === 0) return { status: "superseded", counted };
  return { status: "done", counted, rows: ids.length, threads, changedFindings: changedIds.length, countMs, totalMs: Date.now() - started, phases, findings: findings.counts };
}

async function superseded(db: PrismaClient, datasetId: string, revision: number): Promise<boolean> {
  const now = await db.dataset.findUnique({ where: { id: datasetId }, select: { revision: true } });
  return !now || now.revision !== revision;
}
