import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadNativeAddon } from "../native/index";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { colorTask, toJsonl } from "../lib/testing/tiny-model/task";
import { jsonOf, runTuneforge } from "./testing/run-bin";

// An LFM2 (a conv layer and an attention layer) on the addon linked against the CUDA emulator: auto puts it on the
// device, and training, scoring and generation there follow the cpu backend (bf16 on the device, fp32 on the host:
// close, not bit-identical), through the conv layers' kernels (native/cuda/short_conv.cu) and their decoding state.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lfm2-backend-"));
const tf = (...args: string[]) => runTuneforge(args, tmp);
const maxAbsDiff = (a: number[], b: number[]) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
let modelDir: string;
let data: string;

type StepLine = { step: number; loss: number };
async function train(backend: string, out: string) {
  const r = await tf("train", "--model", modelDir, "--data", data, "--out", path.join(tmp, out), "--backend", backend, "--json", "--quant", "nf4",
    "--rank", "8", "--dropout", "0", "--epochs", "2", "--batch-size", "4", "--grad-accum", "1", "--lr", "3e-3", "--warmup-ratio", "0", "--seed", "3",
    "--packing", "--targets", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj");
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  return { steps: lines.filter((l) => "step" in l) as StepLine[], adapter: path.join(tmp, out) };
}

beforeAll(() => {
  modelDir = writeTinyModel({ dir: path.join(tmp, "lfm2"), seed: 1, lfm2: true }).dir;
  data = path.join(tmp, "train.jsonl");
  fs.writeFileSync(data, toJsonl(colorTask(16)));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("an LFM2 on a machine with a CUDA device", () => {
  it("loads on the device under auto", async () => {
    const model = await loadNativeAddon().loadModel({ modelDir, quant: "none", backend: "auto", threads: 2 });
    expect(model.info()).toMatchObject({ backend: "cuda", convLayers: 1, convKernel: 3 });
    model.close();
  });

  it("trains, scores and generates on the device as on the cpu backend", async () => {
    const cuda = await train("cuda", "adapter-cuda");
    const cpu = await train("cpu", "adapter-cpu");
    expect(cuda.steps.length).toBeGreaterThan(1);
    expect(cuda.steps.map((s) => s.step)).toEqual(cpu.steps.map((s) => s.step));
    cuda.steps.forEach((s, i) => expect(Math.abs(s.loss - cpu.steps[i]!.loss) / cpu.steps[i]!.loss).toBeLessThan(0.01));
    expect(cuda.steps.map((s) => s.loss)).not.toEqual(cpu.steps.map((s) => s.loss));
    expect(cuda.steps.at(-1)!.loss).toBeLessThan(cuda.steps[0]!.loss);

    const tokens = "5,17,42,99,120,7,64,200,31,8";
    const logprobs = async (backend: string) =>
      jsonOf<{ logprobs: number[] }>(await tf("logprobs", "--model", modelDir, "--adapter", cuda.adapter, "--tokens", tokens, "--backend", backend)).logprobs;
    const onDevice = await logprobs("cuda"), onHost = await logprobs("cpu");
    expect(onDevice).toHaveLength(9);
    expect(maxAbsDiff(onDevice, onHost)).toBeLessThan(0.05);
    expect(onDevice).not.toEqual(onHost);

    // Greedy generation through each backend's cache (the conv layer's last inputs, the attention layer's keys).
    const args = ["generate", "--model", modelDir, "--adapter", cuda.adapter, "--messages", JSON.stringify(colorTask(1)[0]!.messages.slice(0, -1)), "--max-tokens", "12", "--json"];
    const gDevice = jsonOf<{ tokens: number[] }>(await tf(...args, "--backend", "cuda"));
    const gHost = jsonOf<{ tokens: number[] }>(await tf(...args, "--backend", "cpu"));
    expect(gDevice.tokens.length).toBeGreaterThan(0);
    expect(gDevice.tokens).toEqual(gHost.tokens);
  }, 120_000);
});
