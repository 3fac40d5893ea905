import fs from "node:fs";
import { describeCudaDevice, describeGemms } from "./gpu-words";
import { loadNativeAddon, nativeAddonPath, NATIVE_ADDON_ENV, NATIVE_ADDON_RELATIVE_PATH, NATIVE_NOT_BUILT_MESSAGE, type CudaDeviceInfo } from "../../native/index";

// Health of the native trainer addon (issue #3) for /api/health, doctor and the start script. The path
// constant lives in native/index.ts with the loader, so every consumer looks in the same place.
export { NATIVE_ADDON_RELATIVE_PATH };

export type NativeStatus = {
  ok: boolean;
  built: boolean;
  backendsBuilt: string[];
  /** CUDA devices the cuda backend found (empty without one), and why there are none. */
  cudaDevices: CudaDeviceInfo[];
  cudaReason: string | null;
  /** Where the cuda backend's GEMMs will run (the addon's words, see describeGemms); null without a CUDA build. */
  cudaGemms: string | null;
  message: string;
};

/** The addon file doctor names: native/build/Release/tuneforge_native.node, or TUNEFORGE_NATIVE_ADDON's absolute
 * path. Not part of NativeStatus: /api/health has no business telling the server's file layout. */
export function nativeAddonDisplayPath(root: string): string {
  return process.env[NATIVE_ADDON_ENV] ? nativeAddonPath(root) : NATIVE_ADDON_RELATIVE_PATH;
}

/** Whether the addon is built and loads, and which compute backends it was built with (only the build knows). */
export function nativeStatus(root: string): NativeStatus {
  const none = { cudaDevices: [], cudaReason: null, cudaGemms: null };
  if (!fs.existsSync(nativeAddonPath(root))) {
    const message = process.env[NATIVE_ADDON_ENV] ? `${NATIVE_ADDON_ENV} names ${nativeAddonPath(root)}, which does not exist` : NATIVE_NOT_BUILT_MESSAGE;
    return { ok: false, built: false, backendsBuilt: [], ...none, message };
  }
  let backendsBuilt: string[];
  let cuda: { devices: CudaDeviceInfo[]; reason: string | null; gemms?: string };
  try {
    const addon = loadNativeAddon(root);
    backendsBuilt = addon.backendsBuilt();
    cuda = addon.cudaDevices();
  } catch (err) {
    return { ok: false, built: true, backendsBuilt: [], ...none, message: (err as Error).message };
  }
  const devices = { cudaDevices: cuda.devices, cudaReason: cuda.reason, cudaGemms: backendsBuilt.includes("cuda") ? (cuda.gemms ?? null) : null };
  if (backendsBuilt.length === 0) return { ok: false, built: true, backendsBuilt, ...devices, message: "native addon loaded but reports no compute backends" };
  const gpus = !backendsBuilt.includes("cuda")
    ? ""
    : cuda.devices.length > 0
      ? `; CUDA device${cuda.devices.length === 1 ? "" : "s"}: ${cuda.devices.map(describeCudaDevice).join(", ")}` +
        (devices.cudaGemms ? `; GEMMs: ${describeGemms(devices.cudaGemms)}` : "")
      : `; no CUDA device (${cuda.reason ?? "none found"}), so training runs on the CPU`;
  return { ok: true, built: true, backendsBuilt, ...devices, message: `native addon built with ${backendsBuilt.join(", ")}${gpus}` };
}
