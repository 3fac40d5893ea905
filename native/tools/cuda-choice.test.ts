import { describe, expect, it } from "vitest";
import { cudaChoice } from "./cuda-choice.mjs";

// The build's CUDA decision (TF_CUDA × whether nvcc was found), every case without a CUDA toolkit.

const nvcc = "/usr/local/cuda/bin/nvcc";

describe("cudaChoice", () => {
  it("TF_CUDA=0 builds the CPU-only addon even with nvcc", () => {
    expect(cudaChoice({ env: { TF_CUDA: "0" }, nvccPath: nvcc })).toEqual({ build: false, required: false, reason: "TF_CUDA=0: building the CPU-only addon" });
    expect(cudaChoice({ env: { TF_CUDA: "0" }, nvccPath: null }).build).toBe(false);
  });

  it("TF_CUDA=1 without nvcc is an error that says what to install or set", () => {
    const choice = cudaChoice({ env: { TF_CUDA: "1" }, nvccPath: null });
    expect(choice.build).toBe(false);
    expect(choice.error).toBe(
      "TF_CUDA=1 but nvcc was not found (PATH, $CUDACXX, /usr/local/cuda/bin); install the CUDA toolkit (nvcc) and put its bin " +
        "directory on PATH or set CUDACXX=/path/to/nvcc, or build the CPU-only addon with TF_CUDA=0",
    );
  });

  it("TF_CUDA=1 with nvcc builds CUDA and requires it to succeed", () => {
    expect(cudaChoice({ env: { TF_CUDA: "1" }, nvccPath: nvcc })).toEqual({ build: true, required: true, reason: `TF_CUDA=1: building the CUDA kernels with ${nvcc}` });
  });

  it("unset (or empty) TF_CUDA builds CUDA when nvcc is found, and falls back to the CPU-only addon otherwise", () => {
    for (const env of [{}, { TF_CUDA: "" }]) {
      expect(cudaChoice({ env, nvccPath: nvcc })).toEqual({ build: true, required: false, reason: `building the CUDA kernels with ${nvcc}` });
      expect(cudaChoice({ env, nvccPath: null })).toEqual({ build: false, required: false, reason: "no nvcc found: building the CPU-only addon (the cuda backend needs the CUDA toolkit)" });
    }
  });

  it("an invalid TF_CUDA is an error naming the value and the valid ones, whether nvcc is there or not", () => {
    for (const nvccPath of [nvcc, null]) {
      expect(cudaChoice({ env: { TF_CUDA: "yes" }, nvccPath })).toMatchObject({
        build: false,
        error: 'TF_CUDA="yes" is not a valid value; use TF_CUDA=1 (CUDA required), TF_CUDA=0 (CPU-only addon) or leave it unset (CUDA when nvcc is found)',
      });
    }
  });
});
