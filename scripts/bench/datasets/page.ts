import { randomUUID } from "node:crypto";
import os from "node:os";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { createPrismaClient } from "../../../lib/db/client";
import type { ListExamplesOptions } from "../../../lib/datasets/query/list";
import { getFacets } from "../../../lib/datasets/query/facets";
import { listExamples } from "../../../lib/datasets/query/list";
import { clearMatchLists } from "../../../lib/datasets/query/match-cache";
import { fillSearchIndex } from "../../../lib/datasets/rows/search-index";
import { migrateDeploy } from "../../lib/database";
import { benchRow, seededRandom } from "./page-rows";

// Table page latency: builds N varied rows in a fresh database, then times listExamples (one page of 50 plus
// the match total, as the API serves it) over sort × filter × search × offset combinations.
// Target: p95 ≤ 50 ms per case at 100,000 rows.   npx tsx scripts/bench/datasets/page.ts [--rows 100000] [--reuse]

export type PageCase = { name: string; query: Omit<ListExamplesOptions, "datasetId" | "db"> };

export const PAGE_CASES: PageCase[] = [
  { name: "position asc", query: {} },
  { name: "position desc", query: { dir: "desc" } },
  { name: "position, offset 50,000", query: { offset: 50_000 } },
  { name: "position desc, offset 99,950", query: { dir: "desc", offset: 99_950 } },
  { name: "tokens asc", query: { sort: "tokens" } },
  { name: "tokens desc", query: { sort: "tokens", dir: "desc" } },
  { name: "tokens desc, offset 50,000", query: { sort: "tokens", dir: "desc", offset: 50_000 } },
  { name: "prompt asc", query: { sort: "prompt" } },
  { name: "reply desc", query: { sort: "reply", dir: "desc" } },
  { name: "messages desc", query: { sort: "messages", dir: "desc" } },
  { name: "issues desc", query: { sort: "issues", dir: "desc" } },
  { name: "split asc", query: { sort: "split" } },
  { name: "updated desc", query: { sort: "updated", dir: "desc" } },
  { name: "split=validation", query: { filters: { split: "validation" } } },
  { name: "split=test, tokens desc", query: { sort: "tokens", dir: "desc", filters: { split: "test" } } },
  { name: "tag=refund", query: { filters: { tag: "refund" } } },
  { name: "tag=urgent, prompt asc", query: { sort: "prompt", filters: { tag: "urgent" } } },
  { name: "code=exact_duplicate", query: { filters: { code: "exact_duplicate" } } },
  { name: "status=errors", query: { filters: { status: "errors" } } },
  { name: "status=clean, tokens desc", query: { sort: "tokens", dir: "desc", filters: { status: "clean" } } },
  { name: "duplicates, messages asc", query: { sort: "messages", filters: { duplicates: true } } },
  { name: "tokens 500–1000", query: { filters: { minTokens: 500, maxTokens: 1000 } } },
  { name: "tokens ≥ 3000, tokens desc", query: { sort: "tokens", dir: "desc", filters: { minTokens: 3000 } } },
  { name: 'q="refund"', query: { filters: { q: "refund" } } },
  { name: 'q="ticket #1234" (rare)', query: { filters: { q: "ticket #1234" } } },
  { name: 'q="0x80070005 laptop"', query: { filters: { q: "0x80070005 laptop" } } },
  { name: 'q="support" (every row)', query: { filters: { q: "support" } } },
  { name: 'q="support", offset 50,000', query: { offset: 50_000, filters: { q: "support" } } },
  { name: 'q="nomatchxyz"', query: { filters: { q: "nomatchxyz" } } },
  { name: 'q="100%_off" (escaped)', query: { filters: { q: "100%_off" } } },
  { name: 'q="VPN", tag=api, tokens desc', query: { sort: "tokens", dir: "desc", filters: { q: "VPN", tag: "api" } } },
  { name: "split=train, tag=billing, status=warnings", query: { filters: { split: "train", tag: "billing", status: "warnings" } } },
];

export type PageFigure = { name: string; total: number; exact: boolean; p50: number; p95: number; max: number };

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const COLUMNS = [
  "id", "dataset_id", "position", "kind", "messages", "tools", "extra", "preference", "split", "split_manual", "tags", "content_hash",
  "token_count", "assistant_tokens", "message_count", "prompt_preview", "reply_preview", "search_text", "issues", "issue_codes",
  "error_count", "warning_count", "source", "updated_at",
] as const;

/** Inserts rows in batches through jsonb_to_recordset: one statement per 2,000 rows, values bound as one parameter. */
async function insertRows(client: pg.Client, datasetId: string, rows: number): Promise<void> {
  const rand = seededRandom(42);
  const t0 = Date.now();
  for (let start = 0; start < rows; start += 2000) {
    const batch = [];
    for (let i = start; i < Math.min(rows, start + 2000); i++) {
      const r = benchRow(i, datasetId, rand);
      batch.push({
        id: randomUUID(), dataset_id: datasetId, position: r.position, kind: r.kind, messages: r.messages, tools: null, extra: null,
        preference: null, split: r.split, split_manual: r.splitManual, tags: r.tags, content_hash: r.contentHash, token_count: r.tokenCount,
        assistant_tokens: r.assistantTokens, message_count: r.messageCount, prompt_preview: r.promptPreview, reply_preview: r.replyPreview,
        search_text: r.searchText, issues: r.issues, issue_codes: r.issueCodes, error_count: r.errorCount, warning_count: r.warningCount,
        source: r.source, updated_at: new Date(Date.UTC(2026, 0, 1) + i * 60_000 + Math.floor(rand() * 3_600_000)).toISOString(),
      });
    }
    await client.query(
      `INSERT INTO examples (${COLUMNS.join(", ")})
       SELECT id, dataset_id, position, kind::example_kind, messages, tools, extra, preference, split::split, split_manual, tags, content_hash,
              token_count, assistant_tokens, message_count, prompt_preview, reply_preview, search_text, issues, issue_codes,
              error_count, warning_count, source, updated_at
       FROM jsonb_to_recordset($1::jsonb) AS x(id text, dataset_id text, position int, kind text, messages jsonb, tools jsonb, extra jsonb,
            preference jsonb, split text, split_manual boolean, tags text[], content_hash text, token_count int, assistant_tokens int,
            message_count int, prompt_preview text, reply_preview text, search_text text, issues jsonb, issue_codes text[],
            error_count int, warning_count int, source text, updated_at timestamp)`,
      [JSON.stringify(batch)],
    );
    if ((start / 2000) % 10 === 9) process.stdout.write(`  ${start + 2000} rows (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
}

async function existingDataset(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const r = await client.query<{ id: string }>("SELECT id FROM datasets WHERE name = 'bench' LIMIT 1");
    return r.rows[0]?.id ?? null;
  } catch {
    return null; // no such database yet
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function buildDatabase(serverUrl: string, name: string, url: string, rows: number, out: (line: string) => void): Promise<void> {
  await admin(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(serverUrl, `CREATE DATABASE "${name}"`);
  await migrateDeploy(url, { quiet: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const datasetId = randomUUID();
  try {
    await client.query(`INSERT INTO datasets (id, name, updated_at) VALUES ($1, 'bench', now())`, [datasetId]);
    await insertRows(client, datasetId, rows);
  } finally {
    await client.end();
  }
  // Search reads example_search, which the analysis fills after an import; the bench fills it the same way.
  const db = createPrismaClient(url);
  try {
    const t0 = Date.now();
    await fillSearchIndex(db, datasetId);
    out(`  search index filled (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    // As autovacuum would after a bulk import: planner statistics, and the visibility map for index-only scans.
    await db.$executeRaw`VACUUM ANALYZE examples`;
    await db.$executeRaw`VACUUM ANALYZE example_search`;
  } finally {
    await db.$disconnect();
  }
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

export async function benchPage(opts: {
  databaseUrl: string;
  rows?: number;
  runs?: number;
  /** Measure the database a previous run left (after an index or query change) instead of rebuilding it. */
  reuse?: boolean;
  out?: (line: string) => void;
}): Promise<PageFigure[]> {
  const out = opts.out ?? ((l: string) => console.log(l));
  const rows = opts.rows ?? 100_000;
  const runs = opts.runs ?? 40;
  const name = `${new URL(opts.databaseUrl).pathname.slice(1)}_bench_page`;
  const url = withDatabase(opts.databaseUrl, name);
  const datasetId = opts.reuse ? await existingDataset(url) : null;
  if (datasetId) out(`table page bench: reusing database "${name}"`);
  else {
    out(`table page bench: ${rows.toLocaleString("en-US")} rows in a fresh database "${name}"`);
    await buildDatabase(opts.databaseUrl, name, url, rows, out);
  }
  const id = datasetId ?? (await existingDataset(url))!;

  const db = createPrismaClient(url);
  const figures: PageFigure[] = [];
  let facets = { p50: 0, max: 0 };
  let firstDeepJump = 0;
  try {
    // A broad search's first deep page lists all its matches once (lib/datasets/query/match-cache.ts); the
    // repeated runs below then read slices. Timed here on its own, from an empty cache, so it is not hidden.
    clearMatchLists();
    const t0 = performance.now();
    await listExamples({ datasetId: id, db, limit: 50, offset: 50_000, filters: { q: "support" } });
    firstDeepJump = performance.now() - t0;
    clearMatchLists();
    for (const c of PAGE_CASES) {
      const times: number[] = [];
      let total = 0;
      let exact = true;
      for (let i = 0; i < runs + 3; i++) {
        const t = performance.now();
        const page = await listExamples({ datasetId: id, db, limit: 50, ...c.query });
        if (i >= 3) times.push(performance.now() - t); // the first three warm the cache and the plan
        total = page.total;
        exact = page.totalExact;
      }
      times.sort((a, b) => a - b);
      figures.push({ name: c.name, total, exact, p50: quantile(times, 0.5), p95: quantile(times, 0.95), max: times[times.length - 1]! });
    }
    // The filter menus' counts: read once per visit and after changes, not per page, so outside the target.
    const times: number[] = [];
    for (let i = 0; i < 13; i++) {
      const t = performance.now();
      await getFacets({ datasetId: id, db });
      if (i >= 3) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    facets = { p50: quantile(times, 0.5), max: times[times.length - 1]! };
  } finally {
    await db.$disconnect();
  }
  const ms = (n: number) => n.toFixed(1).padStart(7);
  // Figures from a shared machine mean little without its load: printed so runs can be compared.
  out(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")} on ${os.cpus().length} CPUs`);
  const width = Math.max(...figures.map((f) => f.name.length));
  out(`${"case".padEnd(width)}  ${"matches".padStart(8)}  p50 ms  p95 ms  max ms`);
  for (const f of figures) out(`${f.name.padEnd(width)}  ${`${f.exact ? "" : "≈"}${f.total.toLocaleString("en-US")}`.padStart(8)} ${ms(f.p50)} ${ms(f.p95)} ${ms(f.max)}${f.p95 > 50 ? "  ← over 50 ms" : ""}`);
  const worst = Math.max(...figures.map((f) => f.p95));
  out(`first jump to offset 50,000 of q="support" (lists every match once, then cached per revision): ${firstDeepJump.toFixed(0)} ms`);
  out(`facets (tags, codes, splits; not a page): p50 ${facets.p50.toFixed(1)} ms, max ${facets.max.toFixed(1)} ms over 10 runs`);
  out("≈ marks an estimated total (a search matching more than 1,000 rows; see lib/datasets/query/count.ts)");
  out(`worst p95 ${worst.toFixed(1)} ms over ${figures.length} cases × ${runs} runs (target ≤ 50 ms)`);
  out(`(database "${name}" is left for EXPLAIN; the next run recreates it)`);
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const rowsArg = process.argv.indexOf("--rows");
  const rows = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : undefined;
  const databaseUrl = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/tuneforge";
  await benchPage({ databaseUrl, rows, reuse: process.argv.includes("--reuse") });
}
