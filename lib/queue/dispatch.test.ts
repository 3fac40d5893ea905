import { UnrecoverableError, type Job } from "bullmq";
import { describe, expect, it, vi } from "vitest";
import { createProcessor } from "./dispatch";

const fakeJob = (name: string, data: unknown) => ({ id: "1", name, data }) as unknown as Job;

describe("createProcessor", () => {
  it("hands a parsed payload to the handler of its name", async () => {
    const run = vi.fn(async (p: { evalRunId: string }) => `ran ${p.evalRunId}`);
    const processor = createProcessor("eval", { "eval.run": run });
    await expect(processor(fakeJob("eval.run", { evalRunId: "e1" }))).resolves.toBe("ran e1");
    expect(run).toHaveBeenCalledWith({ evalRunId: "e1" }, expect.anything());
  });

  it("logs and completes a job with an unknown name without running a handler", async () => {
    const run = vi.fn(async () => "never");
    const warn = vi.fn();
    const processor = createProcessor("eval", { "eval.run": run }, { warn });
    await expect(processor(fakeJob("eval.frobnicate", { secret: "x" }))).resolves.toEqual({ skipped: "unknown job name" });
    expect(run).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toContain('unknown name "eval.frobnicate"');
    // Payloads may hold personal data and are not logged.
    expect(warn.mock.calls[0]?.[0]).not.toContain("secret");
  });

  it("fails a known job with a bad payload at once, without retries", async () => {
    const run = vi.fn(async () => "never");
    const processor = createProcessor("eval", { "eval.run": run });
    const result = processor(fakeJob("eval.run", { evalRunId: 7 }));
    await expect(result).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(result).rejects.toThrow(/eval\/eval\.run: evalRunId/);
    expect(run).not.toHaveBeenCalled();
  });
});
