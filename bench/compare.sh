#!/usr/bin/env bash
# Side-by-side throughput: Cairn vs redis-server, same machine, same run.
#
# Builds a release cairn-server, starts it and a redis-server (both with an
# append-only log fsynced every second, each in its own temp dir on a port the
# kernel picked), then runs redis-benchmark SET/GET without and with
# pipelining (-P 16) against each, alternating servers so drift in machine
# load hits both. Prints requests/s and the Cairn/Redis ratio, and writes
# build/bench/results.csv. Only the processes started here are stopped.
#
#   bench/compare.sh                 # defaults below
#   REQUESTS=500000 CLIENTS=100 bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS="${REQUESTS:-200000}"
CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
TESTS="${TESTS:-set,get}"
RUN_TIMEOUT_S="${RUN_TIMEOUT_S:-300}"   # per redis-benchmark run
OUT_DIR=build/bench
OUT_CSV="$OUT_DIR/results.csv"

cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAIRN_BUILD_TESTS=OFF >/dev/null
ninja -C build/release -j2 cairn-server >/dev/null
mkdir -p "$OUT_DIR"

TMP=$(mktemp -d /tmp/cairn-bench.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    # Bounded wait, then force.
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ready() {  # port name: any reply to PING means it is serving
  for _ in $(seq 1 300); do
    if redis-cli -p "$1" PING >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "compare.sh: $2 did not answer on on port $1" >&2
  exit 1
}

REDIS_PORT=$(free_port)
mkdir -p "$TMP/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$TMP/redis" --save '' \
  --appendonly yes --appendfsync everysec --daemonize no --protected-mode no \
  >"$TMP/redis.log" 2>&1 &
PIDS+=($!)
wait_ready "$REDIS_PORT" redis-server

CAIRN_PORT=$(free_port)
mkdir -p "$TMP/cairn"
build/release/cairn-server --port "$CAIRN_PORT" --bind 127.0.0.1 --dir "$TMP/cairn" \
  --appendfsync everysec >"$TMP/cairn.log" 2>&1 &
PIDS+=($!)
wait_ready "$CAIRN_PORT" cairn-server

# run_bench <port> <pipeline> -> lines "TEST,rps"
run_bench() {
  timeout "$RUN_TIMEOUT_S" redis-benchmark -h 127.0.0.1 -p "$1" -t "$TESTS" -n "$REQUESTS" \
    -c "$CLIENTS" -P "$2" -q --csv |
    awk -F'","' 'NR > 1 { gsub(/"/, "", $1); gsub(/"/, "", $2); print $1 "," $2 }'
}

echo "test,pipeline,server,requests_per_sec" >"$OUT_CSV"
declare -A RPS
for p in $PIPELINES; do
  for server in redis cairn; do
    port=$REDIS_PORT
    [[ $server == cairn ]] && port=$CAIRN_PORT
    while IFS=, read -r test rps; do
      [[ -z "$test" ]] && continue
      RPS["$test,$p,$server"]=$rps
      echo "$test,$p,$server,$rps" >>"$OUT_CSV"
    done < <(run_bench "$port" "$p")
  done
done

# redis-benchmark counts error replies as requests: make sure the SETs
# really stored their (random, 3-byte) value, or the figures mean nothing.
valid=1
if [[ ",$TESTS," == *",set,"* ]]; then
  for port in "$REDIS_PORT" "$CAIRN_PORT"; do
    if [[ "$(redis-cli -p "$port" STRLEN key:__rand_int__ 2>&1)" != 3 ]]; then
      echo "compare.sh: the server on port $port did not store the benchmark's SETs" >&2
      valid=0
    fi
  done
fi

echo
echo "redis-benchmark -n $REQUESTS -c $CLIENTS, appendfsync everysec on both"
printf '%-6s %3s %14s %14s %8s\n' test P "redis rps" "cairn rps" "ratio"
for p in $PIPELINES; do
  for t in $(echo "$TESTS" | tr a-z, A-Z' '); do
    r=${RPS["$t,$p,redis"]:-}
    c=${RPS["$t,$p,cairn"]:-}
    ratio=$(awk -v r="$r" -v c="$c" 'BEGIN { if (r > 0 && c != "") printf "%.2f", c / r; else print "n/a" }')
    printf '%-6s %3s %14s %14s %8s\n' "$t" "$p" "${r:-n/a}" "${c:-n/a}" "$ratio"
  done
done
echo
echo "results: $OUT_CSV"
if ((valid == 0)); then
  echo "compare.sh: results are not valid (see above)" >&2
  exit 1
fi
