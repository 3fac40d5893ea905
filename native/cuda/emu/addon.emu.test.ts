import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeGemms, gemmsHint } from "../../../lib/health/gpu-words";
import { nativeAddonDisplayPath, nativeStatus } from "../../../lib/health/native";
import { writeTinyModel } from "../../../lib/testing/tiny-model";
import { colorTask } from "../../../lib/testing/tiny-model/task";
import { loadChatTokenizer, tokenizeDataset } from "../../../lib/tokenizer";
import { runProcess } from "../../../cli/testing/run-bin";
import { loadNativeAddon, withAbort, NATIVE_ADDON_ENV, type NativeAddon, type NativeModel, type StepReport, type TrainExample, type TrainOptions } from "../../index";

// The addon's cuda paths, which a CPU-only machine never runs: the same binding sources linked against the CUDA
// emulator (addon.cmake), loaded through TUNEFORGE_NATIVE_ADDON (the vitest "emu" project sets it). The device is
// the emulator's "sm_90"; every kernel is the real .cu code. What this cannot show: speed, and races between
// threads that truly run at once (native/gpu/check.sh on a GPU).

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "emu-addon-"));
let addon: NativeAddon;
let onDevice: NativeModel;
let onCpu: NativeModel;
let examples: TrainExample[];
let modelDir: string;

beforeAll(async () => {
  addon = loadNativeAddon();
  modelDir = writeTinyModel({ dir: path.join(tmp, "model"), seed: 3 }).dir;
  onDevice = await addon.loadModel({ modelDir, threads: 2 });
  onCpu = await addon.loadModel({ modelDir, threads: 2, backend: "cpu" });
  const chat = loadChatTokenizer(modelDir);
  examples = tokenizeDataset(chat, colorTask(16).map((ex, i) => ({ ...ex, line: i + 1 })), { maxSeqLen: 128, file: "task" }).examples;
});
afterAll(() => {
  for (const m of [onDevice, onCpu]) if (m && !m.busy) m.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const options = (out: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
  lora: { rank: 4, alpha: 8, dropout: 0 },
  epochs: 2,
  batchSize: 4,
  gradAccum: 1,
  lr: 1e-2,
  warmupRatio: 0,
  maxSeqLen: 128,
  seed: 11,
  outDir: path.join(tmp, out),
  ...extra,
});

async function train(model: NativeModel, out: string, extra: Partial<TrainOptions> = {}) {
  const reports: StepReport[] = [];
  const result = await model.train(examples, null, options(out, extra), (r) => reports.push(r));
  return { result, reports };
}

const maxAbsDiff = (a: number[], b: number[]) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe("the addon on the emulated GPU", () => {
  it("reports the cuda backend and its device, and health says so with the file it loaded", () => {
    expect(process.env[NATIVE_ADDON_ENV]).toMatch(/tuneforge_native_emu\.node$/);
    expect(addon.backendsBuilt()).toEqual(["cpu", "cuda"]);
    const { devices, reason } = addon.cudaDevices();
    expect(reason).toBeNull();
    expect(devices).toEqual([expect.objectContaining({ index: 0, sm: 90, name: expect.stringMatching(/emulator/) })]);
    const status = nativeStatus(process.cwd());
    expect(status).toMatchObject({ ok: true, built: true, backendsBuilt: ["cpu", "cuda"] });
    expect(nativeAddonDisplayPath(process.cwd())).toBe(path.resolve(process.env[NATIVE_ADDON_ENV]!));
    expect(status.message).toMatch(/^native addon built with cpu, cuda; CUDA device: tuneforge CUDA emulator .*\(sm_90, 16\.0 GiB\); GEMMs: the built-in WMMA kernels, not cuBLASLt \(the CUDA emulator's cuBLASLt is off; TF_CUDA_EMU_CUBLASLT=1 turns it on\)$/);
    // What doctor says about a device's GEMMs: nothing for the emulator (a test instrument), cuBLASLt, or kernels
    // TF_CUDA_GEMM=wmma asked for; how to get libcublasLt when it does not load; that GPU jobs fail when
    // TF_CUDA_GEMM=cublaslt cannot be met.
    expect(gemmsHint(status)).toBeNull();
    expect(gemmsHint({ ...status, cudaGemms: "wmma (TF_CUDA_GEMM=wmma)" })).toBeNull();
    expect(gemmsHint({ ...status, cudaGemms: "cublaslt 13.0.2 (libcublasLt.so.13)" })).toBeNull();
    const missing = "wmma (libcublasLt could not be loaded (libcublasLt.so.13: cannot open shared object file))";
    expect(gemmsHint({ ...status, cudaGemms: missing })).toMatch(/slower than cuBLASLt: put the folder .*LD_LIBRARY_PATH .*find-cublaslt\.sh/);
    expect(gemmsHint({ ...status, cudaDevices: [], cudaGemms: missing })).toBeNull();  // no GPU: nothing to speed up
    expect(gemmsHint({ ...status, cudaGemms: "unusable (TF_CUDA_GEMM=cublaslt, but libcublasLt could not be loaded (x))" }))
      .toBe("every GPU job would fail: TF_CUDA_GEMM=cublaslt, but libcublasLt could not be loaded (x); fix or unset TF_CUDA_GEMM");
    expect(describeGemms("cublaslt 13.0.2 (libcublasLt.so.13)")).toBe("cuBLASLt 13.0.2 (libcublasLt.so.13)");
  });

  it('"auto" loads onto the device, "cpu" stays on the host', () => {
    expect(onDevice.info().backend).toBe("cuda");
    expect(onCpu.info().backend).toBe("cpu");
    // Unquantized weights are bf16 on the device and fp32 on the host.
    expect(onDevice.info().weightBytes / onCpu.info().weightBytes).toBeCloseTo(0.5, 2);
  });

  it("reads the device's free memory as models take and give it back", async () => {
    const before = addon.cudaMemory();
    expect(before.totalBytes).toBe(16 * 2 ** 30);
    const another = await addon.loadModel({ modelDir, threads: 2 });
    const loaded = addon.cudaMemory();
    // At least the bf16 weights went to the device; closing gives all of it back.
    expect(before.freeBytes - loaded.freeBytes).toBeGreaterThanOrEqual(another.info().weightBytes);
    another.close();
    expect(addon.cudaMemory().freeBytes).toBe(before.freeBytes);
    expect(() => addon.cudaMemory(1)).toThrow("CUDA memory: device 1 is not usable (missing or below sm_80)");
  });

  it("measures the device's bf16 GEMM peak at the size asked for, and names a bad size", async () => {
    expect(await addon.gemmPeakGflops({ backend: "cuda", size: 256, seconds: 0.05 })).toBeGreaterThan(0);
    await expect(addon.gemmPeakGflops({ backend: "cuda", size: 300 })).rejects.toThrow(/size must be a multiple of 128, got 300/);
    await expect(addon.gemmPeakGflops({ backend: "cpu", size: 256 })).rejects.toThrow(/size applies to the cuda backend only/);
    await expect(addon.gemmPeakGflops({ backend: "cuda", size: 128 })).rejects.toThrow(TypeError);
  });

  it("trains along the CPU backend's loss curve and reports the device memory it holds", async () => {
    const cuda = await train(onDevice, "cuda-run");
    const cpu = await train(onCpu, "cpu-run");
    expect(cuda.reports.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // bf16 compute with fp32 accumulation against the CPU's fp32: within 1 % at every step, and both learn.
    for (const [i, r] of cuda.reports.entries()) expect(Math.abs(r.loss - cpu.reports[i]!.loss) / cpu.reports[i]!.loss).toBeLessThan(0.01);
    expect(cuda.result.finalLoss).toBeLessThan(cuda.reports[0]!.loss);
    // The first step says where device memory goes; the step reports carry what the arena and weights hold.
    expect(cuda.reports[0]!.memoryReport).toMatch(/^CUDA memory:\n {2}frozen weights: .*\n {2}total held: [\d.]+ MiB\n {2}device: [\d.]+ GiB free of 16\.00 GiB\n?$/s);
    expect(cuda.reports[0]!.memoryReport).not.toBe(cpu.reports[0]!.memoryReport);
    const held = Number(/total held: ([\d.]+) MiB/.exec(cuda.reports[0]!.memoryReport!)![1]) * 2 ** 20;
    expect(Math.abs(cuda.reports[0]!.memoryBytes - held) / held).toBeLessThan(0.01);
    expect(cuda.reports.slice(1).every((r) => r.memoryReport === undefined && r.memoryBytes > 0 && r.tokensPerSec > 0 && r.gradNorm > 0)).toBe(true);
    // The device-trained adapter is an ordinary PEFT folder: the CPU backend scores with it like the device does.
    const ids = examples[0]!.tokens;
    const viaCpu = await onCpu.logprobs(ids, cuda.result.adapterDir);
    const viaDevice = await onDevice.logprobs(ids, cuda.result.adapterDir);
    expect(maxAbsDiff(viaCpu, viaDevice)).toBeLessThan(0.05);
    expect(maxAbsDiff(viaCpu, await onCpu.logprobs(ids))).toBeGreaterThan(0.1); // the adapter changed the model
  });

  it("an abort on the device stops at a step boundary, and the run resumes on the device from its checkpoint", async () => {
    // Three epochs of 4 steps: steps before the abort, a checkpoint, and at least two after the resume.
    const epochs = 3, total = 12;
    const controller = new AbortController();
    const seen: StepReport[] = [];
    const result = await withAbort(onDevice, controller.signal, () =>
      onDevice.train(examples, null, options("cancelled", { epochs, checkpointEvery: 2 }), (r) => {
        seen.push(r);
        if (r.step === 3) controller.abort();
      }),
    );
    expect(result.cancelled).toBe(true);
    expect(result.steps).toBeGreaterThanOrEqual(3);
    expect(result.steps).toBeLessThan(total);
    // A cancelled run keeps a checkpoint of the step it stopped after.
    const stoppedAt = seen.at(-1)!.step;
    // Reports reach JavaScript through a queue, so the run may stop a few steps after 3. The first resumed step's loss
    // comes from the checkpoint's weights alone; only the ones after it show AdamW's moments were restored.
    expect(stoppedAt).toBeLessThanOrEqual(total - 2);
    expect(result.lastCheckpoint).toMatch(new RegExp(`step-${stoppedAt}$`));
    const resumed = await train(onDevice, "resumed", { epochs, checkpointEvery: 2, resumeFrom: result.lastCheckpoint });
    expect(resumed.reports.map((r) => r.step)).toEqual(Array.from({ length: total - stoppedAt }, (_, i) => i + stoppedAt + 1));
    // The resumed steps repeat an uninterrupted run's: the adapter, AdamW's fp32 moments and the data order all
    // come back from the checkpoint (a resume that restarted the moments would be off by far more).
    const whole = await train(onDevice, "uninterrupted", { epochs, checkpointEvery: 2 });
    expect(whole.reports).toHaveLength(total);
    for (const r of resumed.reports) expect(Math.abs(r.loss - whole.reports[r.step - 1]!.loss) / r.loss).toBeLessThan(1e-4);
  });

  it("leaves faults outside emulated kernels to V8: a WebAssembly out-of-bounds load still throws", async () => {
    // V8 turns wasm bounds faults (guard pages) into RuntimeErrors from its SIGSEGV handler; the emulator installs
    // its own at the first kernel and must pass such faults on (fault.cc), or the process dies. In a child process,
    // so a regression kills the child and not the test runner.
    const script = `
      const addon = require(process.env.${NATIVE_ADDON_ENV});
      addon.gemmPeakGflops({ backend: "cuda", size: 256, seconds: 0.01 }).then(async (gflops) => {
        // (module (memory 1) (func (export "f") (param i32) (result i32) local.get 0 i32.load))
        const bytes = new Uint8Array([0,97,115,109,1,0,0,0, 1,6,1,96,1,127,1,127, 3,2,1,0, 5,3,1,0,1, 7,5,1,1,102,0,0, 10,9,1,7,0,32,0,40,2,0,11]);
        const { instance } = await WebAssembly.instantiate(bytes);
        instance.exports.f(16);
        try { instance.exports.f(1 << 20); console.log("no trap"); } catch (e) { console.log(gflops > 0 ? "kernel ran; " + e.constructor.name + ": " + e.message : "no kernel"); }
      });`;
    const r = await runProcess(process.execPath, ["-e", script], { cwd: process.cwd() });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.stdout.trim()).toBe("kernel ran; RuntimeError: memory access out of bounds");
  });

  it("generates on the device: greedy, streamed as returned, stopped by a stop token", async () => {
    const streamed: number[] = [];
    const [a] = await onDevice.generate([[1, 2, 3]], { maxTokens: 8, stopTokenIds: [] }, (i, t) => i === 0 && streamed.push(t));
    expect(a!.tokens).toHaveLength(8);
    expect(a!.finishReason).toBe("length");
    expect(streamed).toEqual(a!.tokens);
    const stop = a!.tokens[2]!;
    const [b] = await onDevice.generate([[1, 2, 3]], { maxTokens: 8, stopTokenIds: [stop] });
    expect(b!.finishReason).toBe("stop");
    expect(b!.tokens).toEqual(a!.tokens.slice(0, a!.tokens.indexOf(stop))); // the stop token is not returned
  });

  it("generates a batch on the device: the prompts advance together and each gets what it gets alone", async () => {
    const prompts = [[1, 2, 3], [7, 8], [4, 5, 6, 9, 10]];
    const order: number[] = [];
    const batch = await onDevice.generate(prompts, { maxTokens: 6, stopTokenIds: [] }, (i) => order.push(i));
    // Step by step: token j of prompt 0, 1, 2, then token j + 1 of each.
    expect(order).toEqual(Array.from({ length: 18 }, (_, k) => k % 3));
    for (const [i, p] of prompts.entries()) {
      const [alone] = await onDevice.generate([p], { maxTokens: 6, stopTokenIds: [] });
      expect(batch[i]!.tokens, `prompt ${i}`).toEqual(alone!.tokens);
    }
  });
});
