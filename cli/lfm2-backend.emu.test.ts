import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadNativeAddon } from "../native/index";
import { writeTinyModel } from "../lib/testing/tiny-model";

// LFM2's conv layers have no CUDA kernels: on the addon linked against the CUDA emulator (a usable device), backend
// auto keeps an LFM2 on the CPU while a Llama goes to the device, and backend cuda is refused naming why.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfm2-backend-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("an LFM2 on a machine with a CUDA device", () => {
  it("loads on the CPU under auto and is refused under cuda", async () => {
    const addon = loadNativeAddon();
    const lfm2 = writeTinyModel({ dir: path.join(tmp, "lfm2"), seed: 1, lfm2: true }).dir;
    const llama = writeTinyModel({ dir: path.join(tmp, "llama"), seed: 1 }).dir;
    const onDevice = await addon.loadModel({ modelDir: llama, quant: "none", backend: "auto", threads: 2 });
    expect(onDevice.info().backend).toBe("cuda");
    onDevice.close();
    const auto = await addon.loadModel({ modelDir: lfm2, quant: "none", backend: "auto", threads: 2 });
    expect(auto.info()).toMatchObject({ backend: "cpu", convLayers: 1 });
    auto.close();
    await expect(addon.loadModel({ modelDir: lfm2, quant: "none", backend: "cuda", threads: 2 })).rejects.toThrow(
      "Lfm2ForCausalLM's short-convolution layers run on the CPU backend only so far",
    );
  });
});
