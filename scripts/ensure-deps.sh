#!/usr/bin/env bash
# Installs dependencies when node_modules is missing or stale, and regenerates the Prisma client when the
# schema changed. "Stale" is decided by stamps written after each successful step:
#   node_modules/.tuneforge/deps.sha256    sha256 of package-lock.json (+ package.json) at the last install
#   node_modules/.tuneforge/prisma.sha256  sha256 of prisma/schema.prisma at the last `prisma generate`
# Nothing changed → nothing runs (a few milliseconds), which keeps a second `npm start` fast.
#   --force   reinstall and regenerate whatever the stamps say (CI on a fresh clone)
set -euo pipefail
cd "$(dirname "$0")/.."

force=0
[[ "${1:-}" == "--force" ]] && force=1

if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=9)?0:1)' 2>/dev/null; then
  echo "tuneforge needs Node.js >= 20.9 (found: $(node --version 2>/dev/null || echo none)). Install Node 20.9+ and retry." >&2
  exit 1
fi

stamp_dir=node_modules/.tuneforge
hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

deps_hash=$(hash_of package.json package-lock.json)
schema_hash=$(hash_of prisma/schema.prisma)

if [[ $force == 1 || ! -d node_modules || "$(cat "$stamp_dir/deps.sha256" 2>/dev/null)" != "$deps_hash" ]]; then
  started=$(date +%s)
  if [[ -f package-lock.json ]]; then
    echo "deps | installing dependencies (npm ci)…"
    # npm ci removes node_modules first, so a half-finished earlier install cannot linger.
    npm ci --no-audit --no-fund
  else
    echo "deps | no package-lock.json; installing with npm install…"
    npm install --no-audit --no-fund
  fi
  mkdir -p "$stamp_dir"
  # The client must be regenerated after every install (npm ci wipes it).
  rm -f "$stamp_dir/prisma.sha256"
  echo "$deps_hash" >"$stamp_dir/deps.sha256"
  echo "deps | installed in $(( $(date +%s) - started )) s"
fi

if [[ "$(cat "$stamp_dir/prisma.sha256" 2>/dev/null)" != "$schema_hash" ]]; then
  echo "deps | generating the Prisma client…"
  # Offline recipe: the JS engine needs no binaries; pointing these at an existing file stops downloads.
  PRISMA_SCHEMA_ENGINE_BINARY=/bin/false PRISMA_QUERY_ENGINE_LIBRARY=/bin/false \
    PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1 \
    node_modules/.bin/prisma generate
  mkdir -p "$stamp_dir"
  echo "$schema_hash" >"$stamp_dir/prisma.sha256"
fi
