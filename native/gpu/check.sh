#!/usr/bin/env bash
# One command for a GPU machine (issue 8): builds the CUDA backend and checks it, ending with one summary table.
#   step 1: every CUDA kernel against its CPU reference (cuda_check), bf16-aware tolerances;
#   step 2: tiny-model logits, loss and LoRA gradients, CUDA vs CPU (cuda_model_check);
#   steps 3-4: against HF transformers + PEFT, and throughput/memory (native/gpu/hf_*.py).
# Usage: native/gpu/check.sh            (from anywhere; needs cmake, a C++ compiler and nvcc)
#        GPU_CHECK_EMULATED=1 native/gpu/check.sh   a dry run of the script itself on a machine without a GPU: the
#        same steps with the CUDA emulator's programs (cuda_check_emu, ...) from the tree `npm run test:native`
#        built (native/build/cmake); steps 3-4 need torch, so without it they end in a FAIL row.
#        TF_MODEL_CHECK_CASES="fp32 base|..." runs only those step-2 cases (cuda_model_check's names); the step-2 row
#        then says so, since it no longer covers every case.
#        GPU_CHECK_DEADLINE_S (default 540): every step ends by then, counted from this script's start, so the summary
#        is printed before a device call's limit; GPU_CHECK_STEP_TIMEOUT (default 150) limits steps 1 and 2 each.
# Exit status: 0 when every step that ran passed, 1 otherwise. Budget: <= 8 minutes on one H200.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NATIVE="$ROOT/native"
EMULATED="${GPU_CHECK_EMULATED:-0}"
if [[ $EMULATED == 1 ]]; then
  BUILD="$NATIVE/build/cmake" SUFFIX=_emu
else
  BUILD="$NATIVE/build/gpu" SUFFIX=""
fi
JOBS="$(nproc 2>/dev/null || echo 4)"
SUMMARY=()   # "step|what|result|detail" rows, printed as the final table
FAILED=0

record() {  # record STEP WHAT RESULT DETAIL [quiet]   (RESULT: PASS, FAIL, SKIP or INFO)
  SUMMARY+=("$1|$2|$3|$4")
  # Printed now too, so a run cut off before the summary still shows its rows (steps 3-4 print theirs as they come).
  [[ ${5:-} == quiet ]] || printf '== row: %s | %s | %s | %s\n' "$1" "$2" "$3" "$4"
  [[ "$3" == FAIL ]] && FAILED=1
  return 0
}

# nvcc is often installed without being on PATH.
if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi

# steps 3-4's functions (nothing runs yet), and with them the deadline's _hf_cap that steps 1-2 use too.
# shellcheck source=steps-3-4.sh
source "$ROOT/native/gpu/steps-3-4.sh"

# What ran: a failure on a lent machine is read from this log alone, with no second look at the machine.
GPU_LINE=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1)
echo "== machine: ${GPU_LINE:-no GPU answered nvidia-smi}"
echo "== nvcc: $(nvcc --version 2>/dev/null | tail -n 1 || echo 'not found')"
echo "== python: $("${PYTHON:-python3}" "$ROOT/native/gpu/hf_common.py" versions 2>&1 | tail -n 1)"

# build_and_run STEP WHAT TARGET [NOTE]: builds TARGET in the CMake tree and runs it (exit 0 all pass, 1 a failure,
# 2 no usable device), recording one summary row; NOTE ends a passing row's detail.
build_and_run() {
  local step=$1 what=$2 target=$3$SUFFIX note=${4:+; $4}
  if ! timeout "$(_hf_cap 300)" cmake --build "$BUILD" -j "$JOBS" --target "$target" >"$BUILD.$target.log" 2>&1; then
    tail -n 40 "$BUILD.$target.log"
    if _hf_past_deadline; then
      record "$step" "$what" SKIP "build of $target $(_hf_cut_note)"
    else
      record "$step" "$what" FAIL "build of $target failed (log: $BUILD.$target.log)"
    fi
    return
  fi
  local limit
  limit=$(_hf_cap "${GPU_CHECK_STEP_TIMEOUT:-150}")
  timeout -k 10 "$limit" "$BUILD/$target" | tee "$BUILD.$target.out"
  local rc=${PIPESTATUS[0]}
  case $rc in
    0) record "$step" "$what" PASS "every row within its limit (table above)$note" ;;
    2) record "$step" "$what" FAIL "no usable CUDA device ($target exit 2)" ;;
    3) record "$step" "$what" FAIL "$target: no such case in TF_MODEL_CHECK_CASES (the names are above)" ;;
    124 | 137) if _hf_past_deadline; then record "$step" "$what" SKIP "$target $(_hf_cut_note)"
               else record "$step" "$what" FAIL "$target timed out after $limit s"; fi ;;
    *) record "$step" "$what" FAIL "$target exit $rc (FAIL rows above)" ;;
  esac
}

# cuBLASLt is loaded by name at run time; when it sits only in Python's nvidia wheel, put its folder on the path.
CUBLASLT_DIR="$(bash "$ROOT/native/gpu/find-cublaslt.sh")"
if [[ -n $CUBLASLT_DIR ]]; then
  export LD_LIBRARY_PATH="$CUBLASLT_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "== libcublasLt found in $CUBLASLT_DIR (now on LD_LIBRARY_PATH)"
fi

# ======================= step 1: CUDA kernels vs the CPU reference =======================
step1() {
  echo "== step 1: build the CMake tree with nvcc ($BUILD) and run cuda_check$SUFFIX"
  if [[ $EMULATED == 1 ]]; then
    # test:native's tree, as it configured it: reconfiguring with this script's options would change its targets.
    if [[ ! -f $BUILD/CMakeCache.txt ]]; then
      record 1 "CUDA kernels vs CPU" FAIL "no CMake tree in $BUILD (run npm run test:native first)"
      return
    fi
  elif ! command -v nvcc >/dev/null 2>&1; then
    record 1 "CUDA kernels vs CPU" FAIL "nvcc not found (install the CUDA toolkit or put nvcc on PATH)"
    return
  fi
  if [[ $EMULATED != 1 ]] && ! timeout "$(_hf_cap 120)" cmake -S "$NATIVE" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTF_SANITIZE_FUZZ=OFF >"$BUILD.configure.log" 2>&1; then
    tail -n 30 "$BUILD.configure.log"
    record 1 "CUDA kernels vs CPU" FAIL "cmake configure failed (log: $BUILD.configure.log)"
    return
  fi
  build_and_run 1 "CUDA kernels vs CPU" cuda_check
  # Which GEMMs the trainer gets (cuda_check's header): cuBLASLt, or our WMMA kernels and why. MFU depends on it.
  local gemm
  gemm=$(grep -o 'matmul: .*' "$BUILD.cuda_check$SUFFIX.out" 2>/dev/null | head -n 1)
  [[ -n $gemm ]] && record 1 "GEMMs run through" INFO "${gemm#matmul: }"
}

# ======================= step 2: tiny models, the whole CUDA model vs the CPU backend =======================
# cuda_model_check: logits, loss, every LoRA gradient, one optimizer step and a short training run through the
# public API, on tiny Llama/Qwen2 models (fp32 and NF4 bases, dropout, checkpointing, GQA, packing).
step2() {
  echo "== step 2: build and run cuda_model_check (tiny models, CUDA vs CPU)"
  if [[ ! -f "$BUILD/CMakeCache.txt" ]]; then
    record 2 "tiny models: logits, loss, LoRA grads vs CPU" FAIL "the CMake tree was not configured (step 1 failed)"
    return
  fi
  build_and_run 2 "tiny models: logits, loss, LoRA grads vs CPU" cuda_model_check \
    "${TF_MODEL_CHECK_CASES:+only the cases TF_MODEL_CHECK_CASES names: $TF_MODEL_CHECK_CASES}"
}

step1
step2

# ======================= steps 3-4: HF transformers + PEFT comparison, throughput and memory (h-hf) =======================
# steps-3-4.sh appends tab-separated rows (step, check, ours, reference, target, status); each becomes a summary
# row. MISSING (our side not built yet) is shown as SKIP; INFO rows (tolerance calibration) never fail the run.
# Steps 3-4 drive our trainer through gpu_ours (native/gpu/ours.cc), built in the same CMake tree ($BUILD): no
# Node.js or node_modules needed on the GPU machine.
HF_ROWS="$(mktemp)"
GPU_CHECK_BUILD="$BUILD" GPU_CHECK_TARGET_SUFFIX="$SUFFIX" GPU_CHECK_ROWS="$HF_ROWS" gpu_steps_3_4
# Tabs become \x1f before `read`: a tab is IFS whitespace, so `IFS=$'\t' read` merges consecutive tabs and an empty
# field (the GEMM peak's ours/target, the decode rows' reference/target, the 8B row's reference) shifts every later
# field left, leaving status empty, i.e. FAIL. \x1f is not whitespace, so empty fields stay in place.
# Calibration rows are "INFO (within)" / "INFO (outside)": INFO, with the verdict kept in the detail.
while IFS=$'\x1f' read -r s what ours ref target status; do
  [[ -n "$s" ]] || continue
  verdict=""
  case "$status" in
    PASS | FAIL | INFO) result=$status ;;
    "INFO ("*) result=INFO verdict=" ${status#INFO }" ;;
    MISSING) result=SKIP ;;
    *) result=FAIL ;;
  esac
  record "$s" "$what" "$result" "ours ${ours:--} · reference ${ref:--} · target ${target:--}$verdict" quiet
done < <(tr '\t' '\037' <"$HF_ROWS")
rm -f "$HF_ROWS"

# ======================= summary =======================
echo
echo "== native/gpu/check.sh summary"
printf '%-5s %-48s %-6s %s\n' step check result detail
for row in "${SUMMARY[@]}"; do
  IFS='|' read -r s w r d <<<"$row"
  printf '%-5s %-48s %-6s %s\n' "$s" "$w" "$r" "$d"
done
exit $FAILED
