import { expect } from "vitest";
import { runTuneforge, type Run } from "./run-bin";

// Test-only helpers of the trainer CLI's int tests (cli/trainer.int.test.ts, cli/trainer-families.int.test.ts).

/** Exited non-zero with `message` on stderr, by itself (no signal) and without a stack trace. */
export function expectCleanFailure(r: Run, message: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m); // a message, not a stack trace
}

/** `train` until a tiny model knows the color task: a high learning rate, every projection adapted, no dropout. */
export const learnTheTask = (model: string, file: string, out: string, epochs: number) => [
  "train", "--model", model, "--data", file, "--out", out, "--json", "--epochs", String(epochs), "--lr", "1e-2", "--rank", "8", "--alpha", "16",
  "--dropout", "0", "--batch-size", "4", "--grad-accum", "1", "--warmup-ratio", "0", "--targets", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
];

/** `tuneforge logprobs ARGS` run in `cwd`: its values, after checking it succeeded quietly. */
export async function logprobsIn(cwd: string, args: string[]): Promise<number[]> {
  const r = await runTuneforge(["logprobs", ...args], cwd);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { logprobs: number[] }).logprobs;
}
