import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loggedStepsSince } from "./checkpoint-log";
import { loggedStep } from "./test-helpers";

// trainer_state.json as native/src/train/checkpoint.cc writes it (the fields this module reads, and some it does not).
const dirs: string[] = [];
function checkpoint(state: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-ckpt-log-"));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, "trainer_state.json"), typeof state === "string" ? state : JSON.stringify(state));
  return dir;
}
const logged = loggedStep;
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("loggedStepsSince", () => {
  it("gives the steps after the stored curve up to the checkpoint's own, as step reports", () => {
    const dir = checkpoint({ format: 1, step: 6, total_steps: 40, log_history: [1, 2, 3, 4, 5, 6].map((s) => logged(s, s === 6 ? { eval_loss: 0.25 } : {})) });
    const got = loggedStepsSince(dir, 6, 3)!;
    expect(got.map((r) => r.step)).toEqual([4, 5, 6]);
    expect(got[0]).toEqual({ step: 4, totalSteps: 40, loss: 0.5, lr: 1e-4, gradNorm: 4.5, tokensPerSec: 4000, memoryBytes: 2 ** 33 });
    expect(got[2]!.validLoss).toBe(0.25);
    expect(loggedStepsSince(dir, 6, 6)).toEqual([]); // the curve reaches the checkpoint: nothing to restore
    const nan = checkpoint({ step: 2, total_steps: 40, log_history: [logged(1), logged(2, { eval_loss: null as unknown as number })] });
    expect(loggedStepsSince(nan, 2, 0)!.map((r) => "validLoss" in r)).toEqual([false, false]); // null: no validation loss
  });

  it("gives a DPO run's rewards (TRL's keys) back as the report's reward fields, validation ones where evaluated", () => {
    const rewards = (s: number) => ({ "rewards/accuracies": s / 8, "rewards/margins": 0.125 * s });
    const dir = checkpoint({ step: 4, total_steps: 8, log_history: [1, 2, 3, 4].map((s) => logged(s, s === 4 ? { ...rewards(s), eval_loss: 0.5, "eval_rewards/accuracies": 0.75, "eval_rewards/margins": 0.625 } : rewards(s))) });
    const got = loggedStepsSince(dir, 4, 2)!;
    expect(got[0]).toEqual({ step: 3, totalSteps: 8, loss: 2 / 3, lr: 1e-4, gradNorm: 3.5, tokensPerSec: 3000, memoryBytes: 2 ** 33, rewardAccuracy: 0.375, rewardMargin: 0.375 });
    expect(got[1]).toMatchObject({ step: 4, rewardAccuracy: 0.5, rewardMargin: 0.5, validLoss: 0.5, validRewardAccuracy: 0.75, validRewardMargin: 0.625 });
  });

  it("is null when the log misses a step, is absent (an older checkpoint) or the file is damaged", () => {
    expect(loggedStepsSince(checkpoint({ step: 6, total_steps: 40, log_history: [1, 2, 3, 5, 6].map((s) => logged(s)) }), 6, 2)).toBeNull();
    expect(loggedStepsSince(checkpoint({ step: 6, total_steps: 40 }), 6, 2)).toBeNull();
    expect(loggedStepsSince(checkpoint("{ not json"), 6, 2)).toBeNull();
    expect(loggedStepsSince(checkpoint({ step: 6, total_steps: 40, log_history: [{ step: 3, loss: "high" }] }), 6, 2)).toBeNull();
    expect(loggedStepsSince(path.join(os.tmpdir(), "tf-no-such-checkpoint"), 6, 2)).toBeNull();
  });
});
