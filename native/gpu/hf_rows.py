#!/usr/bin/env python3
"""Summary-table rows for check.sh steps 3 and 4, one tab-separated line each:
step, check, ours, reference, target, status (PASS / FAIL / MISSING / INFO).

    python3 native/gpu/hf_rows.py step3 --label cuda [--compare FILE.json] [--info]   # hf_compare.py --json's output
    python3 native/gpu/hf_rows.py step4 --hf FILE.json [--ours FILE.json] [--ours8b FILE.json] [--reason TEXT]
    python3 native/gpu/hf_rows.py table --rows FILE.tsv    # prints the rows as an aligned table

A file left out (or empty, or missing) means our side did not run: the row says so (--reason) instead of a number.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hf_common import format_table, step3_rows, step4_rows  # noqa: E402


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=["step3", "step4", "table"])
    ap.add_argument("--label", default="cuda")
    ap.add_argument("--compare")
    ap.add_argument("--hf")
    ap.add_argument("--ours")
    ap.add_argument("--ours8b")
    ap.add_argument("--reason", default="not built yet")
    ap.add_argument("--info", action="store_true", help="step3: a calibration row set (INFO, never FAIL)")
    ap.add_argument("--rows")
    args = ap.parse_args()
    if args.step == "table":
        with open(args.rows) as f:
            rows = [ln.split("\t") for ln in f.read().splitlines() if ln.strip()]
        print(format_table(["step", "check", "ours", "reference", "target", "status"], rows))
        return 1 if any(r[-1] == "FAIL" for r in rows) else 0
    if args.step == "step3":
        rows = step3_rows(last_json(args.compare), args.label, args.info)
    else:
        hf = last_json(args.hf)
        if hf is None:
            rows = [("4", "HF PEFT throughput", "", f"no result in {args.hf}", "", "FAIL")]
        else:
            rows = step4_rows(hf, last_json(args.ours), last_json(args.ours8b), args.reason)
    for r in rows:
        print("\t".join(str(c) for c in r))


if __name__ == "__main__":
    sys.exit(main())
