import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { loadChatTokenizer } from "../tokenizer";
import { generateText } from "../tokenizer/generate";
import { closeCachedModels, isModelCached, releaseIdleModels, withCachedModel, workerPlacement, type ModelPlacement } from "./model-cache";

// Playground and evaluation replies on a GPU worker, with the addon on the emulated CUDA device: they run where
// the worker's jobs run (TUNEFORGE_LOCAL_BACKEND / _THREADS), so a worker told to keep to the CPU leaves the
// device alone, and by default replies are generated on the device.

/** The cached model itself (its turn ends at once; these tests only look at which model each request gets). */
const cachedModel = (name: string, modelDir: string, placement?: ModelPlacement) => withCachedModel(name, modelDir, async (m) => m, { placement });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "emu-model-cache-"));
const dir = writeTinyModel({ dir: path.join(tmp, "tiny-chat"), preset: "tiny", seed: 21 }).dir;
afterAll(async () => {
  await closeCachedModels();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("cached playground models on a GPU worker", () => {
  it("load where the worker trains: on the device by default, on the CPU when the worker is told so", async () => {
    expect(workerPlacement()).toEqual({ backend: "auto", threads: 0 });
    const onDevice = await cachedModel("tiny-device", dir);
    expect(onDevice.info().backend).toBe("cuda");
    const onCpu = await cachedModel("tiny-cpu", dir, { backend: "cpu", threads: 1 });
    expect(onCpu.info().backend).toBe("cpu");
    // The same request again is served by the loaded model.
    expect(await cachedModel("tiny-device", dir)).toBe(onDevice);
  });

  it("keep one model per name and backend: a reply moved to the CPU gets its own copy, and each side is freed on its own", async () => {
    await closeCachedModels();
    const cpu = { backend: "cpu" as const, threads: 1 };
    const onDevice = await cachedModel("tiny", dir);
    expect(isModelCached("tiny", dir, "auto")).toBe(true);
    expect(isModelCached("tiny", dir, "cpu")).toBe(false);
    const onCpu = await cachedModel("tiny", dir, cpu);
    expect(onCpu).not.toBe(onDevice);
    expect([onDevice.info().backend, onCpu.info().backend]).toEqual(["cuda", "cpu"]);
    expect(await cachedModel("tiny", dir)).toBe(onDevice);
    expect(await cachedModel("tiny", dir, cpu)).toBe(onCpu);
    // Before a run on the device: only the device copy goes.
    expect(await releaseIdleModels({ only: "device" })).toBe(1);
    expect([onDevice.closed, onCpu.closed]).toEqual([true, false]);
    expect(isModelCached("tiny", dir, "auto")).toBe(false);
    // After the run: the CPU copy goes.
    expect(await releaseIdleModels({ only: "cpu" })).toBe(1);
    expect(onCpu.closed).toBe(true);
    expect(isModelCached("tiny", dir, "cpu")).toBe(false);
  });

  it("generate a reply on the device that streams as it is returned", async () => {
    const model = await cachedModel("tiny-device", dir);
    const chat = loadChatTokenizer(dir);
    let streamed = "";
    const [reply] = await generateText(model, chat, [chat.encode("What color is the sky?")], { maxTokens: 12, stopStrings: [], onText: (_, t) => (streamed += t) });
    expect(reply!.text.length).toBeGreaterThan(0);
    expect(streamed).toBe(reply!.text);
  });
});
