import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../../../testing/tiny-model";
import { jobBackend } from "./backend";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "job-backend-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const llama = writeTinyModel({ dir: path.join(tmp, "llama"), seed: 1 }).dir;
const lfm2 = writeTinyModel({ dir: path.join(tmp, "lfm2"), seed: 1, lfm2: true }).dir;

describe("the backend a local job loads its model on", () => {
  it("is the worker's for auto, the job's when it names one", () => {
    expect(jobBackend("auto", "cuda", llama)).toEqual({ backend: "cuda" });
    expect(jobBackend("auto", "cpu", llama)).toEqual({ backend: "cpu" });
    expect(jobBackend("cpu", "cuda", llama)).toEqual({ backend: "cpu" });
    expect(jobBackend("cuda", "cpu", lfm2)).toEqual({ backend: "cuda" });  // asked for: the trainer's refusal says why
  });

  it("is the CPU for an LFM2 on a GPU worker's auto, saying why", () => {
    expect(jobBackend("auto", "cuda", lfm2)).toEqual({ backend: "cpu", why: "Training on the CPU backend: its short-convolution (LFM2 conv) layers have no CUDA kernels yet (backend auto)." });
    expect(jobBackend("auto", "cpu", lfm2)).toEqual({ backend: "cpu" });
    // A folder without a readable config.json keeps the worker's backend; loading it then names the problem.
    expect(jobBackend("auto", "cuda", path.join(tmp, "missing"))).toEqual({ backend: "cuda" });
  });
});
