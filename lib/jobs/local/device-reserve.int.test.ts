import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "../../db/client";
import { trainingDeviceBytes } from "../../models/device-need";
import { describeModel } from "../../models/scan";
import { writeTinyModel } from "../../testing/tiny-model";
import { localConfigSchema } from "./config";
import { jobDeviceReserve } from "./device-reserve";
import { storedLocalConfig } from "./stored";

// What a local job will hold on a GPU worker's device, read from its stored row (the GPU worker shares the device
// with playground replies by it): the estimate when it trains there, nothing when it trains on the CPU, and
// "unknown" (Infinity) when its configuration or model cannot be read.

const db = createPrismaClient();
const modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), "device-reserve-"));
const dir = writeTinyModel({ dir: path.join(modelsDir, "tiny-chat"), preset: "tiny", seed: 3 }).dir;
const ids: string[] = [];
afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: ids } } });
  await db.$disconnect();
  fs.rmSync(modelsDir, { recursive: true, force: true });
});

async function job(baseModel: string, config: unknown, method: "supervised" | "dpo" = "supervised"): Promise<string> {
  const parsed = localConfigSchema.safeParse(config);
  const stored = parsed.success ? storedLocalConfig(parsed.data) : { loraConfig: { lora: { rank: "eight" } }, hyperparameters: {} };
  const row = await db.fineTuneJob.create({ data: { provider: "local", status: "queued", baseModel, method, ...stored } });
  ids.push(row.id);
  return row.id;
}

describe("a local job's device reserve", () => {
  it("is the job's training estimate when it trains on the device, and nothing when it trains on the CPU", async () => {
    const config = { quantization: { quant: "none" }, training: { backend: "auto", batchSize: 2, maxSeqLen: 256 } };
    const model = await describeModel({ name: "tiny-chat", dir });
    const expected = trainingDeviceBytes(model, localConfigSchema.parse(config));
    expect(expected).toBeGreaterThan(0);
    const auto = await job("tiny-chat", config);
    const reserve = await jobDeviceReserve(db, auto, { modelsDir, backend: "cuda" });
    expect(reserve!.bytes).toBe(expected);
    // Once the run has tokenized its data: the estimate at its longest example, never above the first one.
    expect(reserve!.atLongestExample(40)).toBe(trainingDeviceBytes(model, localConfigSchema.parse(config), { longestExample: 40 }));
    expect(reserve!.atLongestExample(40)).toBeLessThan(expected);
    expect(reserve!.atLongestExample(100_000)).toBe(expected);
    // "auto" on a worker that trains on the CPU, or a job that asks for the CPU: the device stays the replies'.
    expect(await jobDeviceReserve(db, auto, { modelsDir, backend: "cpu" })).toBeNull();
    const cpu = await job("tiny-chat", { ...config, training: { ...config.training, backend: "cpu" } });
    expect(await jobDeviceReserve(db, cpu, { modelsDir, backend: "cuda" })).toBeNull();
    expect(await jobDeviceReserve(db, "no-such-job", { modelsDir, backend: "cuda" })).toBeNull();
  });

  it("counts both answers of each pair in a DPO job's passes: a micro-batch of 4 pairs holds 8 sequences", async () => {
    const config = { quantization: { quant: "none" }, training: { backend: "cuda", batchSize: 4, maxSeqLen: 256 } };
    const model = await describeModel({ name: "tiny-chat", dir });
    const eight = trainingDeviceBytes(model, localConfigSchema.parse({ ...config, training: { ...config.training, batchSize: 8 } }));
    const dpo = await jobDeviceReserve(db, await job("tiny-chat", config, "dpo"), { modelsDir, backend: "cuda" });
    expect(dpo!.bytes).toBe(eight);
    expect(dpo!.bytes).toBeGreaterThan((await jobDeviceReserve(db, await job("tiny-chat", config), { modelsDir, backend: "cuda" }))!.bytes);
    expect(dpo!.atLongestExample(40)).toBe(trainingDeviceBytes(model, localConfigSchema.parse(config), { longestExample: 40, dpo: true }));
  });

  it("counts a run without checkpointing checkpointed on a device that has no room for it otherwise, as the CUDA backend runs it", async () => {
    const config = { quantization: { quant: "none" }, training: { backend: "cuda", batchSize: 2, maxSeqLen: 256 } };
    const parsed = localConfigSchema.parse(config);
    const model = await describeModel({ name: "tiny-chat", dir });
    const asked = trainingDeviceBytes(model, parsed);
    const checkpointed = trainingDeviceBytes(model, localConfigSchema.parse({ ...config, training: { ...config.training, gradientCheckpointing: true } }));
    expect(checkpointed).toBeLessThan(asked);
    const id = await job("tiny-chat", config);
    // A device with room for the run and the step's headroom (64 MiB here): the run as asked.
    const roomy = await jobDeviceReserve(db, id, { modelsDir, backend: "cuda", deviceTotalBytes: asked + 64 * 2 ** 20 });
    expect(roomy!.bytes).toBe(asked);
    // One byte less: the backend will checkpoint, and the reserve says so. Once the data turns out short (40 tokens),
    // the run fits as asked again.
    const tight = await jobDeviceReserve(db, id, { modelsDir, backend: "cuda", deviceTotalBytes: asked + 64 * 2 ** 20 - 1 });
    expect(tight!.bytes).toBe(checkpointed);
    expect(tight!.atLongestExample(40)).toBe(trainingDeviceBytes(model, parsed, { longestExample: 40 }));
    expect(tight!.atLongestExample(40)).toBeLessThan(checkpointed);
    // Unknown size: as asked. A checkpointed run is counted as it is whatever the device.
    expect((await jobDeviceReserve(db, id, { modelsDir, backend: "cuda" }))!.bytes).toBe(asked);
    const ckpt = await job("tiny-chat", { ...config, training: { ...config.training, gradientCheckpointing: true } });
    expect((await jobDeviceReserve(db, ckpt, { modelsDir, backend: "cuda", deviceTotalBytes: 1 }))!.bytes).toBe(checkpointed);
  });

  it("is unknown (Infinity) when the stored configuration or the model cannot be read", async () => {
    const broken = await job("tiny-chat", null);
    const missing = await job("no-such-model", {});
    for (const id of [broken, missing]) {
      const reserve = await jobDeviceReserve(db, id, { modelsDir, backend: "cuda" });
      expect(reserve!.bytes).toBe(Infinity);
      // Reading the data does not make an unknown model or configuration known.
      expect(reserve!.atLongestExample(40)).toBe(Infinity);
    }
  });
});
