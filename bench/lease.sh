#!/usr/bin/env bash
# The throughput cost of master leases (cluster-master-lease): two 3-master
# clusters of the release build on kernel-chosen loopback ports, one with
# leases and one without, and redis-benchmark --cluster against each, test
# by test and alternating, so drift in machine load hits both. Prints
# requests/s per cluster and the lease-on / lease-off ratio. Only the
# processes started here are stopped.
#
#   bench/lease.sh
#   TESTS=set,get PIPELINES="1 16" REQUESTS=200000 bench/lease.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

CLIENTS="${CLIENTS:-50}"
PIPELINES="${PIPELINES:-1 16}"
TESTS="${TESTS:-set,get}"
REQUESTS="${REQUESTS:-200000}"
RUN_TIMEOUT_S="${RUN_TIMEOUT_S:-120}"

build_release

# start_cluster <name> <lease yes|no>: three masters; sets FIRST_PORT.
start_cluster() {
  local name=$1 lease=$2 addrs=""
  for i in 0 1 2; do
    local port bus dir
    port=$(free_port)
    bus=$(free_port)
    dir="$BENCH_TMP/$name-$i"
    mkdir -p "$dir"
    "$CAIRN_BIN" --port "$port" --bind 127.0.0.1 --dir "$dir" --cluster-enabled yes \
      --cluster-port "$bus" --cluster-node-timeout 5000 --cluster-master-lease "$lease" \
      >"$dir/log" 2>&1 &
    BENCH_PIDS+=("$!")
    wait_ready "$port" "$name-$i"
    addrs="$addrs 127.0.0.1:$port"
    [[ $i == 0 ]] && FIRST_PORT=$port
  done
  # shellcheck disable=SC2086
  timeout 120 redis-cli --cluster create $addrs --cluster-yes >/dev/null
  for _ in $(seq 1 300); do
    redis-cli -p "$FIRST_PORT" CLUSTER INFO | grep -q cluster_state:ok && return 0
    sleep 0.1
  done
  echo "$0: cluster $name did not come up" >&2
  exit 1
}

start_cluster on yes
ON_PORT=$FIRST_PORT
start_cluster off no
OFF_PORT=$FIRST_PORT
sleep 1  # leases confirmed, gossip settled

rps() {  # port test pipeline
  timeout "$RUN_TIMEOUT_S" redis-benchmark -p "$1" --cluster -t "$2" -n "$REQUESTS" \
    -c "$CLIENTS" -P "$3" -r 100000 -q 2>/dev/null | tr '\r' '\n' |
    awk -F'[: ]+' '/requests per second/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9.]+$/) {print $i; exit}}'
}

printf "%-6s %-3s %14s %14s %7s\n" test P "lease on rps" "lease off rps" ratio
for t in ${TESTS//,/ }; do
  for p in $PIPELINES; do
    off=$(rps "$OFF_PORT" "$t" "$p")
    on=$(rps "$ON_PORT" "$t" "$p")
    ratio=$(awk -v a="$on" -v b="$off" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')
    printf "%-6s %-3s %14s %14s %7s\n" "$t" "$p" "$on" "$off" "$ratio"
  done
done
