#!/usr/bin/env bash
# check.sh steps 3 and 4: our trainer against HF transformers + PEFT on a generated Llama-3.2-1B-shaped model
# (logits, loss, LoRA gradients), then throughput / MFU / peak memory side by side, a profiled step of ours, and
# ours on an 8B shape. native/gpu/README.md explains the rows. Budget: about 7 minutes on one H200 (each part
# prints its time).
#
# Sourced by native/gpu/check.sh (defines gpu_steps_3_4, runs nothing), or run alone:
#   bash native/gpu/steps-3-4.sh
# Our side runs through gpu_ours (native/gpu/ours.cc: tf::api::Session, the interface the Node addon calls), built
# here with CMake: GPU machines need a C++ compiler and nvcc, not Node.js and node_modules.
# Environment:
#   GPU_CHECK_BUILD the CMake tree gpu_ours is built in (default native/build/gpu, check.sh's)
#   GPU_CHECK_TARGET_SUFFIX  _emu: gpu_ours_emu, built against the CUDA emulator (check.sh's dry run)
#   GPU_CHECK_DIR   work folder (default /tmp/tuneforge-gpu-check); models are kept there and reused by reruns
#   GPU_CHECK_ROWS  file the summary rows are appended to (tab-separated: step, check, ours, reference, target,
#                   status); run alone, they go to $GPU_CHECK_DIR/hf/rows.tsv and are printed as a table
#   PYTHON          the python with torch, transformers and peft (default python3)
#   GPU_CHECK_BATCH rows per step at sequence length 2048 for both 1B throughput runs (default 4)
#   GPU_CHECK_CPU_VS_HF=1  also compare our CPU backend with HF (default: only when CUDA is not built; ~1 min)
#   GPU_CHECK_CALIBRATE=1  also compare HF bf16 with HF fp32, to judge the tolerances (default: only when CUDA
#                          is not built; ~30 s)
#   GPU_CHECK_SKIP_8B=1    skip the 8B model (writing its 16 GB of weights takes about a minute)
#   GPU_CHECK_ONLY_8B=1    only the 8B rows, for a second call after a GPU_CHECK_SKIP_8B=1 one: step 4's 1B rows are
#                          rebuilt from that call's JSON files instead of being measured again
#   GPU_CHECK_DECODE_8B=1  also measure decoding on the 8B model (loading it again costs about a minute)
#   GPU_CHECK_FAMILIES="lfm2 phi4minilong"  only those step-3 family rows (hf_common.SHAPES names; _GPU_FAMILIES
#                          below lists them), nothing else: a later call for the rows the first one's deadline cut
#   GPU_DECODE_PROMPT_LEN, GPU_DECODE_TOKENS  the decode rows' prompt length and tokens generated (default 512 and
#                          128); the emulated test of these rows uses short ones
#   GPU_CHECK_DEADLINE_S   seconds after the start (of check.sh, or of this script run alone) by which every step has
#                          ended, so the summary is printed (default 540; see _hf_left)

_hf_log() { printf '[steps 3-4] %s\n' "$*" >&2; }

# The deadline. A lent GPU machine runs a command for at most 10 minutes (native/gpu/README.md's first call: 580 s),
# and a command killed at its limit prints no summary, so the whole check ends by GPU_CHECK_DEADLINE_S seconds after
# its start ($SECONDS: check.sh sources this file, so it counts from check.sh's start). Each step's timeout is capped
# by the time left, and the optional rows (calibration, the CPU backend vs HF, the profiled steps, the decode rows)
# are skipped, each with a row that says so, when less is left than they need.
_hf_left() { echo $((${GPU_CHECK_DEADLINE_S:-540} - SECONDS)); }
# _hf_cap N: a timeout of N seconds, or the time left when that is less (at least 5 s: a step started late still ends
# in a timed-out row of its own rather than being cut off with the rest).
_hf_cap() {
  local left
  left=$(_hf_left)
  if ((left >= $1)); then echo "$1"; elif ((left > 5)); then echo "$left"; else echo 5; fi
}
# True once the deadline has (all but) passed: a step that failed then was most likely cut by its capped timeout, and
# its row says so as MISSING (SKIP in check.sh's table) rather than as a FAIL that would read like a crash.
_hf_past_deadline() { (($(_hf_left) <= 5)); }
_hf_cut_note() { echo "cut at the deadline (GPU_CHECK_DEADLINE_S=${GPU_CHECK_DEADLINE_S:-540})"; }
# _hf_failed_row STEP CHECK OURS REFERENCE TARGET: the row of a step that failed: FAIL, or MISSING past the deadline.
_hf_failed_row() {
  if _hf_past_deadline; then _hf_row "$1" "$2" "$(_hf_cut_note)" "$4" "$5" MISSING; else _hf_row "$@" FAIL; fi
}
# _hf_optional NEED STEP CHECK: true when NEED seconds are left; otherwise appends a MISSING row (SKIP in check.sh's
# table) for CHECK that says why it did not run.
_hf_optional() {
  local left
  left=$(_hf_left)
  ((left >= $1)) && return 0
  _hf_row "$2" "$3" "not run: $((left > 0 ? left : 0)) s left before GPU_CHECK_DEADLINE_S=${GPU_CHECK_DEADLINE_S:-540}, it needs ~$1 s" "" "" MISSING
  return 1
}

# _hf_timed NAME CMD...: runs CMD with its output to the terminal, prints its time; returns its status.
_hf_timed() {
  local name=$1 start=$SECONDS rc
  shift
  _hf_log "$name…"
  "$@"
  rc=$?
  _hf_log "$name: $((SECONDS - start)) s (exit $rc)"
  return $rc
}

# Rows go to the rows file and, as they come, to stderr: a run cut off before the summary still shows them in its log.
_hf_append() { tee -a "$_HF_ROWS" | sed 's/^/[steps 3-4] row: /' >&2; }
_hf_row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" | _hf_append; }

# Generation speed on the device (KV-cache decoding, NF4 GEMV): an INFO row, no target in the issue. $1 model, $2 label,
# $3 prompts decoded together (default 1; an evaluation batches its prompts like this), $4 "eager" to launch every
# decode step's kernels one by one (TF_CUDA_GRAPHS=0) instead of replaying a CUDA graph (the two rows say what the
# graphs gain), or "bf16" for unquantized weights (every projection a cuBLASLt GEMM inside the graph).
_gpu_decode_row() {
  local batch=${3:-1} label=$2 graphs=1 weights="NF4 + double quant"
  local quant=(--quant nf4 --double-quant)
  (( batch > 1 )) && label+=", batch $batch"
  case ${4:-} in
    eager) graphs=0 label+=", without CUDA graphs" ;;
    bf16) quant=(--quant none) weights="" label+=", bf16 weights" ;;
  esac
  local out="$dir/decode-$2${3:+-b$3}${4:+-$4}.json" prompt_len=${GPU_DECODE_PROMPT_LEN:-512} tokens=${GPU_DECODE_TOKENS:-128}
  # Lengths other than the defaults are named in the row, which would otherwise read like the usual figure.
  local row="ours generation speed ($label)"
  if [[ $prompt_len/$tokens != 512/128 ]]; then row="ours generation speed ($label, $prompt_len-token prompt, $tokens tokens)"; fi
  # The row with graphs for the same model and batch, written by an earlier call (a batch of 1 is named without -b1).
  local graph_out="$dir/decode-$2$( ((batch > 1)) && echo "-b$batch").json"
  _hf_optional 40 4 "$row" || return 0
  _hf_timed "4: ours decode ($label${weights:+, $weights}, $prompt_len-token prompt, $tokens tokens)" env TF_CUDA_GRAPHS=$graphs timeout "$(_hf_cap 180)" "$ours" decode \
    --model "$1" --prompt-len "$prompt_len" --max-tokens "$tokens" --batch "$batch" --runs 2 "${quant[@]}" --backend cuda \
    2>"$out.stderr" | tee "$out"
  cat "$out.stderr" >&2  # after the run: read below, so it must be complete
  local figures
  if ! figures=$("$py" "$gpu/hf_rows.py" decode --ours "$out" 2>/dev/null); then
    _hf_failed_row 4 "$row" "gpu_ours decode failed (see log)" "" ""
  elif [[ $graphs == 1 ]] && grep -q "run without CUDA graphs" "$out.stderr" 2>/dev/null; then
    # The model fell back to launching every kernel: the figures are not the graphs' (the log says why).
    _hf_row 4 "$row" "$figures; CUDA graphs switched off: $(grep -m1 "run without CUDA graphs" "$out.stderr")" "" "" FAIL
  elif [[ $graphs == 0 && -f $graph_out ]] && ! "$py" "$gpu/hf_rows.py" same-tokens "$graph_out" "$out"; then
    # The same kernels launched one by one must generate the graphs' greedy tokens.
    _hf_row 4 "$row" "$figures; greedy tokens differ from the CUDA-graph run's" "" "" FAIL
  else
    _hf_row 4 "$row" "$figures" "" "" INFO
  fi
}

# Where our 1B training step's time goes (model/step_timeline.h's phases): an INFO row from a short run of its own
# with --profile, so the marks never touch the throughput row's figure. $1 model, $2 rows per step, $3 sequence
# length (default 2048), $4 "main" to expand every NF4 weight on the main stream (TF_CUDA_DEQUANT_AHEAD=0) instead
# of ahead on the second stream: the two rows' step times are what the second stream gains.
_gpu_profile_row() {
  local seq=${3:-2048} ahead=1 label="ours 1B step by phase (profiled run)" out="$dir/profile-1b.json"
  if [[ ${4:-} == main ]]; then
    ahead=0 label="ours 1B step by phase, NF4 expanded on the main stream (profiled run)" out="$dir/profile-1b-main.json"
  fi
  _hf_optional 45 4 "$label" || return 0
  _hf_timed "4: ${label#ours 1B } (1B, NF4 + double quant, batch $2 × $seq)" env TF_CUDA_DEQUANT_AHEAD=$ahead timeout "$(_hf_cap 120)" \
    "$ours" bench --model "$1" --seq-len "$seq" --batch-size "$2" --steps 3 --rank $rank --targets $targets_long \
    --quant nf4 --double-quant --backend cuda --gradient-checkpointing --peak-size 0 --profile | tee "$out"
  local figures
  if figures=$("$py" "$gpu/hf_rows.py" profile --ours "$out" 2>/dev/null); then
    _hf_row 4 "$label" "$figures" "" "" INFO
  else
    _hf_failed_row 4 "$label" "gpu_ours bench --profile failed (see log)" "" ""
  fi
}

# Step 3 (gpu_steps_3_4's variables): our logits, loss and LoRA gradients against HF's on the 1B model. Returns 1
# when there is no 1B model to go on with.
_gpu_step3() {
  local ref="$dir/ref.safetensors"
  if [[ ! -f $m1b/config.json ]]; then
    _hf_timed "3: generate the 1B-shaped model" timeout "$(_hf_cap 180)" "$py" "$gpu/hf_make_model.py" --shape 1b --out "$m1b" --seed 0 \
      || { _hf_failed_row 3 "generate the 1B model" "" "hf_make_model.py failed" ""; return 1; }
  fi
  if ! _hf_timed "3: HF + PEFT reference (seq 256, fp32)" timeout "$(_hf_cap 180)" "$py" "$gpu/hf_reference.py" --model "$m1b" --rank $rank \
    --targets $targets --seq 256 --out "$ref"; then
    _hf_failed_row 3 "HF + PEFT reference" "" "hf_reference.py failed" ""
  else
    local backend label
    for backend in cuda cpu; do
      if [[ $backend == cuda && $have_cuda == 0 ]]; then
        _hf_row 3 "1B logits/loss/grads vs HF (cuda)" "$why_not" "HF PEFT fp32" "bf16 tolerance" MISSING
        continue
      fi
      if [[ $backend == cpu ]]; then
        [[ $have_cpu == 1 ]] || continue
        [[ $have_cuda == 0 || ${GPU_CHECK_CPU_VS_HF:-0} == 1 ]] || continue
        _hf_optional 90 3 "1B logits/loss/grads vs HF (cpu)" || continue
      fi
      label=$backend
      if _hf_timed "3: ours ($backend) on the same adapter and inputs" timeout "$(_hf_cap 300)" "$ours" reference \
        --model "$m1b" --ref "$ref" --backend "$backend" --quant none --out "$dir/ours-$backend.json"; then
        "$py" "$gpu/hf_compare.py" "$dir/ours-$backend.json" "$ref" --label "$label" --json | tee "$dir/compare-$backend.txt"
        "$py" "$gpu/hf_rows.py" step3 --label "$label" --compare "$dir/compare-$backend.txt" --ran ours | _hf_append
      else
        _hf_failed_row 3 "1B logits/loss/grads vs HF ($backend)" "gpu_ours reference failed (see log)" "HF PEFT fp32" "bf16 tolerance"
      fi
    done
  fi
  return 0
}

# Step 3 on a model of another family, by hf_common.SHAPES name and row label: Qwen3 (Qwen3-0.6B's layer in 4
# layers: per-head q/k norms), Gemma 3 (gemma-3-1b's layer in 4 layers: output norms, GELU, sliding windows, the
# scaled embedding), Gemma 2 (gemma-2-2b's layer in 4 layers: Gemma 3's without q/k norms, scores and logits
# soft-capped; HF computes eager attention, its sdpa path would drop the cap) and Phi-4 (phi-4's layer in 2 layers: fused qkv_proj with GQA and gate_up_proj, adapted as PEFT
# adapts them), Phi-4-mini and Granite (a Granite 3 2B's layer in 4 layers: the embedding, score, residual and logit
# multipliers, an odd vocabulary), SmolLM3 (SmolLM3-3B's layer in 4 layers, the fourth without RoPE) and OLMo 2
# (OLMo-2-1124-7B's layer in 2 layers: output norms, whole q/k norms) and Mistral (Mistral-7B-v0.1's layer in 2
# layers, its window cut to 128 keys: windows computed on every layer) against transformers' own class + PEFT, on
# the CUDA backend. After step 4's rows (they are the
# smaller checks), and each only with the time for it: ~20-25 s of model generation, HF and ours.
_gpu_step3_model() {
  local shape=$1 name=$2
  local mq="$dir/$shape" ref="$dir/ref-$shape.safetensors" label="cuda" row="$2 logits/loss/grads vs HF (cuda)"
  if [[ $have_cuda == 0 ]]; then
    _hf_row 3 "$row" "$why_not" "HF PEFT fp32" "bf16 tolerance" MISSING
    return 0
  fi
  _hf_optional 90 3 "$row" || return 0
  if [[ ! -f $mq/config.json ]] && ! _hf_timed "3: generate the $name-shaped model" timeout "$(_hf_cap 120)" "$py" "$gpu/hf_make_model.py"     --shape "$shape" --out "$mq" --seed 0; then
    _hf_failed_row 3 "$row" "hf_make_model.py --shape $shape failed (see log)" "HF PEFT fp32" "bf16 tolerance"
    return 0
  fi
  if ! _hf_timed "3: HF + PEFT reference on $name (seq 256, fp32)" timeout "$(_hf_cap 120)" "$py" "$gpu/hf_reference.py" --model "$mq"     --rank $rank --targets $targets --seq 256 --out "$ref"; then
    _hf_failed_row 3 "$row" "hf_reference.py failed on $name (see log)" "HF PEFT fp32" "bf16 tolerance"
  elif _hf_timed "3: ours (cuda) on $name, the same adapter and inputs" timeout "$(_hf_cap 120)" "$ours" reference     --model "$mq" --ref "$ref" --backend cuda --quant none --out "$dir/ours-$shape.json"; then
    "$py" "$gpu/hf_compare.py" "$dir/ours-$shape.json" "$ref" --label "$label" --json | tee "$dir/compare-$shape.txt"
    "$py" "$gpu/hf_rows.py" step3 --model "$name" --label "$label" --compare "$dir/compare-$shape.txt" --ran ours | _hf_append
  else
    _hf_failed_row 3 "$row" "gpu_ours reference failed on $name (see log)" "HF PEFT fp32" "bf16 tolerance"
  fi
}

# Calibration (INFO rows, after the rows with targets): HF's own bf16 numbers against its fp32 reference show how far
# a correct bf16 computation lands, i.e. whether step 3's tolerances are fair. Needs step 3's reference.
_gpu_calibration_rows() {
  local ref="$dir/ref.safetensors"
  [[ ${GPU_CHECK_CALIBRATE:-$((1 - have_cuda))} == 1 && -f $ref ]] || return 0
  _hf_optional 60 3 "1B logits/loss/grads vs HF (HF bf16, calibration)" || return 0
  if _hf_timed "3: HF + PEFT in bf16 (calibration)" timeout "$(_hf_cap 180)" "$py" "$gpu/hf_reference.py" --model "$m1b" \
    --rank $rank --targets $targets --seq 256 --dtype bf16 --out "$dir/ref-bf16.safetensors"; then
    "$py" "$gpu/hf_compare.py" "$dir/ref-bf16.safetensors" "$ref" --label "HF bf16" --json | tee "$dir/compare-hf-bf16.txt"
    "$py" "$gpu/hf_rows.py" step3 --label "HF bf16, calibration" --info --compare "$dir/compare-hf-bf16.txt" | _hf_append
  else  # INFO like the rows it would have given: it has no target to fail
    _hf_row 3 "1B logits/loss/grads vs HF (HF bf16, calibration)" \
      "$(_hf_past_deadline && _hf_cut_note || echo "hf_reference.py --dtype bf16 failed (see log)")" "" "" INFO
  fi
}

# The family rows in the order they run: hf_common.SHAPES name, then row label.
_GPU_FAMILIES=(qwen3 Qwen3 gemma3 "Gemma 3" gemma2 "Gemma 2" phi4 "Phi-4" phi4mini "Phi-4-mini"
  phi4minilong "Phi-4-mini long factors" granite Granite smollm3 SmolLM3 olmo2 "OLMo 2" mistral Mistral glm4 GLM-4
  qwen3yarn "Qwen3 + yarn" olmo3 "OLMo 3" exaone4 "EXAONE 4.0" ministral3 "Ministral 3" lfm2 LFM2)

# _gpu_family_rows [SHAPES]: every family row, or only those SHAPES names (spaces or commas between them; a name
# that is not a family row gets a FAIL row listing the names).
_gpu_family_rows() {
  local want=" ${1//,/ } " i shape known=" "
  for ((i = 0; i < ${#_GPU_FAMILIES[@]}; i += 2)); do known+="${_GPU_FAMILIES[i]} "; done
  for shape in ${1//,/ }; do
    [[ $known == *" $shape "* ]] ||
      _hf_row 3 "GPU_CHECK_FAMILIES" "no family row \"$shape\" (the names:${known% })" "" "" FAIL
  done
  for ((i = 0; i < ${#_GPU_FAMILIES[@]}; i += 2)); do
    shape=${_GPU_FAMILIES[i]}
    if [[ -z ${1:-} || $want == *" $shape "* ]]; then _gpu_step3_model "$shape" "${_GPU_FAMILIES[i + 1]}"; fi
  done
}

gpu_steps_3_4() {
  local root gpu dir py batch start_all=$SECONDS
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  gpu="$root/native/gpu"
  dir="${GPU_CHECK_DIR:-/tmp/tuneforge-gpu-check}/hf"
  py="${PYTHON:-python3}"
  batch="${GPU_CHECK_BATCH:-4}"
  mkdir -p "$dir"
  _HF_ROWS="${GPU_CHECK_ROWS:-$dir/rows.tsv}"
  [[ -n ${GPU_CHECK_ROWS:-} ]] || : >"$_HF_ROWS"
  local rank=16 targets=q,k,v,o targets_long=q_proj,k_proj,v_proj,o_proj
  # The GPU machine has no network: transformers must never wait on the Hub for files we have on disk.
  export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
  # Run alone (check.sh has done this already): cuBLASLt is loaded by name, and may sit only in Python's wheel.
  local cublaslt
  cublaslt="$(bash "$gpu/find-cublaslt.sh")"
  if [[ -n $cublaslt && ":${LD_LIBRARY_PATH:-}:" != *":$cublaslt:"* ]]; then
    export LD_LIBRARY_PATH="$cublaslt${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    _hf_log "libcublasLt found in $cublaslt (now on LD_LIBRARY_PATH)"
  fi

  # What our side has: gpu_ours, built in the CMake tree (check.sh's step 1 configured it; alone, configure here).
  local build="${GPU_CHECK_BUILD:-$root/native/build/gpu}" ours backends="" why_not="not built yet"
  ours="$build/gpu_ours${GPU_CHECK_TARGET_SUFFIX:-}"
  mkdir -p "$(dirname "$build")"
  if { [[ -f $build/CMakeCache.txt ]] || timeout "$(_hf_cap 120)" cmake -S "$root/native" -B "$build" -DCMAKE_BUILD_TYPE=Release \
    -DTF_SANITIZE_FUZZ=OFF >"$build.configure-ours.log" 2>&1; } && timeout "$(_hf_cap 300)" cmake --build "$build" \
    -j "$(nproc 2>/dev/null || echo 4)" --target "gpu_ours${GPU_CHECK_TARGET_SUFFIX:-}" >"$build.gpu_ours.log" 2>&1; then
    backends=$("$ours" backends | "$py" -c 'import json,sys; print(",".join(json.load(sys.stdin)["backends"]))' 2>/dev/null)
    [[ ",$backends," == *",cuda,"* ]] || why_not="not built yet (gpu_ours has backends: ${backends:-none}; is nvcc on PATH?)"
  else
    tail -n 30 "$build.gpu_ours.log" 2>/dev/null
    why_not="gpu_ours did not build (log: $build.gpu_ours.log)"
    _hf_past_deadline && why_not="gpu_ours's build was $(_hf_cut_note)"
  fi
  local have_cuda=0 have_cpu=0
  [[ ",$backends," == *",cuda,"* ]] && have_cuda=1
  [[ ",$backends," == *",cpu,"* ]] && have_cpu=1
  _hf_log "our backends: ${backends:-none}; work folder $dir"

  # ---- step 3: logits, loss and LoRA gradients on identical weights and inputs ----
  local m1b="$dir/llama-1b" only8b=${GPU_CHECK_ONLY_8B:-0}
  if _hf_past_deadline; then  # nothing would finish: straight to the summary
    _hf_row 3 "steps 3-4" "not run: $(_hf_cut_note)" "" "" MISSING
    return 0
  fi
  # GPU_CHECK_FAMILIES: those family rows alone, a later call on a warm machine after check.sh's first.
  if [[ -n ${GPU_CHECK_FAMILIES:-} ]]; then
    _gpu_family_rows "$GPU_CHECK_FAMILIES"
    _hf_log "steps 3-4 done in $((SECONDS - start_all)) s (GPU_CHECK_FAMILIES=$GPU_CHECK_FAMILIES: those rows alone)"
    return 0
  fi
  if [[ $only8b != 1 ]]; then
    _gpu_step3 || return 0
  elif [[ ${GPU_CHECK_SKIP_8B:-0} == 1 ]]; then
    _hf_log "GPU_CHECK_ONLY_8B=1 with GPU_CHECK_SKIP_8B=1: nothing to measure"
  fi

  # ---- step 4: throughput and memory, same batch, seq 2048, rank, targets ----
  local hf_json="$dir/throughput-hf.json" ours_json="$dir/throughput-ours-1b.json" ours8b_json="$dir/throughput-ours-8b.json"
  # GPU_CHECK_ONLY_8B=1 (a second call after one with GPU_CHECK_SKIP_8B=1): the 1B figures are that call's, kept.
  if [[ $only8b == 1 ]]; then rm -f "$ours8b_json"; else rm -f "$hf_json" "$ours_json" "$ours8b_json"; fi
  # The benches that were run: one that leaves no JSON (crash, timeout, out of memory) is a FAIL row, not MISSING.
  local ran="" reason8b=() reason=$why_not hf_cut=()
  [[ $only8b == 1 ]] || _hf_timed "4: HF PEFT throughput (1B, bf16 base, batch $batch × 2048)" timeout "$(_hf_cap 240)" "$py" "$gpu/hf_throughput.py" \
    --model "$m1b" --seq 2048 --batch "$batch" --rank $rank --targets $targets --steps 6 --warmup 2 | tee "$hf_json"
  # A step cut by the deadline left no result for a reason that is not its own: MISSING (SKIP), with that reason.
  [[ ! -s $hf_json ]] && _hf_past_deadline && hf_cut=(--hf-missing-reason "$(_hf_cut_note)")
  local m8b="$dir/llama-8b"
  if [[ $have_cuda == 1 ]]; then
    # The 1B bench ran in this call, or in the first one that ONLY_8B's call completes: no result is a FAIL either way.
    ran=ours
    if [[ $only8b != 1 ]]; then
      _hf_timed "4: ours throughput (1B, NF4 + double quant, batch $batch × 2048)" timeout "$(_hf_cap 240)" "$ours" bench \
        --model "$m1b" --seq-len 2048 --batch-size "$batch" --steps 6 --rank $rank --targets $targets_long \
        --quant nf4 --double-quant --backend cuda --gradient-checkpointing | tee "$ours_json"
      if [[ ! -s $ours_json ]] && _hf_past_deadline; then ran="" reason=$(_hf_cut_note); fi
    fi
    if [[ ${GPU_CHECK_SKIP_8B:-0} != 1 ]]; then
      if [[ -f $m8b/config.json ]] ||
        _hf_timed "4: generate the 8B-shaped model" timeout "$(_hf_cap 300)" "$py" "$gpu/hf_make_model.py" --shape 8b --out "$m8b" --seed 0; then
        # Without gradient checkpointing, as one would train it on this GPU: every layer's activations for 2 × 2048
        # tokens are ~20 GB beside ~5.5 GB of NF4 weights, far below an H200's 141 GB, and the recompute would add a
        # third forward pass of the frozen GEMMs (6 instead of 4 per weight and token: ≥ 12,000 tokens/s would then
        # need ~600 TFLOP/s sustained). The 1B row above keeps checkpointing, as HF's run it is compared with.
        _hf_timed "4: ours throughput (8B, NF4 + double quant, batch 2 × 2048, no checkpointing)" timeout "$(_hf_cap 300)" "$ours" bench \
          --model "$m8b" --seq-len 2048 --batch-size 2 --steps 5 --rank $rank --targets $targets_long \
          --quant nf4 --double-quant --backend cuda --peak-size 0 | tee "$ours8b_json"
        if [[ ! -s $ours8b_json ]] && _hf_past_deadline; then reason8b=(--reason8b "$(_hf_cut_note)"); else ran+=",ours8b"; fi
      elif _hf_past_deadline; then
        reason8b=(--reason8b "no 8B model: hf_make_model.py was $(_hf_cut_note)")
      else
        # No model, so no bench: its row would blame gpu_ours ("ran and gave no result") for the generator's failure.
        _hf_row 4 "generate the 8B model" "" "hf_make_model.py failed" "" FAIL
        reason8b=(--reason8b "no 8B model (hf_make_model.py failed, see the log)")
      fi
    fi
  else
    _hf_log "ours (CUDA backend): $why_not; step 4 reports HF alone"
  fi
  [[ ${GPU_CHECK_SKIP_8B:-0} == 1 ]] && reason8b=(--reason8b "skipped (GPU_CHECK_SKIP_8B=1)")
  # The rows with targets now, before the INFO rows below: a run that reaches its deadline skips only those.
  "$py" "$gpu/hf_rows.py" step4 --hf "$hf_json" --ours "$ours_json" --ours8b "$ours8b_json" --reason "$reason" \
    --ran "$ran" ${reason8b[@]+"${reason8b[@]}"} ${hf_cut[@]+"${hf_cut[@]}"} | _hf_append

  [[ $only8b == 1 ]] || _gpu_family_rows

  # INFO rows: the tolerances' calibration, where the 1B step's time goes, and generation speed (each skipped, with
  # a row, when the deadline leaves too little for it).
  [[ $only8b == 1 ]] || _gpu_calibration_rows
  if [[ $have_cuda == 1 && $only8b != 1 ]]; then
    _gpu_profile_row "$m1b" "$batch"
    _gpu_profile_row "$m1b" "$batch" 2048 main
    _gpu_decode_row "$m1b" 1B
    _gpu_decode_row "$m1b" 1B 1 eager
    _gpu_decode_row "$m1b" 1B 1 bf16
    _gpu_decode_row "$m1b" 1B 8
  fi
  # Loading the 8B model again costs about a minute of device time: only on request.
  if [[ $have_cuda == 1 && ${GPU_CHECK_DECODE_8B:-0} == 1 && -f $ours8b_json ]]; then _gpu_decode_row "$m8b" 8B; fi
  _hf_log "steps 3-4 done in $((SECONDS - start_all)) s"
  return 0
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  set -uo pipefail
  gpu_steps_3_4
  rows="${GPU_CHECK_ROWS:-${GPU_CHECK_DIR:-/tmp/tuneforge-gpu-check}/hf/rows.tsv}"
  echo
  "${PYTHON:-python3}" "$(dirname "${BASH_SOURCE[0]}")/hf_rows.py" table --rows "$rows"
fi
