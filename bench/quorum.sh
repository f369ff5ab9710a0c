#!/usr/bin/env bash
# SET throughput under Cairn's synchronous write quorum, side by side with
# redis-server in the same run.
#
# Starts a redis-server (appendonly yes, everysec) and a Cairn master with
# REPLICAS Cairn replicas (everysec), all on kernel-chosen loopback ports in
# temp dirs, then runs redis-benchmark SET against Redis and against the
# Cairn master at replica-ack-quorum 0, 1 and all, round by round (ROUNDS),
# so machine drift hits every setting alike. Prints requests/s, p50 and p99
# per setting with the ratios to Cairn at quorum 0 and to Redis, and writes
# build/bench/quorum.csv. Only the processes started here are stopped.
#
#   bench/quorum.sh
#   PIPELINES="1 16" REQUESTS=50000 ROUNDS=3 bench/quorum.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS="${CLIENTS:-50}"
VALUE_SIZE="${VALUE_SIZE:-100}"
KEYSPACE="${KEYSPACE:-100000}"
PIPELINES="${PIPELINES:-1}"
REQUESTS="${REQUESTS:-50000}"
REPLICAS="${REPLICAS:-2}"
ROUNDS="${ROUNDS:-2}"
RUN_TIMEOUT_S="${RUN_TIMEOUT_S:-120}"
OUT_DIR=build/bench
OUT_CSV="$OUT_DIR/quorum.csv"

source bench/lib.sh

build_release
mkdir -p "$OUT_DIR"

REDIS_PORT=$(free_port)
start_redis "$REDIS_PORT" --save '' --appendonly yes --appendfsync everysec
MASTER_PORT=$(free_port)
start_cairn "$MASTER_PORT" --appendfsync everysec
for i in $(seq 1 "$REPLICAS"); do
  port=$(free_port)
  mkdir -p "$BENCH_TMP/replica$i"
  "$CAIRN_BIN" --port "$port" --bind 127.0.0.1 --dir "$BENCH_TMP/replica$i" \
    --appendfsync everysec --replicaof 127.0.0.1 "$MASTER_PORT" \
    >"$BENCH_TMP/replica$i.log" 2>&1 &
  BENCH_PIDS+=("$!")
  wait_ready "$port" "cairn replica $i"
done

# The replicas must be streaming before the figures mean anything.
for _ in $(seq 1 300); do
  up=$(redis-cli -p "$MASTER_PORT" INFO replication | grep -c 'state=online' || true)
  ((up >= REPLICAS)) && break
  sleep 0.1
done
if ((up < REPLICAS)); then
  echo "quorum.sh: only $up of $REPLICAS replicas came online" >&2
  exit 1
fi

# run_set <port> <pipeline> -> "rps,p50,p99" (ms)
run_set() {
  timeout "$RUN_TIMEOUT_S" redis-benchmark -h 127.0.0.1 -p "$1" -t set -n "$REQUESTS" \
    -c "$CLIENTS" -P "$2" -d "$VALUE_SIZE" -r "$KEYSPACE" --csv |
    awk -F'","' 'NR == 2 { print $2 "," $5 "," $7 }'
}

SETTINGS="redis 0 1 all"
echo "round,pipeline,setting,requests_per_sec,p50_ms,p99_ms" >"$OUT_CSV"
declare -A SUM
for round in $(seq 1 "$ROUNDS"); do
  for p in $PIPELINES; do
    for s in $SETTINGS; do
      if [[ $s == redis ]]; then
        r=$(run_set "$REDIS_PORT" "$p" || true)
      else
        redis-cli -p "$MASTER_PORT" CONFIG SET replica-ack-quorum "$s" >/dev/null
        r=$(run_set "$MASTER_PORT" "$p" || true)
      fi
      echo "quorum.sh: round $round P$p $s: $r" >&2
      [[ -z "$r" ]] && continue
      echo "$round,$p,$s,$r" >>"$OUT_CSV"
    done
  done
done
redis-cli -p "$MASTER_PORT" CONFIG SET replica-ack-quorum 0 >/dev/null

# A quorum write that timed out answers -NOREPLICAS, which redis-benchmark
# counts as a request: the master must report none.
noreplicas=$(redis-cli -p "$MASTER_PORT" INFO errorstats | grep -c '^errorstat_NOREPLICAS' || true)

echo
echo "redis-benchmark SET -c $CLIENTS -d $VALUE_SIZE -r $KEYSPACE -n $REQUESTS, $ROUNDS rounds;" \
  "Cairn master with $REPLICAS replicas, all everysec; Redis appendonly everysec"
awk -F, 'NR > 1 { k = $2 "," $3; n[k]++; rps[k] += $4; p50[k] += $5; p99[k] += $6 }
  END {
    printf "%3s %-6s | %10s %7s %7s | %9s %9s\n", "P", "quorum", "rps", "p50", "p99", "x quorum0", "x redis"
    split("redis 0 1 all", order, " ")
    for (k in n) { split(k, kp, ","); ps[kp[1]] = 1 }
    for (p in ps) for (i = 1; i <= 4; i++) {
      k = p "," order[i]; if (!(k in n)) continue
      r = rps[k] / n[k]; q0 = rps[p ",0"] / n[p ",0"]; rd = rps[p ",redis"] / n[p ",redis"]
      printf "%3s %-6s | %10.0f %7.3f %7.3f | %9.2f %9.2f\n", p, order[i], r, p50[k] / n[k], p99[k] / n[k], r / q0, r / rd
    }
  }' "$OUT_CSV"
echo "(averages over rounds; latencies in ms; results: $OUT_CSV)"
if ((noreplicas > 0)); then
  echo "quorum.sh: the master answered NOREPLICAS: quorum figures are not valid" >&2
  exit 1
fi
