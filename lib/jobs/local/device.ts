import { execFileSync } from "node:child_process";
import os from "node:os";
import type { NativeAddon } from "../../../native/index";
import type { WorkerDevice } from "../../workers/heartbeat";

// What a GPU worker trains on, for its heartbeat (the Workers list shows name and memory): the CUDA device it
// was given (TUNEFORGE_GPU_DEVICE, exported as CUDA_VISIBLE_DEVICES before the addon loads), or the CPU when
// this build or machine has no CUDA, or the worker is configured for the CPU backend.

export type GpuWorkerSetup = { backend: "auto" | "cpu" | "cuda"; device?: number };

function cudaDevice(index: number): WorkerDevice | null {
  try {
    // The driver's own tool answers without loading CUDA into this process; absent = no usable GPU.
    const out = execFileSync("nvidia-smi", ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits", "-i", String(index)], { encoding: "utf8", timeout: 5_000, stdio: ["ignore", "pipe", "ignore"] });
    const [name, mem] = out.trim().split("\n")[0]!.split(",").map((s) => s.trim());
    if (!name) return null;
    return { index, name, ...(Number.isFinite(Number(mem)) ? { memoryMiB: Number(mem) } : {}) };
  } catch {
    return null;
  }
}

function cpuDevice(addon: NativeAddon | null): WorkerDevice {
  const isa = addon ? `, ${addon.cpuIsa()}` : "";
  return { index: -1, name: `CPU (${os.cpus().length} cores${isa})`, memoryMiB: Math.round(os.totalmem() / 2 ** 20) };
}

/** The devices a GPU worker lists and the backend "auto" resolves to on it. */
export function detectGpuWorkerDevice(setup: GpuWorkerSetup, addon: NativeAddon | null): { devices: WorkerDevice[]; backend: "cpu" | "cuda" } {
  const cudaBuilt = addon?.backendsBuilt().includes("cuda") ?? false;
  if (setup.backend !== "cpu" && cudaBuilt) {
    const gpu = cudaDevice(setup.device ?? 0);
    if (gpu) return { devices: [gpu], backend: "cuda" };
  }
  if (setup.backend === "cuda") {
    // Asked for CUDA and none is usable: say so now rather than at the first job.
    throw new Error(
      cudaBuilt
        ? `TUNEFORGE_LOCAL_BACKEND=cuda but no CUDA device ${setup.device ?? 0} answers (nvidia-smi); check the driver and TUNEFORGE_GPU_DEVICE`
        : "TUNEFORGE_LOCAL_BACKEND=cuda but the native addon was built without CUDA (nvcc was not found at build time); rebuild with `npm run native:build` on a machine with the CUDA toolkit, or use TUNEFORGE_LOCAL_BACKEND=cpu",
    );
  }
  return { devices: [cpuDevice(addon)], backend: "cpu" };
}
