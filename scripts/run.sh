#!/usr/bin/env bash
# Installs what is missing, builds a release cairn-server and starts one node
# in the foreground with the defaults: port 6379 on 127.0.0.1 and ::1, data in
# ./cairn-data. Extra arguments go to cairn-server, e.g.
#   ./scripts/run.sh --port 7000 --appendfsync always
#   ./scripts/run.sh cairn.conf
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAIRN_BUILD_TESTS=OFF >/dev/null
ninja -C build/release -j2 cairn-server
exec build/release/cairn-server "$@"
