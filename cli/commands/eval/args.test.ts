import { describe, expect, it } from "vitest";
import { parseEvalCreateArgs, parseEvalExportArgs, parseEvalIdArgs, parseEvalListArgs } from "./args";

const base = ["--candidate", "job:abc", "--baseline", "openai:gpt-4o-mini"];

describe("eval create args", () => {
  it("reads a version, specs, generation and wait flags", () => {
    const a = parseEvalCreateArgs(["--dataset-version", "v1", ...base, "--judge", "endpoint:http://127.0.0.1:8000/v1#judge", "--rubric", "be strict", "--split", "train", "--limit", "50", "--concurrency", "16", "--temperature", "0.2", "--max-tokens", "256", "--thinking", "off", "--wait", "--interval", "0.5", "--json"]);
    expect(a).toEqual({
      source: { kind: "version", id: "v1" },
      candidate: "job:abc",
      baseline: "openai:gpt-4o-mini",
      judge: "endpoint:http://127.0.0.1:8000/v1#judge",
      rubric: "be strict",
      jsonSchemaFile: undefined,
      split: "train",
      name: undefined,
      limit: 50,
      concurrency: 16,
      temperature: 0.2,
      maxTokens: 256,
      thinking: "off",
      wait: true,
      json: true,
      intervalMs: 500,
      url: undefined,
    });
  });

  it("refuses a thinking mode it does not know", () => {
    expect(() => parseEvalCreateArgs(["--dataset-version", "v1", ...base, "--thinking", "no"])).toThrow('eval create: --thinking must be default, off, on, got "no".');
  });

  it("reads --data and defaults", () => {
    expect(parseEvalCreateArgs(["--data", "f.jsonl", ...base])).toMatchObject({ source: { kind: "file", file: "f.jsonl" }, wait: false, json: false, intervalMs: 2000 });
  });

  it("refuses what the server would refuse, naming the flag", () => {
    expect(() => parseEvalCreateArgs(base)).toThrow("eval create: say what to evaluate on");
    expect(() => parseEvalCreateArgs(["--data", "f", "--dataset-version", "v", ...base])).toThrow("pass either --data FILE.jsonl or --dataset-version ID, not both");
    expect(() => parseEvalCreateArgs(["--data", "f", "--baseline", "openai:x"])).toThrow("eval create: --candidate SPEC is required");
    expect(() => parseEvalCreateArgs(["--data", "f", "--candidate", "local:", "--baseline", "openai:x"])).toThrow('eval create: --candidate: "local:" is not a model spec');
    expect(() => parseEvalCreateArgs(["--dataset-version", "v", ...base, "--split", "test"])).toThrow('--split must be train or validation, got "test"');
    expect(() => parseEvalCreateArgs(["--data", "f", ...base, "--split", "train"])).toThrow("--split applies to --dataset-version");
    expect(() => parseEvalCreateArgs(["--data", "f", ...base, "--rubric", "x"])).toThrow("--rubric needs --judge SPEC");
    expect(() => parseEvalCreateArgs(["--data", "f", ...base, "--temperature", "3"])).toThrow('eval: --temperature must be a number from 0 to 2, got "3"');
    expect(() => parseEvalCreateArgs(["--data", "f", ...base, "--concurrency", "65"])).toThrow('eval: --concurrency must be a whole number from 1 to 64, got "65"');
    expect(() => parseEvalCreateArgs(["--data", "f", ...base, "extra"])).toThrow('unexpected argument "extra"');
    expect(() => parseEvalCreateArgs(["--data", "f", ...base, "--jsn"])).toThrow(/Unknown option '--jsn'/);
  });
});

describe("eval show/list/export args", () => {
  it("takes exactly one id", () => {
    expect(parseEvalIdArgs("show", ["r1", "--json"])).toEqual({ id: "r1", json: true, url: undefined });
    expect(() => parseEvalIdArgs("show", [])).toThrow("eval show: pass exactly one evaluation ID (got 0).");
  });

  it("list statuses are checked", () => {
    expect(parseEvalListArgs(["--status", "running,queued", "--job", "j1"])).toEqual({ status: ["running", "queued"], jobId: "j1", json: false, url: undefined });
    expect(() => parseEvalListArgs(["--status", "done"])).toThrow("eval list: unknown --status done");
    expect(parseEvalListArgs(["--before", "1796280570123_n_cmx77a"])).toEqual({ status: [], jobId: undefined, before: "1796280570123_n_cmx77a", json: false, url: undefined });
  });

  it("export format defaults to csv", () => {
    expect(parseEvalExportArgs(["r1"])).toEqual({ id: "r1", format: "csv", out: undefined, url: undefined });
    expect(parseEvalExportArgs(["r1", "--format", "json", "--out", "x.json"])).toMatchObject({ format: "json", out: "x.json" });
    expect(() => parseEvalExportArgs(["r1", "--format", "xlsx"])).toThrow('--format must be csv or json, got "xlsx"');
  });
});
