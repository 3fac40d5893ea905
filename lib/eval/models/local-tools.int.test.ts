import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../../testing/tiny-model";
import { closeCachedModels } from "../../playground/model-cache";
import { generationSchema, type ChatMessage } from "../types";
import { localGenerator } from "./local";

// A local model offered tools and shown earlier calls, through its own chat template on the native trainer: Qwen3's
// template lists the tools and writes the calls and their results; plain ChatML writes no tool_calls, so a prompt
// with an earlier call is refused for that sample, naming the message, rather than shown without the call.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "eval-local-tools-"));
afterAll(async () => {
  await closeCachedModels();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const lookup = { type: "function", function: { name: "lookup_order", description: "Find an order", parameters: { type: "object", properties: { order_id: { type: "string" } } } } };
const prompt: ChatMessage[] = [
  { role: "user", content: "Where is order A-1?" },
  { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup_order", arguments: '{"order_id":"A-1"}' } }] },
  { role: "tool", tool_call_id: "call_1", content: "A-1: shipped" },
];
const settings = generationSchema.parse({ maxTokens: 1 });
const generator = (name: string, qwen3: boolean) =>
  localGenerator({ model: name, modelDir: writeTinyModel({ dir: path.join(tmp, name), seed: 1, qwen3, shape: { maxPositions: 2048 } }).dir, label: name, batchSize: 1 });

describe("local generation with tools", () => {
  it("Qwen3's template takes the tools and the earlier call; the tools add to the prompt", async () => {
    const qwen3 = generator("qwen3", true);
    const withTools = await qwen3.generate(prompt, settings, undefined, [lookup]);
    const without = await qwen3.generate(prompt, settings);
    expect(withTools.promptTokens).toBeGreaterThan(without.promptTokens + 20);
  });

  it("a template that writes no tool_calls refuses a prompt with an earlier call, naming it", async () => {
    const chatml = generator("chatml", false);
    await expect(chatml.generate(prompt, settings, undefined, [lookup])).rejects.toThrow(/chat template: messages\[1\] calls "lookup_order", but the template does not write tool_calls/);
    // Without an earlier call there is nothing to lose: the sample is generated.
    expect((await chatml.generate(prompt.slice(0, 1), settings, undefined, [lookup])).completionTokens).toBe(1);
  });
});
