import { describe, expect, it } from "vitest";
import { UsageError } from "../../args";
import { parseCreateArgs, parseIdArgs, parseListArgs } from "./args";

const base = ["--provider", "openai", "--data", "train.jsonl", "--model", "gpt-4o-mini-2024-07-18"];

describe("jobs create arguments", () => {
  it("reads every flag into the launch request's terms", () => {
    const a = parseCreateArgs([...base, "--validation", "val.jsonl", "--suffix", "bot", "--epochs", "3", "--batch-size", "8", "--lr-multiplier", "0.5", "--seed", "42", "--wait", "--interval", "0.2", "--json"]);
    expect(a).toEqual({
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
    expect(parseCreateArgs(base)).toMatchObject({ hyperparameters: { nEpochs: undefined, batchSize: undefined, learningRateMultiplier: undefined }, wait: false, intervalMs: 5000 });
  });

  it.each([
    [["--data", "t.jsonl", "--model", "m"], "jobs create: --provider openai is required."],
    [["--provider", "local", "--data", "t.jsonl", "--model", "m"], 'jobs create: --provider must be openai (local training is not available from the CLI yet), got "local".'],
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

describe("jobs list / show / cancel / attach arguments", () => {
  it("splits --status and refuses unknown ones", () => {
    expect(parseListArgs(["--status", "running, queued", "--json"])).toEqual({ status: ["running", "queued"], json: true, url: undefined });
    expect(() => parseListArgs(["--status", "done"])).toThrow(/jobs list: unknown --status done; use one or more of queued, .*cancelled/);
  });

  it("takes exactly one id", () => {
    expect(parseIdArgs("show", "job ID", ["abc", "--url", "http://h:1"])).toEqual({ id: "abc", json: false, url: "http://h:1" });
    expect(() => parseIdArgs("cancel", "job ID", [])).toThrow("jobs cancel: pass exactly one job ID (got 0).");
  });
});
