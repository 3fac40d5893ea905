import type { CudaDeviceInfo } from "../../native/index";

// How tuneforge words a CUDA device and where its GEMMs run: for doctor, /api/health's message and the status
// popover. No server imports (only a type), so client components can use it.

/** "NVIDIA H200 (sm_90, 139.8 GiB)". */
export function describeCudaDevice(d: CudaDeviceInfo): string {
  return `${d.name} (sm_${d.sm}, ${(d.totalBytes / 2 ** 30).toFixed(1)} GiB)`;
}

/**
 * The addon's "cublaslt 13.0.2 (libcublasLt.so.13)" / "wmma (why)" for people: "cuBLASLt 13.0.2 (libcublasLt.so.13)"
 * or "the built-in WMMA kernels, not cuBLASLt (why)".
 */
export function describeGemms(gemms: string): string {
  if (gemms.startsWith("cublaslt ")) return `cuBLASLt ${gemms.slice("cublaslt ".length)}`;
  if (gemms.startsWith("wmma (")) return `the built-in WMMA kernels, not cuBLASLt ${gemms.slice("wmma ".length)}`;
  return gemms;
}

/**
 * What doctor says about the GEMMs of a machine with a CUDA device, or null when there is nothing to say: every GPU
 * job would fail (TF_CUDA_GEMM asks for what cannot load or is malformed), or its matrix products would run on the
 * slower built-in kernels because libcublasLt does not load. Not for TF_CUDA_GEMM=wmma, which asked for those, nor
 * for the CUDA emulator (a test instrument whose emulated cuBLASLt only its own tests turn on).
 */
export function gemmsHint(s: { cudaDevices: readonly unknown[]; cudaGemms: string | null | undefined }): string | null {
  const g = s.cudaGemms;
  if (s.cudaDevices.length === 0 || !g) return null;
  if (g.startsWith("unusable (")) return `every GPU job would fail: ${g.slice("unusable (".length, -1)}; fix or unset TF_CUDA_GEMM`;
  if (!g.startsWith("wmma (") || g.startsWith("wmma (TF_CUDA_GEMM=wmma") || g.includes("CUDA emulator")) return null;
  return (
    "GPU training's matrix products run on the built-in kernels, slower than cuBLASLt: put the folder holding libcublasLt.so.13 (or .12) " +
    "on LD_LIBRARY_PATH for the workers — `bash native/gpu/find-cublaslt.sh` prints it when Python's nvidia-cublas wheel has one — " +
    "or install the CUDA toolkit's cuBLAS; TF_CUDA_GEMM=wmma keeps the built-in kernels and this warning away"
  );
}
