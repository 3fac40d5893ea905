import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createPrismaClient } from "../../../lib/db/client";
import { launchLocalJob } from "../../../lib/jobs/launch/local";
import { createFrozenVersion } from "../../../lib/jobs/local/test-support";
import { createQueueSet } from "../../../lib/queue/queues";
import { createRedis } from "../../../lib/redis";
import { writeTinyModel } from "../../../lib/testing/tiny-model";
import { colorTask, toJsonl } from "../../../lib/testing/tiny-model/task";
import { deleteKeysUnder } from "../../../lib/workers/testing";
import { migrateDeploy, recreateDatabase } from "../../lib/database";
import { testSettings } from "../../lib/test-env";

// `npm run bench:local [-- --preset small|tiny] [--examples N] [--epochs N] [--batch-size N] [--threads N] [--repeats N]`
// The worker path (POST-equivalent launch → gpu-jobs → GPU worker: frozen version, tokenizer, trainer, every
// step stored in Postgres and published on Redis, checkpoints, adapter card, artifact) against
// `tuneforge train` on the same model, data and settings. Target: the worker path adds < 5 % to training.
// Figures: end-to-end wall (CLI: process start → exit; worker: launch → succeeded, worker already running),
// training-loop wall (CLI: the trainer's elapsed at its last step; worker: "training started" event → last
// point stored, so the store lag counts against the worker) and mean tokens/s of the steps.
// Runs in a scratch database (<TEST_DATABASE_URL>_bench_local), never the app's.

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");
const { values: a } = parseArgs({
  options: {
    preset: { type: "string", default: "small" },
    examples: { type: "string", default: "256" },
    epochs: { type: "string", default: "1" },
    "batch-size": { type: "string", default: "4" },
    // One trainer thread: on a small shared machine, two would fight Postgres and Node for the cores and
    // bury a few-percent difference in noise. --threads 0 = all cores.
    threads: { type: "string", default: "1" },
    repeats: { type: "string", default: "3" },
  },
});
const preset = a.preset === "tiny" ? "tiny" : "small";
const examples = Number(a.examples);
const epochs = Number(a.epochs);
const batchSize = Number(a["batch-size"]);
const threads = a.threads!;
const repeats = Number(a.repeats);

type Figures = { wallMs: number; trainMs: number; tokensPerSec: number; steps: number };

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

async function cliPath(work: string, modelDir: string, data: string, i: number): Promise<Figures> {
  const t0 = performance.now();
  const r = await run(process.execPath, [
    "bin/tuneforge.mjs", "train", "--model", modelDir, "--data", data, "--out", path.join(work, `cli-out-${i}`), "--quant", "none",
    "--epochs", String(epochs), "--batch-size", String(batchSize), "--grad-accum", "1", "--lr", "1e-3", "--threads", threads, "--json",
  ], process.env);
  const wallMs = performance.now() - t0;
  if (r.code !== 0) throw new Error(`tuneforge train exited ${r.code}:\n${r.out.slice(-2000)}`);
  const steps = r.out.split("\n").filter((l) => l.startsWith("{\"step\"")).map((l) => JSON.parse(l) as { elapsed_ms: number; tokens_per_sec: number });
  return { wallMs, trainMs: steps.at(-1)!.elapsed_ms, tokensPerSec: mean(steps.map((s) => s.tokens_per_sec)), steps: steps.length };
}

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-bench-local-"));
  const modelsDir = path.join(work, "models");
  const dataDir = path.join(work, "data");
  const modelDir = path.join(modelsDir, "bench-model");
  writeTinyModel({ dir: modelDir, preset, seed: 1 });
  const jsonl = toJsonl(colorTask(examples));
  const dataFile = path.join(work, "train.jsonl");
  fs.writeFileSync(dataFile, jsonl);

  const settings = testSettings();
  const url = new URL(settings.databaseUrl);
  url.pathname = `${url.pathname}_bench_local`;
  const databaseUrl = url.toString();
  await recreateDatabase(databaseUrl);
  await migrateDeploy(databaseUrl, { quiet: true });
  const prefix = `tf-bench-local-${process.pid}`;
  const db = createPrismaClient(databaseUrl);
  const redis = createRedis("client", settings.redisUrl);
  const qs = createQueueSet({ connection: redis, prefix });

  const worker = spawn(process.execPath, ["--import", "tsx", "workers/main.ts", "--gpu"], {
    cwd: ROOT,
    env: {
      ...process.env, NODE_ENV: "production", DATABASE_URL: databaseUrl, REDIS_URL: settings.redisUrl, TUNEFORGE_QUEUE_PREFIX: prefix,
      TUNEFORGE_DATA_DIR: dataDir, TUNEFORGE_MODELS_DIR: modelsDir, TUNEFORGE_LOCAL_BACKEND: "cpu", TUNEFORGE_LOCAL_THREADS: threads,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let workerOut = "";
  worker.stdout!.on("data", (d) => (workerOut += d));
  worker.stderr!.on("data", (d) => (workerOut += d));
  try {
    // "[worker] <id> consuming inference, gpu-jobs (prefix …)": ready once its queues are listed.
    while (!/consuming [^\n]*gpu-jobs/.test(workerOut)) {
      if (worker.exitCode !== null) throw new Error(`GPU worker exited:\n${workerOut}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const cli: Figures[] = [];
    const viaWorker: Figures[] = [];
    console.log(`bench:local — ${preset} model, ${examples} examples × ${epochs} epoch(s), batch ${batchSize}, threads ${threads === "0" ? "all" : threads}, ${os.cpus().length} cores, ${repeats} repeat(s)`);
    for (let i = 0; i < repeats; i++) {
      // Alternate which goes first so warm caches favour neither.
      const order = i % 2 === 0 ? ["worker", "cli"] : ["cli", "worker"];
      for (const which of order) {
        if (which === "cli") cli.push(await cliPath(work, modelDir, dataFile, i));
        else viaWorker.push(await workerPath(db, qs, dataDir, modelsDir, jsonl, () => workerOut));
        const f = (which === "cli" ? cli : viaWorker).at(-1)!;
        console.log(`  ${which.padEnd(6)} run ${i + 1}: wall ${(f.wallMs / 1000).toFixed(2)} s, training ${(f.trainMs / 1000).toFixed(2)} s, ${f.steps} steps, ${f.tokensPerSec.toFixed(0)} tok/s`);
      }
    }
    const c = { wall: median(cli.map((f) => f.wallMs)), train: median(cli.map((f) => f.trainMs)), tps: median(cli.map((f) => f.tokensPerSec)) };
    const w = { wall: median(viaWorker.map((f) => f.wallMs)), train: median(viaWorker.map((f) => f.trainMs)), tps: median(viaWorker.map((f) => f.tokensPerSec)) };
    const pct = (x: number, base: number) => `${(((x - base) / base) * 100).toFixed(1)} %`;
    console.log("");
    console.log(`tuneforge train   wall ${(c.wall / 1000).toFixed(2)} s   training ${(c.train / 1000).toFixed(2)} s   ${c.tps.toFixed(0)} tok/s`);
    console.log(`GPU worker path   wall ${(w.wall / 1000).toFixed(2)} s   training ${(w.train / 1000).toFixed(2)} s   ${w.tps.toFixed(0)} tok/s`);
    console.log(`overhead: training ${pct(w.train, c.train)} (target < 5 %), tokens/s ${pct(c.tps, w.tps)} slower, end-to-end ${pct(w.wall, c.wall)} (CLI wall includes starting node; the worker was running)`);
  } finally {
    const exited = new Promise((r) => worker.once("exit", r));
    worker.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    await qs.close();
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
    await db.$disconnect();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function workerPath(db: ReturnType<typeof createPrismaClient>, qs: ReturnType<typeof createQueueSet>, dataDir: string, modelsDir: string, jsonl: string, out: () => string): Promise<Figures> {
  const v = await createFrozenVersion(db, dataDir, { name: "bench", train: jsonl });
  const t0 = performance.now();
  const job = await launchLocalJob(
    {
      provider: "local", datasetVersionId: v.versionId, baseModel: "bench-model",
      config: { quantization: { quant: "none" }, training: { epochs, batchSize, gradAccum: 1, lr: 1e-3, backend: "cpu" } },
    },
    { db, dataDir, modelsDir, queues: qs },
  );
  for (;;) {
    const row = await db.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    if (row.status === "succeeded") break;
    if (row.status === "failed" || row.status === "cancelled") throw new Error(`bench job ${row.status}: ${row.errorMessage}\n${out().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const wallMs = performance.now() - t0;
  const started = await db.jobEvent.findFirstOrThrow({ where: { jobId: job.id, message: { startsWith: "Training on" } } });
  const points = await db.metricPoint.findMany({ where: { jobId: job.id }, orderBy: { step: "asc" } });
  const trainMs = points.at(-1)!.createdAt.getTime() - started.createdAt.getTime();
  return { wallMs, trainMs, tokensPerSec: mean(points.map((p) => p.tokensPerSecond ?? 0)), steps: points.length };
}

// Exit explicitly: pooled connections (Prisma's pg pool) would otherwise keep the process alive.
main().then(
  () => process.exit(0),
  (err: Error) => {
    console.error(`bench:local: ${err.message}`);
    process.exit(1);
  },
);
