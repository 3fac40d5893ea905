#!/usr/bin/env bash
# `npm test`: dependencies first (scripts/ensure-deps.sh), then scripts/test.ts runs every tier.
# Arguments are passed on: `npm test -- --only unit,int`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
exec node --import tsx scripts/test.ts "$@"
