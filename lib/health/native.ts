import fs from "node:fs";
import path from "node:path";
import { loadNativeAddon, NATIVE_ADDON_RELATIVE_PATH, NATIVE_NOT_BUILT_MESSAGE } from "../../native/index";

// Health of the native trainer addon (issue #3) for /api/health, doctor and the start script. The path
// constant lives in native/index.ts with the loader, so every consumer looks in the same place.
export { NATIVE_ADDON_RELATIVE_PATH };

export type NativeStatus = { ok: boolean; built: boolean; backendsBuilt: string[]; message: string };

export function nativeAddonPath(root: string): string {
  return path.join(root, NATIVE_ADDON_RELATIVE_PATH);
}

/** Whether the addon is built and loads, and which compute backends it was built with (only the build knows). */
export function nativeStatus(root: string): NativeStatus {
  if (!fs.existsSync(nativeAddonPath(root))) return { ok: false, built: false, backendsBuilt: [], message: NATIVE_NOT_BUILT_MESSAGE };
  let backendsBuilt: string[];
  try {
    backendsBuilt = loadNativeAddon(root).backendsBuilt();
  } catch (err) {
    return { ok: false, built: true, backendsBuilt: [], message: (err as Error).message };
  }
  if (backendsBuilt.length === 0) return { ok: false, built: true, backendsBuilt, message: "native addon loaded but reports no compute backends" };
  return { ok: true, built: true, backendsBuilt, message: `native addon built with ${backendsBuilt.join(", ")}` };
}
