#!/usr/bin/env python3
"""Summary-table rows for check.sh steps 3 and 4, one tab-separated line each:
step, check, ours, reference, target, status (PASS / FAIL / MISSING / INFO).

    python3 native/gpu/hf_rows.py step3 --label cuda [--model 1B|Qwen3|"Gemma 3"|Phi-4|Phi-4-mini|Granite|SmolLM3|"OLMo 2"|Mistral] [--compare FILE.json] [--info] [--ran ours]  # hf_compare.py --json's output
    python3 native/gpu/hf_rows.py step4 --hf FILE.json [--ours FILE.json] [--ours8b FILE.json] [--reason TEXT]
                                    [--ran ours,ours8b]  # the benches that ran: no result from one is a FAIL
    python3 native/gpu/hf_rows.py decode --ours FILE.json  # gpu_ours decode's figures as one line (an INFO row's text)
    python3 native/gpu/hf_rows.py profile --ours FILE.json  # gpu_ours bench --profile: the step by phase, one line
    python3 native/gpu/hf_rows.py same-tokens A.json B.json  # two gpu_ours decode results: exit 1 when their greedy tokens differ
    python3 native/gpu/hf_rows.py table --rows FILE.tsv    # prints the rows as an aligned table

A file left out (or empty, or missing) means our side did not run: the row says so (--reason) instead of a number.
"""

import argparse
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_common import flops_per_token, format_table, step3_rows, step4_rows  # noqa: E402


def last_json(path):
    """The last JSON object line of a file, or None when there is no such file or line."""
    if not path or not os.path.exists(path):
        return None
    with open(path) as f:
        lines = [ln for ln in f.read().splitlines() if ln.strip().startswith("{")]
    for ln in reversed(lines):
        try:
            return json.loads(ln)
        except ValueError:
            continue
    return None


def with_model_flops(ours):
    """gpu_ours bench's result with flops_per_token added from its model's config.json, by the formula HF's side is
    counted with (hf_common.flops_per_token), so both MFU figures use one accounting. None stays None."""
    if ours is None or "flops_per_token" in ours:
        return ours
    with open(os.path.join(ours["model_dir"], "config.json")) as f:
        cfg = json.load(f)
    return dict(ours, flops_per_token=flops_per_token(cfg, ours["rank"], ours["targets"], ours["seq_len"]))


def decode_line(figures):
    # Four significant digits: an emulated or tiny run's rates must not round to zero. With several prompts decoded
    # together, tokens/s counts every prompt's tokens.
    batch = figures.get("batch", 1)
    return ("decode {decode_tokens_per_sec:.4g} tok/s{all}, {weight_gb_read_per_sec:.4g} GB/s of weights; "
            "prefill {prefill_tokens_per_sec:.4g} tok/s".format(all=f" ({batch} prompts together)" if batch > 1 else "", **figures))


def js_round(x):
    """JavaScript's Math.round (halves up), not Python's round (halves to even)."""
    return math.floor(x + 0.5)


def ms_text(t):
    """Milliseconds as lib/models/step-profile.ts writes them: whole from 100 up, else three significant digits,
    never in exponent notation."""
    if abs(t) >= 100:
        return str(js_round(t))
    s = f"{t:.3g}"
    return f"{float(s):.20f}".rstrip("0").rstrip(".") if "e" in s else s


def percent_text(part, whole):
    return str(js_round(100 * part / whole))


def profile_line(figures):
    """gpu_ours bench --profile's last step: its wall time, then each phase that took any time, largest first, with
    its share of the step; "other" is the time in no phase (host work between passes, waits). The rounding is
    lib/models/step-profile.ts's (its job-log line), so both say the same figures."""
    ms = dict(figures["profile_ms"])
    step = ms.pop("step")
    if not step > 0:  # NaN too
        raise ValueError("the profiled step has no wall time")
    other = step - sum(ms.values())
    if abs(other) < 1e-9 * step:  # summation-order noise, as the TypeScript clears it
        other = 0.0
    parts = [f"{name} {ms_text(t)} ms ({percent_text(t, step)} %)" for name, t in sorted(ms.items(), key=lambda kv: -kv[1]) if t > 0]
    parts.append(f"other {ms_text(other)} ms ({percent_text(other, step)} %)")
    return f"step {ms_text(step)} ms: " + ", ".join(parts)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=["step3", "step4", "decode", "profile", "same-tokens", "table"])
    ap.add_argument("files", nargs="*", help="same-tokens: the two decode results")
    ap.add_argument("--label", default="cuda")
    ap.add_argument("--compare")
    ap.add_argument("--hf")
    ap.add_argument("--ours")
    ap.add_argument("--ours8b")
    ap.add_argument("--reason", default="not built yet")
    ap.add_argument("--reason8b", help="step4: why the 8B bench did not run, when not --reason (it was skipped)")
    ap.add_argument("--hf-missing-reason", help="step4: why HF's run left no result when that is not its failure "
                    "(the deadline cut it): its row is then MISSING with this reason, not FAIL")
    ap.add_argument("--ran", default="", help="step4: ours,ours8b — the benches that were run; step3: ours — our side "
                    "ran and was compared (no result = FAIL)")
    ap.add_argument("--info", action="store_true", help="step3: a calibration row set (INFO, never FAIL)")
    ap.add_argument("--model", default="1B", help="step3: the model the rows name (1B, Qwen3, Gemma 3, Phi-4, Phi-4-mini, Granite, SmolLM3, OLMo 2, Mistral)")
    ap.add_argument("--rows")
    args = ap.parse_args()
    if args.step == "table":
        with open(args.rows) as f:
            rows = [ln.split("\t") for ln in f.read().splitlines() if ln.strip()]
        print(format_table(["step", "check", "ours", "reference", "target", "status"], rows))
        return 1 if any(r[-1] == "FAIL" for r in rows) else 0
    if args.step == "same-tokens":
        # Exit 1 only when both results have greedy tokens and they differ (a missing one is another row's failure).
        if len(args.files) != 2:
            ap.error("same-tokens takes two files")
        ta, tb = ((last_json(f) or {}).get("generated_tokens_fnv1a") for f in args.files)
        return 1 if ta and tb and ta != tb else 0
    if args.step in ("decode", "profile"):
        figures = last_json(args.ours)
        if figures is None or (args.step == "profile" and "profile_ms" not in figures):
            print(f"hf_rows: no result in {args.ours}", file=sys.stderr)
            return 1
        print(decode_line(figures) if args.step == "decode" else profile_line(figures))
        return 0
    if args.step == "step3":
        rows = step3_rows(last_json(args.compare), args.label, args.info, ran="ours" in args.ran.split(","), model=args.model)
    else:
        hf = last_json(args.hf)
        ran = [r for r in args.ran.split(",") if r]
        rows = step4_rows(hf, with_model_flops(last_json(args.ours)), with_model_flops(last_json(args.ours8b)), args.reason,
                          ran, args.reason8b, hf_missing=args.hf, hf_missing_reason=args.hf_missing_reason)
    for r in rows:
        print("\t".join(str(c) for c in r))


if __name__ == "__main__":
    sys.exit(main())
