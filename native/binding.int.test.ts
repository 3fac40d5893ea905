import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadChatTokenizer, tokenizeDataset } from "../lib/tokenizer";
import { generateText } from "../lib/tokenizer/generate";
import { writeTinyModel } from "../lib/testing/tiny-model";
import { colorTask } from "../lib/testing/tiny-model/task";
import { loadNativeAddon, nativeAddonPath, type NativeAddon, type NativeModel, type StepReport, type TrainExample } from "./index";

// The real addon on a generated tiny model: the binding's contract (Promises, progress, cancellation, one
// operation at a time, errors as JS errors, a free event loop). `npm test` builds the addon first, so a
// missing build fails here with the loader's message instead of skipping.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "binding-"));
let addon: NativeAddon;
let model: NativeModel;
let examples: TrainExample[];
let modelDir: string;

beforeAll(async () => {
  addon = loadNativeAddon();
  modelDir = writeTinyModel({ dir: path.join(tmp, "model"), seed: 3 }).dir;
  model = await addon.loadModel({ modelDir, threads: 2 });
  const chat = loadChatTokenizer(modelDir);
  const lines = colorTask(16).map((ex, i) => ({ ...ex, line: i + 1 }));
  examples = tokenizeDataset(chat, lines, { maxSeqLen: 128, file: "task" }).examples;
}, 60_000);
afterAll(() => {
  if (model && !model.busy) model.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const trainOpts = (out: string) => ({ lora: { rank: 4, alpha: 8, dropout: 0 }, epochs: 2, batchSize: 4, gradAccum: 1, lr: 1e-2, warmupRatio: 0, maxSeqLen: 128, outDir: path.join(tmp, out) });

describe("native addon", () => {
  it("reports its backends and the model's shape", () => {
    expect(addon.backendsBuilt()).toContain("cpu");
    const info = model.info();
    expect(info).toMatchObject({ architecture: "LlamaForCausalLM", hiddenSize: 64, numLayers: 2, numHeads: 4 });
    expect(info.vocabSize).toBeGreaterThan(300);
    expect(info.eosTokenIds.length).toBeGreaterThan(0);
  });

  it("lists the CUDA devices it can use, or says why there are none", () => {
    const { devices, reason } = addon.cudaDevices();
    if (devices.length > 0) {
      expect(reason).toBeNull();
      for (const d of devices) expect(d.sm).toBeGreaterThanOrEqual(80);
    } else {
      // Without nvcc at build time the reason names the build; with it, what cudart said (no driver, no device).
      expect(reason).toMatch(addon.backendsBuilt().includes("cuda") ? /device|driver|cuda/i : /no CUDA backend/);
    }
    // Where the cuda backend's GEMMs would run: cuBLASLt when libcublasLt loads (dlopen only, no device needed), else
    // our kernels with the loader's reason, which names every library it tried (this machine has no cuBLAS).
    const { gemms } = addon.cudaDevices();
    if (!addon.backendsBuilt().includes("cuda")) expect(gemms).toBe("none (this build has no CUDA backend)");
    else if (gemms.startsWith("cublaslt ")) expect(gemms).toMatch(/^cublaslt \S+ \(libcublasLt\.so[.\d]*\)$/);
    else expect(gemms).toMatch(/^wmma \(.*libcublasLt\.so\.13.*libcublasLt\.so\.12.*\)$/s);
    // "auto" resolves to what the devices allow: the model above was loaded with the default backend.
    expect(model.info().backend).toBe(devices.length > 0 ? "cuda" : "cpu");
  });

  it("says where GEMMs would run under each TF_CUDA_GEMM (read once per process, so each in a process of its own)", () => {
    if (!addon.backendsBuilt().includes("cuda")) return expect(addon.cudaDevices().gemms).toMatch(/^none /);
    const file = nativeAddonPath(process.cwd());
    const gemmsUnder = (value: string) =>
      execFileSync(process.execPath, ["-e", `process.stdout.write(require(${JSON.stringify(file)}).cudaDevices().gemms)`], {
        env: { ...process.env, TF_CUDA_GEMM: value },
        encoding: "utf8",
      });
    const loads = addon.cudaDevices().gemms.startsWith("cublaslt ");
    expect(gemmsUnder("wmma")).toBe("wmma (TF_CUDA_GEMM=wmma)");
    // Asked for cuBLASLt: the library's answer, or "unusable" where it does not load (every GEMM would throw),
    // which doctor turns into "every GPU job would fail".
    if (loads) expect(gemmsUnder("cublaslt")).toMatch(/^cublaslt /);
    else expect(gemmsUnder("cublaslt")).toMatch(/^unusable \(TF_CUDA_GEMM=cublaslt, but libcublasLt could not be loaded \(/);
    expect(gemmsUnder("fastest")).toMatch(/^unusable \(.*TF_CUDA_GEMM/);
  });

  it("measures the GPU's bf16 GEMM peak, or rejects with the reason there is no device", async () => {
    const { devices, reason } = addon.cudaDevices();
    const peak = addon.gemmPeakGflops({ backend: "cuda", seconds: 0.05 });
    if (devices.length > 0) expect(await peak).toBeGreaterThan(1000);
    else await expect(peak).rejects.toThrow(addon.backendsBuilt().includes("cuda") ? reason! : /no CUDA backend/);
  });

  it("reads the device's free and total memory, or throws the reason there is no device", () => {
    const { devices, reason } = addon.cudaDevices();
    if (devices.length > 0) {
      const m = addon.cudaMemory();
      expect(m.totalBytes).toBe(devices[0]!.totalBytes);
      expect(m.freeBytes).toBeGreaterThan(0);
      expect(m.freeBytes).toBeLessThanOrEqual(m.totalBytes);
    } else {
      expect(() => addon.cudaMemory()).toThrow(addon.backendsBuilt().includes("cuda") ? `CUDA memory: no usable CUDA device (${reason})` : "CUDA memory: this build has no CUDA backend (built without nvcc)");
    }
    expect(() => addon.cudaMemory(-1)).toThrow(TypeError);
    expect(() => addon.cudaMemory(1.5)).toThrow("cudaMemory: device must be a non-negative integer");
  });

  it("computes n − 1 finite, negative log-probabilities", async () => {
    const lp = await model.logprobs([1, 2, 3, 4, 5, 6]);
    expect(lp).toHaveLength(5);
    for (const x of lp) expect(x).toBeLessThan(0);
  });

  it("rejects bad arguments with a TypeError naming the argument", async () => {
    await expect(model.logprobs([1, 99999])).rejects.toThrow(/tokens\[1\] = 99999 is not a token id of this model \(vocab_size \d+/);
    await expect(addon.loadModel({ modelDir, quant: "nf5" as "nf4" })).rejects.toThrow(TypeError);
    await expect(addon.loadModel({ modelDir, quant: "nf5" as "nf4" })).rejects.toThrow(/loadModel options\.quant must be one of "none", "nf4"/);
    await expect(model.train(examples, null, { ...trainOpts("x"), lora: { rank: "4" as unknown as number } })).rejects.toThrow(/train options\.lora\.rank must be an integer/);
    await expect(model.train(examples, null, { ...trainOpts("x"), epohcs: 3 } as never)).rejects.toThrow(/unknown option "epohcs"/);
    expect(model.busy).toBeNull();
  });

  it("survives garbage arguments everywhere: each call rejects with an Error, none crashes", async () => {
    const garbage: unknown[] = [undefined, null, 0, -1, 1.5, NaN, Infinity, "x", true, {}, [], [1.5], [-1], [NaN], [[]], [[-3]], { tokens: "x" }, [{ tokens: [1, 2], lossMask: [1] }], [{ tokens: [1, 2], lossMask: [0, 2] }], 10n, () => 1];
    const m = model as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const a = addon as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    let calls = 0;
    // Where {} and undefined are valid (options objects), use a string instead so the call must fail.
    const asOptions = (g: unknown) => (g === undefined || (typeof g === "object" && g !== null && !Array.isArray(g) && Object.keys(g).length === 0) ? "x" : g);
    for (const g of garbage) {
      const attempts = [
        () => m.logprobs!(g),
        () => m.logprobs!([1, 2], g === undefined || g === null ? 5 : g),
        () => m.generate!(g),
        () => m.generate!([g]),
        () => m.generate!([[1]], asOptions(g)),
        () => m.train!(g, null, { outDir: path.join(tmp, "g") }),
        () => m.train!(examples, g === undefined || g === null || (Array.isArray(g) && g.length === 0) ? "x" : g, { outDir: path.join(tmp, "g") }),
        () => m.train!(examples, null, g),
        () => m.merge!(g, g),
        () => a.loadModel!(g),
        () => a.gemmPeakGflops!(asOptions(g)),
      ];
      for (const attempt of attempts) {
        calls++;
        await expect(attempt()).rejects.toBeInstanceOf(Error);
      }
    }
    expect(calls).toBe(garbage.length * 11);
    expect(model.busy).toBeNull();
  });

  it("turns a C++ failure into a rejected Promise, not a crash", async () => {
    await expect(addon.loadModel({ modelDir: path.join(tmp, "missing") })).rejects.toThrow(/missing/);
    const bad = path.join(tmp, "gpt2");
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, "config.json"), JSON.stringify({ architectures: ["GPT2LMHeadModel"], model_type: "gpt2" }));
    await expect(addon.loadModel({ modelDir: bad })).rejects.toThrow(/GPT2LMHeadModel.*Llama/is);
  });

  it("generates deterministically at temperature 0 and streams the same tokens", async () => {
    const streamed: number[] = [];
    const a = await model.generate([[1, 2, 3]], { maxTokens: 8, stopTokenIds: [] }, (i, t) => i === 0 && streamed.push(t));
    const b = await model.generate([[1, 2, 3]], { maxTokens: 8, stopTokenIds: [] });
    expect(a[0]!.tokens).toHaveLength(8);
    expect(a[0]!.finishReason).toBe("length");
    expect(b[0]!.tokens).toEqual(a[0]!.tokens);
    expect(streamed).toEqual(a[0]!.tokens);
  });

  it("accepts typed arrays for tokens", async () => {
    expect(await model.logprobs(Int32Array.from([1, 2, 3, 4]))).toEqual(await model.logprobs([1, 2, 3, 4]));
  });

  it("stops each prompt of a batch at a stop string found in the decoded stream, then cancels the rest", async () => {
    const chat = loadChatTokenizer(modelDir);
    const prompts = [chat.encode("What color is the sky?"), chat.encode("Hello world")];
    const free = await generateText(model, chat, prompts, { maxTokens: 40, stopStrings: [] });
    // Stop strings taken from what greedy decoding is known to produce, a few characters in.
    const stops = free.map((r) => r.text.slice(3, 6));
    expect(stops.every((s) => s.length === 3)).toBe(true);
    const streamed = ["", ""];
    const stopped = await generateText(model, chat, prompts, { maxTokens: 40, stopStrings: stops, onText: (i, t) => (streamed[i] += t) });
    stopped.forEach((r, i) => {
      expect(r.finishReason).toBe("stop");
      expect(r.text).toBe(free[i]!.text.slice(0, free[i]!.text.indexOf(stops[i]!)));
      expect(streamed[i]).toBe(r.text);
      expect(r.tokens.length).toBeLessThan(40);
    });
    expect(model.busy).toBeNull();
  });

  it("trains with per-step progress while the event loop keeps running, one operation at a time", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const reports: StepReport[] = [];
    const done = model.train(examples, examples.slice(0, 4), trainOpts("adapter"), (r) => reports.push(r));
    expect(model.busy).toBe("train");
    await expect(model.logprobs([1, 2, 3])).rejects.toThrow(/cannot start logprobs while train is running/);
    expect(() => model.close()).toThrow(/cannot close while train is running/);
    const result = await done;
    clearInterval(timer);
    expect(model.busy).toBeNull();
    expect(ticks).toBeGreaterThan(2);
    expect(result.cancelled).toBe(false);
    expect(reports.length).toBe(result.steps);
    expect(reports.map((r) => r.step)).toEqual(Array.from({ length: result.steps }, (_, i) => i + 1));
    expect(reports[0]!.totalSteps).toBe(result.steps);
    // The first step says where the memory goes; later steps do not repeat it.
    expect(reports[0]!.memoryReport).toMatch(/^memory \(cpu, estimate\): frozen weights [\d.]+ MiB, LoRA weights \+ grads [\d.]+ MiB, optimizer [\d.]+ MiB, activations [\d.]+ MiB; total [\d.]+ MiB$/);
    expect(reports.slice(1).every((r) => r.memoryReport === undefined)).toBe(true);
    expect(reports.at(-1)!.loss).toBeLessThan(reports[0]!.loss);
    expect(fs.existsSync(path.join(result.adapterDir, "adapter_model.safetensors"))).toBe(true);
    expect(fs.existsSync(path.join(result.adapterDir, "adapter_config.json"))).toBe(true);
    const base = await model.logprobs(examples[0]!.tokens);
    const tuned = await model.logprobs(examples[0]!.tokens, result.adapterDir);
    expect(tuned).not.toEqual(base);
  }, 120_000);

  it("stops at a step boundary on cancel()", async () => {
    let cancelled = false;
    const result = await model.train(examples, null, { ...trainOpts("cancelled"), epochs: 20 }, (r) => {
      if (r.step === 2 && !cancelled) cancelled = model.cancel();
    });
    expect(cancelled).toBe(true);
    expect(result.cancelled).toBe(true);
    expect(result.steps).toBeLessThan(20 * 4);
    expect(model.busy).toBeNull();
  }, 120_000);

  it("rejects with the error a progress callback throws, and stops training", async () => {
    const boom = new Error("progress handler failed");
    await expect(model.train(examples, null, { ...trainOpts("throwing"), epochs: 20 }, () => { throw boom; })).rejects.toBe(boom);
    expect(model.busy).toBeNull();
  }, 120_000);

  it("loads every variant the tiny-model generator writes (tied, GQA, Qwen2 biases, Qwen3 q/k norms, Phi-3's fused projections, f32, NF4)", async () => {
    const variants = [{ tiedEmbeddings: true }, { gqa: true }, { qwen2: true }, { qwen3: true }, { phi3: true }, { dtype: "F32" as const }];
    for (const [i, v] of variants.entries()) {
      const dir = writeTinyModel({ dir: path.join(tmp, `variant-${i}`), seed: i, ...v }).dir;
      for (const quant of ["none", "nf4"] as const) {
        const m = await addon.loadModel({ modelDir: dir, quant });
        const info = m.info();
        expect(info.tieWordEmbeddings).toBe(Boolean(v.tiedEmbeddings));
        expect(info.numKvHeads).toBe(v.gqa ? 2 : 4);
        expect(info.qkNorm).toBe(Boolean(v.qwen3));
        expect(info.fusedQkv).toBe(Boolean(v.phi3));
        expect(info.fusedGateUp).toBe(Boolean(v.phi3));
        expect(info.modelType).toBe(v.qwen2 ? "qwen2" : v.qwen3 ? "qwen3" : v.phi3 ? "phi3" : "llama");
        const lp = await m.logprobs([1, 2, 3, 4]);
        expect(lp.every((x) => Number.isFinite(x) && x < 0)).toBe(true);
        m.close();
      }
    }
  });

  it("closes: later calls say the model is closed", async () => {
    const m = await addon.loadModel({ modelDir, quant: "nf4", doubleQuant: true });
    expect(m.info().weightBytes).toBeLessThan(model.info().weightBytes);
    m.close();
    expect(m.closed).toBe(true);
    await expect(m.logprobs([1, 2])).rejects.toThrow(/closed/);
  });
});
