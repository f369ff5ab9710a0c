#!/usr/bin/env bash
# Side-by-side throughput and latency: Cairn vs redis-server, same machine,
# same run.
#
# Builds a release cairn-server, starts it and a redis-server (each in its
# own temp dir on a port the kernel picked), fills the same keyspace in both
# (KEYS keys of VALUE_SIZE random bytes, named as redis-benchmark's -r
# names them), then runs redis-benchmark for each test and pipeline depth,
# Redis first then Cairn, test by test, so drift in machine load hits both.
# Prints requests/s, p50 and p99 per server and the Cairn/Redis ratios, and
# writes build/bench/results.csv. Only the processes started here are stopped.
#
#   bench/compare.sh                     # everysec vs everysec (the default)
#   PAIRING=always bench/compare.sh      # always vs appendfsync always
#   PAIRING=default bench/compare.sh     # both servers' default configs
#   TESTS=set,get PIPELINES=16 REQUESTS=1000000 bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRING="${PAIRING:-everysec}"
CLIENTS="${CLIENTS:-50}"
VALUE_SIZE="${VALUE_SIZE:-100}"
KEYS="${KEYS:-1000000}"
PIPELINES="${PIPELINES:-1 16}"
TESTS="${TESTS:-set,get,incr,mset}"
REQUESTS="${REQUESTS:-100000}"       # per test at pipeline 1
REQUESTS_P16="${REQUESTS_P16:-300000}" # per test at higher pipelines
RUN_TIMEOUT_S="${RUN_TIMEOUT_S:-120}"  # per redis-benchmark run
OUT_DIR=build/bench
OUT_CSV="$OUT_DIR/results.csv"

source bench/lib.sh

case "$PAIRING" in
  everysec)
    REDIS_ARGS=(--save '' --appendonly yes --appendfsync everysec)
    CAIRN_ARGS=(--appendfsync everysec) ;;
  always)
    REDIS_ARGS=(--save '' --appendonly yes --appendfsync always)
    CAIRN_ARGS=(--appendfsync always) ;;
  default)
    REDIS_ARGS=()
    CAIRN_ARGS=() ;;
  *) echo "compare.sh: PAIRING must be everysec, always or default" >&2; exit 2 ;;
esac

build_release
mkdir -p "$OUT_DIR"

REDIS_PORT=$(free_port)
start_redis "$REDIS_PORT" "${REDIS_ARGS[@]}"
CAIRN_PORT=$(free_port)
start_cairn "$CAIRN_PORT" "${CAIRN_ARGS[@]}"

if ((KEYS > 0)); then
  for port in "$REDIS_PORT" "$CAIRN_PORT"; do
    t0=$SECONDS
    load_keys "$port" "$KEYS" "$VALUE_SIZE"
    echo "compare.sh: loaded $KEYS keys on port $port in $((SECONDS - t0))s" >&2
  done
fi

# run_bench <port> <test> <pipeline> -> "rps,p50,p99" (ms)
run_bench() {
  local n=$REQUESTS
  (($3 > 1)) && n=$REQUESTS_P16
  # An MSET writes 10 keys: a fifth of the requests keeps its run as long.
  [[ $2 == mset ]] && n=$((n / 5))
  timeout "$RUN_TIMEOUT_S" redis-benchmark -h 127.0.0.1 -p "$1" -t "$2" -n "$n" \
    -c "$CLIENTS" -P "$3" -d "$VALUE_SIZE" -r "${KEYS:-1}" --csv |
    awk -F'","' 'NR == 2 { print $2 "," $5 "," $7 }'
}

# Before each run, settle (bench/lib.sh) until neither server does
# background work left over from the previous run (Redis: an AOF rewrite or
# a save in its forked child; Cairn: RocksDB flushes and compactions), so
# one server's background work does not land in the other's turn. Work a
# run starts during its own turn still counts against that run.
idle() {
  (($(info_sum "$REDIS_PORT" aof_rewrite_in_progress aof_rewrite_scheduled \
    rdb_bgsave_in_progress) == 0)) &&
    cairn_idle "$CAIRN_PORT"
}

echo "test,pipeline,server,requests_per_sec,p50_ms,p99_ms" >"$OUT_CSV"
declare -A RES
for p in $PIPELINES; do
  for t in ${TESTS//,/ }; do
    for server in redis cairn; do
      port=$REDIS_PORT
      [[ $server == cairn ]] && port=$CAIRN_PORT
      settle idle
      r=$(run_bench "$port" "$t" "$p" || true)
      echo "compare.sh: $t P$p $server: $r (${SECONDS}s since start)" >&2
      [[ -z "$r" ]] && r="n/a,n/a,n/a"
      RES["$t,$p,$server"]=$r
      echo "$t,$p,$server,$r" >>"$OUT_CSV"
    done
  done
done

# redis-benchmark counts error replies as requests: make sure the SETs
# really stored their values, or the figures mean nothing.
valid=1
for port in "$REDIS_PORT" "$CAIRN_PORT"; do
  if [[ "$(redis-cli -p "$port" STRLEN key:000000000000 2>&1)" != "$VALUE_SIZE" ]]; then
    echo "compare.sh: the server on port $port does not hold the benchmark's values" >&2
    valid=0
  fi
done

ratio() {  # cairn/redis, or redis/cairn for latencies (higher is better)
  awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }'
}
echo
echo "redis-benchmark -c $CLIENTS -d $VALUE_SIZE -r $KEYS, -n $REQUESTS (P1) / $REQUESTS_P16 (P>1)," \
  "pairing: $PAIRING (redis ${REDIS_ARGS[*]:-defaults}; cairn ${CAIRN_ARGS[*]:-defaults})"
printf '%-5s %3s | %10s %7s %7s | %10s %7s %7s | %6s %7s\n' test P "redis rps" p50 p99 \
  "cairn rps" p50 p99 "rps x" "p99 x"
for p in $PIPELINES; do
  for t in ${TESTS//,/ }; do
    IFS=, read -r rr r50 r99 <<<"${RES["$t,$p,redis"]}"
    IFS=, read -r cr c50 c99 <<<"${RES["$t,$p,cairn"]}"
    printf '%-5s %3s | %10s %7s %7s | %10s %7s %7s | %6s %7s\n' "$t" "$p" "$rr" "$r50" "$r99" \
      "$cr" "$c50" "$c99" "$(ratio "$cr" "$rr")" "$(ratio "$c99" "$r99")"
  done
done
echo "(rps x = cairn/redis throughput, p99 x = cairn/redis p99 latency; latencies in ms)"
echo "results: $OUT_CSV"
if ((valid == 0)); then
  echo "compare.sh: results are not valid (see above)" >&2
  exit 1
fi
