import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../../test/openai-emulator/server";
import { generationSchema } from "../types";
import { openGenerator } from "./index";
import { createLimiter } from "./limiter";
import { Prisma } from "@prisma/client";
import { costOf, priceKey, tokenPriceOf } from "./price";
import { remoteGenerator } from "./remote";
import { GenerationError } from "./types";

// The remote model client through the real SDK against the emulator: usage and cost, the per-model limit on
// requests in flight, retries through 429 (retry-after honoured) and 5xx, and the provider's error verbatim.

let emu: OpenAIEmulator;
beforeAll(async () => {
  emu = await startOpenAIEmulator({ chatLatencyMs: 0 });
});
afterAll(() => emu.close());

const settings = generationSchema.parse({});
const client = (maxRetries = 3) => new OpenAI({ apiKey: "sk-test-models", baseURL: emu.url, maxRetries, timeout: 5_000 });
const ask = [{ role: "user", content: "What color is the sky?" }];

describe("remote generator", () => {
  it("offers the sample's tools, sends earlier calls and results as OpenAI takes them, and writes the calls it gets back after the content", async () => {
    const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };
    await fetch(emu.url.replace(/\/v1$/, "/_emulator/chat"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rules: [{ model: "caller", reply: "Checking both.", toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }, { name: "get_weather", arguments: { city: "Rome" } }] }] }),
    });
    const gen = remoteGenerator({ client: client(0), model: "caller", label: "endpoint:caller", concurrency: 1, price: null });
    // The prompt holds a call-only turn with content "" (samples.ts); the API wants null there, and its result after it.
    const prompt = [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: "", tool_calls: [{ id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", tool_call_id: "call_a", content: "sunny" },
      { role: "user", content: "And Oslo and Rome?" },
    ];
    const g = await gen.generate(prompt, settings, undefined, [weather]);
    expect(g.finishReason).toBe("tool_calls");
    expect(g.text).toBe('Checking both.\n<tool_call>\n{"name": "get_weather", "arguments": {"city":"Oslo"}}\n</tool_call>\n<tool_call>\n{"name": "get_weather", "arguments": {"city":"Rome"}}\n</tool_call>');
    const sent = emu.requests.filter((r) => r.path === "/v1/chat/completions").at(-1)!;
    expect(sent.status).toBe(200);
    await fetch(emu.url.replace(/\/v1$/, "/_emulator/chat"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rules: [] }) });
  });

  it("returns the text with usage, latency and cost from the price (USD per 1M tokens)", async () => {
    const gen = remoteGenerator({ client: client(), model: "gpt-4o-mini-2024-07-18", label: "openai:gpt-4o-mini", concurrency: 2, price: { inputPerMTok: 1, outputPerMTok: 4 } });
    const g = await gen.generate(ask, settings);
    expect(g.text).toContain("sky");
    expect(g.finishReason).toBe("stop");
    expect(g.promptTokens).toBeGreaterThan(0);
    expect(g.completionTokens).toBeGreaterThan(0);
    expect(g.latencyMs).toBeGreaterThan(0);
    expect(g.costUsd).toBeCloseTo((g.promptTokens * 1 + g.completionTokens * 4) / 1e6, 12);
    const unpriced = await remoteGenerator({ client: client(), model: "x", label: "x", concurrency: 1, price: null }).generate(ask, settings);
    expect(unpriced.costUsd).toBeNull();
  });

  it("keeps a reasoning server's thinking (reasoning_content) as a leading think block before the answer", async () => {
    emu.state.chat.rules = [{ model: "qwen3-8b", reply: "Blue.", reasoning: "Rayleigh scattering." }];
    try {
      const g = await remoteGenerator({ client: client(), model: "qwen3-8b", label: "endpoint:qwen3-8b", concurrency: 1, price: null }).generate(ask, settings);
      expect(g.text).toBe("<think>\nRayleigh scattering.\n</think>\n\nBlue.");
    } finally {
      emu.state.chat.rules = [];
    }
  });

  it("sends thinking off as vLLM's chat_template_kwargs to an endpoint, and never to OpenAI", async () => {
    emu.state.chat.rules = [{ reply: "Blue.", reasoning: "Rayleigh scattering." }];
    try {
      const endpoint = remoteGenerator({ client: client(), model: "qwen3-8b", label: "endpoint:qwen3-8b", concurrency: 1, price: null, templateKwargs: true });
      expect((await endpoint.generate(ask, { ...settings, thinking: "off" })).text).toBe("Blue.");
      expect((await endpoint.generate(ask, { ...settings, thinking: "on" })).text).toBe("<think>\nRayleigh scattering.\n</think>\n\nBlue.");
      expect((await endpoint.generate(ask, settings)).text).toMatch(/^<think>/);
      // An openai: model gets no field OpenAI's API does not take: the switch cannot reach it.
      const openai = remoteGenerator({ client: client(), model: "gpt-4o-mini", label: "openai:gpt-4o-mini", concurrency: 1, price: null });
      expect((await openai.generate(ask, { ...settings, thinking: "off" })).text).toMatch(/^<think>/);
    } finally {
      emu.state.chat.rules = [];
    }
  });

  it("keeps at most `concurrency` requests in flight", async () => {
    emu.state.chat.latencyMs = 40;
    let peak = 0;
    const server = emu.state.chat;
    const gen = remoteGenerator({ client: client(), model: "gpt-4o-mini", label: "m", concurrency: 3, price: null });
    const watch = setInterval(() => {
      // A logged request answers status 0 until its reply is sent.
      const open = emu.requests.filter((r) => r.path === "/v1/chat/completions" && r.status === 0).length;
      peak = Math.max(peak, open);
    }, 5);
    await Promise.all(Array.from({ length: 12 }, () => gen.generate(ask, settings)));
    clearInterval(watch);
    server.latencyMs = 0;
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(3);
  });

  it("retries 429 (retry-after) and 500, then answers; after its retries the provider's message is kept verbatim", async () => {
    emu.faults.retryAfterSeconds = 0;
    emu.faults.rateLimitNext = 2;
    emu.faults.serverErrorNext = 1;
    const before = emu.requests.length;
    const g = await remoteGenerator({ client: client(3), model: "gpt-4o-mini", label: "m", concurrency: 1, price: null }).generate(ask, settings);
    expect(g.text.length).toBeGreaterThan(0);
    expect(emu.requests.slice(before).map((r) => r.status)).toEqual([429, 429, 500, 200]);

    emu.faults.rateLimitNext = 5;
    const err = await remoteGenerator({ client: client(1), model: "gpt-4o-mini", label: "m", concurrency: 1, price: null }).generate(ask, settings).catch((e: unknown) => e);
    emu.faults.rateLimitNext = 0;
    expect(err).toBeInstanceOf(GenerationError);
    expect((err as GenerationError).status).toBe(429);
    expect((err as Error).message).toMatch(/^429 Rate limit reached for requests/);

    const missing = await remoteGenerator({ client: client(3), model: "ft:gpt-4o-mini-2024-07-18:org::nope", label: "m", concurrency: 1, price: null }).generate(ask, settings).catch((e: unknown) => e);
    expect(missing).toMatchObject({ name: "GenerationError", status: 404, message: "404 The model `ft:gpt-4o-mini-2024-07-18:org::nope` does not exist or you do not have access to it." });
  });
});

describe("endpoint: specs", () => {
  it("talk to any OpenAI-compatible server at its base URL with the placeholder key, cost unknown", async () => {
    // A server that checks keys would see "unused"; this emulator accepts exactly that one.
    const server = await startOpenAIEmulator({ apiKeys: ["unused"], chatLatencyMs: 0 });
    try {
      const gen = await openGenerator({ where: "remote", provider: "endpoint", baseUrl: server.url, model: "llama-3-8b", label: "endpoint" }, { db: null as never, concurrency: 2 });
      const g = await gen.generate(ask, settings);
      expect(g.text).toContain("sky");
      expect(g.costUsd).toBeNull();
      expect(server.state.chat.counts).toEqual({ "llama-3-8b": 1 });
    } finally {
      await server.close();
    }
  });
});

describe("limiter and prices", () => {
  it("a limiter runs waiting calls in arrival order as slots free up", async () => {
    const limiter = createLimiter(2);
    const order: number[] = [];
    const tick = () => new Promise((r) => setTimeout(r, 5));
    await Promise.all([1, 2, 3, 4, 5].map((i) => limiter.run(async () => (await tick(), order.push(i)))));
    expect(order).toEqual([1, 2, 3, 4, 5]);
    expect(limiter.active).toBe(0);
  });

  it("prices a fine-tuned model at its base model's row; no price → unknown", () => {
    expect(priceKey("ft:gpt-4.1-mini-2025-04-14:acme:support:abc123")).toBe("gpt-4.1-mini-2025-04-14");
    expect(priceKey("gpt-4.1-mini-2025-04-14")).toBe("gpt-4.1-mini-2025-04-14");
    expect(costOf({ inputPerMTok: 0.8, outputPerMTok: 3.2 }, 1_000_000, 500_000)).toBeCloseTo(2.4);
    expect(costOf(null, 10, 10)).toBeNull();
  });

  it("a base model pays the row's base prices, its fine-tuned version the fine-tuned ones; a missing price is unknown", () => {
    const d = (n: number | null) => (n === null ? null : new Prisma.Decimal(n));
    // gpt-4o-mini's default row: fine-tuned 0.30 / 1.20, base 0.15 / 0.60 per 1M tokens.
    const row = { inputPerMTok: d(0.3), outputPerMTok: d(1.2), baseInputPerMTok: d(0.15), baseOutputPerMTok: d(0.6) };
    expect(tokenPriceOf(row, "gpt-4o-mini-2024-07-18")).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6 });
    expect(tokenPriceOf(row, "ft:gpt-4o-mini-2024-07-18:acme::abc")).toEqual({ inputPerMTok: 0.3, outputPerMTok: 1.2 });
    expect(costOf(tokenPriceOf(row, "gpt-4o-mini-2024-07-18"), 1_000_000, 1_000_000)).toBeCloseTo(0.75);
    // No base price: unknown, never the fine-tuned price in its place.
    expect(tokenPriceOf({ ...row, baseOutputPerMTok: null }, "gpt-4o-mini-2024-07-18")).toBeNull();
    expect(tokenPriceOf({ ...row, inputPerMTok: null }, "ft:gpt-4o-mini-2024-07-18:acme::abc")).toBeNull();
    expect(tokenPriceOf(null, "gpt-4o-mini-2024-07-18")).toBeNull();
  });
});
