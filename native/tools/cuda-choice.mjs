// Whether `npm run native:build` builds the CUDA backend, from TF_CUDA and the nvcc the caller found:
//   TF_CUDA=0      → CPU-only addon, whatever is installed
//   TF_CUDA=1      → CUDA required: no nvcc (or a failed CUDA build, see `required`) is an error
//   unset or empty → CUDA when nvcc is found, otherwise the CPU-only addon
// Pure (no file system, no processes) so every case is tested without a CUDA toolkit; build-addon.mjs finds nvcc.

const TF_CUDA_VALUES = "TF_CUDA=1 (CUDA required), TF_CUDA=0 (CPU-only addon) or leave it unset (CUDA when nvcc is found)";

/**
 * @param {{ env: Record<string, string | undefined>, nvccPath: string | null }} input
 * @returns {{ build: boolean, required: boolean, error?: string, reason: string }}
 */
export function cudaChoice({ env, nvccPath }) {
  const wanted = env.TF_CUDA ?? "";
  if (wanted !== "" && wanted !== "0" && wanted !== "1") {
    const error = `TF_CUDA=${JSON.stringify(wanted)} is not a valid value; use ${TF_CUDA_VALUES}`;
    return { build: false, required: false, error, reason: error };
  }
  if (wanted === "0") return { build: false, required: false, reason: "TF_CUDA=0: building the CPU-only addon" };
  const required = wanted === "1";
  if (!nvccPath) {
    if (required) {
      const error =
        "TF_CUDA=1 but nvcc was not found (PATH, $CUDACXX, /usr/local/cuda/bin); install the CUDA toolkit (nvcc) and put its bin " +
        "directory on PATH or set CUDACXX=/path/to/nvcc, or build the CPU-only addon with TF_CUDA=0";
      return { build: false, required, error, reason: error };
    }
    return { build: false, required, reason: "no nvcc found: building the CPU-only addon (the cuda backend needs the CUDA toolkit)" };
  }
  return { build: true, required, reason: `${required ? "TF_CUDA=1: " : ""}building the CUDA kernels with ${nvccPath}` };
}
