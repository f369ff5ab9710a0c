# Shared by the bench/ scripts: build, start and stop the servers they
# compare. Source it from the repository root; it sets an EXIT trap that
# stops only the processes started through it and removes its temp dir.

BENCH_TMP=$(mktemp -d /tmp/cairn-bench.XXXXXX)
BENCH_PIDS=()
bench_cleanup() {
  for pid in "${BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    # Bounded wait, then force.
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT

# CAIRN_BIN=path skips the build and runs that binary instead (to compare
# two builds of Cairn, run the script once with each).
CAIRN_BIN="${CAIRN_BIN:-build/release/cairn-server}"
build_release() {
  [[ "$CAIRN_BIN" != build/release/cairn-server ]] && return 0
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAIRN_BUILD_TESTS=OFF >/dev/null
  ninja -C build/release -j2 cairn-server >/dev/null
}

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_ready() {  # port name: any reply to PING means it is serving
  for _ in $(seq 1 300); do
    if redis-cli -p "$1" PING >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "$0: $2 did not answer on port $1" >&2
  exit 1
}

# start_redis <port> <extra args...>; sets REDIS_PID.
start_redis() {
  local port=$1
  shift
  mkdir -p "$BENCH_TMP/redis"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$BENCH_TMP/redis" \
    --daemonize no --protected-mode no "$@" >"$BENCH_TMP/redis.log" 2>&1 &
  REDIS_PID=$!
  BENCH_PIDS+=("$REDIS_PID")
  wait_ready "$port" redis-server
}

# start_cairn <port> <extra args...>; sets CAIRN_PID.
start_cairn() {
  local port=$1
  shift
  mkdir -p "$BENCH_TMP/cairn"
  "$CAIRN_BIN" --port "$port" --bind 127.0.0.1 --dir "$BENCH_TMP/cairn" "$@" \
    >"$BENCH_TMP/cairn.log" 2>&1 &
  CAIRN_PID=$!
  BENCH_PIDS+=("$CAIRN_PID")
  wait_ready "$port" cairn-server
}

# load_keys <port> <count> <value bytes> [first]: SETs <count> keys from
# key:<first, 12 digits> on with random values through one pipelined
# connection, bounded by LOAD_TIMEOUT_S.
load_keys() {
  timeout "${LOAD_TIMEOUT_S:-1800}" bash -c \
    "/usr/bin/python3 bench/load_keys.py $2 $3 ${4:-0} | redis-cli -p $1 --pipe --pipe-timeout 60" \
    >"$BENCH_TMP/load.log" 2>&1 || {
    echo "$0: loading $2 keys on port $1 failed:" >&2
    tail -3 "$BENCH_TMP/load.log" >&2
    exit 1
  }
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# info_sum <port> <field...>: the sum of those INFO fields (0 if absent).
info_sum() {
  local port=$1
  shift
  redis-cli -p "$port" INFO 2>/dev/null | tr -d '\r' |
    awk -F: -v want="$*" 'BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) f[w[i]] = 1 }
      ($1 in f) { s += $2 } END { print s + 0 }'
}

# cairn_idle <port>: true if no RocksDB flush or compaction is running.
cairn_idle() {
  (($(info_sum "$1" storage_flushes_running storage_compactions_running) == 0))
}

# settle <command...>: waits (at most SETTLE_TIMEOUT_S, 60 by default) until
# <command> succeeds twice, half a second apart: a server may start new
# background work just after its previous run (Redis decides on an AOF
# rewrite in its cron, every 100 ms).
settle() {
  local deadline=$((SECONDS + ${SETTLE_TIMEOUT_S:-60}))
  while ((SECONDS < deadline)); do
    if "$@"; then
      sleep 0.5
      "$@" && return 0
    fi
    sleep 0.2
  done
  echo "$0: background work still running after ${SETTLE_TIMEOUT_S:-60}s" >&2
}
