import os from "node:os";
import type { CudaDeviceInfo, NativeAddon } from "../../../native/index";
import type { WorkerDevice } from "../../workers/heartbeat";

// What a GPU worker trains on, for its heartbeat (the Workers list shows name and memory): the CUDA device it
// was given (TUNEFORGE_GPU_DEVICE, exported as CUDA_VISIBLE_DEVICES before the addon loads), or the CPU when
// this build or machine has no CUDA, or the worker is configured for the CPU backend.
//
// The devices come from the addon (cudart), the same answer the trainer's backend "auto" acts on, so the
// heartbeat and the backend can never disagree (nvidia-smi could list a GPU the CUDA runtime cannot use).

export type GpuWorkerSetup = { backend: "auto" | "cpu" | "cuda"; device?: number };

/** The addon's `cudaDevices()` answer; a plain value so callers (and tests) can hand one in. */
export type CudaDeviceList = { devices: CudaDeviceInfo[]; reason: string | null; gemms?: string };

const ADDON_NOT_LOADED = "the native addon did not load (see the message above; build it with `npm run native:build`)";

// The trainer builds its CUDA model on the runtime's device 0 (native/src/session.cc), i.e. the one device
// CUDA_VISIBLE_DEVICES leaves visible; the heartbeat names it by the index the user configured.
export const TRAINER_DEVICE = 0;

function cpuDevice(addon: NativeAddon | null): WorkerDevice {
  const isa = addon ? `, ${addon.cpuIsa()}` : "";
  return { index: -1, name: `CPU (${os.cpus().length} cores${isa})`, memoryMiB: Math.round(os.totalmem() / 2 ** 20) };
}

function missingDeviceReason(cuda: CudaDeviceList): string {
  if (cuda.reason) return cuda.reason;
  // Devices exist but not the trainer's: device 0 is too old (below sm_80) and others are not.
  const usable = cuda.devices.map((d) => `${d.index}: ${d.name}`).join(", ");
  return `device ${TRAINER_DEVICE} of the visible ones is not usable, only ${usable}; point TUNEFORGE_GPU_DEVICE at one of those`;
}

function cudaMissingError(setup: GpuWorkerSetup, addon: NativeAddon | null, cuda: CudaDeviceList): Error {
  const reason = missingDeviceReason(cuda);
  if (!addon) return new Error(`TUNEFORGE_LOCAL_BACKEND=cuda but ${reason}, or use TUNEFORGE_LOCAL_BACKEND=cpu`);
  if (!addon.backendsBuilt().includes("cuda")) {
    return new Error(
      `TUNEFORGE_LOCAL_BACKEND=cuda but the native addon has no CUDA backend (${reason}); rebuild it with \`TF_CUDA=1 npm run native:build\` ` +
        "on a machine with the CUDA toolkit (nvcc), or use TUNEFORGE_LOCAL_BACKEND=cpu",
    );
  }
  return new Error(
    `TUNEFORGE_LOCAL_BACKEND=cuda but CUDA device ${setup.device ?? 0} is not usable (${reason}); ` +
      "check the driver and TUNEFORGE_GPU_DEVICE, or use TUNEFORGE_LOCAL_BACKEND=cpu",
  );
}

/**
 * The devices a GPU worker lists and the backend "auto" resolves to on it; when "auto" ends on the CPU,
 * `cpuBecause` says why (the runtime's reason), so a GPU machine that trains on its CPU says so in its log.
 * `cuda` defaults to the addon's own `cudaDevices()`; pass a list to describe another machine.
 */
export function detectGpuWorkerDevice(
  setup: GpuWorkerSetup,
  addon: NativeAddon | null,
  cuda: CudaDeviceList = addon ? addon.cudaDevices() : { devices: [], reason: ADDON_NOT_LOADED },
): { devices: WorkerDevice[]; backend: "cpu" | "cuda"; cpuBecause?: string } {
  if (setup.backend !== "cpu") {
    const gpu = cuda.devices.find((d) => d.index === TRAINER_DEVICE);
    if (gpu) {
      // Where its GEMMs run goes with the device: doctor reads it from the heartbeat, since the worker's environment
      // (LD_LIBRARY_PATH, TF_CUDA_GEMM) is the one that decides, not doctor's.
      const device = { index: setup.device ?? 0, name: gpu.name, memoryMiB: Math.round(gpu.totalBytes / 2 ** 20), ...(cuda.gemms ? { gemms: cuda.gemms } : {}) };
      return { devices: [device], backend: "cuda" };
    }
    // Asked for CUDA and none is usable: say so now, with the runtime's reason, rather than at the first job.
    if (setup.backend === "cuda") throw cudaMissingError(setup, addon, cuda);
    return { devices: [cpuDevice(addon)], backend: "cpu", cpuBecause: missingDeviceReason(cuda) };
  }
  return { devices: [cpuDevice(addon)], backend: "cpu" };
}
