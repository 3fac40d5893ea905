import { describe, expect, it } from "vitest";
import { formatStepProfile, stepProfileLine, stepProfileShares } from "./step-profile";

const profile = { frozen_matmul: 40, nf4_dequant: 0, lora: 10, attention: 15, attention_backward: 20, elementwise: 5, loss_head: 6, optimizer: 1, step: 100 };

describe("--profile's step by phase", () => {
  it("lists the phases that took time, largest first, then the time in no phase, as shares of the step", () => {
    expect(stepProfileShares(profile)).toEqual([
      { phase: "frozen_matmul", ms: 40, percent: 40 },
      { phase: "attention_backward", ms: 20, percent: 20 },
      { phase: "attention", ms: 15, percent: 15 },
      { phase: "lora", ms: 10, percent: 10 },
      { phase: "loss_head", ms: 6, percent: 6 },
      { phase: "elementwise", ms: 5, percent: 5 },
      { phase: "optimizer", ms: 1, percent: 1 },
      { phase: "other", ms: 3, percent: 3 },
    ]);
  });

  it("prints aligned lines under the step's wall time", () => {
    const lines = formatStepProfile(profile);
    expect(lines[0]).toBe("step by phase    100.00 ms (the last step, marked; see --profile)");
    expect(lines[1]).toBe("  frozen_matmul           40.00 ms   40.0 %");
    expect(lines.at(-1)).toBe("  other                    3.00 ms    3.0 %");
    expect(new Set(lines.slice(1).map((l) => l.indexOf(" ms"))).size).toBe(1);
  });

  it("says it in one line for a job's log", () => {
    expect(stepProfileLine(2, "cuda", { ...profile, frozen_matmul: 40.25, step: 1000.4 })).toBe(
      "Step 2 took 1000 ms on the cuda backend: frozen matmul 40.3 ms (4 %), attention backward 20 ms (2 %), attention 15 ms (1 %), lora 10 ms (1 %), loss head 6 ms (1 %), elementwise 5 ms (0 %), optimizer 1 ms (0 %), other 903 ms (90 %).",
    );
  });

  it("refuses a step without wall time", () => {
    expect(() => stepProfileShares({ ...profile, step: 0 })).toThrow(/no wall time/);
  });
});
