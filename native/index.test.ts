import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadNativeAddon, NATIVE_ADDON_ENV, NATIVE_ADDON_RELATIVE_PATH, nativeAddonPath, withAbort, type NativeModel } from "./index";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "native-index-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("loadNativeAddon", () => {
  it("explains how to build the addon when it is missing, and that the dashboard still runs", () => {
    expect(() => loadNativeAddon(tmp)).toThrow(/native addon not built: run `npm run native:build` \(needs g\+\+ and Node headers\); the dashboard still runs with local training disabled/);
  });

  it("says a broken build failed to load and how to rebuild it", () => {
    const root = path.join(tmp, "broken");
    fs.mkdirSync(path.dirname(nativeAddonPath(root)), { recursive: true });
    fs.writeFileSync(nativeAddonPath(root), "not a shared object");
    expect(() => loadNativeAddon(root)).toThrow(new RegExp(`${NATIVE_ADDON_RELATIVE_PATH} failed to load .*npm run native:build`));
  });

  it(`loads from ${NATIVE_ADDON_ENV} instead when it is set, and names that file and the variable in its errors`, () => {
    const before = process.env[NATIVE_ADDON_ENV];
    try {
      process.env[NATIVE_ADDON_ENV] = "relative/missing.node";
      expect(nativeAddonPath(tmp)).toBe(path.resolve("relative/missing.node"));
      expect(() => loadNativeAddon(tmp)).toThrow(`native addon not found at ${path.resolve("relative/missing.node")} (${NATIVE_ADDON_ENV}): point ${NATIVE_ADDON_ENV} at a built .node file or unset it`);
      const broken = path.join(tmp, "elsewhere.node");
      fs.writeFileSync(broken, "not a shared object");
      process.env[NATIVE_ADDON_ENV] = broken;
      expect(() => loadNativeAddon(tmp)).toThrow(`native addon at ${broken} (${NATIVE_ADDON_ENV}) failed to load`);
    } finally {
      if (before === undefined) delete process.env[NATIVE_ADDON_ENV];
      else process.env[NATIVE_ADDON_ENV] = before;
    }
    expect(nativeAddonPath(tmp)).toBe(path.join(tmp, NATIVE_ADDON_RELATIVE_PATH));
  });
});

describe("withAbort", () => {
  it("cancels the model's running operation when the signal aborts", async () => {
    let cancels = 0;
    const model = { cancel: () => (cancels++, true) } as unknown as NativeModel;
    const ac = new AbortController();
    const result = await withAbort(model, ac.signal, async () => {
      ac.abort();
      return "ended";
    });
    expect(result).toBe("ended");
    expect(cancels).toBe(1);
  });

  it("does not start when already aborted", async () => {
    const ac = new AbortController();
    ac.abort(new Error("user stopped it"));
    let started = false;
    await expect(withAbort({} as NativeModel, ac.signal, async () => (started = true))).rejects.toThrow("user stopped it");
    expect(started).toBe(false);
  });
});
