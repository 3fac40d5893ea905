import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createPrismaClient } from "../../../lib/db/client";
import { checkLocalLaunch } from "../../../lib/jobs/launch/local";
import { parseSplit } from "../../../lib/jobs/local/run/data";
import { tokenizeSplit } from "../../../lib/jobs/local/run/tokenize";
import { tokenizeSplitOnThreads, tokenizeThreadCount } from "../../../lib/jobs/local/run/tokenize-threads";
import { createFrozenVersion } from "../../../lib/jobs/local/test-support";
import { loadChatTokenizer } from "../../../lib/tokenizer";
import { estimateLocalTraining } from "../../../lib/models/local-estimate";
import { readSplitUnits, tokenizeUnits } from "../../../lib/models/split-tokens";
import { tokenizeOnThreads } from "../../../lib/models/split-tokens-threads";
import { absoluteInData } from "../../../lib/jobs/local/run/paths";
import { writeTinyModel } from "../../../lib/testing/tiny-model";
import { colorTask, toJsonl } from "../../../lib/testing/tiny-model/task";
import { migrateDeploy, recreateDatabase } from "../../lib/database";
import { testSettings } from "../../lib/test-env";

// `npm run bench:local-estimate [-- --examples N] [--prompt-words N] [--threads N]`: what the local launch form
// costs on a large version, and what a job's start spends tokenizing it for the trainer (one thread, then N). The form asks two things on every change: the estimate panel (POST /api/models/NAME/estimate) and the
// launch check (POST /api/jobs/estimate, also run again by the launch itself). Both count from one tokenization
// of the version per model (lib/models/split-tokens.ts), so only the first question pays for tokenizing; a new
// max sequence length re-counts from memory. Prints figures; asserts nothing. Scratch database
// <TEST_DATABASE_URL>_bench_estimate, never the app's.

const { values: a } = parseArgs({ options: { examples: { type: "string", default: "20000" }, "prompt-words": { type: "string", default: "30" }, threads: { type: "string" } } });
const threads = tokenizeThreadCount(a.threads ? Number(a.threads) : 0);
const examples = Number(a.examples);
const promptWords = Number(a["prompt-words"]);

const ms = (t0: number) => performance.now() - t0;
const fmt = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`);

async function main(): Promise<void> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "tf-bench-estimate-"));
  const modelsDir = path.join(work, "models");
  const dataDir = path.join(work, "data");
  writeTinyModel({ dir: path.join(modelsDir, "bench-model"), preset: "tiny", seed: 1 });
  const filler = "Please answer carefully and explain the reasoning behind the colour you choose. ";
  const words = filler.split(" ").length - 1;
  const lines = colorTask(examples).map((l, i) => ({
    messages: [l.messages[0]!, { ...l.messages[1]!, content: `${filler.repeat(Math.ceil(promptWords / words))}(${i}) ${l.messages[1]!.content}` }, l.messages[2]!],
  }));
  const jsonl = toJsonl(lines as never);

  const url = new URL(testSettings().databaseUrl);
  url.pathname = `${url.pathname}_bench_estimate`;
  await recreateDatabase(url.toString());
  await migrateDeploy(url.toString(), { quiet: true });
  const db = createPrismaClient(url.toString());
  try {
    const v = await createFrozenVersion(db, dataDir, { name: "bench-estimate", train: jsonl });
    const config = (maxSeqLen: number) => ({ training: { maxSeqLen, backend: "cpu" as const } });
    const estimate = (maxSeqLen: number) => estimateLocalTraining({ name: "bench-model", request: { datasetVersionId: v.versionId, config: config(maxSeqLen) }, db, modelsRoot: modelsDir, dataRoot: dataDir, redisUrl: testSettings().redisUrl, prefix: `tf-bench-estimate-${process.pid}` });
    const check = (maxSeqLen: number) => checkLocalLaunch({ provider: "local", datasetVersionId: v.versionId, baseModel: "bench-model", config: config(maxSeqLen) }, { db, dataDir, modelsDir });

    console.log(`local launch form on ${examples.toLocaleString("en-US")} examples (${(jsonl.length / 1e6).toFixed(1)} MB); ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(1)}`);
    let t0 = performance.now();
    const first = await estimate(512);
    const firstMs = ms(t0);
    console.log(`estimate panel, first (tokenizes the version)   ${fmt(firstMs)}   ${first.dataset!.tokensPerEpoch.toLocaleString("en-US")} tokens, ${(first.dataset!.tokensPerEpoch / (firstMs / 1000) / 1000).toFixed(0)}k tokens/s`);
    t0 = performance.now();
    const checked = await check(512);
    console.log(`launch check, same max length                   ${fmt(ms(t0))}   ${checked.estimate.examples} examples`);
    t0 = performance.now();
    await estimate(256);
    console.log(`estimate panel, max length 512 -> 256           ${fmt(ms(t0))}`);
    t0 = performance.now();
    const short = await check(256);
    console.log(`launch check, max length 256                    ${fmt(ms(t0))}   ${short.estimate.examples} examples, ${short.estimate.truncatedExamples} truncated`);
    for (const note of short.estimate.notes) console.log(`  note: ${note.slice(0, 160)}`);

    // A job's start: the trainer's tokenization of the same version (lib/jobs/local/run/run.ts).
    const modelDir = path.join(modelsDir, "bench-model");
    const chat = loadChatTokenizer(modelDir);
    const split = parseSplit(jsonl, "train.jsonl", "supervised");
    t0 = performance.now();
    const one = await tokenizeSplit(chat, split, { maxSeqLen: 512, file: "train.jsonl" });
    const oneMs = ms(t0);
    console.log(`job start, tokenize on 1 thread                  ${fmt(oneMs)}   ${(one.tokens / (oneMs / 1000) / 1000).toFixed(0)}k tokens/s`);
    t0 = performance.now();
    const many = await tokenizeSplitOnThreads(chat, modelDir, split, { maxSeqLen: 512, file: "train.jsonl", threads });
    const manyMs = ms(t0);
    console.log(`job start, tokenize on ${threads} thread(s)               ${fmt(manyMs)}   ${(many.tokens / (manyMs / 1000) / 1000).toFixed(0)}k tokens/s, ${(oneMs / manyMs).toFixed(2)}x`);

    // The estimate's own tokenization (every sequence's length and mask, lib/models/split-tokens.ts) on one thread
    // and on the same threads: what the web server does with TUNEFORGE_LOCAL_THREADS at 1 and at N.
    const row = await db.datasetVersion.findUniqueOrThrow({ where: { id: v.versionId } });
    const trainFile = absoluteInData(dataDir, row.trainPath);
    const units = readSplitUnits(trainFile, false);
    t0 = performance.now();
    tokenizeUnits(chat, units, trainFile, false);
    const estOneMs = ms(t0);
    console.log(`estimate, tokenize on 1 thread                   ${fmt(estOneMs)}`);
    t0 = performance.now();
    const onThreads = await tokenizeOnThreads(modelDir, trainFile, false, units, threads);
    const estManyMs = ms(t0);
    console.log(`estimate, tokenize on ${threads} thread(s)                ${onThreads ? `${fmt(estManyMs)}   ${(estOneMs / estManyMs).toFixed(2)}x` : "(too few examples or threads: stays on one)"}`);
  } finally {
    await db.$disconnect();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
