import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { PrismaClient } from "@prisma/client";
import { createPrismaClient } from "../../../lib/db/client";
import { analyzeDataset } from "../../../lib/datasets/analysis/run";
import { defaultThreadCount } from "../../../lib/datasets/analysis/pool";
import type { ConvertedRecord } from "../../../lib/datasets/formats";
import { newExampleRow } from "../../../lib/datasets/rows/build";
import { getDatasetStats } from "../../../lib/datasets/stats/stats";
import { recreateDatabase, migrateDeploy } from "../../lib/database";
import { testSettings } from "../../lib/test-env";
import { mulberry32 } from "../../../lib/random/mulberry32";

// Bench: token counting and the dataset-wide analysis of 100,000 varied chat examples (~50 MB of messages),
// then the statistics query. Rows are written straight to a fresh database (`<test db>_bench`) with raw SQL
// from rows built by newExampleRow, as an import would build them. Prints figures; asserts nothing.
//   npx tsx scripts/bench/datasets/count.ts [--rows 100000] [--threads N] [--reuse]

export type CountBenchResult = {
  rows: number;
  messageBytes: number;
  threads: number;
  cores: number;
  insertMs: number;
  countMs: number;
  analysisMs: number;
  statsMs: number;
  /** Whole process, including building the rows. */
  peakRssMb: number;
  /** Sampled every 100 ms while the analysis ran (threads included: they share the process). */
  analysisRssMb: number;
  findings: { exactDuplicates: number; nearDuplicates: number; leaked: number; overLimit: number };
  phases: { readMs: number; threadMs: number; writeMs: number; findingsMs: number; searchMs: number };
};


// Common English words plus made-up product names and numbers: natural text tokenizes like real data does
// (mostly whole-word tokens), while the random mix keeps every example different.
const WORDS = (
  "the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were " +
  "we when your can said there use an each which she do how their if will up other about out many then them these so some her would " +
  "make like him into time has look two more write go see number no way could people my than first water been call who its now find " +
  "long down day did get come made may part account billing invoice password reset login error refund order shipping delivery " +
  "subscription plan upgrade cancel support ticket email phone address card payment charge receipt export import settings profile " +
  "team workspace project task deadline report dashboard integration api key token webhook sync backup restore update version " +
  "please thanks sorry help issue problem question answer quickly today tomorrow week month customer agent manager admin user"
).split(" ");
const PRODUCTS = ["TechCorp Cloud", "Acme Sync", "PlanIt Pro", "Ledgerly", "ShipFast", "Nimbus Drive"];

const SYSTEMS = [
  "You are TechCorp's support assistant. Answer briefly and link to the help centre when useful.",
  "You are a billing specialist. Be precise about amounts and dates; never guess account data.",
  "You are a friendly onboarding guide for new customers of a project-management tool.",
  "Tu es l'assistant du support technique. Réponds en français, poliment et précisément.",
];

function sentence(rand: () => number, min: number, max: number): string {
  const n = min + Math.floor(rand() * (max - min));
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  if (rand() < 0.3) words.splice(Math.floor(rand() * n), 0, PRODUCTS[Math.floor(rand() * PRODUCTS.length)]!);
  words[0] = words[0]![0]!.toUpperCase() + words[0]!.slice(1);
  return `${words.join(" ")}.`;
}

/** One varied example: 1–2 turns, occasional tool calls, replies of 15–45 words (~500 bytes of messages). */
function makeExample(rand: () => number, i: number): ConvertedRecord {
  const messages: Record<string, unknown>[] = [{ role: "system", content: SYSTEMS[i % SYSTEMS.length] }];
  const turns = rand() < 0.75 ? 1 : 2;
  for (let t = 0; t < turns; t++) {
    messages.push({ role: "user", content: `${sentence(rand, 6, 20)} Order #${Math.floor(rand() * 1e6)}?` });
    if (rand() < 0.08) {
      const id = `call_${i}_${t}`;
      messages.push({ role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "lookup_order", arguments: JSON.stringify({ order: Math.floor(rand() * 1e6) }) } }] });
      messages.push({ role: "tool", tool_call_id: id, content: JSON.stringify({ status: "shipped", eta: "2 days" }) });
    }
    messages.push({ role: "assistant", content: `${sentence(rand, 15, 45)} ${rand() < 0.01 ? "<|endoftext|>" : ""}`.trim() });
  }
  return { kind: "chat", example: { messages } } as ConvertedRecord;
}

function columnsFor(row: ReturnType<typeof newExampleRow>) {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    dataset_id: row.datasetId,
    position: row.position,
    kind: row.kind ?? "chat",
    messages: row.messages,
    tools: row.tools ?? null,
    extra: null,
    preference: null,
    split: row.split ?? "train",
    split_manual: false,
    tags: row.tags ?? [],
    content_hash: row.contentHash,
    token_count: null,
    assistant_tokens: null,
    message_count: row.messageCount ?? 0,
    prompt_preview: row.promptPreview ?? "",
    reply_preview: row.replyPreview ?? "",
    search_text: row.searchText ?? "",
    issues: row.issues ?? [],
    issue_codes: row.issueCodes ?? [],
    error_count: row.errorCount ?? 0,
    warning_count: row.warningCount ?? 0,
    source: row.source ?? "bench",
    created_at: now,
    updated_at: now,
  };
}

async function insertRows(db: PrismaClient, datasetId: string, n: number): Promise<number> {
  const rand = mulberry32(42);
  const examples: ConvertedRecord[] = [];
  let bytes = 0;
  const CHUNK = 5_000;
  for (let start = 0; start < n; start += CHUNK) {
    const rows = [];
    for (let i = start; i < Math.min(n, start + CHUNK); i++) {
      // ~1 % exact copies (re-cased), ~1 % near copies (one word added), 10 % validation (some leaking a prompt).
      let example: ConvertedRecord;
      const r = rand();
      if (i > 100 && r < 0.01) {
        const src = examples[Math.floor(rand() * examples.length)]! as { example: { messages: { content: unknown }[] } };
        const copy = JSON.parse(JSON.stringify(src)) as typeof src;
        for (const m of copy.example.messages) if (typeof m.content === "string") m.content = m.content.toUpperCase();
        example = copy as unknown as ConvertedRecord;
      } else if (i > 100 && r < 0.02) {
        const src = examples[Math.floor(rand() * examples.length)]! as { example: { messages: { role: string; content: unknown }[] } };
        const copy = JSON.parse(JSON.stringify(src)) as typeof src;
        const last = copy.example.messages[copy.example.messages.length - 1]!;
        last.content = `${String(last.content)} indeed`;
        example = copy as unknown as ConvertedRecord;
      } else example = makeExample(rand, i);
      if (examples.length < 5_000) examples.push(example);
      const split = rand() < 0.1 ? "validation" : "train";
      const row = newExampleRow(example, { datasetId, position: i, split, tags: [["billing", "account", "shipping", "bug"][i % 4]!], source: `bench.jsonl:${i + 1}` });
      bytes += JSON.stringify(row.messages).length;
      rows.push(columnsFor(row));
    }
    await db.$executeRawUnsafe(`INSERT INTO examples SELECT * FROM jsonb_populate_recordset(NULL::examples, $1::jsonb)`, JSON.stringify(rows));
  }
  return bytes;
}

/**
 * Reuses the rows of an earlier run (`reuse`): clears their counts and findings, vacuums, and analyses them in
 * this fresh process, so memory figures are the analysis's own rather than the row builder's.
 */
async function reuseRows(db: PrismaClient, n: number): Promise<{ id: string; messageBytes: number } | null> {
  const ds = await db.dataset.findUnique({ where: { name: "bench: count" } }).catch(() => null);
  if (!ds || (await db.example.count({ where: { datasetId: ds.id } })) !== n) return null;
  await db.$executeRawUnsafe(`UPDATE examples SET token_count = NULL, assistant_tokens = NULL, issues = '[]', issue_codes = '{}', error_count = 0, warning_count = 0 WHERE dataset_id = $1`, ds.id);
  await db.dataset.update({ where: { id: ds.id }, data: { analyzedRevision: null, analysisError: null } });
  await db.$executeRawUnsafe(`VACUUM ANALYZE examples`);
  const [row] = await db.$queryRawUnsafe<{ bytes: number }[]>(`SELECT sum(length(messages::text))::float8 AS bytes FROM examples WHERE dataset_id = $1`, ds.id);
  return { id: ds.id, messageBytes: row?.bytes ?? 0 };
}

export async function benchCount(opts: { rows?: number; threads?: number; databaseUrl?: string; reuse?: boolean; log?: (line: string) => void } = {}): Promise<CountBenchResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const n = opts.rows ?? 100_000;
  const url = opts.databaseUrl ?? `${testSettings().databaseUrl}_bench`;
  let db = createPrismaClient(url);
  const reused = opts.reuse ? await reuseRows(db, n).catch(() => null) : null;
  if (!reused) {
    await db.$disconnect();
    await recreateDatabase(url);
    await migrateDeploy(url, { quiet: true });
    db = createPrismaClient(url);
  }
  try {
    let t = Date.now();
    let datasetId: string;
    let messageBytes: number;
    if (reused) {
      ({ id: datasetId, messageBytes } = reused);
      log(`reusing ${n.toLocaleString("en-US")} rows (${(messageBytes / 1e6).toFixed(1)} MB of messages JSON), counts and findings cleared`);
    } else {
      datasetId = (await db.dataset.create({ data: { name: "bench: count" } })).id;
      messageBytes = await insertRows(db, datasetId, n);
      log(`inserted ${n.toLocaleString("en-US")} rows (${(messageBytes / 1e6).toFixed(1)} MB of messages JSON) in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    const insertMs = reused ? 0 : Date.now() - t;
    const ds = { id: datasetId };

    const threads = opts.threads ?? defaultThreadCount();
    t = Date.now();
    let lastLog = 0;
    // RSS sampled during the analysis itself (maxRSS would include building the 100k rows above).
    let analysisRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (analysisRss = Math.max(analysisRss, process.memoryUsage().rss)), 100);
    const outcome = await analyzeDataset({
      db,
      datasetId: ds.id,
      revision: 0,
      threads,
      onBatch: ({ counted, total }) => {
        if (Date.now() - lastLog > 2_000) {
          lastLog = Date.now();
          log(`  … ${counted.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} counted after ${((Date.now() - t) / 1000).toFixed(1)} s`);
        }
      },
    });
    clearInterval(sampler);
    if (outcome.status !== "done") throw new Error(`analysis ended ${outcome.status}`);
    const statsStart = Date.now();
    const stats = await getDatasetStats({ db, datasetId: ds.id });
    const statsMs = Date.now() - statsStart;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const result: CountBenchResult = {
      rows: n,
      messageBytes,
      threads: outcome.threads,
      cores: availableParallelism(),
      insertMs,
      countMs: outcome.countMs,
      analysisMs: outcome.totalMs,
      statsMs,
      peakRssMb,
      analysisRssMb: analysisRss / 1024 / 1024,
      findings: outcome.findings,
      phases: outcome.phases,
    };
    log(`token counts for all ${n.toLocaleString("en-US")} rows: ${(result.countMs / 1000).toFixed(1)} s (${result.threads} counting thread(s) on ${result.cores} cores; target ≤ 20 s)`);
    const p = result.phases;
    log(`  time per phase, summed over batches: read ${(p.readMs / 1000).toFixed(1)} s, count+fingerprint in threads ${(p.threadMs / 1000).toFixed(1)} s (incl. waiting for a free thread), write counts ${(p.writeMs / 1000).toFixed(1)} s, duplicate index ${(p.findingsMs / 1000).toFixed(1)} s, search entries ${(p.searchMs / 1000).toFixed(1)} s`);
    log(`whole analysis (counts + exact/near duplicates + leakage + findings written): ${(result.analysisMs / 1000).toFixed(1)} s`);
    log(`  findings: ${result.findings.exactDuplicates} exact, ${result.findings.nearDuplicates} near duplicates, ${result.findings.leaked} leaked prompts, ${result.findings.overLimit} over the limit`);
    log(`stats query: ${result.statsMs} ms (${stats!.totalTokens.toLocaleString("en-US")} tokens in total)`);
    log(`peak RSS while analysing: ${result.analysisRssMb.toFixed(0)} MB (whole bench process incl. building the rows: ${result.peakRssMb.toFixed(0)} MB)`);
    return result;
  } finally {
    await db.$disconnect();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { rows: { type: "string" }, threads: { type: "string" }, reuse: { type: "boolean" } } });
  benchCount({ rows: values.rows ? Number(values.rows) : undefined, threads: values.threads ? Number(values.threads) : undefined, reuse: values.reuse }).catch((err: Error) => {
    console.error(`bench: ${err.message}`);
    process.exitCode = 1;
  });
}
