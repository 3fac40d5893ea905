import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIEmulator, type OpenAIEmulator } from "./server";
import { fineTunedModel, sdk } from "./test-helpers";

// stream: true through the real SDK's stream reader: chunks that add up to the answer a plain request gets,
// tool calls as indexed deltas, usage in a last chunk with stream_options.include_usage, and OpenAI's refusals.

let emu: OpenAIEmulator;
let ft: string;
const training = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white", "pink", "brown"]
  .map((c) => JSON.stringify({ messages: [{ role: "user", content: `What color is the ${c} ball?` }, { role: "assistant", content: `The ball is ${c}, as you said.` }] }))
  .join("\n");
const paint = { type: "function" as const, function: { name: "paint", parameters: { type: "object", properties: { color: { type: "string" } } } } };

beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true, chatLatencyMs: 0 });
  ft = await fineTunedModel(emu, training);
});
afterAll(() => emu.close());

const post = (body: unknown) => fetch(emu.url.replace(/\/v1$/, "/_emulator/chat"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const question = [{ role: "user" as const, content: "what color is the blue ball" }];

describe("OpenAI emulator: streamed chat completions", () => {
  it("streams the same answer a plain request gets, a word at a time, with usage last when asked", async () => {
    const plain = await sdk(emu.url).chat.completions.create({ model: ft, messages: question });
    const stream = await sdk(emu.url).chat.completions.create({ model: ft, messages: question, stream: true, stream_options: { include_usage: true } });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]).toMatchObject({ object: "chat.completion.chunk", model: ft, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }], usage: null });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    const pieces = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? ""));
    expect(pieces.filter(Boolean).length).toBeGreaterThan(3);
    expect(pieces.join("")).toBe(plain.choices[0]!.message.content);
    expect(chunks.at(-2)!.choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: plain.usage! });
    // Without include_usage, no usage anywhere.
    const bare = [];
    for await (const chunk of await sdk(emu.url).chat.completions.create({ model: ft, messages: question, stream: true })) bare.push(chunk);
    expect(bare.every((c) => !("usage" in c) && c.choices.length === 1)).toBe(true);
  });

  it("streams a tool call as indexed deltas: id, type and name first, then the arguments", async () => {
    await post({ rules: [{ contains: "paint it", toolCalls: [{ name: "paint", arguments: { color: "blue" } }] }] });
    const chunks = [];
    for await (const chunk of await sdk(emu.url).chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "paint it" }], tools: [paint], stream: true })) chunks.push(chunk);
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(calls).toEqual([
      { index: 0, id: expect.stringMatching(/^call_/), type: "function", function: { name: "paint", arguments: "" } },
      { index: 0, function: { arguments: '{"color":"blue"}' } },
    ]);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("tool_calls");
    await post({ rules: [] });
  });

  it("refuses stream_options without stream, and a stream that is not a boolean, as OpenAI words them", async () => {
    await expect(sdk(emu.url).chat.completions.create({ model: ft, messages: question, stream_options: { include_usage: true } })).rejects.toMatchObject({
      status: 400,
      param: "stream_options",
      message: expect.stringContaining("The 'stream_options' parameter is only allowed when 'stream' is enabled."),
    });
    const res = await fetch(`${emu.url}/chat/completions`, { method: "POST", headers: { authorization: "Bearer sk-test-emu", "content-type": "application/json" }, body: JSON.stringify({ model: ft, messages: question, stream: "yes" }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("stream");
  });
});
