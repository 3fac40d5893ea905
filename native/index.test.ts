import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
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
});

describe("TUNEFORGE_NATIVE_ADDON", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("is unset in the unit tests, whatever the shell exports (the tests above write where the addon is looked for)", () => {
    expect(process.env[NATIVE_ADDON_ENV] ?? "").toBe("");
    expect(nativeAddonPath(tmp)).toBe(path.join(tmp, NATIVE_ADDON_RELATIVE_PATH));
  });

  it("names the file to load instead, resolved, and a missing one by that name", () => {
    vi.stubEnv(NATIVE_ADDON_ENV, "somewhere/else.node");
    expect(nativeAddonPath(tmp)).toBe(path.resolve("somewhere/else.node"));
    expect(() => loadNativeAddon(tmp)).toThrow(`native addon not found at ${path.resolve("somewhere/else.node")} (${NATIVE_ADDON_ENV}): point ${NATIVE_ADDON_ENV} at a built .node file or unset it`);
  });

  it("names the file and the variable when the file there does not load", () => {
    const broken = path.join(tmp, "elsewhere.node");
    fs.writeFileSync(broken, "not a shared object");
    vi.stubEnv(NATIVE_ADDON_ENV, broken);
    expect(() => loadNativeAddon(tmp)).toThrow(`native addon at ${broken} (${NATIVE_ADDON_ENV}) failed to load`);
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
