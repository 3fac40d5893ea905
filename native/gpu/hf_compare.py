#!/usr/bin/env python3
"""Compare our trainer's numbers with HF's: max abs / rel error per tensor, against bf16 tolerances.

    python3 native/gpu/hf_compare.py OURS REF [--label cuda] [--json]

OURS and REF are .safetensors or .json result files (hf_reference.py writes REF, `gpu_ours reference`
(native/gpu/ours.cc) writes OURS). Every name both have is compared; the grad.* tensors are summarized in one row (the worst one,
plus each that fails). Exit status 1 when something is out of tolerance or nothing could be compared.
Needs only numpy (no torch), so it also runs where the results were copied to.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_common import compare_results, format_table, load_result  # noqa: E402


def summarize(rows):
    """grad.* rows folded into one (worst by max_rel); the rest as they are, failures always listed."""
    grads = [r for r in rows if r["name"].startswith("grad.")]
    rest = [r for r in rows if not r["name"].startswith("grad.")]
    out = list(rest)
    if grads:
        worst = max(grads, key=lambda r: r.get("max_rel", float("inf")))
        short = worst["name"][5:].replace("model.layers.", "L").replace("self_attn.", "").replace("mlp.", "")
        out.append(dict(worst, name=f"grad.* ({len(grads)}, worst {short})",
                        ok=all(r["ok"] for r in grads)))
        out += [r for r in grads if not r["ok"] and r is not worst]
    return out


def fmt(x):
    return "" if x is None else f"{x:.3g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ours")
    ap.add_argument("ref")
    ap.add_argument("--label", default="ours")
    ap.add_argument("--json", action="store_true", help="print one JSON summary line after the table")
    args = ap.parse_args()
    for p in (args.ours, args.ref):
        if not os.path.exists(p):
            sys.exit(f"hf_compare: {p} does not exist")
    ours, ref = load_result(args.ours), load_result(args.ref)
    for k in ("tokens", "loss_mask"):  # inputs, not results
        ref.pop(k, None)
        ours.pop(k, None)
    rows, only_ref, only_ours = compare_results(ours, ref)
    shown = summarize(rows)
    print(format_table(["tensor", "n", "max abs err", "max rel err", "tolerance", ""],
                       [[r["name"], r.get("n"), fmt(r.get("max_abs")), fmt(r.get("max_rel")), fmt(r.get("tol")),
                         "ok" if r["ok"] else "FAIL " + r.get("why", "")] for r in shown]))
    if only_ref:
        n_grads = sum(k.startswith("grad.") for k in only_ref)
        names = [k for k in only_ref if not k.startswith("grad.")] + ([f"grad.* ({n_grads})"] if n_grads else [])
        print(f"not compared (only HF has them): {', '.join(names)}")
    if only_ours:
        print(f"not compared (only {args.label} has them): {', '.join(only_ours)}")
    ok = bool(rows) and all(r["ok"] for r in rows)
    if args.json:
        print(json.dumps({"label": args.label, "ok": ok, "compared": len(rows),
                          "failed": [r["name"] for r in rows if not r["ok"]],
                          "rows": [{k: r.get(k) for k in ("name", "max_rel", "tol", "ok")} for r in shown]}))
    if not rows:
        print("hf_compare: no tensor in common; is OURS a result of gpu_ours reference?", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
