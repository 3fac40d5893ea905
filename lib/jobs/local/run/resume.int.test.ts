import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../../db/client";
import { jobOutputDir } from "./paths";
import { resumePlan } from "./run";
import { loggedStep } from "./test-helpers";

// Which checkpoint a resumed local job starts from, with the stored curve in real Postgres and checkpoint folders on
// disk as the native trainer leaves them. A killed worker's curve can lag behind its checkpoints: a checkpoint past
// the curve is used only when its log (trainer_state.json log_history) has every missing step, which then come back
// as `restored` (stored by the sink: sink.int.test.ts; the log itself: checkpoint-log.test.ts).

const db = createPrismaClient();
const jobIds: string[] = [];
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "tf-resume-"));
});
afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: jobIds } } });
  await rm(dataDir, { recursive: true, force: true });
  await db.$disconnect();
});

const TOTAL = 40;
const logged = loggedStep;

/** A job whose stored curve ends at `stored` (the points a killed worker got into Postgres). */
async function jobWithCurve(stored: number): Promise<{ id: string; dirOf: (step: number) => string }> {
  const job = await db.fineTuneJob.create({ data: { provider: "local", status: "running", baseModel: "tiny-chat" } });
  jobIds.push(job.id);
  await db.metricPoint.createMany({ data: Array.from({ length: stored }, (_, i) => ({ jobId: job.id, step: i + 1, trainLoss: 1, totalSteps: TOTAL })) });
  return { id: job.id, dirOf: (step) => path.join(jobOutputDir(dataDir, job.id), "checkpoints", `step-${step}`) };
}

/** A safetensors file with no tensors: the header's byte length (u64 little-endian), then the header `{}`. */
function emptySafetensors(): Buffer {
  const header = Buffer.from("{}", "utf8");
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([size, header]);
}

/**
 * checkpoints/step-N as the trainer writes it: the PEFT adapter, the optimizer moments and trainer_state.json (last).
 * resumePlan only checks the tensor files exist, so they are valid but empty safetensors files. `log`: the steps in log_history,
 * null for a checkpoint written before the trainer kept one; `complete: false` leaves trainer_state.json out.
 */
function writeCheckpoint(dir: string, step: number, o: { log?: number[] | null; evalAt?: number; complete?: boolean } = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "adapter_config.json"), JSON.stringify({ peft_type: "LORA", r: 8 }));
  writeFileSync(path.join(dir, "adapter_model.safetensors"), emptySafetensors());
  writeFileSync(path.join(dir, "optimizer.safetensors"), emptySafetensors());
  if (o.complete === false) return;
  const log = o.log === undefined ? Array.from({ length: step }, (_, i) => i + 1) : o.log;
  const state = {
    format: 1,
    step,
    total_steps: TOTAL,
    epoch: 0,
    next_micro_batch: step,
    rows: step,
    seed: "0000000000000007",
    optimizer_steps: step,
    rng: Array.from({ length: 6 }, (_, i) => `000000000000000${i}`),
    params: ["model.layers.0.self_attn.q_proj.lora_A", "model.layers.0.self_attn.q_proj.lora_B"],
    ...(log ? { log_history: log.map((s) => logged(s, s === o.evalAt ? { eval_loss: 0.25 } : {})) } : {}),
  };
  writeFileSync(path.join(dir, "trainer_state.json"), JSON.stringify(state) + "\n");
}

describe("resumePlan", () => {
  // The curve stops at step 3; the killed run left step-2 (which the curve reaches), step-4, a damaged step-5 (no
  // trainer_state.json) and step-6, whose log has steps 1-6.
  async function lagging() {
    const job = await jobWithCurve(3);
    writeCheckpoint(job.dirOf(2), 2);
    writeCheckpoint(job.dirOf(4), 4);
    writeCheckpoint(job.dirOf(5), 5, { complete: false });
    writeCheckpoint(job.dirOf(6), 6, { evalAt: 6 });
    return job;
  }
  const report = (step: number, extra: Record<string, unknown> = {}) => ({
    step,
    totalSteps: TOTAL,
    loss: 2 / step,
    lr: 1e-4,
    gradNorm: 0.5 + step,
    tokensPerSec: 1000 * step,
    memoryBytes: 2 ** 33,
    ...extra,
  });

  it("resumes from a checkpoint past the stored curve whose log fills the gap, restoring the missing steps", async () => {
    const job = await lagging();
    const plan = await resumePlan(db, dataDir, job.id);
    expect(plan.resume).toEqual({ step: 6, path: `jobs/${job.id}/checkpoints/step-6`, dir: job.dirOf(6) });
    expect(plan.stored).toBe(3);
    expect(plan.skipped).toEqual([]);
    // Exactly steps 4-6, in order, with the log's figures; a folder is attached only where a resumable checkpoint
    // is (4 and 6: the sink lists them again), not to the damaged step-5.
    expect(plan.restored).toStrictEqual([
      report(4, { checkpointDir: job.dirOf(4) }),
      report(5),
      report(6, { validLoss: 0.25, checkpointDir: job.dirOf(6) }),
    ]);
  });

  it("passes over newer checkpoints whose log leaves a gap, for an older one the stored curve reaches", async () => {
    const job = await jobWithCurve(3);
    writeCheckpoint(job.dirOf(2), 2);
    writeCheckpoint(job.dirOf(4), 4, { log: null }); // written before the trainer kept a log
    writeCheckpoint(job.dirOf(6), 6, { log: [1, 2, 3, 4, 6] }); // step 5 missing
    writeCheckpoint(job.dirOf(8), 8, { complete: false }); // never finished
    const plan = await resumePlan(db, dataDir, job.id);
    // Resuming from 4 or 6 would leave unstored steps in the curve; step-2 is behind it, so nothing is restored.
    expect(plan.resume).toEqual({ step: 2, path: `jobs/${job.id}/checkpoints/step-2`, dir: job.dirOf(2) });
    expect(plan.skipped).toEqual([8, 6, 4]); // newest first, as they were tried
    expect(plan.restored).toEqual([]);
  });

  it("with fromLog: false (cancel: no run follows to store restored steps) uses only a checkpoint the curve reaches", async () => {
    const job = await lagging();
    const plan = await resumePlan(db, dataDir, job.id, { fromLog: false });
    expect(plan.resume).toEqual({ step: 2, path: `jobs/${job.id}/checkpoints/step-2`, dir: job.dirOf(2) });
    expect(plan.skipped).toEqual([6, 5, 4]);
    expect(plan.restored).toEqual([]);
  });
});
