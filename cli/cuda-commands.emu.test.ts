import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NATIVE_ADDON_ENV } from "../native/index";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { colorTask, toJsonl } from "../lib/testing/tiny-model/task";
import type { DoctorReport } from "./doctor/checks";
import { jsonOf, runTuneforge } from "./testing/run-bin";

// The CLI commands that load a model, with --backend cuda, on the addon linked against the CUDA emulator (the vitest
// "emu" project points TUNEFORGE_NATIVE_ADDON at it): what a user on a GPU machine runs first. Each is compared with
// the cpu backend on the same model: close (bf16 on the device, fp32 on the host), and not bit-identical, which
// shows the flag reached the device. `bench` has its own files (commands/bench/*-cuda.emu.test.ts).

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cuda-commands-"));
let modelDir: string;
let data: string;

const tf = (...args: string[]) => runTuneforge(args, tmp);
const maxAbsDiff = (a: number[], b: number[]) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
const logprobs = async (...args: string[]) => jsonOf<{ logprobs: number[] }>(await tf("logprobs", "--model", modelDir, "--tokens", TOKENS, ...args)).logprobs;
const TOKENS = "5,17,42,99,120,7,64,200,31,8";

type StepLine = { step: number; loss: number; memory_bytes: number };
async function train(backend: string, out: string) {
  const r = await tf("train", "--model", modelDir, "--data", data, "--out", path.join(tmp, out), "--backend", backend, "--json", "--quant", "nf4", "--double-quant",
    "--rank", "8", "--dropout", "0", "--epochs", "2", "--batch-size", "4", "--grad-accum", "1", "--lr", "3e-3", "--warmup-ratio", "0", "--seed", "3");
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  return { steps: lines.filter((l) => "step" in l) as StepLine[], done: lines.at(-1) as { done: boolean; adapter: string; final_loss: number } };
}

let cuda: Awaited<ReturnType<typeof train>>;

beforeAll(async () => {
  modelDir = writeTinyModel({ dir: path.join(tmp, "model"), seed: 5 }).dir;
  data = path.join(tmp, "train.jsonl");
  fs.writeFileSync(data, toJsonl(colorTask(16)));
  cuda = await train("cuda", "adapter-cuda");
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("CLI commands on the emulated GPU (--backend cuda)", () => {
  it("doctor reports the emulated addon: both backends, its device and the file it loaded", async () => {
    const r = await tf("doctor", "--json");
    const native = (JSON.parse(r.stdout) as DoctorReport).checks.native;
    // The emulator's own cuBLASLt is off here (tests turn it on), which is no reason for a warning (lib/health/native.ts gemmsHint).
    expect(native).toMatchObject({ status: "ok", built: true, backendsBuilt: ["cpu", "cuda"], cudaReason: null, path: path.resolve(process.env[NATIVE_ADDON_ENV]!) });
    expect(native.hint).toBeUndefined();
    expect(path.isAbsolute(native.path)).toBe(true);
    expect(native.cudaDevices).toEqual([{ index: 0, name: expect.stringMatching(/emulator/), sm: 90, totalBytes: 16 * 2 ** 30 }]);
    expect(native.cudaGemms).toBe("wmma (the CUDA emulator's cuBLASLt is off; TF_CUDA_EMU_CUBLASLT=1 turns it on)");
    expect(native.message).toMatch(/; GEMMs: the built-in WMMA kernels, not cuBLASLt \(the CUDA emulator's cuBLASLt is off; TF_CUDA_EMU_CUBLASLT=1 turns it on\)$/);
  });

  it("train --backend cuda follows the cpu backend's loss curve and writes an adapter", async () => {
    expect(cuda.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(cuda.done).toMatchObject({ done: true, adapter: path.join(tmp, "adapter-cuda") });
    expect(fs.existsSync(path.join(cuda.done.adapter, "adapter_model.safetensors"))).toBe(true);
    expect(cuda.done.final_loss).toBeLessThan(cuda.steps[0]!.loss);
    expect(cuda.steps.every((s) => s.memory_bytes > 0)).toBe(true);
    const cpu = await train("cpu", "adapter-cpu");
    cuda.steps.forEach((s, i) => expect(Math.abs(s.loss - cpu.steps[i]!.loss) / cpu.steps[i]!.loss).toBeLessThan(0.01));
    expect(cuda.steps.map((s) => s.loss)).not.toEqual(cpu.steps.map((s) => s.loss));
  });

  it("logprobs --backend cuda with the device-trained adapter agree with the cpu backend's", async () => {
    const onDevice = await logprobs("--backend", "cuda", "--adapter", cuda.done.adapter);
    const onHost = await logprobs("--backend", "cpu", "--adapter", cuda.done.adapter);
    expect(onDevice).toHaveLength(9);
    expect(maxAbsDiff(onDevice, onHost)).toBeLessThan(0.05);
    expect(onDevice).not.toEqual(onHost);
    expect(maxAbsDiff(onHost, await logprobs("--backend", "cpu"))).toBeGreaterThan(0.1); // the adapter is applied
  });

  it("generate --backend cuda streams the cpu backend's greedy reply", async () => {
    const args = ["generate", "--model", modelDir, "--adapter", cuda.done.adapter, "--messages", JSON.stringify(colorTask(1)[0]!.messages.slice(0, -1)), "--max-tokens", "12", "--json"];
    const onDevice = jsonOf<{ tokens: number[]; finish_reason: string }>(await tf(...args, "--backend", "cuda"));
    const onHost = jsonOf<{ tokens: number[] }>(await tf(...args, "--backend", "cpu"));
    expect(onDevice.tokens.length).toBeGreaterThan(0);
    expect(onDevice.tokens).toEqual(onHost.tokens);
    // Without --backend the model goes to the device too (auto), and says nothing on stderr.
    const auto = await tf(...args);
    expect(auto.stderr).toBe("");
    expect(jsonOf<{ tokens: number[] }>(auto).tokens).toEqual(onDevice.tokens);
  });

  it("merge (auto: on the device here) writes a model that scores like base + adapter", async () => {
    const out = path.join(tmp, "merged");
    const r = await tf("merge", "--model", modelDir, "--adapter", cuda.done.adapter, "--out", out);
    expect(r.code, r.stderr).toBe(0);
    const merged = jsonOf<{ logprobs: number[] }>(await tf("logprobs", "--model", out, "--tokens", TOKENS, "--backend", "cpu")).logprobs;
    // The merged weights are bf16: agreement to bf16 rounding.
    expect(maxAbsDiff(merged, await logprobs("--backend", "cpu", "--adapter", cuda.done.adapter))).toBeLessThan(0.05);
  });
});
