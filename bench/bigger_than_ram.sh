#!/usr/bin/env bash
# Data far bigger than the memory budget: Cairn with `maxmemory 128mb`
# holding KEYS keys of VALUE_SIZE random bytes (20M x 100 B = about 2.5 GB
# with keys), then random GETs over the whole keyspace. Reports RSS after the
# load and after the reads (it must stay within 2x the budget) and the GET
# throughput and latency percentiles. Writes build/bench/bigger_than_ram.csv.
# Long (the 20M load takes a while): run by hand, not in CI.
#
#   bench/bigger_than_ram.sh                 # 20M keys
#   KEYS=2000000 bench/bigger_than_ram.sh    # a quicker check
set -euo pipefail
cd "$(dirname "$0")/.."

KEYS="${KEYS:-20000000}"
VALUE_SIZE="${VALUE_SIZE:-100}"
BUDGET_MB="${BUDGET_MB:-128}"
REQUESTS="${REQUESTS:-200000}"
CLIENTS="${CLIENTS:-50}"
RUN_TIMEOUT_S="${RUN_TIMEOUT_S:-300}"
OUT_CSV=build/bench/bigger_than_ram.csv

source bench/lib.sh
build_release
mkdir -p build/bench

CAIRN_PORT=$(free_port)
start_cairn "$CAIRN_PORT" --maxmemory "${BUDGET_MB}mb"

# Load in chunks of 1M so a stuck load is seen early.
loaded=0
t0=$SECONDS
while ((loaded < KEYS)); do
  n=$((KEYS - loaded < 1000000 ? KEYS - loaded : 1000000))
  load_keys "$CAIRN_PORT" "$n" "$VALUE_SIZE" "$loaded"
  loaded=$((loaded + n))
  echo "bigger_than_ram.sh: $loaded keys, RSS $(($(rss_kb "$CAIRN_PID") / 1024)) MB," \
    "$((SECONDS - t0))s" >&2
done
got=$(redis-cli -p "$CAIRN_PORT" DBSIZE)
if [[ "$got" != "$KEYS" ]]; then
  echo "bigger_than_ram.sh: DBSIZE is $got, expected $KEYS" >&2
  exit 1
fi
rss_load=$(rss_kb "$CAIRN_PID")

csv=$(timeout "$RUN_TIMEOUT_S" redis-benchmark -h 127.0.0.1 -p "$CAIRN_PORT" -t get \
  -n "$REQUESTS" -c "$CLIENTS" -r "$KEYS" --csv | awk -F'","' 'NR == 2 { print $2 "," $5 "," $7 }')
IFS=, read -r rps p50 p99 <<<"$csv"
rss_read=$(rss_kb "$CAIRN_PID")
# The GETs must have found values (redis-benchmark does not check replies).
if [[ "$(redis-cli -p "$CAIRN_PORT" STRLEN "key:$(printf %012d $((KEYS - 1)))")" != "$VALUE_SIZE" ]]; then
  echo "bigger_than_ram.sh: the last key is not stored" >&2
  exit 1
fi
limit_kb=$((2 * BUDGET_MB * 1024))
echo "keys,budget_mb,rss_after_load_kb,rss_after_reads_kb,get_rps,p50_ms,p99_ms" >"$OUT_CSV"
echo "$KEYS,$BUDGET_MB,$rss_load,$rss_read,$rps,$p50,$p99" >>"$OUT_CSV"
echo
echo "$KEYS keys x $VALUE_SIZE B, maxmemory ${BUDGET_MB}mb, disk $(du -sh "$BENCH_TMP/cairn" | cut -f1)"
echo "RSS after load $((rss_load / 1024)) MB, after random GETs $((rss_read / 1024)) MB" \
  "(limit $((limit_kb / 1024)) MB)"
echo "random GET: $rps rps, p50 $p50 ms, p99 $p99 ms (-c $CLIENTS -n $REQUESTS)"
echo "results: $OUT_CSV"
if ((rss_load > limit_kb || rss_read > limit_kb)); then
  echo "bigger_than_ram.sh: RSS went over 2x the budget" >&2
  exit 1
fi
