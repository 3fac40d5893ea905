import type OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pairwiseJudgeMessages, parseJudgeReply, pointwiseJudgeMessages } from "../../lib/eval/judge";
import { startOpenAIEmulator, type OpenAIEmulator } from "./server";
import { fineTunedModel, sdk } from "./test-helpers";

// /v1/chat/completions through the real SDK: OpenAI's response shape, a fine-tune that answers like its
// training data, a base model that does not, a position-fair judge, scripted rules, truncation and errors.

let emu: OpenAIEmulator;
let ft: string;
const colors = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "pink", "brown"];
const training = colors
  .map((c) => JSON.stringify({ messages: [{ role: "user", content: `What color is the ${c} ball?` }, { role: "assistant", content: JSON.stringify({ color: c }) }] }))
  .join("\n");

beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true, chatLatencyMs: 0 });
  ft = await fineTunedModel(emu, training);
});
afterAll(() => emu.close());

const control = (p: string) => emu.url.replace(/\/v1$/, `/_emulator/${p}`);
const post = (p: string, body: unknown) => fetch(control(p), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const ask = (model: string, content: string, extra: Record<string, unknown> = {}) =>
  sdk(emu.url).chat.completions.create({ model, messages: [{ role: "user", content }], ...extra });

// The judge prompts exactly as the eval runner sends them.
const prompt = [{ role: "user", content: "What color is the blue ball?" }];
const judgeMessages = (reference: string, a: string, b: string) =>
  pairwiseJudgeMessages({ prompt, expected: reference, a, b }) as { role: "system" | "user"; content: string }[];

describe("OpenAI emulator: chat completions through the SDK", () => {
  it("answers in OpenAI's ChatCompletion shape; a fine-tune answers like its nearest training example", async () => {
    const res = await ask(ft, "what color is the blue ball");
    expect(res).toMatchObject({
      object: "chat.completion",
      model: ft,
      system_fingerprint: expect.any(String),
      choices: [{ index: 0, message: { role: "assistant", content: '{"color":"blue"}', refusal: null }, logprobs: null, finish_reason: "stop" }],
    });
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.created).toBe(Math.floor(emu.clock.now() / 1000));
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
    expect(res.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it("a base model answers generically: longer, polite, not JSON", async () => {
    const res = await ask("gpt-4o-mini-2024-07-18", "What color is the blue ball?");
    const text = res.choices[0]!.message.content!;
    expect(text.length).toBeGreaterThan(100);
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toContain("blue ball");
  });

  it("truncates at max_tokens / max_completion_tokens with finish_reason length", async () => {
    const a = await ask("gpt-4o-mini-2024-07-18", "Tell me about the sea", { max_tokens: 3 });
    expect(a.choices[0]!.finish_reason).toBe("length");
    expect(a.choices[0]!.message.content).toHaveLength(12);
    expect(a.usage!.completion_tokens).toBe(3);
    const b = await ask("gpt-4o-mini-2024-07-18", "Tell me about the sea", { max_completion_tokens: 5 });
    expect(b.choices[0]!.finish_reason).toBe("length");
    expect(b.usage!.completion_tokens).toBe(5);
  });

  it("an unknown ft: model is a 404 model_not_found; a bad body is a 400 naming the parameter", async () => {
    const missing = await ask("ft:gpt-4o-mini-2024-07-18:nobody::xyz", "hi").catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: "model_not_found" });
    const noMessages = await sdk(emu.url).chat.completions.create({ model: "gpt-4o-mini", messages: [] }).catch((e: unknown) => e);
    expect(noMessages).toMatchObject({ status: 400, param: "messages" });
    const badRole = await sdk(emu.url)
      .chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "robot", content: "x" }] as never })
      .catch((e: unknown) => e);
    expect(badRole).toMatchObject({ status: 400, param: "messages[0].role" });
    const badMax = await ask("gpt-4o-mini", "x", { max_tokens: 0 }).catch((e: unknown) => e);
    expect(badMax).toMatchObject({ status: 400, param: "max_tokens" });
  });

  it("judges position-fairly: the response closer to the reference wins in either order", async () => {
    const good = '{"color": "blue"}';
    const bad = "Thank you for asking! Colors are wonderful.";
    const forward = await sdk(emu.url).chat.completions.create({ model: "gpt-4.1-mini", messages: judgeMessages(good, good, bad) });
    const swapped = await sdk(emu.url).chat.completions.create({ model: "gpt-4.1-mini", messages: judgeMessages(good, bad, good) });
    expect(JSON.parse(forward.choices[0]!.message.content!)).toMatchObject({ winner: "A", rationale: expect.any(String) });
    expect(JSON.parse(swapped.choices[0]!.message.content!)).toMatchObject({ winner: "B" });
    const parsed = parseJudgeReply(forward.choices[0]!.message.content!);
    expect(parsed.winner).toBe("A");
    const tie = await sdk(emu.url).chat.completions.create({ model: "gpt-4.1-mini", messages: judgeMessages(good, good, good) });
    expect(JSON.parse(tie.choices[0]!.message.content!).winner).toBe("tie");
  });

  it("scores pointwise against the expected answer", async () => {
    const messages = (response: string) => pointwiseJudgeMessages({ prompt, expected: '{"color": "blue"}', response }) as { role: "system" | "user"; content: string }[];
    const hi = await sdk(emu.url).chat.completions.create({ model: "gpt-4.1-mini", messages: messages('{"color": "blue"}') });
    const lo = await sdk(emu.url).chat.completions.create({ model: "gpt-4.1-mini", messages: messages("I like turtles") });
    expect(JSON.parse(hi.choices[0]!.message.content!).score).toBe(10);
    expect(JSON.parse(lo.choices[0]!.message.content!).score).toBe(1);
  });

  it("follows scripted rules (first match wins, times, errors) and counts answered completions per model", async () => {
    await post("chat/reset", {});
    const set = await post("chat", { rules: [{ model: "judge-a", reply: '{"winner": "A", "rationale": "always A"}' }, { contains: "boom", status: 503, message: "scripted outage", times: 1 }] });
    expect(set.status).toBe(200);
    const a = await sdk(emu.url).chat.completions.create({ model: "judge-a", messages: judgeMessages("x", "y", "x") });
    expect(JSON.parse(a.choices[0]!.message.content!).winner).toBe("A");
    const err = await ask("gpt-4o-mini", "boom").catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, message: expect.stringContaining("scripted outage") });
    // `times: 1` retired the rule.
    expect((await ask("gpt-4o-mini", "boom")).choices[0]!.finish_reason).toBe("stop");
    const state = await (await fetch(control("chat"))).json();
    expect(state.chat.counts).toEqual({ "judge-a": 1, "gpt-4o-mini": 1 });
    const bad = await post("chat", { rules: [{ reply: 1 }] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe("rules[0].reply");
  });

  it("a rule's reasoning comes back as message.reasoning_content, as vLLM and DeepSeek send it, and is counted", async () => {
    await post("chat/reset", {});
    await post("chat", { rules: [{ model: "qwen3-endpoint", reply: "Paris.", reasoning: "The capital of France is Paris." }, { model: "plain-endpoint", reply: "Paris." }] });
    const r = await sdk(emu.url).chat.completions.create({ model: "qwen3-endpoint", messages: [{ role: "user", content: "Capital of France?" }] });
    const message = r.choices[0]!.message as { content: string | null; reasoning_content?: string };
    expect(message.content).toBe("Paris.");
    expect(message.reasoning_content).toBe("The capital of France is Paris.");
    const plain = await sdk(emu.url).chat.completions.create({ model: "plain-endpoint", messages: [{ role: "user", content: "Capital of France?" }] });
    expect(plain.choices[0]!.message).not.toHaveProperty("reasoning_content");
    // The thinking's tokens are billed as completion tokens.
    expect(r.usage!.completion_tokens).toBeGreaterThan(plain.usage!.completion_tokens);
    // vLLM's chat_template_kwargs {"enable_thinking": false}: Qwen3 answers without thinking.
    const off = await sdk(emu.url).chat.completions.create({ model: "qwen3-endpoint", messages: [{ role: "user", content: "Capital of France?" }], chat_template_kwargs: { enable_thinking: false } } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming);
    expect(off.choices[0]!.message.content).toBe("Paris.");
    expect(off.choices[0]!.message).not.toHaveProperty("reasoning_content");
    const bad = await post("chat", { rules: [{ status: 500, reasoning: "x" }] });
    expect((await bad.json()).error.param).toBe("rules[0].reasoning");
    await post("chat", { rules: [] });
  });

  it("the 429 fault switch applies, with retry-after, and the SDK retries through it", async () => {
    emu.faults.rateLimitNext = 1;
    emu.faults.retryAfterSeconds = 0;
    const res = await sdk(emu.url, 2).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] });
    expect(res.choices[0]!.message.content).toContain("hello");
    expect(emu.requests.filter((r) => r.path === "/v1/chat/completions").slice(-2).map((r) => r.status)).toEqual([429, 200]);
  });
});
