#!/usr/bin/env bash
# Runs the ioredis client tests (node's built-in runner): installs the locked
# modules first when node_modules is missing or older than package-lock.json,
# then `node --test` over the given test files (default: every *.test.js).
# Each test file starts its own server on a free loopback port.
#
#   CAIRN_SERVER=build/debug/cairn-server redis-compat-tests/ioredis/run.sh
#   TARGET=redis redis-compat-tests/ioredis/run.sh      # against redis-server
# Exits non-zero if any test fails.
set -euo pipefail
cd "$(dirname "$0")"

# npm writes node_modules/.package-lock.json on every install: older than
# the lock file means the lock changed since.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error </dev/null
fi

if (($# > 0)); then
  files=("$@")
else
  files=(*.test.js)
fi
exec node --test "${files[@]}"
