#!/usr/bin/env bash
# Builds Cairn with AddressSanitizer + UndefinedBehaviorSanitizer and runs
# every test: GoogleTest unit and integration suites (ctest), then the
# differential compatibility suite against a real redis-server, then the
# ioredis client-library tests (redis-compat-tests/ioredis).
# Exits non-zero if anything fails to build or any test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
JOBS="${CAIRN_JOBS:-2}"

cmake -S . -B build/debug -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCAIRN_SANITIZE=ON \
  -DCAIRN_BUILD_TESTS=ON >/dev/null
ninja -C build/debug -j"$JOBS"

status=0
echo "== unit and integration tests (ctest)"
# A failing test runs once more (its failed attempt and output stay in the
# log): the integration tests run real clusters on a shared machine. A test
# that fails twice fails the run.
ctest --test-dir build/debug --output-on-failure -j"$JOBS" --timeout 300 \
  --repeat until-pass:2 || status=1

echo "== compatibility suite (redis-compat-tests, against redis-server $(redis-server --version | sed -n 's/.*v=\([^ ]*\).*/\1/p'))"
CAIRN_SERVER="$PWD/build/debug/cairn-server" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider redis-compat-tests || status=1

echo "== linearizability checker and the short Jepsen-style cluster run (jepsen/)"
CAIRN_SERVER="$PWD/build/debug/cairn-server" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider jepsen || status=1

echo "== client library tests (redis-compat-tests/ioredis, node $(node --version))"
CAIRN_SERVER="$PWD/build/debug/cairn-server" bash redis-compat-tests/ioredis/run.sh || status=1

if ((status != 0)); then
  echo "test.sh: FAILED" >&2
else
  echo "test.sh: all tests passed"
fi
exit "$status"
