import { mkdirSync, rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Worker } from "bullmq";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The models directory must be set before lib/env is first read (hoisted above the imports).
const modelsRoot = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/tf-cli-from-${process.pid}-${Date.now()}`;
  process.env.TUNEFORGE_MODELS_DIR = dir;
  return dir;
});

import * as jobsRoute from "../../../app/api/jobs/route";
import * as jobRoute from "../../../app/api/jobs/[id]/route";
import * as relaunchRoute from "../../../app/api/jobs/[id]/relaunch/route";
import * as sweepRoute from "../../../app/api/jobs/sweep/route";
import { createPrismaClient } from "../../../lib/db/client";
import { closeLiveRedis } from "../../../lib/jobs/launch/live";
import { chatExample } from "../../../lib/jobs/launch/test-support";
import type { JobView } from "../../../lib/jobs/types";
import { seedDefaultPrices } from "../../../lib/pricing/list";
import { closeQueues, queues } from "../../../lib/queue/queues";
import { createRedis } from "../../../lib/redis";
import { deleteOpenAICredential, saveOpenAICredential } from "../../../lib/settings/credentials";
import { writeTinyModel } from "../../../lib/testing/tiny-model";
import { colorTask } from "../../../lib/testing/tiny-model/task";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../../test/openai-emulator/server";
import type { CliContext } from "../../command";
import { DATASET_IMPORT_ROUTES, removeJobsCreateDatasets, startImportWorker } from "../../testing/dataset-routes";
import { serveRoutes, type RouteServer } from "../../testing/route-server";
import { jobsCommand } from "../jobs";

// `tuneforge jobs create --from ID`: launch again from a shell with the job's settings, each flag given replacing
// one (and `--sweep`: one job per value). Against the app's route handlers, a real import worker, Postgres, Redis,
// the OpenAI emulator (through the real SDK) and a tiny model in the models directory. No training worker runs: the
// launches are what is checked.

const db = createPrismaClient();
const redis = createRedis("bullmq");
let server: RouteServer;
let importWorker: Worker;
let emu: OpenAIEmulator;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tf-cli-from-"));
  mkdirSync(modelsRoot, { recursive: true });
  writeTinyModel({ dir: path.join(modelsRoot, "tiny-chat"), preset: "tiny", seed: 7 });
  emu = await startOpenAIEmulator({ timing: { fileProcessingMs: 10, validatingMs: 40, queuedMs: 40, stepMs: 5 } });
  await seedDefaultPrices({ db });
  server = await serveRoutes([
    ...DATASET_IMPORT_ROUTES,
    { pattern: /^\/api\/jobs$/, keys: [], module: jobsRoute },
    { pattern: /^\/api\/jobs\/sweep$/, keys: [], module: sweepRoute },
    { pattern: /^\/api\/jobs\/([^/]+)$/, keys: ["id"], module: jobRoute },
    { pattern: /^\/api\/jobs\/([^/]+)\/relaunch$/, keys: ["id"], module: relaunchRoute },
  ]);
  importWorker = startImportWorker(db, redis);
  await saveOpenAICredential({ apiKey: "sk-test-cli-from-0123456789", baseUrl: emu.url }, { db });
});

afterAll(async () => {
  await importWorker.close();
  await server.close();
  // Nothing trains here: the queued runs must not reach the next file's workers.
  for (const name of ["gpu-jobs", "openai-jobs"] as const) await queues().get(name).obliterate({ force: true });
  await removeJobsCreateDatasets(db);
  await deleteOpenAICredential({ db });
  await closeQueues();
  await closeLiveRedis();
  await redis.quit();
  await emu.close();
  await db.$disconnect();
  await rm(dir, { recursive: true, force: true });
  rmSync(modelsRoot, { recursive: true, force: true });
});

async function tuneforge(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = { root: process.cwd(), out: (t) => (stdout += t), err: (t) => (stderr += t) };
  const code = await jobsCommand.run([...args, "--url", server.url], ctx);
  return { code, stdout, stderr };
}

async function jsonl(name: string, lines: unknown[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return file;
}

const jobJson = (r: { code: number; stdout: string; stderr: string }) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as JobView;
};

describe("tuneforge jobs create --from", () => {
  it("launches a local job again on its own version, with the flags given in place of its settings", async () => {
    const train = await jsonl("colors.jsonl", colorTask(8));
    const val = await jsonl("colors-val.jsonl", colorTask(4, 8));
    const first = jobJson(
      await tuneforge("create", "--provider", "local", "--model", "tiny-chat", "--data", train, "--validation", val, "--rank", "8", "--rslora", "--quant", "none",
        "--epochs", "3", "--lr", "0.01", "--early-stopping-patience", "2", "--keep-best", "--backend", "cpu", "--suffix", "one", "--json"),
    );

    const r = await tuneforge("create", "--from", first.id, "--epochs", "5", "--no-keep-best", "--json");
    const second = jobJson(r);
    // Nothing imported: the copied job's version.
    expect(r.stderr).toMatch(new RegExp(`^settings from job ${first.id} \\(local, queued, on colors \\(tuneforge jobs create [^)]+\\) v1\\)\\nlaunched job ${second.id}: `));
    expect(second.dataset).toEqual(first.dataset);
    expect(second).toMatchObject({ provider: "local", baseModel: "tiny-chat", suffix: "one" });
    expect(second.loraConfig).toEqual(first.loraConfig);
    expect(second.loraConfig).toMatchObject({ lora: { rank: 8, rslora: true }, quantization: { quant: "none", doubleQuant: false } });
    expect(second.hyperparameters).toEqual({ ...first.hyperparameters, epochs: 5, keepBest: false });
    expect(first.hyperparameters).toMatchObject({ epochs: 3, lr: 0.01, earlyStoppingPatience: 2, keepBest: true, backend: "cpu" });

    // --sweep: one job per value over the copied settings, printed as an array, with the compare page's address.
    const swept = await tuneforge("create", "--from", first.id, "--sweep", "lr=0.001,0.005", "--json");
    expect(swept.code, swept.stderr).toBe(0);
    const sweepJobs = JSON.parse(swept.stdout) as JobView[];
    expect(sweepJobs.map((j) => [j.suffix, j.hyperparameters.lr, j.hyperparameters.epochs])).toEqual([["one lr=0.001", 0.001, 3], ["one lr=0.005", 0.005, 3]]);
    expect(swept.stderr).toContain(`compare them at ${server.url}/jobs/compare?ids=${sweepJobs[0]!.id},${sweepJobs[1]!.id}\n`);
    await expect(tuneforge("create", "--from", first.id, "--sweep", "lr=0.001")).rejects.toThrow("jobs create: --sweep lr: a sweep needs at least 2 values.");
    await expect(tuneforge("create", "--from", first.id, "--sweep", "schedule=1,2")).rejects.toThrow('jobs create: --sweep takes FIELD=V1,V2,… with FIELD one of lr, rank,');

    // --quant over a copied "none" brings NF4's double quantization with it, as a fresh launch would.
    const nf4 = jobJson(await tuneforge("create", "--from", first.id, "--quant", "nf4", "--json"));
    expect(nf4.loraConfig).toMatchObject({ quantization: { quant: "nf4", doubleQuant: true } });

    // Flags that are not the job's provider's, or that contradict each other, are usage errors (exit 2 from the bin),
    // found before anything is sent.
    const before = await db.fineTuneJob.count();
    await expect(tuneforge("create", "--from", first.id, "--lr-multiplier", "2")).rejects.toThrow(`jobs create: --lr-multiplier does not apply: job ${first.id} trained locally.`);
    await expect(tuneforge("create", "--from", first.id, "--provider", "openai")).rejects.toThrow(`jobs create: job ${first.id} trained locally; --from launches the same provider, so leave out --provider openai.`);
    await expect(tuneforge("create", "--from", first.id, "--keep-best", "--no-keep-best")).rejects.toThrow("jobs create: --keep-best and --no-keep-best contradict each other; pass one.");
    await expect(tuneforge("create", "--from", first.id, "--rank", "0")).rejects.toThrow("jobs create: --rank: rank must be 1 to 1024.");
    await expect(tuneforge("create", "--from", first.id, "--validation", val)).rejects.toThrow("jobs create: --validation goes with --data;");
    expect(await db.fineTuneJob.count()).toBe(before);
  });

  it("launches an OpenAI job again: its hyperparameters, seed and suffix unless given, a new file when --data is given", async () => {
    const train = await jsonl("support.jsonl", Array.from({ length: 12 }, (_, i) => chatExample(i)));
    const first = jobJson(await tuneforge("create", "--provider", "openai", "--data", train, "--model", "gpt-4o-mini-2024-07-18", "--epochs", "2", "--seed", "3", "--suffix", "a", "--json"));
    const second = jobJson(await tuneforge("create", "--from", first.id, "--lr-multiplier", "0.5", "--suffix", "b", "--json"));
    expect(second).toMatchObject({ provider: "openai", baseModel: "gpt-4o-mini-2024-07-18", seed: 3, suffix: "b", dataset: first.dataset });
    expect(second.hyperparameters).toEqual({ nEpochs: 2, learningRateMultiplier: 0.5 });

    const more = await jsonl("support-more.jsonl", Array.from({ length: 14 }, (_, i) => chatExample(50 + i)));
    const r = await tuneforge("create", "--from", first.id, "--data", more, "--json");
    const third = jobJson(r);
    expect(r.stderr).toContain('created dataset "support-more (tuneforge jobs create');
    expect(third.dataset).toMatchObject({ trainCount: 14 });
    expect(third).toMatchObject({ seed: 3, suffix: "a", hyperparameters: { nEpochs: 2 } });

    await expect(tuneforge("create", "--from", first.id, "--sweep", "lr=1,2")).rejects.toThrow(`jobs create: --sweep does not apply: job ${first.id} trained on OpenAI.`);
    await expect(tuneforge("create", "--from", first.id, "--rank", "8")).rejects.toThrow(`jobs create: --rank does not apply: job ${first.id} trained on OpenAI.`);
    await expect(tuneforge("create", "--from", first.id, "--epochs", "80")).rejects.toThrow('jobs: --epochs must be a whole number from 1 to 50, got "80".');
    expect(await tuneforge("create", "--from", "nope")).toMatchObject({ code: 1, stderr: "tuneforge: jobs create: No fine-tuning job with id nope\n" });
  });
});
