import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIEmulator, type OpenAIEmulator } from "./server";
import { fineTunedModel, sdk } from "./test-helpers";

// Function calling on /v1/chat/completions through the real SDK: a fine-tune trained on tool calls calls the
// offered tools as its data did (tool_calls with JSON-string arguments, content null, finish_reason "tool_calls"),
// a base model answers in words, scripted calls, and OpenAI's checks of `tools` and of calls/results order.

let emu: OpenAIEmulator;
let ft: string;
const weatherTool = { type: "function" as const, function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };
const cities = ["Paris", "Oslo", "Lima", "Cairo", "Perth", "Quito", "Dakar", "Hanoi", "Rome", "Bern"];
const training = cities
  .map((city, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `What is the weather in ${city} today?` },
        { role: "assistant", content: null, tool_calls: [{ id: `call_${i}`, type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city }) } }] },
      ],
      tools: [weatherTool],
    }),
  )
  .concat(
    // The same questions with the call made and its result given: the reply is then words.
    cities.map((city, i) =>
      JSON.stringify({
        messages: [
          { role: "user", content: `What is the weather in ${city} today?` },
          { role: "assistant", content: null, tool_calls: [{ id: `call_${i}`, type: "function", function: { name: "get_weather", arguments: JSON.stringify({ city }) } }] },
          { role: "tool", tool_call_id: `call_${i}`, content: "sunny" },
          { role: "assistant", content: `It is sunny in ${city}.` },
        ],
        tools: [weatherTool],
      }),
    ),
  )
  .join("\n");

beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true, chatLatencyMs: 0 });
  ft = await fineTunedModel(emu, training);
});
afterAll(() => emu.close());

const post = (p: string, body: unknown) => fetch(emu.url.replace(/\/v1$/, `/_emulator/${p}`), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("OpenAI emulator: tool calls", () => {
  it("a fine-tune calls the offered tool as its nearest training example did", async () => {
    const res = await sdk(emu.url).chat.completions.create({ model: ft, messages: [{ role: "user", content: "what is the weather in Oslo today" }], tools: [weatherTool] });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_[\w-]{24}$/), type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }]);
    expect(res.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it("a conversation that ends with the tool's result is answered in words, as the examples that had the result", async () => {
    const res = await sdk(emu.url).chat.completions.create({
      model: ft,
      tools: [weatherTool],
      messages: [
        { role: "user", content: "what is the weather in Lima today" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_x", type: "function", function: { name: "get_weather", arguments: '{"city":"Lima"}' } }] },
        { role: "tool", tool_call_id: "call_x", content: "sunny" },
      ],
    });
    expect(res.choices[0]!.message).toMatchObject({ content: "It is sunny in Lima." });
    expect(res.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it("without the tool offered the fine-tune cannot call it, and a base model answers in words", async () => {
    const bare = await sdk(emu.url).chat.completions.create({ model: ft, messages: [{ role: "user", content: "what is the weather in Oslo today" }] });
    expect(bare.choices[0]!.message.tool_calls).toBeUndefined();
    expect(bare.choices[0]!.finish_reason).toBe("stop");
    const base = await sdk(emu.url).chat.completions.create({ model: "gpt-4o-mini-2024-07-18", messages: [{ role: "user", content: "What is the weather in Oslo today?" }], tools: [weatherTool] });
    expect(base.choices[0]!.message.tool_calls).toBeUndefined();
    expect(base.choices[0]!.message.content).toContain("weather in oslo");
    // The tool definitions are billed as prompt tokens.
    const withoutTools = await sdk(emu.url).chat.completions.create({ model: "gpt-4o-mini-2024-07-18", messages: [{ role: "user", content: "What is the weather in Oslo today?" }] });
    expect(base.usage!.prompt_tokens).toBeGreaterThan(withoutTools.usage!.prompt_tokens);
  });

  it("takes a conversation with calls and their results, and scripted calls", async () => {
    await post("chat", { rules: [{ contains: "sunny, 21", reply: "It is sunny in Paris." }, { model: "scripted", toolCalls: [{ name: "get_weather", arguments: { city: "Rome" } }], times: 1 }] });
    const followUp = await sdk(emu.url).chat.completions.create({
      model: "gpt-4o-mini",
      tools: [weatherTool],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_a", content: "sunny, 21 °C" },
      ],
    });
    expect(followUp.choices[0]!.message.content).toBe("It is sunny in Paris.");
    const scripted = await sdk(emu.url).chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "Rome?" }], tools: [weatherTool] });
    expect((scripted.choices[0]!.message.tool_calls![0] as { function: unknown }).function).toEqual({ name: "get_weather", arguments: '{"city":"Rome"}' });
    // Not offered, not called.
    await post("chat", { rules: [{ model: "scripted", reply: "No tools here.", toolCalls: [{ name: "get_weather", arguments: {} }] }] });
    const unoffered = await sdk(emu.url).chat.completions.create({ model: "scripted", messages: [{ role: "user", content: "Rome?" }] });
    expect(unoffered.choices[0]!.message).toMatchObject({ content: "No tools here." });
    expect(unoffered.choices[0]!.message.tool_calls).toBeUndefined();
    const bad = await post("chat", { rules: [{ toolCalls: [{ arguments: {} }] }] });
    expect((await bad.json()).error.param).toBe("rules[0].toolCalls");
    await post("chat", { rules: [] });
  });

  it("refuses what OpenAI refuses: malformed tools, a result without its call, a call left unanswered", async () => {
    const create = (body: Record<string, unknown>) => sdk(emu.url, 0).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...body } as never).catch((e: unknown) => e);
    expect(await create({ tools: [{ type: "function", function: { name: "get weather" } }] })).toMatchObject({ status: 400, param: "tools[0].function.name" });
    expect(await create({ tools: [{ type: "function" }] })).toMatchObject({ status: 400, param: "tools[0].function" });
    expect(await create({ tools: { type: "function" } })).toMatchObject({ status: 400, param: "tools" });
    const orphan = await create({ messages: [{ role: "user", content: "hi" }, { role: "tool", tool_call_id: "call_x", content: "42" }] });
    expect(orphan).toMatchObject({ status: 400, message: expect.stringContaining("must be a response to a preceeding message with 'tool_calls'") });
    const unanswered = await create({
      messages: [
        { role: "user", content: "hi" },
        { role: "assistant", content: null, tool_calls: [{ id: "call_b", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "user", content: "and?" },
      ],
    });
    expect(unanswered).toMatchObject({ status: 400, message: expect.stringContaining("did not have response messages: call_b") });
  });
});
