import { describe, expect, it } from "vitest";
import { loadNativeAddon, type CudaDeviceInfo } from "../../../native/index";
import { detectGpuWorkerDevice } from "./device";

// The GPU worker's device comes from the real addon's cudaDevices(), the answer the trainer's backend "auto"
// acts on. Machines without a GPU (CI, this one: no driver) get no devices and a reason; the "a device
// exists" cases hand in the list the addon returns on a GPU machine, as plain data.

const addon = loadNativeAddon();
const h200: CudaDeviceInfo = { index: 0, name: "NVIDIA H200", totalBytes: 150_754_820_096, sm: 90 };

describe("detectGpuWorkerDevice with the real addon", () => {
  const real = addon.cudaDevices();

  it("resolves as the trainer does, and backend cuda without a device fails at start with the addon's reason", () => {
    const auto = detectGpuWorkerDevice({ backend: "auto" }, addon);
    const cuda = () => detectGpuWorkerDevice({ backend: "cuda" }, addon);
    if (real.devices.length > 0) {
      expect(auto.backend).toBe("cuda");
      expect(auto.devices[0]!.name).toBe(real.devices[0]!.name);
      expect(cuda().backend).toBe("cuda");
    } else {
      // No GPU here (this machine: no driver): the heartbeat lists the CPU with the ISA the kernels picked.
      expect(auto.backend).toBe("cpu");
      expect(auto.devices).toEqual([expect.objectContaining({ index: -1, name: expect.stringContaining(addon.cpuIsa()) })]);
      expect(cuda).toThrow(`TUNEFORGE_LOCAL_BACKEND=cuda but CUDA device 0 is not usable (${real.reason})`);
      // "auto" on the CPU says why, for the worker's log.
      expect(auto.cpuBecause).toBe(real.reason);
    }
  });
});

describe("detectGpuWorkerDevice with a given device list", () => {
  it("lists the trainer's device under the configured index with its memory, unless configured for the CPU", () => {
    // TUNEFORGE_GPU_DEVICE=3 became CUDA_VISIBLE_DEVICES=3, so the runtime calls that GPU device 0.
    const got = detectGpuWorkerDevice({ backend: "auto", device: 3 }, addon, { devices: [h200], reason: null });
    expect(got).toEqual({ backend: "cuda", devices: [{ index: 3, name: "NVIDIA H200", memoryMiB: 143_771 }] });
    // With the addon's word on its GEMMs, which the heartbeat carries to doctor.
    const gemms = "cublaslt 13.0.2 (libcublasLt.so.13)";
    expect(detectGpuWorkerDevice({ backend: "auto" }, addon, { devices: [h200], reason: null, gemms }).devices).toEqual([
      { index: 0, name: "NVIDIA H200", memoryMiB: 143_771, gemms },
    ]);
    expect(detectGpuWorkerDevice({ backend: "cuda" }, addon, { devices: [h200], reason: null }).devices[0]!.index).toBe(0);
    const cpu = detectGpuWorkerDevice({ backend: "cpu" }, addon, { devices: [h200], reason: null });
    expect(cpu.backend).toBe("cpu");
    expect(cpu.devices).toEqual([expect.objectContaining({ index: -1, name: expect.stringMatching(/^CPU \(\d+ cores, /) })]);
  });

  it("puts the runtime's reason into the error and says what to do", () => {
    const none = { devices: [], reason: "no CUDA device is visible (cudaErrorNoDevice: no CUDA-capable device is detected)" };
    expect(() => detectGpuWorkerDevice({ backend: "cuda", device: 1 }, addon, none)).toThrow(
      "TUNEFORGE_LOCAL_BACKEND=cuda but CUDA device 1 is not usable (no CUDA device is visible (cudaErrorNoDevice: no CUDA-capable device is detected)); check the driver and TUNEFORGE_GPU_DEVICE, or use TUNEFORGE_LOCAL_BACKEND=cpu",
    );
    expect(detectGpuWorkerDevice({ backend: "auto" }, addon, none)).toMatchObject({ backend: "cpu", cpuBecause: none.reason });
    // Chosen by the user, the CPU needs no reason.
    expect(detectGpuWorkerDevice({ backend: "cpu" }, addon, none).cpuBecause).toBeUndefined();
  });

  it("does not train on another device than the trainer's device 0, and names the usable ones", () => {
    // Device 0 below sm_80 is left out of the list; the trainer would still pick device 0, so the worker must not.
    const onlySecond = { devices: [{ ...h200, index: 1 }], reason: null };
    expect(detectGpuWorkerDevice({ backend: "auto" }, addon, onlySecond).backend).toBe("cpu");
    expect(() => detectGpuWorkerDevice({ backend: "cuda" }, addon, onlySecond)).toThrow(/device 0 of the visible ones is not usable, only 1: NVIDIA H200; point TUNEFORGE_GPU_DEVICE at one of those/);
  });
});

describe("detectGpuWorkerDevice without the addon", () => {
  it("falls back to the CPU for auto and says to build the addon for cuda", () => {
    expect(detectGpuWorkerDevice({ backend: "auto" }, null)).toEqual({
      backend: "cpu",
      devices: [expect.objectContaining({ index: -1, name: expect.stringMatching(/^CPU \(\d+ cores\)$/) })],
      cpuBecause: expect.stringContaining("the native addon did not load"),
    });
    expect(() => detectGpuWorkerDevice({ backend: "cuda" }, null)).toThrow(/TUNEFORGE_LOCAL_BACKEND=cuda but the native addon did not load .*npm run native:build.*TUNEFORGE_LOCAL_BACKEND=cpu/);
  });
});
