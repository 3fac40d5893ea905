import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

// The native trainer addon (issue #3) is built by node-gyp into this path under the repository root.
// Health, doctor and the start script look only here, so the path lives in this one constant.
export const NATIVE_ADDON_RELATIVE_PATH = "native/build/Release/tuneforge_native.node";

export type NativeStatus = { ok: boolean; built: boolean; backendsBuilt: string[]; message: string };

export function nativeAddonPath(root: string): string {
  return path.join(root, NATIVE_ADDON_RELATIVE_PATH);
}

/**
 * Whether the addon is built, and which compute backends it was built with. The addon reports its
 * backends itself (`backends` as a string array or a function returning one), since only the build knows
 * whether nvcc was found.
 */
export function nativeStatus(root: string): NativeStatus {
  const file = nativeAddonPath(root);
  if (!fs.existsSync(file)) {
    return { ok: false, built: false, backendsBuilt: [], message: "native addon not built (native/ has no build yet)" };
  }
  let addon: { backends?: unknown };
  try {
    // createRequire from the file itself: bundlers leave a runtime path alone, and Node loads .node files.
    addon = createRequire(file)(file) as { backends?: unknown };
  } catch (err) {
    return { ok: false, built: true, backendsBuilt: [], message: `native addon at ${NATIVE_ADDON_RELATIVE_PATH} failed to load: ${(err as Error).message}` };
  }
  const raw = typeof addon.backends === "function" ? (addon.backends as () => unknown)() : addon.backends;
  const backendsBuilt = Array.isArray(raw) ? raw.filter((b): b is string => typeof b === "string") : [];
  if (backendsBuilt.length === 0) {
    return { ok: false, built: true, backendsBuilt, message: "native addon loaded but reports no compute backends" };
  }
  return { ok: true, built: true, backendsBuilt, message: `native addon built with ${backendsBuilt.join(", ")}` };
}
