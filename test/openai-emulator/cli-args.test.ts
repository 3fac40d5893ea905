import { describe, expect, it } from "vitest";
import { parseEmulatorArgs } from "./cli-args";

describe("emulator CLI flags", () => {
  it("defaults to port 3199 on loopback with no timing or fault overrides", () => {
    expect(parseEmulatorArgs([])).toEqual({ port: 3199, host: "127.0.0.1", apiKeys: undefined, manualClock: false, timing: {}, faults: {} });
  });

  it("maps timing and fault flags onto the emulator's options", () => {
    const o = parseEmulatorArgs([
      "--port", "0", "--step-ms", "100", "--file-processing-ms", "300", "--validating-ms", "1500", "--queued-ms", "0",
      "--training-not-available", "--rate-limit-next", "2", "--retry-after-seconds", "0.5", "--server-error-next", "1",
      "--drop-job-create-responses", "1", "--fail-file-processing-next", "3", "--stall-file-processing", "--manual-clock",
      "--api-key", "sk-a", "--api-key", "sk-b",
    ]);
    expect(o).toEqual({
      port: 0, host: "127.0.0.1", apiKeys: ["sk-a", "sk-b"], manualClock: true,
      timing: { stepMs: 100, fileProcessingMs: 300, validatingMs: 1500, queuedMs: 0 },
      faults: { trainingNotAvailable: true, rateLimitNext: 2, retryAfterSeconds: 0.5, serverErrorNext: 1, dropJobCreateResponses: 1, failFileProcessingNext: 3, stallFileProcessing: true },
    });
  });

  it("takes a chat completion latency", () => {
    expect(parseEmulatorArgs(["--chat-latency-ms", "250"]).chatLatencyMs).toBe(250);
    expect(() => parseEmulatorArgs(["--chat-latency-ms", "fast"])).toThrow('--chat-latency-ms must be a number >= 0, got "fast"');
  });

  it("names the flag and the expected value when one is wrong", () => {
    expect(() => parseEmulatorArgs(["--step-ms", "0"])).toThrow('--step-ms must be a number >= 1, got "0"');
    expect(() => parseEmulatorArgs(["--rate-limit-next", "1.5"])).toThrow('--rate-limit-next must be an integer >= 0, got "1.5"');
    expect(() => parseEmulatorArgs(["--port", "70000"])).toThrow("--port must be an integer >= 0 and <= 65535");
    expect(() => parseEmulatorArgs(["--retry-after-seconds", "61"])).toThrow("--retry-after-seconds must be a number >= 0 and <= 60");
    expect(() => parseEmulatorArgs(["--nope"])).toThrow(/nope/);
  });
});
