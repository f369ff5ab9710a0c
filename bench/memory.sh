#!/usr/bin/env bash
# Resident memory for the same data: Cairn vs redis-server, side by side.
#
# Loads random (incompressible) VALUE_SIZE-byte values under keys
# key:000000000000.. into both servers, in steps (STEPS, cumulative key
# counts), and after each step prints each server's RSS and the Cairn/Redis
# ratio; writes build/bench/memory.csv. Redis runs without persistence
# (--save '' --appendonly no) so its RSS is its data and nothing else; Cairn
# runs with its defaults (appendfsync everysec, maxmemory 0 = 512 MB budget
# for block cache and memtables). RSS is sampled SETTLE_S seconds after each
# load, once memtable flushes have started. Long: run by hand, not in CI.
#
#   bench/memory.sh                        # 1M and 10M keys
#   STEPS="1000000" bench/memory.sh        # 1M only (about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."

STEPS="${STEPS:-1000000 10000000}"
VALUE_SIZE="${VALUE_SIZE:-100}"
SETTLE_S="${SETTLE_S:-10}"
CAIRN_EXTRA="${CAIRN_EXTRA:-}"   # e.g. "--maxmemory 256mb"
OUT_CSV=build/bench/memory.csv

source bench/lib.sh
build_release
mkdir -p build/bench

REDIS_PORT=$(free_port)
start_redis "$REDIS_PORT" --save '' --appendonly no
CAIRN_PORT=$(free_port)
# shellcheck disable=SC2086
start_cairn "$CAIRN_PORT" $CAIRN_EXTRA

echo "keys,redis_rss_kb,cairn_rss_kb,ratio" >"$OUT_CSV"
printf '%10s %14s %14s %7s\n' keys "redis RSS MB" "cairn RSS MB" ratio
loaded=0
for target in $STEPS; do
  n=$((target - loaded))
  for port in "$REDIS_PORT" "$CAIRN_PORT"; do load_keys "$port" "$n" "$VALUE_SIZE" "$loaded"; done
  loaded=$target
  sleep "$SETTLE_S"
  for port in "$REDIS_PORT" "$CAIRN_PORT"; do
    got=$(redis-cli -p "$port" DBSIZE)
    if [[ "$got" != "$loaded" ]]; then
      echo "memory.sh: server on port $port holds $got keys, expected $loaded" >&2
      exit 1
    fi
  done
  r=$(rss_kb "$REDIS_PID")
  c=$(rss_kb "$CAIRN_PID")
  ratio=$(awk -v r="$r" -v c="$c" 'BEGIN { printf "%.2f", c / r }')
  echo "$loaded,$r,$c,$ratio" >>"$OUT_CSV"
  printf '%10s %14s %14s %7s\n' "$loaded" "$((r / 1024))" "$((c / 1024))" "$ratio"
done
echo "results: $OUT_CSV"
