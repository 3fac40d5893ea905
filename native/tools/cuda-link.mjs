// The CUDA part of the addon build, shared by build-addon.mjs (which builds it) and binding.gyp (which links it):
//   node tools/cuda-link.mjs enabled     → 1 when native/build/cuda-link.json exists (CUDA was built), else 0
//   node tools/cuda-link.mjs libraries   → the static libraries and flags to link, one per line
// build-addon.mjs writes cuda-link.json after CMake built tf_cuda with nvcc, and deletes it when there is no
// nvcc (or TF_CUDA=0), so a machine without the CUDA toolkit builds the CPU-only addon from the same files.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CUDA_LINK_FILE = path.join(nativeDir, "build", "cuda-link.json");

export function readCudaLink() {
  if (!fs.existsSync(CUDA_LINK_FILE)) return null;
  return JSON.parse(fs.readFileSync(CUDA_LINK_FILE, "utf8"));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const link = readCudaLink();
  const what = process.argv[2];
  if (what === "enabled") process.stdout.write(link ? "1\n" : "0\n");
  else if (what === "libraries") process.stdout.write((link ? link.libraries : []).join("\n") + "\n");
  else {
    console.error("usage: node tools/cuda-link.mjs enabled|libraries");
    process.exit(2);
  }
}
