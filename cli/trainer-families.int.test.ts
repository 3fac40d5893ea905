import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadNativeAddon } from "../native/index";
import { loraParameters } from "./native/flops";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { writeImageText, writeImageTextGemma3 } from "../lib/testing/tiny-model/image-text";
import { colorTask, toJsonl } from "../lib/testing/tiny-model/task";
import { runTuneforge } from "./testing/run-bin";
import { localGenerator } from "../lib/eval/models/local";
import { sampleMetrics } from "../lib/eval/metrics";
import { callsOfToolCalls, replyText } from "../lib/eval/tool-calls";
import { generationSchema, type ChatMessage } from "../lib/eval/types";
import { closeCachedModels } from "../lib/playground/model-cache";
import { expectCleanFailure, learnTheTask, logprobsIn } from "./testing/trainer-cli";

// The trainer CLI on each model family beyond Llama, through the real `tuneforge` bin on generated tiny models:
// each learns the color task under its own chat template (LFM2 also as tool calls), answers through it, and (Gemma 2 and 3, Phi-3, Granite,
// SmolLM3, OLMo 2) merges.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trainer-families-"));
const tuneforge = (args: string[]) => runTuneforge(args, tmp);
const logprobsOf = (args: string[]) => logprobsIn(tmp, args);
let modelDir: string;
let data: string;

/** The adapter answers "coal" through the model's chat template; merged into the base, it scores as base + adapter. */
async function expectAnswerAndMerge(model: string, adapter: string, messages: { role: string; content: string }[], mergedName: string) {
  const g = await tuneforge(["generate", "--model", model, "--adapter", adapter, "--messages", JSON.stringify(messages), "--max-tokens", "24", "--json"]);
  expect(g.code, g.stderr).toBe(0);
  expect(JSON.parse(g.stdout)).toMatchObject({ completion: '{"color": "black"}', finish_reason: "stop" });
  const merged = path.join(tmp, mergedName);
  const m = await tuneforge(["merge", "--model", model, "--adapter", adapter, "--out", merged]);
  expect(m.code, m.stderr).toBe(0);
  const tokens = "2,100,101,102,103,104,105,106,107,108,109,110";
  const viaAdapter = await logprobsOf(["--model", model, "--adapter", adapter, "--tokens", tokens]);
  const viaMerged = await logprobsOf(["--model", merged, "--tokens", tokens]);
  viaMerged.forEach((x, i) => expect(Math.abs(x - viaAdapter[i]!)).toBeLessThan(0.05)); // bf16 weights in the merged folder
}

/**
 * `train` on the one-turn color task until the adapter knows it (its loss from above 5 to below 0.3), then the answer
 * through the template and the merge (expectAnswerAndMerge). The adapter's folder.
 */
async function expectLearnsAnswersAndMerges(model: string, name: string, epochs: number): Promise<string> {
  const out = path.join(tmp, `${name}-adapter`);
  const r = await tuneforge(learnTheTask(model, data, out, epochs));
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { loss?: number; final_loss?: number });
  expect(lines.find((l) => l.loss !== undefined)!.loss!).toBeGreaterThan(5);
  expect(lines.at(-1)!.final_loss!).toBeLessThan(0.3);
  const messages = [{ role: "system", content: "Answer in JSON." }, { role: "user", content: "What color is the coal?" }];
  await expectAnswerAndMerge(model, out, messages, `${name}-merged`);
  return out;
}

beforeAll(() => {
  loadNativeAddon(); // fails with "native addon not built: run `npm run native:build` …" when it is missing
  modelDir = writeTinyModel({ dir: path.join(tmp, "model"), seed: 5 }).dir; // a Llama, for the fused targets' refusal
  data = path.join(tmp, "train.jsonl");
  fs.writeFileSync(data, toJsonl(colorTask(24)));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("tuneforge train / generate / merge on other model families", () => {
  // Qwen3: per-head q/k norms in the model, and its reasoning template in the data: the first answer of each
  // two-turn example is trained as the history shows it (no think block), the second after an empty think block,
  // which is what the model then emits before answering, as Qwen3 does in its non-thinking mode.
  it("learns the task on a Qwen3 from two-turn examples under Qwen3's chat template", async () => {
    const qwen3 = writeTinyModel({ dir: path.join(tmp, "qwen3"), seed: 5, qwen3: true }).dir;
    const turns = colorTask(24).map((line, i, all) => ({ messages: [...line.messages, ...all[(i + 1) % all.length]!.messages.slice(1)] }));
    const twoTurns = path.join(tmp, "two-turns.jsonl");
    fs.writeFileSync(twoTurns, toJsonl(turns));
    const out = path.join(tmp, "qwen3-adapter");
    const r = await tuneforge(learnTheTask(qwen3, twoTurns, out, 20));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { loss?: number; final_loss?: number });
    expect(lines.at(-1)!.final_loss!).toBeLessThan(0.3);
    const messages = [
      { role: "system", content: "Answer in JSON." },
      { role: "user", content: "What color is the grass?" },
      { role: "assistant", content: '{"color": "green"}' },
      { role: "user", content: "What color is the coal?" },
    ];
    const g = await tuneforge(["generate", "--model", qwen3, "--adapter", out, "--messages", JSON.stringify(messages), "--max-tokens", "24", "--json"]);
    expect(g.code, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout)).toMatchObject({ completion: '<think>\n\n</think>\n\n{"color": "black"}', finish_reason: "stop" });
    // --thinking off: the template closes the think block in the prompt, and the reply is the answer alone.
    const off = await tuneforge(["generate", "--model", qwen3, "--adapter", out, "--messages", JSON.stringify(messages), "--max-tokens", "24", "--thinking", "off", "--json"]);
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ completion: '{"color": "black"}', finish_reason: "stop" });
    const raw = await tuneforge(["generate", "--model", qwen3, "--prompt", "hi", "--thinking", "off"]);
    expectCleanFailure(raw, /--thinking applies to --messages/);
  }, 180_000);

  // Gemma 3: (1 + w) norms, output norms, GELU, a scaled embedding, and an 8-key window on every other layer, which
  // the examples (a system prompt folded into the first user turn, two turns) are far longer than; Gemma 2: the same
  // without q/k norms, its scores and logits soft-capped at the published 50 and 30. The adapter must learn the task,
  // generation (KV cache, windowed, capped) must answer the second turn and stop at <end_of_turn>, and the merged
  // model must give the adapter's logprobs. From ~6.7: Gemma's head is the frozen, tied embedding, which LoRA cannot
  // adapt, so these tiny models level off above the others: Gemma 3 near 0.31 (an untied Llama at 0.21, a tied one at
  // 0.65, same data and steps), Gemma 2 near 0.39 (0.35 with its caps taken out: tanh flattens the top logits), and
  // answer right below.
  it.each([
    ["Gemma 3", "gemma3", 0.35],
    ["Gemma 2", "gemma2", 0.43],
  ] as const)("learns the task on a %s from two-turn examples under Gemma's chat template, and merges", async (_, family, limit) => {
    const gemma = writeTinyModel({ dir: path.join(tmp, family), seed: 5, [family]: true }).dir;
    const turns = colorTask(24).map((line, i, all) => ({ messages: [...line.messages, ...all[(i + 1) % all.length]!.messages.slice(1)] }));
    const twoTurns = path.join(tmp, "gemma-two-turns.jsonl");
    fs.writeFileSync(twoTurns, toJsonl(turns));
    const out = path.join(tmp, `${family}-adapter`);
    const r = await tuneforge(learnTheTask(gemma, twoTurns, out, 20));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { loss?: number; final_loss?: number });
    expect(lines.find((l) => l.loss !== undefined)!.loss!).toBeGreaterThan(5);
    expect(lines.at(-1)!.final_loss!).toBeLessThan(limit);
    const messages = [
      { role: "system", content: "Answer in JSON." },
      { role: "user", content: "What color is the grass?" },
      { role: "assistant", content: '{"color": "green"}' },
      { role: "user", content: "What color is the coal?" },
    ];
    await expectAnswerAndMerge(gemma, out, messages, `${family}-merged`);
  }, 180_000);

  // Phi-3 / Phi-4 (Phi3ForCausalLM): q, k, v in one qkv_proj and gate, up in one gate_up_proj. The form's target names
  // adapt the fused modules; the adapter is PEFT's for Phi-3 (vLLM loads those names), and merges into them.
  it("learns the task on a Phi-3 with fused projections: the adapter on qkv_proj and gate_up_proj, generation and merge", async () => {
    const phi3 = writeTinyModel({ dir: path.join(tmp, "phi3"), seed: 5, phi3: true }).dir;
    const out = await expectLearnsAnswersAndMerges(phi3, "phi3", 25);
    const cfg = JSON.parse(fs.readFileSync(path.join(out, "adapter_config.json"), "utf8")) as { target_modules: string[] };
    expect(cfg.target_modules).toEqual(["qkv_proj", "o_proj", "gate_up_proj", "down_proj"]);
    // Part of a fused module alone is refused with the reason, before any step.
    const part = await tuneforge(["train", "--model", phi3, "--data", data, "--out", path.join(tmp, "phi3-part"), "--targets", "q_proj,v_proj"]);
    expectCleanFailure(part, /this model computes q_proj, k_proj, v_proj in one module, qkv_proj, so LoRA adapts all of them or none/);
    // PEFT's names for the fused modules work as targets too; on a model without them they are refused by name.
    const byName = await tuneforge(["train", "--model", phi3, "--data", data, "--out", path.join(tmp, "phi3-by-name"), "--epochs", "1", "--targets", "qkv_proj,gate_up_proj", "--json"]);
    expect(byName.code, byName.stderr).toBe(0);
    expect((JSON.parse(fs.readFileSync(path.join(tmp, "phi3-by-name", "adapter_config.json"), "utf8")) as { target_modules: string[] }).target_modules).toEqual(["qkv_proj", "gate_up_proj"]);
    const onLlama = await tuneforge(["train", "--model", modelDir, "--data", data, "--out", path.join(tmp, "llama-fused"), "--targets", "qkv_proj"]);
    expectCleanFailure(onLlama, /LoRA target 'qkv_proj' is a fused module of Phi-3; this model has q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj/);
  }, 180_000);

  // Granite 3: Llama's layers with four multipliers, tied, under Granite's template (a dated default system turn when
  // the data has none, every turn closed by <|end_of_text|>, which is also its bos and pad token). Two-turn examples:
  // the first reply's closing token is trained as the history shows it; generation stops at it; the merge keeps the
  // checkpoint's own final norm (the trainer folds logits_scaling into its copy).
  it("learns the task on a Granite from two-turn examples under Granite's chat template, and merges", async () => {
    const granite = writeTinyModel({ dir: path.join(tmp, "granite"), seed: 5, granite: true }).dir;
    const turns = colorTask(24).map((line, i, all) => ({ messages: [...line.messages.slice(1), ...all[(i + 1) % all.length]!.messages.slice(1)] }));
    expect(turns[0]!.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    const twoTurns = path.join(tmp, "granite-two-turns.jsonl");
    fs.writeFileSync(twoTurns, toJsonl(turns));
    const out = path.join(tmp, "granite-adapter");
    const r = await tuneforge(learnTheTask(granite, twoTurns, out, 30)); // from ~15.7: logits_scaling 0.5 sharpens the start
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { loss?: number; final_loss?: number });
    expect(lines.find((l) => l.loss !== undefined)!.loss!).toBeGreaterThan(4);
    expect(lines.at(-1)!.final_loss!).toBeLessThan(0.3);
    const messages = [
      { role: "user", content: "What color is the grass?" },
      { role: "assistant", content: '{"color": "green"}' },
      { role: "user", content: "What color is the coal?" },
    ];
    await expectAnswerAndMerge(granite, out, messages, "granite-merged");
  }, 180_000);

  // SmolLM3: Llama's layers with RoPE left out on its NoPE layers (here layer 1 of 2), tied; generation through the KV
  // cache (unrotated keys on the NoPE layer) and the merge.
  it("learns the task on a SmolLM3 with a NoPE layer, answers and merges", async () => {
    const smollm3 = writeTinyModel({ dir: path.join(tmp, "smollm3"), seed: 5, smollm3: true }).dir;
    await expectLearnsAnswersAndMerges(smollm3, "smollm3", 25);
  }, 180_000);

  // OLMo 2: no input norms, output norms before each residual add, q and k normalized whole; generation through the
  // KV cache and the merge (the norms are frozen and copied).
  it("learns the task on an OLMo 2, answers and merges", async () => {
    const olmo2 = writeTinyModel({ dir: path.join(tmp, "olmo2"), seed: 5, olmo2: true }).dir;
    // 40 epochs: its output norms give each tiny sublayer unit scale beside a 0.02-scale embedding, which slows it.
    await expectLearnsAnswersAndMerges(olmo2, "olmo2", 40);
  }, 180_000);

  // GLM-4: q/k/v biases, output norms after each sublayer, the fused gate_up_proj (adapted by the form's gate and up
  // together), half of each head rotated in interleaved pairs, in training, KV-cache generation and the merge.
  it("learns the task on a GLM-4, answers and merges", async () => {
    const glm4 = writeTinyModel({ dir: path.join(tmp, "glm4"), seed: 5, glm4: true }).dir;
    await expectLearnsAnswersAndMerges(glm4, "glm4", 25);
  }, 180_000);

  // yarn RoPE scaling (factor 4 over the preset's context, as Qwen documents it for Qwen2.5 / Qwen3 past 32k): the
  // blended frequencies and the attention factor in training, KV-cache generation and the merged model (which keeps
  // rope_scaling: its logprobs must equal the adapter's).
  it("learns the task on a Llama with yarn RoPE scaling, answers and merges", async () => {
    const yarn = writeTinyModel({ dir: path.join(tmp, "llama-yarn"), seed: 5, yarn: true }).dir;
    await expectLearnsAnswersAndMerges(yarn, "llama-yarn", 25);
    expect((JSON.parse(fs.readFileSync(path.join(tmp, "llama-yarn-merged", "config.json"), "utf8")) as { rope_scaling: unknown }).rope_scaling)
      .toEqual({ rope_type: "yarn", factor: 4, original_max_position_embeddings: 512 });
  }, 180_000);

  // OLMo 3 with yarn: OLMo 2's layer, a window on its sliding layer, whose RoPE stays unscaled while the full layer's
  // takes yarn's, in training, KV-cache generation and the merge.
  it("learns the task on an OLMo 3 with yarn, answers and merges", async () => {
    const olmo3 = writeTinyModel({ dir: path.join(tmp, "olmo3"), seed: 5, olmo3: true, yarn: true }).dir;
    await expectLearnsAnswersAndMerges(olmo3, "olmo3", 40);  // 40 epochs, as OLMo 2's (its output norms)
  }, 180_000);

  // EXAONE 4.0: per-head q/k norms under output norms, a window and RoPE on its sliding layer, none on its global one,
  // in training, KV-cache generation (the NoPE layer caches keys unrotated) and the merge.
  it("learns the task on an EXAONE 4.0, answers and merges", async () => {
    const exaone4 = writeTinyModel({ dir: path.join(tmp, "exaone4"), seed: 5, exaone4: true }).dir;
    await expectLearnsAnswersAndMerges(exaone4, "exaone4", 40);  // 40 epochs, as OLMo's (its output norms)
  }, 180_000);

  // Ministral 3 as published (Mistral3ForConditionalGeneration, the decoder under language_model.model., its untied
  // lm_head at language_model.lm_head): yarn and the queries' temperature by position in training, KV-cache generation
  // and the merge, the adapter under the checkpoint's module names.
  it("learns the task on a Ministral 3 published as Mistral3ForConditionalGeneration, answers and merges", async () => {
    const text = writeTinyModel({ dir: path.join(tmp, "ministral3-text"), seed: 5, ministral3: true }).dir;
    const mm = path.join(tmp, "ministral3-mm");
    writeImageText(text, mm, "Mistral3ForConditionalGeneration");
    const out = await expectLearnsAnswersAndMerges(mm, "ministral3", 20);
    const file = fs.readFileSync(path.join(out, "adapter_model.safetensors"));
    const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString("utf8")) as Record<string, unknown>;
    expect(Object.keys(header)).toContain("base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight");
  }, 180_000);

  // LFM2: gated short convolutions on layer 0, attention on layer 1, under LFM2's module names. The form's Llama names
  // stand for LFM2's (o_proj → out_proj on both kinds of layer, gate/up/down → w1/w3/w2, q/k/v together → the conv
  // layer's in_proj too); the convolution restarts at each packed example and carries its last inputs through
  // KV-cache generation; the merge folds in_proj's and out_proj's adapters into the conv layer.
  it("learns the task on an LFM2 with conv and attention layers, answers and merges", async () => {
    const lfm2 = writeTinyModel({ dir: path.join(tmp, "lfm2"), seed: 5, lfm2: true }).dir;
    const out = await expectLearnsAnswersAndMerges(lfm2, "lfm2", 25);
    const cfg = JSON.parse(fs.readFileSync(path.join(out, "adapter_config.json"), "utf8")) as { target_modules: string[] };
    expect([...cfg.target_modules].sort()).toEqual(["in_proj", "k_proj", "out_proj", "q_proj", "v_proj", "w1", "w2", "w3"]);
    const file = fs.readFileSync(path.join(out, "adapter_model.safetensors"));
    const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString("utf8")) as Record<string, unknown>;
    expect(Object.keys(header)).toEqual(expect.arrayContaining([
      "base_model.model.model.layers.0.conv.in_proj.lora_A.weight", "base_model.model.model.layers.0.conv.out_proj.lora_B.weight",
      "base_model.model.model.layers.1.self_attn.out_proj.lora_A.weight", "base_model.model.model.layers.1.feed_forward.w2.lora_A.weight",
    ]));
    // The bench's LoRA count (cli/native/flops.ts) is what the trainer adapts, under either kind of name.
    const model = await loadNativeAddon().loadModel({ modelDir: lfm2, quant: "none", threads: 1 });
    const info = model.info();
    model.close();
    const adapted = Object.entries(header).filter(([k]) => k !== "__metadata__")
      .reduce((n, [, t]) => n + (t as { shape: number[] }).shape.reduce((a, b) => a * b, 1), 0);
    expect(loraParameters(info, 8, ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])).toBe(adapted);
    expect(loraParameters(info, 8, ["q_proj", "k_proj", "v_proj", "out_proj", "in_proj", "w1", "w3", "w2"])).toBe(adapted);
  }, 180_000);

  // LFM2 on OpenAI-format tool calls: its template writes no tool_calls, so the calls are trained as LFM2 writes
  // them in its text (lib/tokenizer/pythonic-calls.ts), and the adapter then calls the tool that way itself.
  it("learns to call a tool on an LFM2 from OpenAI-format tool_calls, writing the call as LFM2 does", async () => {
    const lfm2 = writeTinyModel({ dir: path.join(tmp, "lfm2-tools"), seed: 5, lfm2: true }).dir;
    const calls = colorTask(24).map((line) => {
      const color = (JSON.parse(line.messages[2]!.content) as { color: string }).color;
      const call = { id: "call_1", type: "function", function: { name: "paint", arguments: JSON.stringify({ color }) } };
      return { messages: [line.messages[0], line.messages[1], { role: "assistant", content: null, tool_calls: [call] }] };
    });
    const file = path.join(tmp, "lfm2-tools.jsonl");
    fs.writeFileSync(file, calls.map((l) => JSON.stringify(l)).join("\n") + "\n");
    const out = path.join(tmp, "lfm2-tools-adapter");
    const r = await tuneforge(learnTheTask(lfm2, file, out, 25));
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout.trim().split("\n").at(-1)!) as { final_loss: number }).final_loss).toBeLessThan(0.3);
    const messages = [{ role: "system", content: "Answer in JSON." }, { role: "user", content: "What color is the coal?" }];
    const g = await tuneforge(["generate", "--model", lfm2, "--adapter", out, "--messages", JSON.stringify(messages), "--max-tokens", "24", "--json"]);
    expect(g.code, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout)).toMatchObject({ completion: '<|tool_call_start|>[paint(color="black")]<|tool_call_end|>', finish_reason: "stop", calls: [{ name: "paint", arguments: { color: "black" } }] });
    // A dataset line as --messages brings its tools to the template; --tools is checked, and only for chat messages.
    const paintTool = { type: "function", function: { name: "paint", parameters: { type: "object", properties: { color: { type: "string" } } } } };
    const asLine = await tuneforge(["generate", "--model", lfm2, "--messages", JSON.stringify({ messages, tools: [paintTool] }), "--max-tokens", "1", "--json"]);
    expect(asLine.code, asLine.stderr).toBe(0);
    expect(JSON.parse(asLine.stdout).prompt_tokens).toBeGreaterThan(JSON.parse(g.stdout).prompt_tokens + 10);
    const badTools = await tuneforge(["generate", "--model", lfm2, "--messages", JSON.stringify(messages), "--tools", '[{"type": "function", "function": {"name": "paint it"}}]']);
    expect([badTools.code, badTools.stderr]).toEqual([2, expect.stringContaining("generate: --tools: tools[0].function.name: must be 1–64 letters, digits, _ or -")]);
    const rawTools = await tuneforge(["generate", "--model", lfm2, "--prompt", "hi", "--tools", "[]"]);
    expect([rawTools.code, rawTools.stderr]).toEqual([2, expect.stringContaining("--tools applies to --messages")]);

    // As an evaluation sees it: the expected reply is the held-out line's call as <tool_call> text, the adapter's
    // LFM2-form call reads back as the same call and scores, the base model's answer does not.
    const expected = replyText("", callsOfToolCalls([{ function: { name: "paint", arguments: '{"color":"black"}' } }]));
    const settings = generationSchema.parse({ maxTokens: 24 });
    const side = (adapterDir?: string) => localGenerator({ model: "lfm2-tools", modelDir: lfm2, adapterDir, label: "local", batchSize: 1 });
    const scored = async (adapterDir?: string) => {
      const out = await side(adapterDir).generate(messages as ChatMessage[], settings);
      return sampleMetrics({ output: out.text, expected, latencyMs: 0, promptTokens: out.promptTokens, completionTokens: out.completionTokens, costUsd: 0 });
    };
    expect(await scored(out)).toMatchObject({ toolCallMatch: 1, toolNameMatch: 1 });
    expect(await scored()).toMatchObject({ toolCallMatch: 0, toolNameMatch: 0 });
    // Offered tools reach the model through its template (LFM2 lists them in its system turn).
    const paint = { type: "function", function: { name: "paint", description: "Paint in a color", parameters: { type: "object", properties: { color: { type: "string" } } } } };
    const withTools = await side(out).generate(messages as ChatMessage[], { ...settings, maxTokens: 1 }, undefined, [paint]);
    const without = await side(out).generate(messages as ChatMessage[], { ...settings, maxTokens: 1 });
    expect(withTools.promptTokens).toBeGreaterThan(without.promptTokens + 10);
    await closeCachedModels();
  }, 180_000);

  // LFM2-VL as published (Lfm2VlForConditionalGeneration: the LFM2 decoder under model.language_model., tied, a vision
  // tower beside it): trained, answered and merged as its text model, the adapter under the checkpoint's module names.
  it("learns the task on an LFM2-VL's text model, answers and merges", async () => {
    // Seed 2: a tied tiny LFM2 learns the task within 25 epochs (seed 5's plateaus near a loss of 0.39).
    const text = writeTinyModel({ dir: path.join(tmp, "lfm2-vl-text"), seed: 2, lfm2: true, tiedEmbeddings: true }).dir;
    const mm = path.join(tmp, "lfm2-vl");
    writeImageText(text, mm, "Lfm2VlForConditionalGeneration", "model.language_model.");
    const out = await expectLearnsAnswersAndMerges(mm, "lfm2-vl", 25);
    const file = fs.readFileSync(path.join(out, "adapter_model.safetensors"));
    const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString("utf8")) as Record<string, unknown>;
    expect(Object.keys(header)).toEqual(expect.arrayContaining([
      "base_model.model.model.language_model.layers.0.conv.in_proj.lora_A.weight",
      "base_model.model.model.language_model.layers.1.self_attn.out_proj.lora_B.weight",
    ]));
    // The merged folder keeps the vision tower and the outer config.
    const merged = fs.readFileSync(path.join(tmp, "lfm2-vl-merged", "model.safetensors"));
    expect(merged.subarray(8, 8 + Number(merged.readBigUInt64LE(0))).toString("utf8")).toContain("model.vision_tower.vision_model.post_layernorm.weight");
    expect(JSON.parse(fs.readFileSync(path.join(tmp, "lfm2-vl-merged", "config.json"), "utf8"))).toMatchObject({ architectures: ["Lfm2VlForConditionalGeneration"] });
  }, 180_000);

  // Gemma 3 4B+ as published (Gemma3ForConditionalGeneration, the decoder under language_model.model., a vision tower
  // beside it): tuneforge trains its text model, the adapter names the checkpoint's modules, generation loads it.
  it("learns the task on an image-text Gemma 3's text model", async () => {
    const text = writeTinyModel({ dir: path.join(tmp, "gemma3-text"), seed: 5, gemma3: true }).dir;
    const mm = path.join(tmp, "gemma3-mm");
    writeImageTextGemma3(text, mm);
    const data = path.join(tmp, "gemma3-mm.jsonl");
    fs.writeFileSync(data, toJsonl(colorTask(24)));
    const out = path.join(tmp, "gemma3-mm-adapter");
    const r = await tuneforge(learnTheTask(mm, data, out, 20));
    expect(r.code, r.stderr).toBe(0);
    const file = fs.readFileSync(path.join(out, "adapter_model.safetensors"));
    const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString("utf8")) as Record<string, unknown>;
    expect(Object.keys(header)).toContain("base_model.model.language_model.model.layers.0.self_attn.q_proj.lora_A.weight");
    const messages = [{ role: "system", content: "Answer in JSON." }, { role: "user", content: "What color is the coal?" }];
    const g = await tuneforge(["generate", "--model", mm, "--adapter", out, "--messages", JSON.stringify(messages), "--max-tokens", "24", "--json"]);
    expect(g.code, g.stderr).toBe(0);
    expect(JSON.parse(g.stdout)).toMatchObject({ completion: '{"color": "black"}', finish_reason: "stop" });
  }, 180_000);
});
