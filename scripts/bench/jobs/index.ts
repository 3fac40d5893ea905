import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createPrismaClient } from "../../../lib/db/client";
import { createRedis } from "../../../lib/redis";
import { testSettings } from "../../lib/test-env";
import { env } from "../../../lib/env";
import { startOpenAIEmulator } from "../../../test/openai-emulator/server";
import { startBenchApp } from "./app";
import { benchEmulatorLatency } from "./emulator-latency";
import { benchFirstDraw } from "./first-draw";
import { benchLatency } from "./latency";

// `npm run bench:jobs [-- --points 100] [--big 10000] [--runs 5] [--port N] [--only emulator,latency,big]`:
// the live monitoring targets of issue 5 against the production build in real Chromium, on a scratch
// database (<test db>_bench_jobs). Prints figures; asserts nothing.
//   emulator step → real worker → drawn on the chart: p95 ≤ 1 s   (emulator-latency.ts, the target)
//   live point written + published → drawn (the web side alone)   (latency.ts)
//   10,000-point job: navigation → chart drawn ≤ 1 s               (first-draw.ts)

const PARTS = ["emulator", "latency", "big"] as const;
const { values } = parseArgs({
  options: { points: { type: "string" }, big: { type: "string" }, runs: { type: "string" }, port: { type: "string" }, only: { type: "string" } },
  strict: true,
});
const points = Number(values.points ?? 100);
const big = Number(values.big ?? 10_000);
const runs = Number(values.runs ?? 5);
const port = Number(values.port ?? Number(process.env.E2E_PORT ?? 3100) + 50);
const only = values.only ? values.only.split(",") : [...PARTS];
if (only.some((p) => !(PARTS as readonly string[]).includes(p)) || ![points, big, runs, port].every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`usage: npm run bench:jobs -- [--points N] [--big N] [--runs N] [--port N] [--only ${PARTS.join(",")}]`);
  process.exit(2);
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const t = testSettings();
const databaseUrl = (() => {
  const u = new URL(t.databaseUrl);
  u.pathname = `${u.pathname}_bench_jobs`;
  return u.toString();
})();
const prefix = `tf-bench-jobs-${process.pid}`;
log(`job monitoring benches: ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);

const dataDir = path.resolve("data/bench-jobs");
const pollMs = env().TUNEFORGE_OPENAI_POLL_MS;
// The emulator's clock is this bench's: steps appear only when the emulator-latency part advances it.
const emulator = await startOpenAIEmulator({ manualClock: true });
const app = await startBenchApp({
  port,
  databaseUrl,
  redisUrl: t.redisUrl,
  prefix,
  dataDir,
  // The other parts insert jobs and play the worker themselves; the worker reconciles only at start, so it
  // never polls the emulator for their made-up remote ids.
  workerEnv: { OPENAI_BASE_URL: emulator.url, OPENAI_API_KEY: "sk-test-bench-jobs", TUNEFORGE_OPENAI_POLL_MS: String(pollMs), TUNEFORGE_RECONCILE_MS: String(3_600_000) },
});
const db = createPrismaClient(databaseUrl);
const redis = createRedis("client", t.redisUrl);
const summary: string[] = [];
try {
  if (only.includes("emulator")) {
    log("\n── emulator → browser ──");
    const s = await benchEmulatorLatency({ url: app.url, db, emulator, redisUrl: t.redisUrl, prefix, dataDir, points, pollMs, log });
    summary.push(`emulator step → drawn (worker polls every ${pollMs} ms): p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms (p95 ≤ 1000 ms)`);
  }
  if (only.includes("latency")) {
    log("\n── live latency ──");
    const s = await benchLatency({ url: app.url, db, redis, prefix, points, log });
    summary.push(`live point → drawn: p50 ${s.p50} ms, p95 ${s.p95} ms, max ${s.max} ms (p95 ≤ 1000 ms)`);
  }
  if (only.includes("big")) {
    log(`\n── ${big.toLocaleString("en-US")}-point job ──`);
    const s = await benchFirstDraw({ url: app.url, db, points: big, runs, log });
    summary.push(`${big.toLocaleString("en-US")} points, navigation → drawn: p50 ${s.big.p50} ms, max ${s.big.max} ms (≤ 1000 ms); 10 points: p50 ${s.small.p50} ms`);
  }
  log("\n── summary ──");
  for (const line of summary) log(`  ${line}`);
} finally {
  await redis.quit();
  await db.$disconnect();
  await app.stop();
  await emulator.close();
}
process.exit(0);
