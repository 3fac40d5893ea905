import { afterEach, describe, expect, it } from "vitest";
import type { Env } from "../env";
import type { NativeAddon, NativeModel } from "../../native/index";
import { cachedModel, closeCachedModels, workerPlacement } from "./model-cache";

// Where playground and evaluation models load, without an addon: the worker's TUNEFORGE_LOCAL_BACKEND/_THREADS reach
// loadModel (the emu test shows the device and the CPU actually used; this pins the settings that choose them).

function fakeAddon(calls: unknown[]): () => NativeAddon {
  const model = { closed: false, busy: false, cancel() {}, close() { this.closed = true; } } as unknown as NativeModel;
  return () => ({ loadModel: async (o: unknown) => (calls.push(o), model) }) as unknown as NativeAddon;
}

afterEach(() => closeCachedModels());

describe("playground model placement", () => {
  it("follows the worker's TUNEFORGE_LOCAL_BACKEND and TUNEFORGE_LOCAL_THREADS", () => {
    expect(workerPlacement({ TUNEFORGE_LOCAL_BACKEND: "cpu", TUNEFORGE_LOCAL_THREADS: 3 } as Env)).toEqual({ backend: "cpu", threads: 3 });
    expect(workerPlacement({ TUNEFORGE_LOCAL_BACKEND: "cuda", TUNEFORGE_LOCAL_THREADS: 0 } as Env)).toEqual({ backend: "cuda", threads: 0 });
  });

  it("loads the model with that placement, unquantized", async () => {
    const calls: unknown[] = [];
    await cachedModel("m", "/models/m", fakeAddon(calls), workerPlacement({ TUNEFORGE_LOCAL_BACKEND: "cpu", TUNEFORGE_LOCAL_THREADS: 2 } as Env));
    expect(calls).toEqual([{ modelDir: "/models/m", quant: "none", backend: "cpu", threads: 2 }]);
  });
});
