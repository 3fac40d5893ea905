import { describe, expect, it } from "vitest";
import type { WorkerInfo } from "../workers/heartbeat";
import { checkFit, checkFitByBackend, fitNeeds, memoryTargets, recomputesWhenShort } from "./fit";
import { estimateMemory } from "./memory";

const GiB = 1024 ** 3;
const base = { pid: 1, startedAt: "2026-01-01T00:00:00Z", lastSeenAt: "2026-01-01T00:00:00Z" };
const workers: WorkerInfo[] = [
  { ...base, id: "gpu-a", hostname: "gpu-box", queues: ["gpu-jobs"], devices: [{ index: 0, name: "NVIDIA H200", memoryMiB: 143_771 }, { index: 1, name: "RTX 4090", memoryMiB: 24_564 }], ram: { totalBytes: 128 * GiB, freeBytes: 100 * GiB }, backends: ["cpu", "cuda"] },
  // A second process on the same host must not double its RAM.
  { ...base, id: "gpu-b", hostname: "gpu-box", queues: ["inference"], ram: { totalBytes: 128 * GiB, freeBytes: 99 * GiB } },
  { ...base, id: "web", hostname: "laptop", queues: ["openai-jobs"], ram: { totalBytes: 16 * GiB, freeBytes: 6 * GiB } },
  // An older worker without ram/backends still parses and adds nothing.
  { ...base, id: "old", hostname: "old-box", queues: ["system"] },
];

describe("memoryTargets and checkFit", () => {
  it("lists each GPU and each host's RAM once, marking where local training runs", () => {
    const targets = memoryTargets(workers);
    expect(targets.map((t) => `${t.hostname}/${t.label}/${t.trainsHere}`)).toEqual(["gpu-box/GPU 0 · NVIDIA H200/true", "gpu-box/GPU 1 · RTX 4090/true", "gpu-box/RAM/true", "laptop/RAM/false"]);
    expect(targets[1]).toMatchObject({ totalBytes: 24_564 * 1024 * 1024, usableBytes: Math.floor(24_564 * 1024 * 1024 * 0.9) });
    expect(targets[2]).toMatchObject({ totalBytes: 128 * GiB, usableBytes: 100 * GiB });
  });

  it("does not count a CPU-backend GPU worker's CPU (device -1) as a GPU: its host RAM is the target", () => {
    const cpuWorker: WorkerInfo = { ...base, id: "cpu-gpu-worker", hostname: "vm", queues: ["gpu-jobs", "inference"], devices: [{ index: -1, name: "CPU (2 cores, avx512)", memoryMiB: 23_000 }], ram: { totalBytes: 23 * GiB, freeBytes: 20 * GiB } };
    expect(memoryTargets([cpuWorker]).map((t) => `${t.kind}/${t.label}/${t.trainsHere}`)).toEqual(["ram/RAM/true"]);
  });

  it("says yes within 90 % of a GPU, tight up to its total, no beyond; RAM against what is free", () => {
    const fits = (need: number) => checkFit(need, memoryTargets(workers)).map((v) => v.fits);
    // 22 GiB: 4090 usable = 21.6 GiB → tight; laptop has 6 GiB free → no
    expect(fits(22 * GiB)).toEqual(["yes", "tight", "yes", "no"]);
    expect(fits(5 * GiB)).toEqual(["yes", "yes", "yes", "yes"]);
    expect(fits(24 * GiB)).toEqual(["yes", "no", "yes", "no"]);
  });

  it("checks GPUs against the bf16 estimate and RAM against the fp32 one", () => {
    const verdicts = checkFitByBackend({ gpuBytes: 20 * GiB, cpuBytes: 40 * GiB }, memoryTargets(workers));
    expect(verdicts.map((v) => [v.label, v.needBytes / GiB, v.fits])).toEqual([
      ["GPU 0 · NVIDIA H200", 20, "yes"],
      ["GPU 1 · RTX 4090", 20, "yes"],
      ["RAM", 40, "yes"],
      ["RAM", 40, "no"],
    ]);
  });

  it("judges a GPU on the least a checkpointed run needs, and says when that means recomputing the attention", () => {
    const shape = { hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numHeads: 32, numKvHeads: 8, headDim: 128, vocabSize: 128256, tieWordEmbeddings: false };
    const input = { shape, parameters: 8_030_261_248, seqLen: 8192, batchSize: 2, lora: { rank: 16, targets: ["q_proj", "k_proj", "v_proj", "o_proj"] as const }, gradientCheckpointing: true };
    const needs = fitNeeds(input, "qlora");
    expect(needs.gpuBytes).toBe(estimateMemory({ ...input, precision: "bf16", keepAttention: false }, "qlora").total);
    expect(needs.gpuRoomyBytes).toBe(estimateMemory({ ...input, precision: "bf16" }, "qlora").total);
    expect(needs.cpuBytes).toBe(estimateMemory({ ...input, precision: "fp32" }, "qlora").total);
    // 31 layers × the attention block's values (output and lse 32·128 + 32; q, k, v 32·128 + 2·8·128; residual
    // 4096) × 2 B × 16,384 tokens = 14.6 GB between the two
    expect(needs.gpuRoomyBytes! - needs.gpuBytes).toBe(31 * (4128 + 6144 + 4096) * 2 * 16_384);
    // The CPU backend keeps the attention output alone.
    expect(needs.cpuBytes - estimateMemory({ ...input, precision: "fp32", keepAttention: false }, "qlora").total).toBe(31 * 4128 * 4 * 16_384);
    // A GPU whose usable part lies between the two fits, recomputing the attention; a bigger one keeps it.
    const gpu = (usableBytes: number) => ({ kind: "gpu" as const, hostname: "h", label: "GPU 0", totalBytes: usableBytes / 0.9, usableBytes, trainsHere: true });
    const between = checkFitByBackend(needs, [gpu((needs.gpuBytes + needs.gpuRoomyBytes!) / 2)])[0]!;
    expect(between).toMatchObject({ fits: "yes", needBytes: needs.gpuBytes, roomyBytes: needs.gpuRoomyBytes, shortOfRoom: "attention" });
    expect(recomputesWhenShort(between)).toBe("attention");
    expect(recomputesWhenShort(checkFitByBackend(needs, [gpu(2 * needs.gpuRoomyBytes!)])[0]!)).toBeNull();
    // Too small even for the least: "no", and nothing to say about recomputing.
    const small = checkFitByBackend(needs, [gpu(needs.gpuBytes / 2)])[0]!;
    expect(small.fits).toBe("no");
    expect(recomputesWhenShort(small)).toBeNull();
  });

  it("judges a GPU a run without checkpointing fits checkpointed, since the CUDA backend turns it on when short of room", () => {
    const shape = { hiddenSize: 2048, intermediateSize: 8192, numLayers: 16, numHeads: 32, numKvHeads: 8, headDim: 64, vocabSize: 128256, tieWordEmbeddings: true };
    const input = { shape, parameters: 1_235_814_400, seqLen: 2048, batchSize: 4, lora: { rank: 16, targets: ["q_proj", "k_proj", "v_proj", "o_proj"] as const }, gradientCheckpointing: false };
    const needs = fitNeeds(input, "qlora");
    // The least is the checkpointed run's without the kept attention blocks; with room, every layer's activations.
    expect(needs.gpuBytes).toBe(estimateMemory({ ...input, gradientCheckpointing: true, precision: "bf16", keepAttention: false }, "qlora").total);
    expect(needs.gpuRoomyBytes).toBe(estimateMemory({ ...input, precision: "bf16" }, "qlora").total);
    expect(needs.gpuRoomyBytes!).toBeGreaterThan(needs.gpuBytes);
    expect(needs.gpuShortOfRoom).toBe("checkpointing");
    // The CPU backend never turns checkpointing on: RAM is judged on the run as asked.
    expect(needs.cpuBytes).toBe(estimateMemory({ ...input, precision: "fp32" }, "qlora").total);
    const gpu = (usableBytes: number) => ({ kind: "gpu" as const, hostname: "h", label: "GPU 0", totalBytes: usableBytes / 0.9, usableBytes, trainsHere: true });
    const between = checkFitByBackend(needs, [gpu((needs.gpuBytes + needs.gpuRoomyBytes!) / 2)])[0]!;
    expect(between).toMatchObject({ fits: "yes", needBytes: needs.gpuBytes, shortOfRoom: "checkpointing" });
    expect(recomputesWhenShort(between)).toBe("checkpointing");
    expect(recomputesWhenShort(checkFitByBackend(needs, [gpu(2 * needs.gpuRoomyBytes!)])[0]!)).toBeNull();
    // One layer: checkpointing keeps as much as it saves, so there is nothing to turn on and no second figure.
    const one = fitNeeds({ ...input, shape: { ...shape, numLayers: 1 } }, "qlora");
    expect(one.gpuBytes).toBe(estimateMemory({ ...input, shape: { ...shape, numLayers: 1 }, precision: "bf16" }, "qlora").total);
    expect(one.gpuRoomyBytes).toBeUndefined();
    expect(one.gpuShortOfRoom).toBeUndefined();
  });
});
