#!/usr/bin/env bash
# Installs the Debian 12 packages Cairn's build, tests and benchmarks need,
# but only those that are missing. Safe to run again: a machine that has
# everything does no apt work at all. Non-interactive (CI has no stdin).
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config   # toolchain
  libuv1-dev                                     # event loops
  librocksdb-dev                                 # storage engine
  liblzf-dev                                     # LZF strings in DUMP/RESTORE payloads
  libjemalloc-dev                                # allocator of the release server (bounded RSS)
  capnproto libcapnp-dev                         # cluster bus (RPC schema compiler + runtime)
  libhiredis-dev                                 # C client used by the integration tests
  libgtest-dev libgmock-dev                      # unit and integration tests
  libbenchmark-dev                               # micro-benchmarks (bench/)
  redis-server redis-tools                       # reference server, redis-cli, redis-benchmark
  python3 python3-redis python3-pytest           # differential compatibility suite
  nodejs npm                                     # ioredis client tests (redis-compat-tests/ioredis)
)

# Present when their command is, whichever package brought it: NodeSource's
# nodejs bundles npm and conflicts with Debian's npm package.
declare -A COMMAND_OF=([nodejs]=node [npm]=npm)

missing=()
for p in "${PACKAGES[@]}"; do
  if [[ -n "${COMMAND_OF[$p]:-}" ]] && command -v "${COMMAND_OF[$p]}" >/dev/null 2>&1; then
    continue
  fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "deps.sh: installing ${missing[*]}" >&2
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  "${missing[@]}" </dev/null

# Debian starts the redis-server service on installation, listening on 6379:
# the port Cairn's default configuration uses. Redis is only a reference
# binary here (the tests start their own on free ports), so when this script
# installed it, stop and disable that service again.
if [[ " ${missing[*]} " == *" redis-server "* ]] && command -v systemctl >/dev/null 2>&1 &&
  [[ -d /run/systemd/system ]]; then
  "${SUDO[@]}" systemctl disable --now redis-server.service >/dev/null 2>&1 || true
fi
