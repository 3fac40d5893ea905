import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadNativeAddon, STEP_PHASES } from "../native/index";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { colorPreferences, colorTask, colorTaskContradicted, toJsonl } from "../lib/testing/tiny-model/task";
import { expectCleanFailure, learnTheTask, logprobsIn } from "./testing/trainer-cli";

// The trainer commands as other tools drive them: the real `tuneforge` bin as a child process on a
// generated tiny model. Errors must be readable and exit non-zero without a crash (no signal, no stack).

const bin = path.resolve("bin/tuneforge.mjs");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trainer-cli-"));
let modelDir: string;
let data: string;
let adapter: string;

type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };
function tuneforge(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const logprobsOf = (args: string[]) => logprobsIn(tmp, args);

beforeAll(() => {
  loadNativeAddon(); // fails with "native addon not built: run `npm run native:build` …" when it is missing
  modelDir = writeTinyModel({ dir: path.join(tmp, "model"), seed: 5 }).dir;
  data = path.join(tmp, "train.jsonl");
  fs.writeFileSync(data, toJsonl(colorTask(24)));
  fs.writeFileSync(path.join(tmp, "valid.jsonl"), toJsonl(colorTask(6, 3)));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("tuneforge train / logprobs / generate / merge", () => {
  it("train --json prints one parseable line per optimizer step, the loss falls, then a done line", async () => {
    const out = path.join(tmp, "adapter");
    const r = await tuneforge([
      "train", "--model", modelDir, "--data", data, "--validation", "valid.jsonl", "--out", out, "--json",
      "--rank", "8", "--alpha", "16", "--dropout", "0", "--epochs", "3", "--batch-size", "4", "--grad-accum", "2", "--lr", "1e-2", "--warmup-ratio", "0",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const steps = lines.filter((l) => !l.done);
    const done = lines.at(-1)!;
    expect(done).toMatchObject({ done: true, steps: steps.length, adapter: out, cancelled: false });
    expect(steps.length).toBe(9); // 24 examples / (4 × 2) per step × 3 epochs
    for (const s of steps) expect(Object.keys(s)).toEqual(expect.arrayContaining(["step", "loss", "lr", "tokens_per_sec", "elapsed_ms"]));
    expect(steps.some((s) => typeof s.valid_loss === "number")).toBe(true);
    expect(steps.at(-1)!.loss as number).toBeLessThan(steps[0]!.loss as number);
    // The second step, alone, says where its time went; stderr says it in words.
    expect(steps.map((s) => "profile_ms" in s)).toEqual(steps.map((s) => s.step === 2));
    expect(Object.keys(steps[1]!.profile_ms as object)).toEqual([...STEP_PHASES, "step"]);
    expect(r.stderr).toMatch(/^train: Step 2 took [\d.]+ ms on the cpu backend: .*frozen matmul [\d.]+ ms \(\d+ %\)/m);
    expect(r.stderr).toMatch(/24 examples/);
    expect(r.stderr).toMatch(/^train: cpu backend\. Prepared in [\d.]+ s: model loaded in [\d.]+ s, data tokenized in [\d.]+ s\.$/m);
    adapter = out;
    const config = JSON.parse(fs.readFileSync(path.join(out, "adapter_config.json"), "utf8")) as Record<string, unknown>;
    expect(config).toMatchObject({ peft_type: "LORA", r: 8, lora_alpha: 16 });
  }, 180_000);

  it("--early-stopping-patience stops once the validation loss stops improving; --keep-best keeps the best step's adapter", async () => {
    fs.writeFileSync(path.join(tmp, "contradicting.jsonl"), toJsonl(colorTaskContradicted(6, 2)));
    const out = path.join(tmp, "best");
    const args = ["train", "--model", modelDir, "--data", data, "--validation", "contradicting.jsonl", "--out", out, "--rank", "8", "--alpha", "16", "--dropout", "0",
      "--epochs", "20", "--batch-size", "4", "--grad-accum", "1", "--lr", "1e-2", "--warmup-ratio", "0", "--targets", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
      "--early-stopping-patience", "2", "--keep-best"];
    const r = await tuneforge([...args, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, number | boolean>);
    const passes = lines.filter((l) => typeof l.valid_loss === "number" && !l.done);
    const best = passes.reduce((a, b) => (b.valid_loss! < a.valid_loss! ? b : a));
    const done = lines.at(-1)!;
    // 24 examples / 4 = 6 steps an epoch, validated at each epoch end; stopped at the second pass after the best.
    expect(done).toMatchObject({ done: true, stopped_early: true, total_steps: 120, best_step: best.step, best_valid_loss: best.valid_loss, adapter_step: best.step, steps: (best.step as number) + 12 });
    expect(fs.readFileSync(path.join(out, "adapter_model.safetensors"))).toEqual(fs.readFileSync(path.join(out, "best", "adapter_model.safetensors")));
    // In words, without --json.
    const text = await tuneforge(args);
    expect(text.stdout).toContain(`Stopped early at step ${done.steps} of 120: the validation loss did not improve for 2 validation passes in a row (best ${(best.valid_loss as number).toFixed(4)} at step ${best.step}). The adapter is step ${best.step}'s`);
    // Both act on the validation loss: without validation data they are refused before the model loads.
    const none = await tuneforge(["train", "--model", modelDir, "--data", data, "--out", out, "--keep-best"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("train: --keep-best acts on the validation loss; add --validation FILE.jsonl.");
  }, 180_000);

  it("learns the structured task end to end: loss < 0.3, and the adapter answers through the chat template", async () => {
    const out = path.join(tmp, "task-adapter");
    const r = await tuneforge(learnTheTask(modelDir, data, out, 25));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { loss?: number; final_loss?: number });
    expect(lines[0]!.loss!).toBeGreaterThan(5); // near-uniform over ~400 tokens at the start
    expect(lines.at(-1)!.final_loss!).toBeLessThan(0.3);
    for (const [thing, color] of [["sky", "blue"], ["coal", "black"]]) {
      const messages = [{ role: "system", content: "Answer in JSON." }, { role: "user", content: `What color is the ${thing}?` }];
      const g = await tuneforge(["generate", "--model", modelDir, "--adapter", out, "--messages", JSON.stringify(messages), "--max-tokens", "20", "--json"]);
      expect(g.code, g.stderr).toBe(0);
      // Greedy decoding stops at the template's <|im_end|>, which the assistant-only mask trained it to emit.
      expect(JSON.parse(g.stdout)).toMatchObject({ completion: `{"color": "${color}"}`, finish_reason: "stop" });
    }
  }, 180_000);

  it("trains a file of preference pairs with DPO: ln 2 at the first step, rewards on every line, the preferred answers winning", async () => {
    fs.writeFileSync(path.join(tmp, "pairs.jsonl"), toJsonl(colorPreferences(24)));
    fs.writeFileSync(path.join(tmp, "pairs-valid.jsonl"), toJsonl(colorPreferences(6, 3)));
    const out = path.join(tmp, "dpo-adapter");
    const r = await tuneforge([
      "train", "--model", modelDir, "--data", "pairs.jsonl", "--validation", "pairs-valid.jsonl", "--out", out, "--json", "--dpo-beta", "0.5",
      "--rank", "8", "--alpha", "16", "--dropout", "0", "--epochs", "6", "--batch-size", "4", "--grad-accum", "2", "--lr", "5e-3", "--warmup-ratio", "0",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^train: pairs\.jsonl: 24 preference pairs, \d+ tokens \(\d+ trained on\)$/m);
    expect(r.stderr).toMatch(/^train: DPO with beta 0\.5 against model as the frozen reference; batch size counts pairs$/m);
    type Line = { step?: number; loss?: number; reward_accuracy?: number; reward_margin?: number; valid_reward_accuracy?: number; done?: boolean };
    const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Line);
    const steps = lines.filter((l) => !l.done);
    expect(steps).toHaveLength(18); // 24 pairs / (4 × 2) per step × 6 epochs
    // Step 1 is scored at the reference: the loss is ln 2, every margin 0, no pair won.
    expect(steps[0]).toMatchObject({ reward_accuracy: 0, reward_margin: 0 });
    expect(steps[0]!.loss).toBeCloseTo(Math.log(2), 6);
    expect(steps.every((s) => s.reward_accuracy! >= 0 && s.reward_accuracy! <= 1 && Number.isFinite(s.reward_margin))).toBe(true);
    expect(steps.filter((s) => s.valid_reward_accuracy !== undefined).map((s) => s.step)).toEqual([3, 6, 9, 12, 15, 18]);
    const done = lines.at(-1)!;
    expect(done).toMatchObject({ done: true, method: "dpo", pairs: 24, dpo_beta: 0.5, adapter: out, reward_accuracy: steps.at(-1)!.reward_accuracy, valid_reward_accuracy: steps.at(-1)!.valid_reward_accuracy });
    expect(done.reward_accuracy!).toBeGreaterThan(0.5);
    expect(steps.at(-1)!.loss!).toBeLessThan(Math.log(2));
    expect(fs.existsSync(path.join(out, "adapter_model.safetensors"))).toBe(true);
  }, 180_000);

  it("Ctrl-C stops at the next step, keeps a checkpoint and still prints the done line", async () => {
    const out = path.join(tmp, "interrupted");
    const child = spawn(process.execPath, [bin, "train", "--model", modelDir, "--data", data, "--out", out, "--json", "--epochs", "500", "--batch-size", "4", "--grad-accum", "1"], { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!child.killed && stdout.includes('"step":3,')) child.kill("SIGINT"); // once: a second Ctrl-C exits at once
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    const done = JSON.parse(stdout.trim().split("\n").at(-1)!) as { done: boolean; cancelled: boolean; steps: number; adapter: string; last_checkpoint?: string };
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/stopping after the current step/);
    expect(done).toMatchObject({ done: true, cancelled: true });
    expect(done.steps).toBeLessThan(500 * 6);
    // The checkpoint holds a loadable PEFT adapter, so "adapter" points there.
    expect(done.adapter).toBe(done.last_checkpoint);
    expect(fs.existsSync(path.join(done.adapter, "adapter_model.safetensors"))).toBe(true);
  }, 120_000);

  it("--resume from the checkpoint a Ctrl-C left continues the uninterrupted loss curve", async () => {
    const common = ["--model", modelDir, "--data", data, "--json", "--epochs", "4", "--batch-size", "4", "--grad-accum", "1", "--lr", "5e-3", "--seed", "7"];
    const losses = (stdout: string) => new Map(stdout.trim().split("\n").map((l) => JSON.parse(l) as { step?: number; loss?: number }).filter((l) => l.step !== undefined).map((l) => [l.step!, l.loss!]));
    const full = await tuneforge(["train", ...common, "--out", path.join(tmp, "full")]);
    expect(full.code, full.stderr).toBe(0);
    const reference = losses(full.stdout);

    const child = spawn(process.execPath, [bin, "train", ...common, "--out", path.join(tmp, "part")], { cwd: tmp, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!child.killed && stdout.includes('"step":5,')) child.kill("SIGINT");
    });
    await new Promise((resolve) => child.on("exit", resolve));
    const stopped = JSON.parse(stdout.trim().split("\n").at(-1)!) as { steps: number; last_checkpoint: string; cancelled: boolean };
    expect(stopped.cancelled).toBe(true);
    expect(stopped.steps).toBeLessThan(reference.size);

    const resumed = await tuneforge(["train", ...common, "--out", path.join(tmp, "part"), "--resume", stopped.last_checkpoint]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const rest = losses(resumed.stdout);
    expect(Math.min(...rest.keys())).toBe(stopped.steps + 1);
    expect(Math.max(...rest.keys())).toBe(reference.size);
    for (const [step, loss] of rest) expect(loss).toBeCloseTo(reference.get(step)!, 9);
    // The resumed run's own second step is the one it times by phase (its checkpoint says where it started).
    const profiled = resumed.stdout.trim().split("\n").map((l) => JSON.parse(l) as { step?: number; profile_ms?: unknown }).filter((l) => l.profile_ms);
    expect(profiled.map((l) => l.step)).toEqual([stopped.steps + 2]);
  }, 180_000);

  it("logprobs prints n − 1 values, changed by the adapter", async () => {
    const base = await logprobsOf(["--model", modelDir, "--tokens", "10,20,30,40,50"]);
    expect(base).toHaveLength(4);
    const tuned = await logprobsOf(["--model", modelDir, "--tokens", "10,20,30,40,50", "--adapter", adapter]);
    expect(tuned).toHaveLength(4);
    expect(tuned).not.toEqual(base);
  }, 60_000);

  it("generate is deterministic at temperature 0 and applies the chat template", async () => {
    const args = ["generate", "--model", modelDir, "--adapter", adapter, "--messages", JSON.stringify(colorTask(1)[0]!.messages.slice(0, 2)), "--max-tokens", "12", "--json"];
    const a = await tuneforge(args);
    const b = await tuneforge(args);
    expect(a.code, a.stderr).toBe(0);
    const ja = JSON.parse(a.stdout) as { completion: string; finish_reason: string; tokens: number[] };
    expect(JSON.parse(b.stdout)).toEqual(ja);
    expect(["stop", "length"]).toContain(ja.finish_reason);
    expect(ja.tokens.length).toBeGreaterThan(0);
  }, 60_000);

  it("merge writes a model whose logprobs match base + adapter", async () => {
    const merged = path.join(tmp, "merged");
    const r = await tuneforge(["merge", "--model", modelDir, "--adapter", adapter, "--out", merged]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) expect(fs.existsSync(path.join(merged, f))).toBe(true);
    const tokens = "335,100,101,102,103,336,335,120,121";
    const viaAdapter = await logprobsOf(["--model", modelDir, "--adapter", adapter, "--tokens", tokens]);
    const viaMerged = await logprobsOf(["--model", merged, "--tokens", tokens]);
    // The merged weights are stored in bf16, so agreement is to bf16 rounding, not bit-exact.
    viaMerged.forEach((x, i) => expect(Math.abs(x - viaAdapter[i]!)).toBeLessThan(0.05));
  }, 60_000);
});

describe("tuneforge bench trainer", () => {
  it("reports throughput, model GFLOP/s against a GEMM peak measured in the same run, and bytes/parameter", async () => {
    // A smoke test of the plumbing on the tiny preset; real figures come from `npm run bench trainer`.
    const r = await tuneforge(["bench", "trainer", "--preset", "tiny", "--seq-len", "64", "--steps", "3", "--peak-seconds", "0.2", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout) as Record<string, number>;
    expect(f.tokens_per_sec).toBeGreaterThan(0);
    expect(f.gemm_peak_gflops).toBeGreaterThan(0);
    expect(f.achieved_gflops).toBeCloseTo((f.tokens_per_sec! * f.flops_per_token!) / 1e9, 0);
    expect(f.percent_of_peak).toBeCloseTo((100 * f.achieved_gflops!) / f.gemm_peak_gflops!, 0);
    expect(f.weight_bytes_per_param).toBeGreaterThan(0);
    expect(f.load_seconds).toBeGreaterThan(0);
    expect((f as unknown as { backend: string }).backend).toBe("cpu");

    // --gradient-checkpointing reaches the trainer: it keeps each layer's input and attention output, not its other
    // intermediates, so its memory report is lower.
    const c = await tuneforge(["bench", "trainer", "--preset", "tiny", "--seq-len", "64", "--steps", "3", "--peak-seconds", "0.2", "--gradient-checkpointing", "--json"]);
    expect(c.code, c.stderr).toBe(0);
    const g = JSON.parse(c.stdout) as Record<string, number | boolean>;
    expect(g.gradient_checkpointing).toBe(true);
    expect(f.gradient_checkpointing as unknown).toBe(false);
    expect(g.peak_memory_bytes as number).toBeLessThan(f.peak_memory_bytes!);
  }, 120_000);

  it("--method dpo trains pairs: pairs/s, the FLOPs of a supervised pass, both answers of a pair in each pass", async () => {
    const base = ["bench", "trainer", "--preset", "tiny", "--seq-len", "64", "--steps", "3", "--batch-size", "2", "--peak-seconds", "0.2", "--json"];
    const sft = JSON.parse((await tuneforge(base)).stdout) as Record<string, number | string | null>;
    const r = await tuneforge([...base, "--method", "dpo"]);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as Record<string, number | string | null>;
    expect(d.method).toBe("dpo");
    // Both figures are printed to 4 significant digits, so they agree to about 1 part in 1,000.
    expect(Math.abs((d.pairs_per_sec as number) - (d.tokens_per_sec as number) / 128) / (d.pairs_per_sec as number)).toBeLessThan(1e-3);
    // One pass per micro-batch, its own loss weighing its gradient: the model FLOPs of a supervised pass.
    expect(d.flops_per_token).toBe(sft.flops_per_token);
    // 2 pairs per micro-batch are 4 sequences per pass: more activation memory than 2 chat sequences.
    expect(d.peak_memory_bytes as number).toBeGreaterThan(sft.peak_memory_bytes as number);
    const bad = await tuneforge([...base, "--method", "orpo"]);
    expectCleanFailure(bad, /--method must be sft or dpo, got "orpo"/);
  }, 120_000);

  it("--profile adds the last step's time by phase, as JSON and as lines", async () => {
    const args = ["bench", "trainer", "--preset", "tiny", "--seq-len", "64", "--steps", "3", "--peak-seconds", "0.2", "--profile"];
    const r = await tuneforge([...args, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const { profile_ms: p } = JSON.parse(r.stdout) as { profile_ms: Record<string, number> };
    expect(Object.keys(p)).toEqual([...STEP_PHASES, "step"]);
    const phases = STEP_PHASES.map((name) => p[name]!);
    // The CPU expands NF4 inside its matmuls: no dequant phase of its own. Everything else ran.
    expect(p.nf4_dequant).toBe(0);
    for (const name of STEP_PHASES) if (name !== "nf4_dequant") expect(p[name], name).toBeGreaterThan(0);
    const sum = phases.reduce((a, b) => a + b, 0);
    expect(sum).toBeLessThanOrEqual(p.step!);
    expect(sum).toBeGreaterThan(0.5 * p.step!);
    const plain = await tuneforge(args.slice(0, -1).concat("--json"));
    expect((JSON.parse(plain.stdout) as { profile_ms: unknown }).profile_ms).toBeNull();

    const text = await tuneforge(args);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^step by phase +[\d.]+ ms/m);
    expect(text.stdout).toMatch(/^ {2}frozen_matmul +[\d.]+ ms +[\d.]+ %$/m);
    expect(text.stdout).toMatch(/^ {2}other +-?[\d.]+ ms +-?[\d.]+ %$/m);
  }, 120_000);
});

/**
 * Two of the bench's figures agree: each is printed to 4 significant digits (cli/commands/bench/model.ts figure), so
 * one recomputed from another is within 2 × 5e-4 of it, relatively. An absolute ±0.05 fails by rounding alone once a
 * figure passes 100 (297.3 GB/s against 297.397 recomputed from the rounded decode rate, on a fast run).
 */
function expectSameFigure(got: number, recomputed: number): void {
  expect(Math.abs(got - recomputed)).toBeLessThanOrEqual(1e-3 * Math.abs(recomputed));
}

describe("tuneforge bench generate", () => {
  it("reports prefill and decode tokens/s and the weight bytes read per second", async () => {
    const r = await tuneforge(["bench", "generate", "--preset", "tiny", "--prompt-len", "16", "--max-tokens", "12", "--runs", "2", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout) as Record<string, number | string | null>;
    expect(f.backend).toBe("cpu");
    expect(f.prompt_len).toBe(16);
    expect(f.max_tokens).toBe(12);
    const decode = f.decode_tokens_per_sec as number;
    expect(decode).toBeGreaterThan(0);
    expect(f.prefill_tokens_per_sec as number).toBeGreaterThan(0);
    expect(f.ms_per_token as number).toBeCloseTo(1000 / decode, 1);
    expectSameFigure(f.weight_gb_read_per_sec as number, ((f.weight_bytes as number) * decode) / 1e9);
  }, 120_000);

  it("--batch N generates N prompts together: decode tokens/s counts every sequence, the weights are read once per step", async () => {
    const r = await tuneforge(["bench", "generate", "--preset", "tiny", "--prompt-len", "16", "--max-tokens", "12", "--runs", "1", "--batch", "4", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const f = JSON.parse(r.stdout) as Record<string, number | string | null>;
    expect(f.batch).toBe(4);
    const decode = f.decode_tokens_per_sec as number;
    // ms_per_token is the time of one step, which yields a token for each of the 4 sequences.
    expect(f.ms_per_token as number).toBeCloseTo((4 * 1000) / decode, 1);
    expectSameFigure(f.weight_gb_read_per_sec as number, ((f.weight_bytes as number) * decode) / 4 / 1e9);
    const bad = await tuneforge(["bench", "generate", "--preset", "tiny", "--batch", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--batch/);
  }, 120_000);

  it("names the benchmarks when none or an unknown one is given", async () => {
    for (const args of [["bench"], ["bench", "decode"]]) {
      const r = await tuneforge(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/tuneforge bench trainer \[options\]` or `tuneforge bench generate \[options\]/);
    }
  });
});

describe("trainer commands on bad input", () => {
  it("a missing model folder", async () => {
    expectCleanFailure(await tuneforge(["logprobs", "--model", path.join(tmp, "nope"), "--tokens", "1,2"]), /model folder .*nope does not exist/);
  });

  it("an unsupported architecture", async () => {
    const dir = path.join(tmp, "gpt2");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ architectures: ["GPT2LMHeadModel"], model_type: "gpt2" }));
    expectCleanFailure(await tuneforge(["logprobs", "--model", dir, "--tokens", "1,2"]), /GPT2LMHeadModel/);
  });

  it("DPO options that do not fit the data, and a chat line among preference pairs", async () => {
    fs.writeFileSync(path.join(tmp, "pairs-bad.jsonl"), toJsonl([...colorPreferences(2), ...colorTask(1)]));
    const base = ["train", "--model", modelDir, "--out", path.join(tmp, "never")];
    expectCleanFailure(await tuneforge([...base, "--data", "pairs-bad.jsonl", "--packing"]), /--packing does not apply to DPO/);
    expectCleanFailure(await tuneforge([...base, "--data", data, "--dpo-beta", "0.2"]), /--dpo-beta applies to preference pairs \(DPO\), but .*train\.jsonl holds chat examples/);
    expectCleanFailure(await tuneforge([...base, "--data", "pairs-bad.jsonl", "--dpo-beta", "0"]), /--dpo-beta must be between 0\.001 and 10, got 0/);
    expectCleanFailure(await tuneforge([...base, "--data", "pairs-bad.jsonl"]), /pairs-bad\.jsonl line 3 is a chat example .* among preference pairs/);
    expectCleanFailure(await tuneforge([...base, "--data", "no-such-pairs.jsonl"]), /cannot read no-such-pairs\.jsonl: no such file/);
    expect(fs.existsSync(path.join(tmp, "never"))).toBe(false);
  });

  it("examples with no reply within --max-seq-len: left out by line with a warning, and refused when none is left", async () => {
    const long = { messages: [{ role: "user", content: `${"Describe the weather again. ".repeat(40)}What color is the sky?` }, { role: "assistant", content: '{"color": "blue"}' }] };
    fs.writeFileSync(path.join(tmp, "some-long.jsonl"), toJsonl([...colorTask(4), long]));
    const base = ["train", "--model", modelDir, "--data", "some-long.jsonl", "--epochs", "1", "--batch-size", "4", "--json"];
    const r = await tuneforge([...base, "--max-seq-len", "96", "--out", path.join(tmp, "some-long")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("train: some-long.jsonl: 1 example has no trainable token within 96 tokens and is left out: line 5 (all of its assistant tokens lie beyond max_seq_len 96). Raise --max-seq-len or shorten their prompts to train on them.");
    const done = JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(done).toMatchObject({ done: true, steps: 1, examples: 4, skipped_examples: 1 });
    expectCleanFailure(await tuneforge([...base, "--max-seq-len", "8", "--out", path.join(tmp, "none-fit")]), /some-long\.jsonl: no example has a trainable token within 8 tokens: line 1 \(all of its assistant tokens lie beyond max_seq_len 8\);.*Raise the max sequence length or shorten the prompts/);
    expect(fs.existsSync(path.join(tmp, "none-fit"))).toBe(false);
  }, 60_000);

  it("a large file is tokenized on threads: the same examples left out, in file order, and training on the rest", async () => {
    const long = { messages: [{ role: "user", content: `${"Describe the weather again. ".repeat(40)}What color is the sky?` }, { role: "assistant", content: '{"color": "blue"}' }] };
    const lines = [...colorTask(4), ...Array.from({ length: 2100 }, () => long), ...colorTask(4, 4)];
    fs.writeFileSync(path.join(tmp, "large.jsonl"), toJsonl(lines));
    const r = await tuneforge(["train", "--model", modelDir, "--data", "large.jsonl", "--max-seq-len", "96", "--threads", "2", "--epochs", "1", "--batch-size", "4", "--json", "--out", path.join(tmp, "large")]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("train: large.jsonl: 2100 examples have no trainable token within 96 tokens and are left out: line 5 (all of its assistant tokens lie beyond max_seq_len 96); line 6 (");
    expect(JSON.parse(r.stdout.trim().split("\n").at(-1)!)).toMatchObject({ done: true, examples: 8, skipped_examples: 2100 });
  }, 120_000);

  it("a malformed JSONL line, by number", async () => {
    const bad = path.join(tmp, "bad.jsonl");
    fs.writeFileSync(bad, toJsonl(colorTask(2)) + "{not json\n");
    expectCleanFailure(await tuneforge(["train", "--model", modelDir, "--data", bad, "--out", path.join(tmp, "x")]), /bad\.jsonl line 3: not valid JSON/);
  });

  it("a sequence longer than max_position_embeddings", async () => {
    const long = Array.from({ length: 600 }, (_, i) => String(i % 300)).join(",");
    expectCleanFailure(await tuneforge(["logprobs", "--model", modelDir, "--tokens", long]), /600 tokens exceed the model's max_position_embeddings \(512\)/);
  });

  it("an adapter made for another base model", async () => {
    // The adapter from the first test has k/v of 64 outputs; this model's grouped-query k/v have 32.
    const other = writeTinyModel({ dir: path.join(tmp, "other-base"), gqa: true }).dir;
    const r = await tuneforge(["logprobs", "--model", other, "--adapter", adapter, "--tokens", "1,2,3"]);
    expectCleanFailure(r, /k_proj|v_proj|shape/);
  });

  it("an out-of-vocabulary token id", async () => {
    expectCleanFailure(await tuneforge(["logprobs", "--model", modelDir, "--tokens", "1,2,100000"]), /tokens\[2\] = 100000 is not a token id of this model/);
  });
});
