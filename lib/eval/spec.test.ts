import { describe, expect, it } from "vitest";
import { formatSpec, parseSpec, SpecError } from "./spec";

describe("parseSpec", () => {
  it.each([
    ["job:ckabc123", { kind: "job", jobId: "ckabc123" }],
    ["job:ckabc123@40", { kind: "job", jobId: "ckabc123", step: 40 }],
    ["local:tiny-chat", { kind: "local", model: "tiny-chat" }],
    ["local:tiny-chat+jobs/x/adapter", { kind: "local", model: "tiny-chat", adapter: "jobs/x/adapter" }],
    ["openai:gpt-4.1-mini-2025-04-14", { kind: "openai", model: "gpt-4.1-mini-2025-04-14" }],
    ["openai:ft:gpt-4.1-mini:acme::abc", { kind: "openai", model: "ft:gpt-4.1-mini:acme::abc" }],
    ["endpoint:http://127.0.0.1:8000/v1/#llama-3", { kind: "endpoint", baseUrl: "http://127.0.0.1:8000/v1", model: "llama-3" }],
    ["endpoint:https://h.example/v1#org/model#2", { kind: "endpoint", baseUrl: "https://h.example/v1#org/model", model: "2" }],
  ])("%s", (raw, want) => {
    expect(parseSpec(raw)).toEqual(want);
  });

  it("round-trips through formatSpec", () => {
    for (const raw of ["job:a@3", "local:m+a/b", "openai:gpt-4o", "endpoint:http://h:1/v1#m"]) expect(formatSpec(parseSpec(raw))).toBe(raw);
  });

  it.each([
    ["gpt-4o", "no kind"],
    ["job:", "nothing follows"],
    ["job:a b", "letters, digits"],
    ["job:a@0", "positive whole number"],
    ["job:a@1@2", "more than one"],
    ["local:+x", "model name is empty"],
    ["local:m+", "adapter folder"],
    ["endpoint:http://h/v1", "'#<model>'"],
    ["endpoint:nota url#m", "is not a URL"],
    ["endpoint:ftp://h#m", "http or https"],
    ["hf:meta/llama", 'unknown kind "hf"'],
  ])("refuses %s (%s)", (raw, reason) => {
    expect(() => parseSpec(raw)).toThrow(SpecError);
    expect(() => parseSpec(raw)).toThrow(reason);
  });
});
