import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createPrismaClient } from "../../../lib/db/client";
import { createEval } from "../../../lib/eval/create";
import { percentile } from "../../../lib/eval/stats";
import type { SampleMetrics } from "../../../lib/eval/types";
import { createFrozenVersion } from "../../../lib/jobs/local/test-support";
import { createQueueSet } from "../../../lib/queue/queues";
import { createRedis } from "../../../lib/redis";
import { deleteKeysUnder } from "../../../lib/workers/testing";
import { startOpenAIEmulator } from "../../../test/openai-emulator/server";
import { fineTunedModel } from "../../../test/openai-emulator/test-helpers";
import { migrateDeploy, recreateDatabase } from "../../lib/database";
import { testSettings } from "../../lib/test-env";

// `npx tsx scripts/bench/eval/run.ts [--samples 1000] [--concurrency 16] [--latency-ms 150] [--no-judge]`
// The target: a 1,000-sample eval against the emulator with concurrency 16 finishes in ≤ 60 s. The real
// path: createEval (samples written to Postgres) → eval queue → a real worker process (workers/main.ts --queues
// eval) → the SDK → the OpenAI emulator answering every chat completion after `latency-ms` (a short JSON reply
// from a hosted model) → each sample's row written → summary. With the judge on, a sample costs six calls: two
// generations and four judge calls (both orders + two pointwise scores), so the judge model carries 4,000
// requests at `concurrency` in flight: the floor is samples × 4 × latency / concurrency.
// Runs in a scratch database (<TEST_DATABASE_URL>_bench_eval), never the app's.

export type BenchEvalOptions = { samples?: number; concurrency?: number; latencyMs?: number; judge?: boolean; log?: (line: string) => void };
export type BenchEvalFigures = { wallMs: number; samplesPerSecond: number; latencyMs: number; calls: number; p50: { baseline: number; candidate: number }; p95: { baseline: number; candidate: number } };

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");

function line(i: number): string {
  const things = ["sky", "grass", "blood", "snow", "coal", "sun", "lemon", "cherry"];
  const colors = ["blue", "green", "red", "white", "black", "yellow", "yellow", "red"];
  const thing = things[i % things.length]!;
  return JSON.stringify({
    messages: [
      { role: "system", content: "Answer in JSON." },
      { role: "user", content: `Order ${i}: which color is the ${thing}?` },
      { role: "assistant", content: JSON.stringify({ order: i, color: colors[i % colors.length] }) },
    ],
  });
}

export async function benchEvalRun(opts: BenchEvalOptions = {}): Promise<BenchEvalFigures> {
  const samples = opts.samples ?? 1000;
  const concurrency = opts.concurrency ?? 16;
  const latencyMs = opts.latencyMs ?? 150;
  const judge = opts.judge ?? true;
  const log = opts.log ?? ((l: string) => console.log(l));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-bench-eval-"));
  const dataDir = path.join(work, "data");
  const settings = testSettings();
  const url = new URL(settings.databaseUrl);
  url.pathname = `${url.pathname}_bench_eval`;
  const databaseUrl = url.toString();
  await recreateDatabase(databaseUrl);
  await migrateDeploy(databaseUrl, { quiet: true });
  const prefix = `tf-bench-eval-${process.pid}`;
  const db = createPrismaClient(databaseUrl);
  const redis = createRedis("client", settings.redisUrl);
  const queues = createQueueSet({ connection: redis, prefix });
  const emu = await startOpenAIEmulator({ timing: { fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, stepMs: 1 }, chatLatencyMs: 0 });

  const worker = spawn(process.execPath, ["--import", "tsx", "workers/main.ts", "--queues", "eval"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      REDIS_URL: settings.redisUrl,
      TUNEFORGE_QUEUE_PREFIX: prefix,
      TUNEFORGE_DATA_DIR: dataDir,
      TUNEFORGE_SECRET: "bench-secret-0123456789abcdef0123456789abcdef",
      OPENAI_BASE_URL: emu.url,
      OPENAI_API_KEY: "sk-test-bench-eval",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  worker.stdout!.on("data", (d) => (out += d));
  worker.stderr!.on("data", (d) => (out += d));
  try {
    const train = Array.from({ length: 200 }, (_, i) => line(i)).join("\n") + "\n";
    const heldOut = Array.from({ length: samples }, (_, i) => line(200 + i)).join("\n") + "\n";
    const ft = await fineTunedModel(emu, train + heldOut, "bench");
    const v = await createFrozenVersion(db, dataDir, { name: "bench-eval", train, validation: heldOut });
    while (!/consuming [^\n]*eval/.test(out)) {
      if (worker.exitCode !== null) throw new Error(`eval worker exited:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    emu.state.chat.latencyMs = latencyMs;
    emu.state.chat.counts = {};
    log(`bench:eval — ${samples} samples, concurrency ${concurrency}, judge ${judge ? "on (both orders + pointwise)" : "off"}, emulator chat latency ${latencyMs} ms per call, ${os.cpus().length} cores`);

    const t0 = performance.now();
    const { runIds } = await createEval(
      { datasetVersionId: v.versionId, candidate: `openai:${ft}`, baseline: "openai:gpt-4o-mini-2024-07-18", ...(judge && { judge: "openai:gpt-4.1-mini-2025-04-14" }), concurrency },
      { db, root: dataDir, queues },
    );
    const id = runIds[0]!;
    let row;
    for (;;) {
      row = await db.evalRun.findUniqueOrThrow({ where: { id } });
      if (row.status !== "queued" && row.status !== "running") break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const wallMs = performance.now() - t0;
    if (row.status !== "succeeded") throw new Error(`bench run ${row.status}: ${row.errorMessage}\n${out.slice(-2000)}`);

    const rows = await db.evalSample.findMany({ where: { evalRunId: id }, select: { baselineMetrics: true, candidateMetrics: true } });
    const lat = (side: "baselineMetrics" | "candidateMetrics") => rows.map((r) => (r[side] as SampleMetrics | null)?.latencyMs ?? 0);
    const pct = (side: "baselineMetrics" | "candidateMetrics", p: number) => Math.round(percentile(lat(side), p) ?? 0);
    const calls = Object.values(emu.state.chat.counts).reduce((s, n) => s + n, 0);
    const figures: BenchEvalFigures = {
      wallMs,
      samplesPerSecond: samples / (wallMs / 1000),
      latencyMs,
      calls,
      p50: { baseline: pct("baselineMetrics", 50), candidate: pct("candidateMetrics", 50) },
      p95: { baseline: pct("baselineMetrics", 95), candidate: pct("candidateMetrics", 95) },
    };
    const floor = (samples * (judge ? 4 : 1) * latencyMs) / concurrency / 1000;
    log(`wall ${(wallMs / 1000).toFixed(1)} s (target ≤ 60 s; floor at this latency ${floor.toFixed(1)} s), ${figures.samplesPerSecond.toFixed(1)} samples/s, ${calls} chat calls`);
    log(`per generation call (request → reply through the SDK, after the model's limiter let it go): baseline p50 ${figures.p50.baseline} ms p95 ${figures.p95.baseline} ms; candidate p50 ${figures.p50.candidate} ms p95 ${figures.p95.candidate} ms`);
    return figures;
  } finally {
    const exited = new Promise((r) => worker.once("exit", r));
    worker.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    await emu.close();
    await queues.close();
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
    await db.$disconnect();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: a } = parseArgs({
    options: {
      samples: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "16" },
      "latency-ms": { type: "string", default: "150" },
      "no-judge": { type: "boolean", default: false },
    },
  });
  // Exit explicitly: pooled connections would otherwise keep the process alive.
  benchEvalRun({ samples: Number(a.samples), concurrency: Number(a.concurrency), latencyMs: Number(a["latency-ms"]), judge: !a["no-judge"] }).then(
    () => process.exit(0),
    (err: Error) => {
      console.error(`bench:eval: ${err.message}`);
      process.exit(1);
    },
  );
}
