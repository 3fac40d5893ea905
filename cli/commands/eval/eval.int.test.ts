import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as evalsRoute from "../../../app/api/evals/route";
import * as evalRoute from "../../../app/api/evals/[id]/route";
import * as evalSamplesRoute from "../../../app/api/evals/[id]/samples/route";
import * as evalExportRoute from "../../../app/api/evals/[id]/export/route";
import { createPrismaClient } from "../../../lib/db/client";
import { CSV_HEADER } from "../../../lib/eval/export";
import { removeSeededEvalRuns, seedEvalRun, type SeededEvalRun } from "../../../lib/eval/testing";
import type { EvalRunView, EvalSampleView } from "../../../lib/eval/types";
import { dataDir, env } from "../../../lib/env";
import { closeLiveRedis } from "../../../lib/jobs/launch/live";
import { closeQueues, queues } from "../../../lib/queue/queues";
import { createRedis } from "../../../lib/redis";
import { deleteOpenAICredential, saveOpenAICredential } from "../../../lib/settings/credentials";
import { seedDefaultPrices } from "../../../lib/pricing/list";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../../test/openai-emulator/server";
import { fineTunedModel } from "../../../test/openai-emulator/test-helpers";
import { evalProcessor } from "../../../workers/processors/eval";
import type { CliContext } from "../../command";
import { serveRoutes, type RouteEntry, type RouteServer } from "../../testing/route-server";
import { DATASET_IMPORT_ROUTES, startImportWorker } from "../../testing/dataset-routes";
import { evalCommand } from "../eval";
import type { EvalResultJson } from "./format";

// `tuneforge eval …` against the app's own route handlers (served by node:http, as Next would), Postgres, Redis,
// a real BullMQ import worker and eval worker, and the OpenAI emulator through the real SDK.

const ROUTES: RouteEntry[] = [
  ...DATASET_IMPORT_ROUTES,
  { pattern: /^\/api\/evals$/, keys: [], module: evalsRoute },
  { pattern: /^\/api\/evals\/([^/]+)$/, keys: ["id"], module: evalRoute },
  { pattern: /^\/api\/evals\/([^/]+)\/samples$/, keys: ["id"], module: evalSamplesRoute },
  { pattern: /^\/api\/evals\/([^/]+)\/export$/, keys: ["id"], module: evalExportRoute },
];

const db = createPrismaClient();
const redis = createRedis("bullmq");
const liveRedis = createRedis("client");
const seeded: SeededEvalRun[] = [];
let server: RouteServer;
let importWorker: Worker;
let emu: OpenAIEmulator;
let dir: string;
let done: SeededEvalRun;
let running: SeededEvalRun;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tf-cli-eval-"));
  emu = await startOpenAIEmulator({ timing: { fileProcessingMs: 10, validatingMs: 20, queuedMs: 20, stepMs: 2 } });
  await seedDefaultPrices({ db });
  server = await serveRoutes(ROUTES);
  importWorker = startImportWorker(db, redis);
  done = await seedEvalRun(db, { n: 60, seed: 11, name: "cli seeded" });
  running = await seedEvalRun(db, { n: 8, seed: 12, status: "running" });
  seeded.push(done, running);
});

afterAll(async () => {
  await importWorker.close();
  await server.close();
  await removeSeededEvalRuns(db, seeded);
  const datasets = await db.dataset.findMany({ where: { name: { contains: "tuneforge eval create" } }, select: { id: true } });
  const ids = datasets.map((d) => d.id);
  await db.evalRun.deleteMany({ where: { datasetVersion: { datasetId: { in: ids } } } });
  await db.datasetVersion.deleteMany({ where: { datasetId: { in: ids } } });
  await db.dataset.deleteMany({ where: { id: { in: ids } } });
  for (const id of ids) await rm(path.join(dataDir(), "datasets", id), { recursive: true, force: true });
  await deleteOpenAICredential({ db });
  await queues().get("eval").obliterate({ force: true });
  await closeQueues();
  await closeLiveRedis();
  await redis.quit();
  await liveRedis.quit();
  await emu.close();
  await db.$disconnect();
  await rm(dir, { recursive: true, force: true });
});

async function tuneforge(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = { root: process.cwd(), out: (t) => (stdout += t), err: (t) => (stderr += t) };
  const code = await evalCommand.run([...args, "--url", server.url], ctx);
  return { code, stdout, stderr };
}

describe("tuneforge eval show", () => {
  it("--json prints the result object: id, status, n, win rate with CI, per-side metrics, warnings", async () => {
    const r = await tuneforge("show", done.runId, "--json");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as EvalResultJson;
    const stored = (await db.evalRun.findUniqueOrThrow({ where: { id: done.runId } })).summary as NonNullable<EvalRunView["summary"]>;
    expect(out).toMatchObject({ id: done.runId, status: "succeeded", n: 60, warnings: [], regressions: ["refunds"], improvements: ["format"] });
    expect(out.url).toBe(`${server.url}/evaluations/${done.runId}`);
    expect(out.winRate).toEqual(stored.winRate);
    expect(out.winRate!.ci[0]).toBeLessThanOrEqual(out.winRate!.candidate);
    expect(out.metrics.exactMatch).toMatchObject({ baseline: stored.metrics.exactMatch!.baseline, candidate: stored.metrics.exactMatch!.candidate });
    expect(out.metrics.jsonValid).toMatchObject({ baseline: expect.any(Number), candidate: expect.any(Number) });
  });

  it("prints a compact table: win rate with CI, metric deltas with CI, regressions per tag", async () => {
    const r = await tuneforge("show", done.runId);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^eval ${done.runId}  succeeded  "cli seeded"\n`));
    expect(r.stdout).toMatch(/Win rate \(candidate\)  \d+\.\d%  95% CI \[\d+\.\d%, \d+\.\d%\]  — \d+ wins, \d+ losses, \d+ ties, \d+ inconsistent of \d+ judged/);
    expect(r.stdout).toMatch(/\n  METRIC\s+BASELINE\s+CANDIDATE\s+DELTA\s+95% CI\s+N\n  exactMatch\s+\d+\.\d%\s+\d+\.\d%\s+[+−]\d+\.\d\s+\[[+−]\d+\.\d, [+−]\d+\.\d\]\s+\d+\n/);
    expect(r.stdout).toMatch(/Regressions by tag \(candidate worse\):\n    refunds \(30\): /);
    expect(r.stdout).toMatch(/Improvements by tag \(candidate better\):\n    format \(30\): /);
  });

  it("says clearly when the run does not exist (exit 1)", async () => {
    const r = await tuneforge("show", "nope");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("tuneforge: eval show: No evaluation run with id nope. List runs with GET /api/evals (or `tuneforge eval list`).\n");
  });
});

describe("tuneforge eval list", () => {
  it("lists runs newest first and filters by status", async () => {
    const all = await tuneforge("list");
    expect(all.code).toBe(0);
    expect(all.stdout.split("\n")[0]).toMatch(/^ID\s+STATUS\s+CANDIDATE\s+BASELINE\s+N\s+WIN RATE\s+CREATED$/);
    expect(all.stdout.indexOf(running.runId)).toBeLessThan(all.stdout.indexOf(done.runId));
    const r = await tuneforge("list", "--status", "running", "--json");
    expect((JSON.parse(r.stdout) as { runs: EvalRunView[] }).runs.map((x) => x.id)).toEqual([running.runId]);
  });

  it("--before lists the runs after a page's last one and ends with where that page stands; a bad cursor is refused", async () => {
    const first = (JSON.parse((await tuneforge("list", "--json")).stdout) as { runs: EvalRunView[] }).runs[0]!;
    const cursor = `${Date.parse(first.createdAt)}_${first.checkpointStep ?? "n"}_${first.id}`;
    const after = await tuneforge("list", "--before", cursor);
    expect(after.code).toBe(0);
    expect(after.stdout).not.toContain(first.id);
    expect(after.stdout).toContain(done.runId);
    expect(after.stdout).toMatch(/\nEvaluations 2–\d+ of \d+, newest first\.\n$/);
    const bad = await tuneforge("list", "--before", "page-2");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('before: "page-2" is not an evaluations-list cursor');
  });

  it("refuses an unknown status before any request", async () => {
    await expect(tuneforge("list", "--status", "finished")).rejects.toThrow("eval list: unknown --status finished; use one or more of queued, running, succeeded, failed, cancelled (comma-separated).");
  });
});

describe("tuneforge eval export", () => {
  it("writes CSV to --out, one row per sample", async () => {
    const out = path.join(dir, "export.csv");
    const r = await tuneforge("export", done.runId, "--out", out);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`wrote ${out}\n`);
    const text = await readFile(out, "utf8");
    const lines = text.replace(/^\uFEFF/, "").split("\r\n");
    expect(lines[0]).toBe(CSV_HEADER.join(","));
    expect(lines.filter((l) => /^\d+,/.test(l)).length).toBe(60);
  });

  it("prints JSON to stdout with --format json", async () => {
    const r = await tuneforge("export", done.runId, "--format", "json");
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { run: EvalRunView; samples: EvalSampleView[] };
    expect(body.run.id).toBe(done.runId);
    expect(body.samples).toHaveLength(60);
  });

  it("refuses an unknown run (exit 1, no file left) and an unknown format", async () => {
    const out = path.join(dir, "none.csv");
    const r = await tuneforge("export", "nope", "--out", out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tuneforge: eval export: No evaluation run with id nope\./);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
    await expect(tuneforge("export", done.runId, "--format", "xlsx")).rejects.toThrow('eval export: --format must be csv or json, got "xlsx".');
  });
});

describe("tuneforge eval create", () => {
  it("checks flags before any request", async () => {
    await expect(tuneforge("create", "--candidate", "openai:a", "--baseline", "openai:b")).rejects.toThrow("eval create: say what to evaluate on: --data FILE.jsonl (imported as a new dataset) or --dataset-version ID.");
    await expect(tuneforge("create", "--dataset-version", "v", "--candidate", "gpt-4o", "--baseline", "openai:b")).rejects.toThrow(/^eval create: --candidate: "gpt-4o" is not a model spec/);
    await expect(tuneforge("create", "--dataset-version", "v", "--candidate", "openai:a", "--baseline", "openai:b", "--limit", "0")).rejects.toThrow('eval: --limit must be a whole number from 1 to 100000, got "0".');
  });

  it("refuses a --json-schema file that is missing or not JSON (exit 2) before creating anything", async () => {
    const missing = await tuneforge("create", "--dataset-version", done.versionId, "--candidate", "openai:a", "--baseline", "openai:b", "--json-schema", path.join(dir, "none.json"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`tuneforge: eval create: --json-schema ${path.join(dir, "none.json")}: no such file\n`);
    const bad = path.join(dir, "bad.json");
    await writeFile(bad, "{ not json");
    const r = await tuneforge("create", "--dataset-version", done.versionId, "--candidate", "openai:a", "--baseline", "openai:b", "--json-schema", bad);
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(`tuneforge: eval create: --json-schema ${bad} is not valid JSON (`)).toBe(true);
    expect(r.stderr.endsWith("); pass a JSON Schema document.\n")).toBe(true);
    expect(await db.evalRun.count({ where: { datasetVersionId: done.versionId } })).toBe(1);
  });

  it("says which field the server refused (exit 1)", async () => {
    const r = await tuneforge("create", "--dataset-version", "no-such-version", "--candidate", "openai:a", "--baseline", "openai:b");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("tuneforge: eval create: refused: datasetVersionId: no dataset version with id no-such-version.\n");
  });

  it("--data FILE --wait --json: imports, evaluates against the emulator with a judge, and prints the result", async () => {
    await saveOpenAICredential({ apiKey: "sk-test-cli-eval-0123456789", baseUrl: emu.url }, { db });
    // 12 lines: the emulator's fine-tuning wants at least 10 examples.
    const pairs = [["sky", "blue"], ["grass", "green"], ["snow", "white"], ["coal", "black"], ["sun", "yellow"], ["blood", "red"], ["orange", "orange"], ["plum", "purple"], ["chocolate", "brown"], ["flamingo", "pink"], ["ash", "gray"], ["lime", "lime"]] as const;
    const lines = pairs.map(([thing, color]) =>
      JSON.stringify({ messages: [{ role: "system", content: "Answer with one JSON object {\"color\": name}." }, { role: "user", content: `What color is the ${thing}?` }, { role: "assistant", content: `{"color": "${color}"}` }] }),
    );
    const file = path.join(dir, "colors.jsonl");
    await writeFile(file, lines.join("\n") + "\n");
    // The emulator's fine-tune answers with its training example closest to the prompt: the expected JSON.
    const ft = await fineTunedModel(emu, lines.join("\n") + "\n", "colors");
    const worker = new Worker("eval", evalProcessor({ db, redis: liveRedis, prefix: env().TUNEFORGE_QUEUE_PREFIX, signal: new AbortController().signal, log: console }), {
      connection: createRedis("bullmq"),
      prefix: env().TUNEFORGE_QUEUE_PREFIX,
    });
    try {
      const r = await tuneforge("create", "--data", file, "--candidate", `openai:${ft}`, "--baseline", "openai:gpt-4o-mini-2024-07-18", "--judge", "openai:gpt-4o-2024-08-06", "--concurrency", "4", "--wait", "--interval", "0.1", "--json");
      expect(r.stderr).toMatch(/^created dataset "colors \(tuneforge eval create .*\)"\nimporting colors\.jsonl into the train split…\nimported 12 examples from colors\.jsonl\nfroze version v1\ncreated evaluation \S+ \(12 samples\): http:\/\/127\.0\.0\.1:\d+\/evaluations\/\S+\n/);
      expect(r.stderr).toMatch(/\nsucceeded, baseline 12\/12, candidate 12\/12, judged 12\/12\n$/);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as EvalResultJson;
      expect(out).toMatchObject({ status: "succeeded", n: 12, candidate: `openai:${ft}`, baseline: "openai:gpt-4o-mini-2024-07-18", warnings: [] });
      expect(out.metrics.exactMatch).toMatchObject({ baseline: 0, candidate: 1 });
      expect(out.metrics.jsonValid).toMatchObject({ baseline: 0, candidate: 1 });
      expect(out.winRate!.candidate).toBe(1);
      expect(out.winRate!.ci[1]).toBe(1);
      expect(out.winRate!.ci[0]).toBeGreaterThan(0.5);
      const run = await db.evalRun.findUniqueOrThrow({ where: { id: out.id } });
      expect(run.split).toBe("train");
    } finally {
      await worker.close();
    }
  }, 60_000);
});
