#!/usr/bin/env bash
# Prints the folder holding libcublasLt.so.13 (or .12) when the dynamic loader would not find it by itself, so
# check.sh can put it on LD_LIBRARY_PATH; prints nothing when the loader already finds it, or when there is none
# (the trainer then runs its GEMMs on its own WMMA kernels, and cuda_check's header says so).
# The trainer dlopens cuBLASLt by name (native/cuda/cublaslt/loader.cc). GPU images often ship it only inside
# Python's nvidia-cublas wheel (site-packages/nvidia/cublas/lib or nvidia/cu13/lib), which is off the loader's path.
# Usage: bash native/gpu/find-cublaslt.sh        ($PYTHON, default python3, says where its packages are)
set -uo pipefail
if ldconfig -p 2>/dev/null | grep -Eq 'libcublasLt\.so\.1[23]( |$)'; then
  exit 0
fi
for dir in ${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH//:/ }}; do
  compgen -G "$dir/libcublasLt.so.1[23]*" >/dev/null && exit 0
done
"${PYTHON:-python3}" - <<'PY' 2>/dev/null && exit 0
import glob, os, sys
# Every import root (site-packages included), newest major first: .so.13 matches the CUDA 13 runtime we build with.
for major in ("13", "12"):
    for root in sys.path:
        hits = sorted(glob.glob(os.path.join(root or ".", "nvidia", "**", f"libcublasLt.so.{major}*"), recursive=True))
        if hits:
            print(os.path.dirname(os.path.abspath(hits[0])))
            sys.exit(0)
sys.exit(1)
PY
for dir in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  if compgen -G "$dir/libcublasLt.so.1[23]*" >/dev/null; then
    echo "$dir"
    exit 0
  fi
done
exit 0
