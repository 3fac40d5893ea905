#!/usr/bin/env bash
# `npm start`: dependencies first (scripts/ensure-deps.sh), then scripts/start.ts does the rest.
# Arguments are passed on: `npm start -- --only web`.
set -euo pipefail
cd "$(dirname "$0")/.."
# The set-up time printed at the end counts from here, dependency check included.
t0_ms=$(date +%s%3N)
bash scripts/ensure-deps.sh
exec node --import tsx scripts/start.ts --t0-ms="$t0_ms" "$@"
