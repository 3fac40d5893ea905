import os from "node:os";
import { parseArgs } from "node:util";
import { createPrismaClient } from "../../../lib/db/client";
import { percentile } from "../../../lib/eval/stats/percentile";
import { readSse } from "../../../lib/jobs/live/sse-parse";
import { parseInferenceMessage } from "../../../lib/playground/channel";
import { hostedStreamResponse } from "../../../lib/playground/hosted";
import { playgroundRequestSchema } from "../../../lib/playground/request";
import { openAIClient } from "../../../lib/providers/openai/client";
import { saveOpenAICredential } from "../../../lib/settings/credentials";
import { startOpenAIEmulator } from "../../../test/openai-emulator/server";
import { fineTunedModel, sdk } from "../../../test/openai-emulator/test-helpers";
import { migrateDeploy, recreateDatabase } from "../../lib/database";
import { testSettings } from "../../lib/test-env";

// `npm run bench:playground [-- --replies 60] [--gap-ms 20]`
// What the server adds to a hosted playground reply (an OpenAI job's model): time to first token and to the end,
// through POST /api/playground's hosted path (job and price lookups in Postgres, the key decrypted from Settings, the
// SDK's stream, each chunk re-sent as the playground's SSE) against the SDK streaming straight from the emulator.
// The emulator sends a chunk every `gap-ms` (a paced stream, as the API's is). Alternates the two, so both see the
// same machine. Runs in a scratch database (<TEST_DATABASE_URL>_bench_playground). Prints figures; asserts nothing.

const { values } = parseArgs({ options: { replies: { type: "string", default: "60" }, "gap-ms": { type: "string", default: "20" } }, strict: true });
const replies = Number(values.replies);
const gapMs = Number(values["gap-ms"]);
if (!Number.isInteger(replies) || replies < 1 || !Number.isInteger(gapMs) || gapMs < 0) {
  console.error("usage: npm run bench:playground -- [--replies N] [--gap-ms N]");
  process.exit(2);
}
// The key is stored encrypted, as the dashboard stores it; a bench-only secret when the shell has none.
process.env.TUNEFORGE_SECRET ??= "bench-secret-0123456789abcdef0123456789abcdef";

const url = new URL(testSettings().databaseUrl);
url.pathname = `${url.pathname}_bench_playground`;
await recreateDatabase(url.toString());
await migrateDeploy(url.toString(), { quiet: true });
const db = createPrismaClient(url.toString());
const emu = await startOpenAIEmulator({ timing: { fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, stepMs: 1 }, chatLatencyMs: 0 });
const training = Array.from({ length: 20 }, (_, i) => JSON.stringify({ messages: [{ role: "user", content: `Question ${i}: what is ${i} + ${i}?` }, { role: "assistant", content: `${i} + ${i} is ${2 * i}; adding a number to itself doubles it, so the answer is ${2 * i}.` }] })).join("\n");
const ft = await fineTunedModel(emu, training, "bench");
await saveOpenAICredential({ apiKey: "sk-test-bench-playground", baseUrl: emu.url }, { db });
const job = await db.fineTuneJob.create({ data: { provider: "openai", status: "succeeded", baseModel: "gpt-4o-mini-2024-07-18", fineTunedModel: ft, finishedAt: new Date() } });
emu.state.chat.streamGapMs = gapMs;
const messages = [{ role: "user" as const, content: "Question 7: what is 7 + 7?" }];

type Timing = { first: number; end: number; tokens: number };

async function direct(): Promise<Timing> {
  const t0 = performance.now();
  let first = 0;
  let tokens = 0;
  for await (const chunk of await sdk(emu.url).chat.completions.create({ model: ft, messages, stream: true, stream_options: { include_usage: true } })) {
    if (chunk.choices[0]?.delta.content) {
      first ||= performance.now() - t0;
      tokens++;
    }
  }
  return { first, end: performance.now() - t0, tokens };
}

async function relayed(): Promise<Timing> {
  const t0 = performance.now();
  const body = playgroundRequestSchema.parse({ hostedJobId: job.id, model: ft, messages });
  // What POST /api/playground runs for a hosted job (it touches neither the queues nor Redis).
  const res = await hostedStreamResponse({ db, client: () => openAIClient({ db }) }, { ...body, hostedJobId: job.id });
  let first = 0;
  let tokens = 0;
  for await (const frame of readSse(res.body!)) {
    const m = "data" in frame ? parseInferenceMessage(frame.data) : null;
    if (m?.type === "token") {
      first ||= performance.now() - t0;
      tokens++;
    }
    if (m?.type === "error") throw new Error(m.message);
  }
  return { first, end: performance.now() - t0, tokens };
}

const runs: Record<"direct" | "relayed", Timing[]> = { direct: [], relayed: [] };
for (let i = 0; i < 3; i++) await Promise.all([direct(), relayed()]); // warm-up: connections, JIT, Prisma
for (let i = 0; i < replies; i++) {
  runs.direct.push(await direct());
  runs.relayed.push(await relayed());
}
const ms = (v: number | null) => `${(v ?? NaN).toFixed(1)} ms`;
const p = (t: Timing[], key: "first" | "end", q: number) => percentile(t.map((x) => x[key]), q);
console.log(`bench:playground — ${replies} replies each way, ${runs.direct[0]!.tokens} content chunks ${gapMs} ms apart, ${os.cpus().length} cores`);
for (const key of ["first", "end"] as const) {
  const label = key === "first" ? "first token" : "whole reply";
  console.log(`  ${label.padEnd(12)} direct p50 ${ms(p(runs.direct, key, 50))} p95 ${ms(p(runs.direct, key, 95))} · through the server p50 ${ms(p(runs.relayed, key, 50))} p95 ${ms(p(runs.relayed, key, 95))} · added p50 ${ms(p(runs.relayed, key, 50)! - p(runs.direct, key, 50)!)}`);
}
await emu.close();
await db.$disconnect();
process.exit(0);
