import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as choicesRoute, POST as playgroundRoute } from "../../app/api/playground/route";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../test/openai-emulator/server";
import { fineTunedModel, sdk } from "../../test/openai-emulator/test-helpers";
import { prisma } from "../db/client";
import { storeTestOpenAIKey } from "../eval/testing";
import { seedDefaultPrices } from "../pricing/list";
import { askPlayground } from "./testing";
import type { PlaygroundChoices } from "./choices";
import { playgroundRequestSchema, playgroundStreamResponse } from "./request";

// The playground for an OpenAI job, through the route, on Postgres and the OpenAI emulator (streamed through the
// real SDK): the fine-tuned model and its base answer as the API answers them, token by token; mistakes get a 4xx
// before any stream, provider errors arrive as the stream's error with OpenAI's words.

const db = prisma();
const run = randomBytes(4).toString("hex");
const BASE = "gpt-4o-mini-2024-07-18";
let emu: OpenAIEmulator;
let ft = "";
let removeKey: () => Promise<void> = async () => undefined;
const jobs: Record<"succeeded" | "running" | "local", string> = { succeeded: "", running: "", local: "" };
const colors = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "pink", "brown"];
const training = colors.map((c) => JSON.stringify({ messages: [{ role: "user", content: `What color is the ${c} ball?` }, { role: "assistant", content: `The ${c} ball, of course.` }] })).join("\n");
const question = [{ role: "user", content: "What color is the blue ball?" }];

const ask = (body: Record<string, unknown>, opts: { abortAfterTokens?: number } = {}) => askPlayground(playgroundRoute, body, opts);

const control = (body: unknown) => fetch(emu.url.replace(/\/v1$/, "/_emulator/chat"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  emu = await startOpenAIEmulator({ timing: { fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, stepMs: 1 }, chatLatencyMs: 0 });
  ft = await fineTunedModel(emu, training, "colors");
  removeKey = await storeTestOpenAIKey(db, emu.url);
  // The defaults, as a new installation has them (another file's test may have emptied the table).
  await seedDefaultPrices({ db });
  const mk = async (data: { provider: "openai" | "local"; status: "succeeded" | "running"; fineTunedModel?: string }) =>
    (await db.fineTuneJob.create({ data: { baseModel: BASE, suffix: `hosted-${run}`, finishedAt: new Date(), ...data } })).id;
  jobs.succeeded = await mk({ provider: "openai", status: "succeeded", fineTunedModel: ft });
  jobs.running = await mk({ provider: "openai", status: "running" });
  jobs.local = await mk({ provider: "local", status: "succeeded" });
}, 60_000);

afterAll(async () => {
  await removeKey();
  await db.fineTuneJob.deleteMany({ where: { id: { in: Object.values(jobs) } } });
  await emu.close();
});

describe("POST /api/playground with a hosted job", () => {
  it("lists the succeeded OpenAI job with its fine-tuned model, and not the running one", async () => {
    const res = await choicesRoute(new Request(`http://127.0.0.1/api/playground?job=${jobs.succeeded}`));
    const choices = (await res.json()) as PlaygroundChoices;
    expect(choices.hostedJobs.find((j) => j.id === jobs.succeeded)).toMatchObject({ baseModel: BASE, fineTunedModel: ft, label: expect.stringContaining(`hosted-${run}`) });
    expect(choices.hostedJobs.some((j) => j.id === jobs.running)).toBe(false);
    expect(choices.jobs.some((j) => j.id === jobs.succeeded)).toBe(false);
  });

  it("streams the fine-tuned model's reply token by token, as the API answers it, and the base model's beside it", async () => {
    const tuned = await ask({ hostedJobId: jobs.succeeded, model: ft, messages: question, maxTokens: 64 });
    expect(tuned.error).toBeUndefined();
    const plain = await sdk(emu.url).chat.completions.create({ model: ft, messages: [{ role: "user", content: "What color is the blue ball?" }], max_tokens: 64 });
    expect(tuned.text).toBe(plain.choices[0]!.message.content);
    expect(tuned.text).toBe("The blue ball, of course.");
    expect(tuned.messages.filter((m) => m.type === "token").length).toBeGreaterThan(3);
    expect(tuned.messages[0]).toMatchObject({ type: "start", maxTokens: 64 });
    expect(tuned.done).toMatchObject({ finishReason: "stop", backend: "openai", tokens: plain.usage!.completion_tokens, promptTokens: plain.usage!.prompt_tokens });
    expect(tuned.done!.timeToFirstTokenMs).toBeGreaterThanOrEqual(0);
    // Billed at the fine-tuned model's inference price from the price table (gpt-4o-mini's row: $0.30 / $1.20 per 1M).
    expect(tuned.done!.costUsd).toBeCloseTo((plain.usage!.prompt_tokens * 0.3 + plain.usage!.completion_tokens * 1.2) / 1e6, 12);

    const base = await ask({ hostedJobId: jobs.succeeded, model: BASE, messages: question, maxTokens: 64 });
    expect(base.error).toBeUndefined();
    expect(base.text).not.toBe(tuned.text);
    expect(base.text.length).toBeGreaterThan(0);
    // The base model at its own (lower) price.
    expect(base.done!.costUsd).toBeCloseTo((base.done!.promptTokens * 0.15 + base.done!.tokens * 0.6) / 1e6, 12);
  });

  it("a reply that calls an offered tool returns its calls with the API's ids, and a result answering each by id gets the next reply", async () => {
    await control({ rules: [{ contains: "paint", reply: "Painting it.", toolCalls: [{ name: "paint", arguments: { color: "blue" } }, { name: "paint", arguments: { color: "red" } }] }] });
    try {
      const tools = [{ type: "function", function: { name: "paint", parameters: { type: "object", properties: { color: { type: "string" } } } } }];
      const ask1 = [{ role: "user", content: "paint the ball" }];
      const reply = await ask({ hostedJobId: jobs.succeeded, model: ft, messages: ask1, tools });
      expect(reply.text).toBe("Painting it.");
      expect(reply.done).toMatchObject({ finishReason: "tool_calls" });
      const calls = reply.done!.toolCalls!;
      expect(calls).toEqual([
        { id: expect.stringMatching(/^call_/), name: "paint", arguments: '{"color":"blue"}' },
        { id: expect.stringMatching(/^call_/), name: "paint", arguments: '{"color":"red"}' },
      ]);
      // The round trip as the page sends it: the reply with its calls, then one result per call, by id.
      const asked = { role: "assistant", content: reply.text, tool_calls: calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } })) };
      const results = calls.map((c, i) => ({ role: "tool", content: i === 0 ? "blue: done" : "red: done", tool_call_id: c.id }));
      await control({ rules: [] });
      const answered = await ask({ hostedJobId: jobs.succeeded, model: BASE, messages: [...ask1, asked, ...results], tools });
      expect(answered.error).toBeUndefined();
      expect(answered.text.length).toBeGreaterThan(0);
      // The API refuses a call left unanswered, in its words (the page sends the reply only once each has a result).
      const short = await ask({ hostedJobId: jobs.succeeded, model: BASE, messages: [...ask1, asked, results[0]!], tools });
      expect(short.error).toMatch(/^OpenAI answered 400: 400 An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'/);
    } finally {
      await control({ rules: [] });
    }
  });

  it("the provider's error ends the stream with its status and words; Stop ends it without one", async () => {
    await control({ rules: [{ model: ft, status: 400, message: "This model is being retired." }] });
    try {
      const failed = await ask({ hostedJobId: jobs.succeeded, model: ft, messages: question });
      expect(failed.error).toBe("OpenAI answered 400: 400 This model is being retired.");
      expect(failed.done).toBeUndefined();
    } finally {
      await control({ rules: [] });
    }
    await control({ streamGapMs: 50 });
    try {
      const stopped = await ask({ hostedJobId: jobs.succeeded, model: BASE, messages: question, maxTokens: 200 }, { abortAfterTokens: 2 });
      expect(stopped.error).toBeUndefined();
      expect(stopped.done).toBeUndefined();
      expect(stopped.messages.filter((m) => m.type === "token").length).toBeLessThan(6);
    } finally {
      await control({ streamGapMs: 0 });
    }
  });

  it("keeps a silent connection alive with SSE comments until the model answers", async () => {
    await control({ rules: [{ model: ft, delayMs: 400 }] });
    try {
      const body = playgroundRequestSchema.parse({ hostedJobId: jobs.succeeded, model: ft, messages: question });
      // A hosted request touches neither the queues nor Redis.
      const res = await playgroundStreamResponse({ db, hub: undefined as never, queues: undefined as never, redis: undefined as never, prefix: "hosted-int", heartbeatMs: 50 }, body);
      const raw = await res.text();
      expect(raw.match(/^: ping$/gm)?.length ?? 0).toBeGreaterThanOrEqual(3);
      expect(raw).toContain('"type":"done"');
    } finally {
      await control({ rules: [] });
    }
  });

  it("mistakes get a 4xx naming the field before any stream", async () => {
    const cases: [Record<string, unknown>, number, RegExp][] = [
      [{ hostedJobId: jobs.succeeded, model: "gpt-4.1-2025-04-14", messages: question }, 400, /^model: job .* offers ft:.* and its base gpt-4o-mini-2024-07-18, not gpt-4\.1-2025-04-14/],
      [{ hostedJobId: jobs.running, model: BASE, messages: question }, 409, /has no fine-tuned model to chat with \(it is running\)/],
      [{ hostedJobId: jobs.local, model: BASE, messages: question }, 400, /trained here; chat with it through adapterJobId/],
      [{ hostedJobId: "nope", model: BASE, messages: question }, 404, /there is no job nope/],
      [{ hostedJobId: jobs.succeeded, adapterJobId: jobs.local, model: ft, messages: question }, 400, /^adapterJobId:/],
      [{ hostedJobId: jobs.succeeded, model: ft, messages: [...question, { role: "assistant", content: "x" }, { role: "tool", content: "42" }] }, 400, /^messages\[2\]: a tool result must answer a call, and the reply before it made none/],
      // Ids are the API's: a local model's calls stay in its text.
      [{ model: "tiny", messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }] }] }, 400, /^messages\[1\]: tool_calls and tool_call_id are for an OpenAI job's models/],
    ];
    for (const [body, status, message] of cases) {
      const r = await ask(body);
      expect([r.status, r.error], JSON.stringify(body)).toEqual([status, expect.stringMatching(message)]);
    }
    // No key in Settings: say where to add one.
    await removeKey();
    try {
      const r = await ask({ hostedJobId: jobs.succeeded, model: ft, messages: question });
      expect([r.status, r.code]).toEqual([400, "openai_not_configured"]);
    } finally {
      removeKey = await storeTestOpenAIKey(db, emu.url);
    }
  });
});
