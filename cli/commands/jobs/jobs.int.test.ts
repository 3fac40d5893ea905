import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "bullmq";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as jobsRoute from "../../../app/api/jobs/route";
import * as jobRoute from "../../../app/api/jobs/[id]/route";
import * as jobCancelRoute from "../../../app/api/jobs/[id]/cancel/route";
import * as attachRoute from "../../../app/api/jobs/attach/route";
import { createPrismaClient } from "../../../lib/db/client";
import { env } from "../../../lib/env";
import { closeLiveRedis } from "../../../lib/jobs/launch/live";
import { chatExample } from "../../../lib/jobs/launch/test-support";
import { type JobView } from "../../../lib/jobs/types";
import { uploadFineTuneFile, waitForFile } from "../../../lib/providers/openai/finetune";
import { seedDefaultPrices } from "../../../lib/pricing/list";
import { closeQueues, queues } from "../../../lib/queue/queues";
import { createRedis } from "../../../lib/redis";
import { deleteOpenAICredential, saveOpenAICredential } from "../../../lib/settings/credentials";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../../test/openai-emulator/server";
import { chatJsonl } from "../../../test/openai-emulator/test-helpers";
import type { CliContext } from "../../command";
import { openAIJobsProcessor } from "../../../workers/processors/openai-jobs";
import { serveRoutes, type RouteEntry, type RouteServer } from "../../testing/route-server";
import { DATASET_IMPORT_ROUTES, removeJobsCreateDatasets, startImportWorker } from "../../testing/dataset-routes";
import { jobsCommand } from "../jobs";

// `tuneforge jobs …` against the app's own route handlers (served by node:http, as Next would), a real BullMQ
// worker for imports, Postgres, Redis, and the OpenAI emulator through the real SDK.

const ROUTES: RouteEntry[] = [
  ...DATASET_IMPORT_ROUTES,
  { pattern: /^\/api\/jobs$/, keys: [], module: jobsRoute },
  { pattern: /^\/api\/jobs\/attach$/, keys: [], module: attachRoute },
  { pattern: /^\/api\/jobs\/([^/]+)$/, keys: ["id"], module: jobRoute },
  { pattern: /^\/api\/jobs\/([^/]+)\/cancel$/, keys: ["id"], module: jobCancelRoute },
];

const db = createPrismaClient();
const redis = createRedis("bullmq");
const liveRedis = createRedis("client");
let server: RouteServer;
let url: string;
let importWorker: Worker;
let hostedWorker: Worker | undefined;
let emu: OpenAIEmulator;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "tf-cli-jobs-"));
  emu = await startOpenAIEmulator({ timing: { fileProcessingMs: 10, validatingMs: 40, queuedMs: 40, stepMs: 5 } });
  await seedDefaultPrices({ db });
  server = await serveRoutes(ROUTES);
  url = server.url;
  importWorker = startImportWorker(db, redis);
});

afterAll(async () => {
  await importWorker.close();
  await hostedWorker?.close();
  await server.close();
  await removeJobsCreateDatasets(db, { attached: true });
  await deleteOpenAICredential({ db });
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
  const code = await jobsCommand.run([...args, "--url", url], ctx);
  return { code, stdout, stderr };
}

async function jsonl(name: string, lines: unknown[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n");
  return file;
}

const key = () => saveOpenAICredential({ apiKey: "sk-test-cli-jobs-0123456789", baseUrl: emu.url }, { db });

describe("tuneforge jobs create", () => {
  it("imports train + validation, freezes, launches and prints the job as JSON", async () => {
    await key();
    const train = await jsonl("train.jsonl", Array.from({ length: 12 }, (_, i) => chatExample(i)));
    const val = await jsonl("val.jsonl", Array.from({ length: 3 }, (_, i) => chatExample(100 + i)));
    const r = await tuneforge("create", "--provider", "openai", "--data", train, "--validation", val, "--model", "gpt-4o-mini-2024-07-18", "--epochs", "2", "--suffix", "cli", "--seed", "7", "--json");
    expect(r.stderr).toMatch(/created dataset "train \(tuneforge jobs create .*\)"\nimporting train\.jsonl into the train split…\nimported 12 examples from train\.jsonl\nimporting val\.jsonl into the validation split…\nimported 3 examples from val\.jsonl\nfroze version v1\nlaunched job \S+: http:\/\/127\.0\.0\.1:\d+\/jobs\/\S+\n$/);
    expect(r.code).toBe(0);
    const job = JSON.parse(r.stdout) as JobView;
    expect(job).toMatchObject({ status: "queued", provider: "openai", baseModel: "gpt-4o-mini-2024-07-18", fineTunedModel: null, trainedTokens: null, actualUsd: null, metrics: [], suffix: "cli", seed: 7 });
    expect(job.hyperparameters).toEqual({ nEpochs: 2 });
    expect(job.dataset).toMatchObject({ versionNumber: 1, trainCount: 12, validationCount: 3 });
    expect(job.estimatedUsd).toBeGreaterThan(0);
    expect(job.estimatedEpochs).toBe(2);
  });

  it("stops with the line numbers when a line cannot be imported, launching nothing", async () => {
    const before = await db.fineTuneJob.count();
    const train = await jsonl("bad.jsonl", [chatExample(1), chatExample(2), '{"messages": "nope"}', chatExample(3)]);
    const r = await tuneforge("create", "--provider", "openai", "--data", train, "--model", "gpt-4o-mini-2024-07-18");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/tuneforge: jobs create: .*bad\.jsonl: 1 line\(s\) cannot be used for training; nothing was imported:\n {2}line 3: .*messages.*\nFix them/);
    expect(await db.fineTuneJob.count()).toBe(before);
  });

  it("prints the server's refusal verbatim and keeps the version for a retry", async () => {
    await deleteOpenAICredential({ db });
    const train = await jsonl("few.jsonl", Array.from({ length: 4 }, (_, i) => chatExample(i)));
    const r = await tuneforge("create", "--provider", "openai", "--data", train, "--model", "gpt-4o-mini-2024-07-18");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("tuneforge: jobs create: launch refused: 2 problems:\n  - No OpenAI key is configured: add your API key in Settings (or set OPENAI_API_KEY), then launch.\n  - version v1 of ");
    expect(r.stderr).toContain("has 4 training examples; OpenAI needs at least 10. Add examples to the train split and freeze a new version.\nThe dataset ");
    expect(r.stderr).toMatch(/was kept; fix the above and launch it again at http:\/\/127\.0\.0\.1:\d+\/jobs\/new\?dataset=\S+&version=1\n$/);
  });

});

describe("tuneforge jobs list / show / cancel / attach", () => {
  it("lists, shows and cancels", async () => {
    const list = await tuneforge("list", "--status", "queued", "--json");
    expect(list.code).toBe(0);
    const queued = (JSON.parse(list.stdout) as { jobs: JobView[] }).jobs;
    const target = queued.find((j) => j.suffix === "cli")!;
    expect(target).toBeDefined();
    const table = await tuneforge("list");
    expect(table.stdout).toMatch(/^ID\s+STATUS\s+BASE MODEL\s+FINE-TUNED MODEL\s+DATASET\s+COST\s+CREATED\n/);
    expect(table.stdout).toContain(target.id);
    // --before: the jobs after a page's last one, then where that page stands; a bad cursor is the server's 400.
    const newest = (JSON.parse((await tuneforge("list", "--json")).stdout) as { jobs: JobView[] }).jobs[0]!;
    const after = await tuneforge("list", "--before", `${Date.parse(newest.createdAt)}_${newest.id}`);
    expect(after.code).toBe(0);
    expect(after.stdout).not.toContain(newest.id);
    expect(after.stdout).toMatch(/\nJobs 2–\d+ of \d+, newest first\.\n$/);
    const bad = await tuneforge("list", "--before", "page-2");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('before: "page-2" is not a jobs-list cursor');

    const show = await tuneforge("show", target.id);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`job ${target.id}  queued\n  openai supervised · gpt-4o-mini-2024-07-18 · "train (tuneforge jobs create`);
    expect(show.stdout).toContain("hyperparameters  nEpochs=2 · suffix cli · seed 7");

    // The team's note: set (shown by show, its lines joined), refused when too long, cleared with "".
    expect(await tuneforge("note", target.id, "lr too low\nnext: 2e-4")).toMatchObject({ code: 0, stdout: `Note on job ${target.id}: lr too low\nnext: 2e-4\n` });
    expect((await tuneforge("show", target.id)).stdout).toContain("  note             lr too low / next: 2e-4\n");
    expect(await tuneforge("note", target.id, "x".repeat(2001))).toMatchObject({ code: 1, stderr: "tuneforge: jobs note: note: must be at most 2000 characters.\n" });
    expect(await tuneforge("note", "nope", "hi")).toMatchObject({ code: 1, stderr: "tuneforge: jobs note: No fine-tuning job with id nope\n" });
    expect(await tuneforge("note", target.id, "")).toMatchObject({ code: 0, stdout: `Note on job ${target.id} cleared.\n` });

    const cancel = await tuneforge("cancel", target.id);
    expect(cancel).toMatchObject({ code: 0, stdout: `Cancel requested for job ${target.id} (now cancelling); the worker cancels it with OpenAI.\n` });
    // Not deleted while it is being cancelled: the worker still writes to it.
    const early = await tuneforge("delete", target.id);
    expect(early).toMatchObject({ code: 1, stderr: `tuneforge: jobs delete: Job ${target.id} is cancelling; wait until it has stopped, then delete it.\n` });
    const missing = await tuneforge("show", "nope");
    expect(missing).toMatchObject({ code: 1, stderr: "tuneforge: jobs show: No fine-tuning job with id nope\n" });
  });

  it("attaches a job launched elsewhere, and explains ids it cannot attach", async () => {
    await key();
    const client = new OpenAI({ apiKey: "sk-test-elsewhere", baseURL: emu.url, maxRetries: 0 });
    const file = await uploadFineTuneFile(client, { content: chatJsonl(12), filename: "elsewhere.jsonl" });
    await waitForFile(client, file, { pollMs: 20 });
    const remote = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: file });

    const ok = await tuneforge("attach", remote.id);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^Attached ${remote.id} as job \\S+ \\((validating_files|queued|running), gpt-4o-mini-2024-07-18\\): http://127\\.0\\.0\\.1:\\d+/jobs/\\S+\\n$`));
    const unknown = await tuneforge("attach", "ftjob-nothere");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("tuneforge: jobs attach: OpenAI has no fine-tuning job ftjob-nothere for the configured key; check the id, and that the key in Settings belongs to the organization and project that ran it.\n");
    const again = await tuneforge("attach", remote.id);
    expect(again.stderr).toMatch(/is already tracked here as job/);
  });

  it("exits 2 when the server cannot be reached or the file is missing", async () => {
    let stderr = "";
    const ctx: CliContext = { root: process.cwd(), out: () => {}, err: (t) => (stderr += t) };
    // A port that was just free: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    expect(await jobsCommand.run(["list", "--url", `http://127.0.0.1:${port}`], ctx)).toBe(2);
    expect(stderr).toBe(`tuneforge: jobs: cannot reach tuneforge at http://127.0.0.1:${port} (ECONNREFUSED). Start it with \`npm start\`, or point TUNEFORGE_URL (or --url) at the server\n`);
    const missing = await tuneforge("create", "--provider", "openai", "--data", path.join(dir, "absent.jsonl"), "--model", "gpt-4o-mini");
    expect(missing).toMatchObject({ code: 2, stderr: `tuneforge: jobs create: ${path.join(dir, "absent.jsonl")}: no such file\n` });
  });
});

describe("tuneforge jobs create --wait", () => {
  it("follows the job to the end with progress on stderr, prints it with its metrics; a finished job cannot be cancelled", async () => {
    await key();
    // Runs left by the tests above (the cancelled job) are not this test's business.
    await queues().get("openai-jobs").obliterate({ force: true });
    // The real openai-jobs processor, as workers/main.ts runs it.
    hostedWorker = new Worker("openai-jobs", openAIJobsProcessor({ db, redis: liveRedis, prefix: env().TUNEFORGE_QUEUE_PREFIX, signal: new AbortController().signal, log: console }), {
      connection: createRedis("bullmq"),
      prefix: env().TUNEFORGE_QUEUE_PREFIX,
    });
    // Slow steps (10 × 600 ms): the worker polls every 3 s until the job runs, then every 750 ms, so it sees it running.
    const timing = await fetch(new URL("/_emulator/timing", emu.url), { method: "POST", body: JSON.stringify({ stepMs: 600 }) });
    expect(timing.ok).toBe(true);
    const train = await jsonl("wait.jsonl", chatJsonl(10).trim().split("\n"));
    const r = await tuneforge("create", "--provider", "openai", "--data", train, "--model", "gpt-4o-mini-2024-07-18", "--epochs", "1", "--wait", "--interval", "0.05", "--json");
    await hostedWorker.close();
    hostedWorker = undefined;
    expect(r.stderr).toMatch(/\nqueued\n/);
    expect(r.stderr).toMatch(/\nrunning, step \d+\/10, train loss \d+\.\d{4}/);
    expect(r.stderr).toMatch(/\nsucceeded, step 10\/10, train loss \d+\.\d{4}\n$/);
    expect(r.code).toBe(0);
    const job = JSON.parse(r.stdout) as JobView;
    expect(job.status).toBe("succeeded");
    expect(job.fineTunedModel).toMatch(/^ft:gpt-4o-mini-2024-07-18:/);
    expect(job.trainedTokens).toBeGreaterThan(0);
    expect(job.metrics.map((m) => m.step)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(job.metrics.every((m) => typeof m.trainLoss === "number")).toBe(true);

    const refused = await tuneforge("cancel", job.id);
    expect(refused).toMatchObject({ code: 1, stderr: `tuneforge: jobs cancel: Job ${job.id} already succeeded; there is nothing to cancel.\n` });

    // Deleted, it is gone from tuneforge; its model stays on OpenAI, which the answer says.
    const deleted = await tuneforge("delete", job.id);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted job ${job.id}. ${job.fineTunedModel} is still in your OpenAI organization; delete it there (DELETE /v1/models/${job.fineTunedModel}) if you no longer need it.\n` });
    expect((await tuneforge("show", job.id)).code).toBe(1);
  }, 60_000);
});
