import type { PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { defaultEpochs } from "../../cost/epochs";
import { listPrices } from "../../pricing/list";
import { countModelTokenLimit } from "../analysis/count-model";
import { referencedPosition } from "../analysis/findings";
import { severityOf, ISSUE_CODES, type IssueCode } from "../validate/codes";
import { bucketsFromCounts, histogramEdges, type Histogram } from "./histogram";
import { trainingPriceFor } from "./price";
import { readiness, type ReadinessItem } from "./readiness";

// Everything the statistics panel shows, from SQL aggregates over the dataset's rows (no row is loaded for the
// totals and histograms, so 100k examples answer in well under a second).

type Split = "train" | "validation" | "test";
export type ClusterRow = { id: string; position: number; split: Split; preview: string; message: string | null };
export type DuplicateCluster = { kind: "exact" | "near"; original: ClusterRow; copies: ClusterRow[] };

export type DatasetStats = {
  datasetId: string;
  revision: number;
  analyzedRevision: number | null;
  analysisPending: boolean;
  analysisError: string | null;
  countModel: string;
  tokenLimit: number;
  examples: number;
  splits: Record<Split, number>;
  kinds: { chat: number; preference: number };
  withErrors: number;
  withWarnings: number;
  issuesByCode: { code: string; severity: "error" | "warning"; count: number }[];
  counted: number;
  totalTokens: number;
  overLimit: number;
  messagesPerExample: Histogram;
  tokensPerExample: Histogram;
  assistantTokens: Histogram;
  tags: { tag: string; count: number }[];
  distinctTags: number;
  untagged: number;
  /** `truncated`: more groups exist than are listed (the largest come first). */
  duplicates: { exactRows: number; nearRows: number; leakedRows: number; clusters: DuplicateCluster[]; truncated: boolean };
  billing: { trainExamples: number; tokensPerEpoch: number; epochs: number; billedTokens: number; priceModel: string | null; usdPerMTok: number | null; usd: number | null };
  readiness: ReadinessItem[];
};

const MAX_TAGS = 20;
const MAX_CLUSTERS = 30;
const MAX_FLAGGED_ROWS = 3_000;

type Summary = {
  total: number; train: number; validation: number; test: number; chat: number; preference: number;
  with_errors: number; with_warnings: number; counted: number; total_tokens: number; train_billable: number; over_limit: number;
  tok_min: number | null; tok_max: number | null; asst_min: number | null; asst_max: number | null; msg_min: number | null; msg_max: number | null; untagged: number;
};

async function histogram(db: PrismaClient, datasetId: string, column: "token_count" | "assistant_tokens" | "message_count", min: number | null, max: number | null): Promise<Histogram> {
  if (min === null || max === null) return { buckets: [] };
  const edges = histogramEdges(min, max);
  const rows = await db.$queryRawUnsafe<{ b: number; n: number }[]>(
    `SELECT width_bucket(${column}, $2::int[]) AS b, count(*)::int AS n FROM examples WHERE dataset_id = $1 AND ${column} IS NOT NULL GROUP BY 1`,
    datasetId,
    edges,
  );
  return bucketsFromCounts(edges, new Map(rows.map((r) => [r.b, r.n])));
}

/** null when the dataset does not exist. */
export async function getDatasetStats(opts: { datasetId: string; db?: PrismaClient }): Promise<DatasetStats | null> {
  const db = opts.db ?? prisma();
  const { datasetId } = opts;
  const dataset = await db.dataset.findUnique({ where: { id: datasetId }, select: { revision: true, analyzedRevision: true, analysisError: true, countModel: true } });
  if (!dataset) return null;
  const tokenLimit = countModelTokenLimit(dataset.countModel);

  const [s] = await db.$queryRawUnsafe<Summary[]>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE split = 'train')::int AS train,
            count(*) FILTER (WHERE split = 'validation')::int AS validation,
            count(*) FILTER (WHERE split = 'test')::int AS test,
            count(*) FILTER (WHERE kind = 'chat')::int AS chat,
            count(*) FILTER (WHERE kind = 'preference')::int AS preference,
            count(*) FILTER (WHERE error_count > 0)::int AS with_errors,
            count(*) FILTER (WHERE warning_count > 0)::int AS with_warnings,
            count(token_count)::int AS counted,
            coalesce(sum(token_count), 0)::float8 AS total_tokens,
            coalesce(sum(least(token_count, $2)) FILTER (WHERE split = 'train'), 0)::float8 AS train_billable,
            count(*) FILTER (WHERE token_count > $2)::int AS over_limit,
            min(token_count) AS tok_min, max(token_count) AS tok_max,
            min(assistant_tokens) AS asst_min, max(assistant_tokens) AS asst_max,
            min(message_count) AS msg_min, max(message_count) AS msg_max,
            count(*) FILTER (WHERE cardinality(tags) = 0)::int AS untagged
       FROM examples WHERE dataset_id = $1`,
    datasetId,
    tokenLimit,
  );
  const summary = s!;

  const [messagesPerExample, tokensPerExample, assistantTokens, codeRows, tagRows, distinct, prices, clusters] = await Promise.all([
    histogram(db, datasetId, "message_count", summary.msg_min, summary.msg_max),
    histogram(db, datasetId, "token_count", summary.tok_min, summary.tok_max),
    histogram(db, datasetId, "assistant_tokens", summary.asst_min, summary.asst_max),
    db.$queryRawUnsafe<{ code: string; n: number }[]>(
      `SELECT c AS code, count(*)::int AS n FROM examples, unnest(issue_codes) AS c WHERE dataset_id = $1 GROUP BY c ORDER BY n DESC, c`,
      datasetId,
    ),
    db.$queryRawUnsafe<{ tag: string; n: number }[]>(
      `SELECT t AS tag, count(*)::int AS n FROM examples, unnest(tags) AS t WHERE dataset_id = $1 GROUP BY t ORDER BY n DESC, t LIMIT ${MAX_TAGS}`,
      datasetId,
    ),
    db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(DISTINCT t)::int AS n FROM examples, unnest(tags) AS t WHERE dataset_id = $1`, datasetId),
    listPrices({ db }),
    duplicateClusters(db, datasetId),
  ]);
  const { clusters: clusterList, truncated } = clusters;

  const issuesByCode = codeRows.map((r) => ({ code: r.code, severity: r.code in ISSUE_CODES ? severityOf(r.code as IssueCode) : ("warning" as const), count: r.n }));
  const countOf = (code: string) => codeRows.find((r) => r.code === code)?.n ?? 0;
  const analysisPending = (dataset.analyzedRevision ?? -1) < dataset.revision && dataset.analysisError === null;
  const price = trainingPriceFor(prices.prices, dataset.countModel);
  const epochs = defaultEpochs(summary.train);
  const billedTokens = summary.train_billable * epochs;
  const tags = tagRows.map((r) => ({ tag: r.tag, count: r.n }));

  return {
    datasetId,
    revision: dataset.revision,
    analyzedRevision: dataset.analyzedRevision,
    analysisPending,
    analysisError: dataset.analysisError,
    countModel: dataset.countModel,
    tokenLimit,
    examples: summary.total,
    splits: { train: summary.train, validation: summary.validation, test: summary.test },
    kinds: { chat: summary.chat, preference: summary.preference },
    withErrors: summary.with_errors,
    withWarnings: summary.with_warnings,
    issuesByCode,
    counted: summary.counted,
    totalTokens: summary.total_tokens,
    overLimit: summary.over_limit,
    messagesPerExample,
    tokensPerExample,
    assistantTokens,
    tags,
    distinctTags: distinct[0]?.n ?? 0,
    untagged: summary.untagged,
    duplicates: { exactRows: countOf("exact_duplicate"), nearRows: countOf("near_duplicate"), leakedRows: countOf("split_leakage"), clusters: clusterList, truncated },
    billing: {
      trainExamples: summary.train,
      tokensPerEpoch: summary.train_billable,
      epochs,
      billedTokens,
      priceModel: price?.model ?? null,
      usdPerMTok: price?.usdPerMTok ?? null,
      usd: price ? (billedTokens * price.usdPerMTok) / 1_000_000 : null,
    },
    readiness: readiness({
      examples: summary.total,
      train: summary.train,
      validation: summary.validation,
      withErrors: summary.with_errors,
      overLimit: summary.over_limit,
      tokenLimit,
      countModel: dataset.countModel,
      exactDuplicates: countOf("exact_duplicate"),
      nearDuplicates: countOf("near_duplicate"),
      leaked: countOf("split_leakage"),
      topTag: tags[0] ?? null,
      counted: summary.counted,
      analysisPending,
      analysisError: dataset.analysisError,
    }),
  };
}

/**
 * Duplicate clusters from the analysis's findings: each flagged row names the earlier example it repeats, so
 * rows are grouped under that original (largest clusters first).
 */
async function duplicateClusters(db: PrismaClient, datasetId: string): Promise<{ clusters: DuplicateCluster[]; truncated: boolean }> {
  const flagged = await db.$queryRawUnsafe<{ id: string; position: number; split: Split; preview: string; issues: { code: string; message: string }[] }[]>(
    `SELECT id, position, split::text AS split, prompt_preview AS preview, issues FROM examples
      WHERE dataset_id = $1 AND issue_codes && ARRAY['exact_duplicate', 'near_duplicate']::text[]
      ORDER BY position LIMIT ${MAX_FLAGGED_ROWS}`,
    datasetId,
  );
  const groups = new Map<string, { kind: "exact" | "near"; position: number; split: Split; copies: ClusterRow[] }>();
  for (const row of flagged) {
    const finding = row.issues.find((i) => i.code === "exact_duplicate") ?? row.issues.find((i) => i.code === "near_duplicate");
    const original = finding ? referencedPosition(finding.message) : null;
    if (!finding || original === null) continue;
    const kind = finding.code === "exact_duplicate" ? "exact" : "near";
    const key = `${kind}:${row.split}:${original}`;
    const group = groups.get(key) ?? { kind, position: original, split: row.split, copies: [] };
    group.copies.push({ id: row.id, position: row.position, split: row.split, preview: row.preview, message: finding.message });
    groups.set(key, group);
  }
  const all = [...groups.values()].sort((a, b) => b.copies.length - a.copies.length || a.position - b.position);
  const chosen = all.slice(0, MAX_CLUSTERS);
  const truncated = all.length > chosen.length || flagged.length === MAX_FLAGGED_ROWS;
  if (chosen.length === 0) return { clusters: [], truncated };
  const originals = await db.$queryRawUnsafe<{ id: string; position: number; split: Split; preview: string }[]>(
    `SELECT id, position, split::text AS split, prompt_preview AS preview FROM examples WHERE dataset_id = $1 AND position = ANY($2::int[]) ORDER BY position, id`,
    datasetId,
    [...new Set(chosen.map((g) => g.position))],
  );
  const clusters = chosen.flatMap((g) => {
    const o = originals.find((r) => r.position === g.position && r.split === g.split) ?? originals.find((r) => r.position === g.position);
    return o ? [{ kind: g.kind, original: { ...o, message: null }, copies: g.copies }] : [];
  });
  return { clusters, truncated };
}
