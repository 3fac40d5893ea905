import { describe, expect, it } from "vitest";
import type { Env } from "../env";
import { workerPlacement } from "./model-cache";

// Where playground and evaluation models load: the worker's TUNEFORGE_LOCAL_BACKEND/_THREADS (model-cache.emu.test.ts
// loads real models with it on the emulated device and on the CPU).

describe("playground model placement", () => {
  it("follows the worker's TUNEFORGE_LOCAL_BACKEND and TUNEFORGE_LOCAL_THREADS", () => {
    expect(workerPlacement({ TUNEFORGE_LOCAL_BACKEND: "cpu", TUNEFORGE_LOCAL_THREADS: 3 } as Env)).toEqual({ backend: "cpu", threads: 3 });
    expect(workerPlacement({ TUNEFORGE_LOCAL_BACKEND: "cuda", TUNEFORGE_LOCAL_THREADS: 0 } as Env)).toEqual({ backend: "cuda", threads: 0 });
  });
});
