import type { WorkerInfo } from "../workers/heartbeat";
import { estimateMemory, type MemoryInput, type TrainingMethod } from "./memory";

// Does an estimate fit where training would run? Each GPU a worker reports is a target (the CUDA backend),
// and each host's RAM is one (the CPU backend, and where weights pass through while loading). Hosts are
// counted once even when several worker processes run there.

/** Part of a GPU that training cannot have: the CUDA context, cuBLAS workspaces, allocator fragmentation. */
export const GPU_RESERVED_FRACTION = 0.1;

export type MemoryTarget = {
  kind: "gpu" | "ram";
  hostname: string;
  /** "GPU 0 · NVIDIA H200" or "RAM". */
  label: string;
  totalBytes: number;
  /** What training may use: 90 % of a GPU; the free RAM at the worker's last beat. */
  usableBytes: number;
  /** A worker on this host consumes gpu-jobs (local training runs there). */
  trainsHere: boolean;
};

export type FitVerdict = MemoryTarget & {
  fits: "yes" | "tight" | "no";
  /** What the verdict is judged on: the least the run needs there. */
  needBytes: number;
  /**
   * GPUs: what the run holds with room. Without gradient checkpointing, every layer's activations; with it, each
   * layer's attention block too (output, q, k, v, residual; its recompute then skips the attention and the q/k/v/o
   * projections). Short of that room the CUDA backend recomputes more (shortOfRoom says what), needing needBytes at
   * the least.
   */
  roomyBytes?: number;
  shortOfRoom?: ShortOfRoom;
};

/**
 * What the CUDA backend does on a GPU without room for all a run would keep (native/cuda/backend/
 * cuda_llama_train.cc): a run asked for no checkpointing checkpoints; a checkpointed one recomputes the attention
 * block it would have kept. The gradients are the same; the step is slower.
 */
export type ShortOfRoom = "checkpointing" | "attention";

/** What a GPU that fits the run only without room for all of it recomputes, or null when it has the room. */
export function recomputesWhenShort(v: FitVerdict): ShortOfRoom | null {
  return v.roomyBytes !== undefined && v.shortOfRoom !== undefined && v.fits !== "no" && v.roomyBytes > v.usableBytes ? v.shortOfRoom : null;
}

/** The figures targets are judged on (checkFitByBackend) for one method: GPUs in bf16, RAM in fp32. */
export type FitNeeds = { gpuBytes: number; cpuBytes: number; gpuRoomyBytes?: number; gpuShortOfRoom?: ShortOfRoom };

/**
 * GPUs run the CUDA backend, judged on the least it needs: bf16, checkpointed (it turns checkpointing on when short
 * of room for a run without), without the kept attention blocks it drops when short. RAM runs the CPU backend: fp32,
 * as configured (it never turns checkpointing on), keeping each layer's attention output always and never its inputs.
 */
export function fitNeeds(input: MemoryInput, method: TrainingMethod): FitNeeds {
  const checkpointed = estimateMemory({ ...input, gradientCheckpointing: true, precision: "bf16", keepAttention: false }, method).total;
  const roomy = estimateMemory({ ...input, precision: "bf16", keepAttention: true }, method).total;
  // A model so small that checkpointing holds more than it saves: the backend then keeps what it was asked to.
  const gpu = Math.min(checkpointed, roomy);
  const shortOfRoom: ShortOfRoom = input.gradientCheckpointing ? "attention" : "checkpointing";
  return { gpuBytes: gpu, cpuBytes: estimateMemory({ ...input, precision: "fp32", keepAttention: true }, method).total, ...(roomy > gpu ? { gpuRoomyBytes: roomy, gpuShortOfRoom: shortOfRoom } : {}) };
}

export function memoryTargets(workers: WorkerInfo[]): MemoryTarget[] {
  const targets: MemoryTarget[] = [];
  const seen = new Set<string>();
  const trainingHosts = new Set(workers.filter((w) => w.queues.includes("gpu-jobs")).map((w) => w.hostname));
  for (const w of workers) {
    const trainsHere = trainingHosts.has(w.hostname);
    for (const d of w.devices ?? []) {
      // A GPU worker on the CPU backend lists its CPU as device -1 (lib/jobs/local/device.ts): its memory is
      // the host's RAM, which is a target of its own below, not a GPU.
      if (d.index < 0) continue;
      const key = `${w.hostname}\0gpu${d.index}`;
      if (seen.has(key) || d.memoryMiB === undefined) continue;
      seen.add(key);
      const totalBytes = d.memoryMiB * 1024 * 1024;
      targets.push({ kind: "gpu", hostname: w.hostname, label: `GPU ${d.index} · ${d.name}`, totalBytes, usableBytes: Math.floor(totalBytes * (1 - GPU_RESERVED_FRACTION)), trainsHere });
    }
    const ramKey = `${w.hostname}\0ram`;
    if (w.ram && !seen.has(ramKey)) {
      seen.add(ramKey);
      targets.push({ kind: "ram", hostname: w.hostname, label: "RAM", totalBytes: w.ram.totalBytes, usableBytes: w.ram.freeBytes, trainsHere });
    }
  }
  return targets;
}

/** "yes" within the usable part, "tight" above it but within the total (may work, may OOM), else "no". */
export function checkFit(needBytes: number, targets: MemoryTarget[]): FitVerdict[] {
  return targets.map((t) => ({ ...t, needBytes, fits: needBytes <= t.usableBytes ? "yes" : needBytes <= t.totalBytes ? "tight" : "no" }));
}

/**
 * GPUs run the CUDA backend (bf16 weights and activations), RAM the CPU backend (fp32), so each target is
 * checked against the estimate for the precision it would train in.
 */
export function checkFitByBackend(need: FitNeeds, targets: MemoryTarget[]): FitVerdict[] {
  return targets.flatMap((t) =>
    checkFit(t.kind === "gpu" ? need.gpuBytes : need.cpuBytes, [t]).map((v) =>
      t.kind === "gpu" && need.gpuRoomyBytes !== undefined ? { ...v, roomyBytes: need.gpuRoomyBytes, ...(need.gpuShortOfRoom ? { shortOfRoom: need.gpuShortOfRoom } : {}) } : v,
    ),
  );
}
