import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// The models directory must be set before lib/env is first read (hoisted above the imports).
const modelsRoot = vi.hoisted(() => {
  const dir = `${process.env.TMPDIR ?? "/tmp"}/tf-sweep-${process.pid}-${Date.now()}`;
  process.env.TUNEFORGE_MODELS_DIR = dir;
  return dir;
});

import { createPrismaClient } from "../../db/client";
import { dataDir } from "../../env";
import { HttpError } from "../../http/errors";
import { closeQueues, queues } from "../../queue/queues";
import { writeTinyModel } from "../../testing/tiny-model";
import { colorTask, toJsonl } from "../../testing/tiny-model/task";
import { createFrozenVersion, type LocalVersionFixture } from "../local/test-support";
import { removeLocalJobs } from "../../../workers/gpu-jobs-testing";
import { launchLocalSweep } from "./sweep";

// A sweep against Postgres, Redis (the gpu-jobs queue) and a tiny model in the models directory: every value a
// job with that value and the rest the same, queued; a value the checks refuse launches none.

const db = createPrismaClient();
const fixtures: LocalVersionFixture[] = [];
let version: LocalVersionFixture;

beforeAll(async () => {
  mkdirSync(modelsRoot, { recursive: true });
  writeTinyModel({ dir: path.join(modelsRoot, "tiny-chat"), preset: "tiny", seed: 7 });
  version = await createFrozenVersion(db, dataDir(), { name: "sweep", train: toJsonl(colorTask(8)), validation: toJsonl(colorTask(4, 8)) });
  fixtures.push(version);
});

afterAll(async () => {
  await removeLocalJobs(db, fixtures);
  await closeQueues();
  await db.$disconnect();
  rmSync(modelsRoot, { recursive: true, force: true });
});

const launch = () => ({
  provider: "local",
  datasetVersionId: version.versionId,
  baseModel: "tiny-chat",
  suffix: "colors",
  config: { lora: { rank: 8 }, quantization: { quant: "none" }, training: { epochs: 2, lr: 0.01, backend: "cpu", keepBest: true } },
});

describe("launchLocalSweep", () => {
  it("launches one queued job per value, the rest of the settings the same", async () => {
    const jobs = await launchLocalSweep({ launch: launch(), sweep: { field: "lr", values: [0.001, 0.01, 0.05] } });
    expect(jobs.map((j) => [j.status, j.suffix, j.hyperparameters.lr])).toEqual([
      ["queued", "colors lr=0.001", 0.001],
      ["queued", "colors lr=0.01", 0.01],
      ["queued", "colors lr=0.05", 0.05],
    ]);
    const rest = jobs.map((j) => ({ ...j.hyperparameters, lr: undefined }));
    expect(rest[1]).toEqual(rest[0]);
    expect(rest[2]).toEqual(rest[0]);
    expect(jobs[0]!.hyperparameters).toMatchObject({ epochs: 2, keepBest: true, backend: "cpu" });
    expect(new Set(jobs.map((j) => JSON.stringify(j.loraConfig))).size).toBe(1);
    for (const j of jobs) expect(await queues().get("gpu-jobs").getJob(`finetune-${j.id}`)).toBeTruthy();
  });

  it("launches none when one value is refused, naming the value", async () => {
    const before = await db.fineTuneJob.count({ where: { datasetVersionId: version.versionId } });
    const err = await launchLocalSweep({ launch: launch(), sweep: { field: "rank", values: [8, 4096] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 400, code: "invalid_field", message: "rank = 4096: config.lora.rank: rank must be 1 to 1024." });
    // An issue of every variant is reported once, as the form shows it.
    const missing = await launchLocalSweep({ launch: { ...launch(), baseModel: "no-such-model" }, sweep: { field: "rank", values: [4, 8] } }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "model_not_found" });
    expect((missing as HttpError).details).toMatchObject({ issues: [{ field: "baseModel", code: "model_not_found" }] });
    expect(await db.fineTuneJob.count({ where: { datasetVersionId: version.versionId } })).toBe(before);
  });

  it("refuses a sweep of OpenAI jobs and a malformed sweep", async () => {
    await expect(launchLocalSweep({ launch: { ...launch(), provider: "openai" }, sweep: { field: "lr", values: [1, 2] } })).rejects.toMatchObject({ status: 400, code: "provider_unsupported" });
    await expect(launchLocalSweep({ launch: launch(), sweep: { field: "lr", values: [1] } })).rejects.toMatchObject({ status: 400, message: "sweep.values: a sweep needs at least 2 values." });
  });
});
