#!/usr/bin/env bash
# Moving a slot range with about 1M keys: atomically (CLUSTER MIGRATESLOTS,
# the rows over the bus) and key by key (redis-cli --cluster reshard, MIGRATE
# in batches of --cluster-pipeline keys), on one 2-master cluster of the
# release build on kernel-chosen loopback ports. While each runs, a
# redis-py cluster client (bench/migration_probe.py) writes and reads its
# own keys of the range and reports its errors, the ASK redirects it saw and
# its largest latency. Only the processes started here are stopped.
#
#   bench/atomic_migration.sh
#   KEYS=200000 bench/atomic_migration.sh
#
# Node A starts with every slot and 2*KEYS keys; slots 0-8191 (about KEYS
# keys) move A -> B atomically, then B -> A with redis-cli reshard.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

KEYS="${KEYS:-1000000}"
VALUE_BYTES="${VALUE_BYTES:-100}"
PIPELINE="${PIPELINE:-10}"  # redis-cli --cluster-pipeline (its default)
MOVE_TIMEOUT_S="${MOVE_TIMEOUT_S:-1200}"

build_release

PORTS=()
BUSES=()
IDS=()
for i in 0 1; do
  port=$(free_port)
  bus=$(free_port)
  dir="$BENCH_TMP/node$i"
  mkdir -p "$dir"
  "$CAIRN_BIN" --port "$port" --bind 127.0.0.1 --dir "$dir" --cluster-enabled yes \
    --cluster-port "$bus" --cluster-node-timeout 5000 >"$dir/log" 2>&1 &
  BENCH_PIDS+=("$!")
  wait_ready "$port" "node$i"
  PORTS+=("$port")
  BUSES+=("$bus")
  IDS+=("$(redis-cli -p "$port" CLUSTER MYID)")
done
A=${PORTS[0]}
B=${PORTS[1]}
redis-cli -p "$A" CLUSTER ADDSLOTSRANGE 0 16383 >/dev/null
redis-cli -p "$A" CLUSTER MEET 127.0.0.1 "$B" "${BUSES[1]}" >/dev/null
joined=no
for _ in $(seq 1 300); do
  if redis-cli -p "$B" CLUSTER INFO | grep -q cluster_state:ok &&
    redis-cli -p "$A" CLUSTER NODES | grep -q "${IDS[1]}"; then
    joined=yes
    break
  fi
  sleep 0.1
done
[[ $joined == yes ]] || { echo "$0: the two nodes did not join" >&2; exit 1; }
sleep 1

echo "loading $((2 * KEYS)) keys of $VALUE_BYTES bytes on node A..."
load_keys "$A" "$((2 * KEYS))" "$VALUE_BYTES"
moved_keys=$(/usr/bin/python3 - "$A" <<'EOF'
import sys, redis
r = redis.Redis(port=int(sys.argv[1]))
p = r.pipeline(transaction=False)
for s in range(0, 8192):
    p.execute_command("CLUSTER", "COUNTKEYSINSLOT", s)
print(sum(p.execute()))
EOF
)
echo "slots 0-8191 hold $moved_keys keys"

probe_start() {  # port -> sets PROBE_PID, PROBE_OUT, STOP_FILE
  STOP_FILE="$BENCH_TMP/stop.$1.$RANDOM"
  PROBE_OUT="$BENCH_TMP/probe.$RANDOM"
  # stderr: redis-py logs every redirect it follows.
  /usr/bin/python3 bench/migration_probe.py "$1" 0 8191 "$STOP_FILE" "$MOVE_TIMEOUT_S" \
    >"$PROBE_OUT" 2>"$PROBE_OUT.log" &
  PROBE_PID=$!
  BENCH_PIDS+=("$PROBE_PID")
  sleep 1
}
probe_stop() {  # in this shell, not $(...): only it can wait for the probe
  touch "$STOP_FILE"
  wait "$PROBE_PID" || true
}
now_ms() { date +%s%3N; }

# ---- atomic: A -> B
probe_start "$A"
t0=$(now_ms)
reply=$(redis-cli -p "$A" CLUSTER MIGRATESLOTS SLOTSRANGE 0 8191 NODE "${IDS[1]}")
[[ "$reply" == OK ]] || { echo "$0: CLUSTER MIGRATESLOTS answered: $reply" >&2; exit 1; }
state=""
switch_ms=""
for _ in $(seq 1 $((MOVE_TIMEOUT_S * 50))); do
  state=$(redis-cli -p "$A" CLUSTER GETSLOTMIGRATIONS | awk 'f { print; exit } /^state$/ { f = 1 }')
  # "cleaning": the target owns the slots; the source deletes its copy.
  if [[ -z "$switch_ms" && ( "$state" == cleaning || "$state" == success ) ]]; then
    switch_ms=$(($(now_ms) - t0))
  fi
  [[ "$state" == success || "$state" == failed || "$state" == cancelled ]] && break
  sleep 0.02
done
t1=$(now_ms)
probe_stop
atomic_probe=$(cat "$PROBE_OUT")
[[ "$state" == success ]] || { echo "$0: the atomic migration ended '$state'" >&2; exit 1; }
atomic_ms=$((t1 - t0))
pause_ms=$(grep -ho "writes were paused for [0-9]* ms" "$BENCH_TMP/node0/log" | tail -1 | awk '{print $5}')

# ---- key by key: B -> A
probe_start "$A"
t0=$(now_ms)
timeout "$MOVE_TIMEOUT_S" redis-cli --cluster reshard "127.0.0.1:$B" --cluster-from "${IDS[1]}" \
  --cluster-to "${IDS[0]}" --cluster-slots 8192 --cluster-yes --cluster-pipeline "$PIPELINE" \
  >"$BENCH_TMP/reshard.log" 2>&1 || {
  echo "$0: redis-cli --cluster reshard failed:" >&2
  tail -5 "$BENCH_TMP/reshard.log" >&2
  exit 1
}
t1=$(now_ms)
probe_stop
reshard_probe=$(cat "$PROBE_OUT")
reshard_ms=$((t1 - t0))

secs() { awk -v m="$1" 'BEGIN { printf "%.2f", m / 1000 }'; }
printf "\n%-34s %9s %s\n" method "seconds" "client during the move"
printf "%-34s %9s %s\n" "MIGRATESLOTS, target owns the slots" "$(secs "$switch_ms")" ""
printf "%-34s %9s %s\n" "MIGRATESLOTS, source copy deleted" "$(secs "$atomic_ms")" "$atomic_probe"
printf "%-34s %9s %s\n" "redis-cli reshard (pipeline $PIPELINE)" "$(secs "$reshard_ms")" "$reshard_probe"
printf "keys moved: %s; atomic is %.1fx faster to the switch, %.1fx to the end; write pause %s ms\n" \
  "$moved_keys" "$(awk -v a="$switch_ms" -v r="$reshard_ms" 'BEGIN{print r/a}')" \
  "$(awk -v a="$atomic_ms" -v r="$reshard_ms" 'BEGIN{print r/a}')" "${pause_ms:-?}"
