import { describe, expect, it } from "vitest";
import { UsageError } from "../../args";
import { parseCreateArgs, parseIdArgs, parseListArgs } from "./args";
import { hasFromFlag, parseFromCreateArgs } from "./from";

const base = ["--provider", "openai", "--data", "train.jsonl", "--model", "gpt-4o-mini-2024-07-18"];

describe("jobs create arguments", () => {
  it("reads every flag into the launch request's terms", () => {
    const a = parseCreateArgs([...base, "--validation", "val.jsonl", "--suffix", "bot", "--epochs", "3", "--batch-size", "8", "--lr-multiplier", "0.5", "--seed", "42", "--wait", "--interval", "0.2", "--json"]);
    expect(a).toEqual({
      provider: "openai",
      data: "train.jsonl",
      validation: "val.jsonl",
      model: "gpt-4o-mini-2024-07-18",
      suffix: "bot",
      seed: 42,
      hyperparameters: { nEpochs: 3, batchSize: 8, learningRateMultiplier: 0.5 },
      wait: true,
      json: true,
      intervalMs: 200,
      url: undefined,
    });
    // Flags left out are left out of the request: OpenAI's "auto".
    expect(parseCreateArgs(base)).toMatchObject({ hyperparameters: {}, wait: false, intervalMs: 5000 });
    expect(Object.keys(parseCreateArgs(base).hyperparameters)).toEqual([]);
  });

  it.each([
    [["--data", "t.jsonl", "--model", "m"], "jobs create: --provider openai|local is required."],
    [["--provider", "hf", "--data", "t.jsonl", "--model", "m"], 'jobs create: --provider must be openai or local, got "hf".'],
    [["--provider", "openai", "--model", "m"], "jobs create: --data FILE.jsonl is required (the training examples)."],
    [["--provider", "openai", "--data", "t.jsonl"], "jobs create: --model is required, e.g. --model gpt-4o-mini-2024-07-18."],
    [[...base, "--epochs", "0"], 'jobs: --epochs must be a whole number from 1 to 50, got "0".'],
    [[...base, "--epochs", "2.5"], 'jobs: --epochs must be a whole number from 1 to 50, got "2.5".'],
    [[...base, "--batch-size", "257"], 'jobs: --batch-size must be a whole number from 1 to 256, got "257".'],
    [[...base, "--lr-multiplier=-1"], 'jobs: --lr-multiplier must be a number above 0, got "-1".'],
    [[...base, "--lr-multiplier", "0"], 'jobs: --lr-multiplier must be a number above 0, got "0".'],
    [[...base, "--seed", "abc"], 'jobs: --seed must be a whole number from 0 to 2147483647, got "abc".'],
    [[...base, "--suffix", "x".repeat(65)], "jobs create: --suffix must be 1 to 64 characters, got 65."],
    [[...base, "extra.jsonl"], 'jobs create: unexpected argument "extra.jsonl"; pass the file with --data FILE.jsonl.'],
  ])("refuses %j", (args, message) => {
    expect(() => parseCreateArgs(args)).toThrow(new UsageError(message));
  });

  it("names unknown flags and where to look", () => {
    expect(() => parseCreateArgs([...base, "--epoch", "3"])).toThrow(/^jobs: Unknown option '--epoch'\. Run `tuneforge jobs --help` for usage\.$/);
  });
});

describe("jobs create --provider local arguments", () => {
  const local = ["--provider", "local", "--data", "train.jsonl", "--model", "tiny-chat"];

  it("takes every training flag of `tuneforge train` into the shared local config, defaults for the rest", () => {
    const a = parseCreateArgs([
      ...local, "--quant", "nf4", "--double-quant", "--backend", "cpu", "--rank", "8", "--alpha", "16", "--dropout", "0.1", "--rslora", "--targets", "all-linear",
      "--epochs", "2", "--batch-size", "2", "--grad-accum", "8", "--lr", "1e-4", "--weight-decay", "0", "--schedule", "linear", "--warmup-ratio", "0.1",
      "--max-grad-norm", "0.5", "--max-seq-len", "512", "--seed", "7", "--eval-every", "10", "--checkpoint-every", "20", "--packing", "--gradient-checkpointing", "--dpo-beta", "0.25", "--json",
      "--early-stopping-patience", "3", "--early-stopping-threshold", "0.01", "--keep-best",
    ]);
    expect(a.provider).toBe("local");
    expect(a.model).toBe("tiny-chat");
    expect(a.local).toEqual({
      lora: { rank: 8, alpha: 16, dropout: 0.1, rslora: true, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] },
      quantization: { quant: "nf4", doubleQuant: true },
      training: {
        epochs: 2, batchSize: 2, gradAccum: 8, lr: 1e-4, weightDecay: 0, schedule: "linear", warmupRatio: 0.1, maxGradNorm: 0.5, seed: 7,
        maxSeqLen: 512, packing: true, gradientCheckpointing: true, backend: "cpu", evalEvery: 10, checkpointEvery: 20, dpoBeta: 0.25,
        earlyStoppingPatience: 3, earlyStoppingThreshold: 0.01, keepBest: true,
      },
    });
    expect(parseCreateArgs(local).local).toMatchObject({ lora: { rank: 16, alpha: 32, targets: ["q_proj", "k_proj", "v_proj", "o_proj"] }, quantization: { quant: "nf4", doubleQuant: true }, training: { epochs: 3, lr: 2e-4, dpoBeta: 0.1, earlyStoppingPatience: 0, keepBest: false } });
  });

  it.each([
    [[...local, "--rank", "0"], "jobs create: --rank: rank must be 1 to 1024."],
    [[...local, "--quant", "int8"], 'jobs create: --quant: must be "nf4" or "none".'],
    [[...local, "--quant", "none", "--double-quant"], "jobs create: --double-quant: double quantization needs nf4."],
    [[...local, "--targets", "q_proj,mlp"], "jobs create: --targets: must be among q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj."],
    [[...local, "--lr", "fast"], 'jobs create: --lr must be a number, got "fast".'],
    [[...local, "--dpo-beta", "0"], "jobs create: --dpo-beta: DPO beta must be 0.001 to 10."],
    [[...local, "--early-stopping-patience", "1.5"], "jobs create: --early-stopping-patience: early stopping patience must be a whole number."],
    [[...local, "--threads", "4"], "jobs create: --threads is a setting of the GPU worker (TUNEFORGE_LOCAL_THREADS), not of a job."],
    [["--provider", "local", "--data", "t.jsonl"], "jobs create: --model is required: a model folder in the server's models directory, e.g. --model SmolLM2-135M-Instruct."],
  ])("refuses %j", (args, message) => {
    expect(() => parseCreateArgs(args)).toThrow(new UsageError(message));
  });
});

describe("jobs list / show / cancel / attach arguments", () => {
  it("splits --status and refuses unknown ones", () => {
    expect(parseListArgs(["--status", "running, queued", "--json"])).toEqual({ status: ["running", "queued"], json: true, url: undefined });
    expect(() => parseListArgs(["--status", "done"])).toThrow(/jobs list: unknown --status done; use one or more of queued, .*cancelled/);
  });

  it("passes --before (the cursor of the page to list after) as given", () => {
    expect(parseListArgs(["--before", "1796280570123_cmx770hou"])).toEqual({ status: [], before: "1796280570123_cmx770hou", json: false, url: undefined });
  });

  it("takes exactly one id", () => {
    expect(parseIdArgs("show", "job ID", ["abc", "--url", "http://h:1"])).toEqual({ id: "abc", json: false, url: "http://h:1" });
    expect(() => parseIdArgs("cancel", "job ID", [])).toThrow("jobs cancel: pass exactly one job ID (got 0).");
  });
});

describe("jobs create --from arguments (checked before the job is fetched)", () => {
  it("takes the id and the flags of either provider, left for the job's draft to apply", () => {
    expect(hasFromFlag(["--from=abc"])).toBe(true);
    expect(hasFromFlag(base)).toBe(false);
    const a = parseFromCreateArgs(["--from", " abc ", "--epochs", "2", "--no-keep-best", "--lr-multiplier", "0.5", "--wait", "--interval", "0.5"]);
    expect(a).toMatchObject({ from: "abc", wait: true, json: false, intervalMs: 500, values: { epochs: "2", "no-keep-best": true, "lr-multiplier": "0.5" } });
  });
  it("refuses what no job could make sense of", () => {
    expect(() => parseFromCreateArgs(["--from", ""])).toThrow("jobs create: --from needs a job id");
    expect(() => parseFromCreateArgs(["--from", "abc", "extra"])).toThrow('jobs create: unexpected argument "extra"');
    expect(() => parseFromCreateArgs(["--from", "abc", "--provider", "azure"])).toThrow('jobs create: --provider must be openai or local, got "azure".');
    expect(() => parseFromCreateArgs(["--from", "abc", "--suffix", "x".repeat(65)])).toThrow("jobs create: --suffix must be 1 to 64 characters, got 65.");
    expect(() => parseFromCreateArgs(["--from", "abc", "--epochz", "2"])).toThrow(UsageError);
  });
});
