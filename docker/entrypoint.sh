#!/bin/sh
# Starts one Cairn node from the environment, a mounted config file and the
# container's arguments (directives win in that order: file, environment,
# arguments). The same script runs in the image and in tests/ (as local
# processes), so what the container runs is what the tests run.
#
#   CAIRN_SERVER            the binary (default: cairn-server on PATH)
#   CAIRN_CONFIG            a config file (default: /etc/cairn/cairn.conf if present)
#   CAIRN_DIR               data directory (default: /data)
#   CAIRN_BIND              addresses to listen on (default: 0.0.0.0, every interface)
#   CAIRN_PORT              client port (default: 6379; the bus is port + 10000)
#   CAIRN_CLUSTER           "yes" for cluster mode
#   CAIRN_ANNOUNCE_IP       cluster-announce-ip (what peers and clients are told)
#   CAIRN_NODE_TIMEOUT      cluster-node-timeout in ms
#   CAIRN_APPENDFSYNC       always | everysec | no
set -eu

server="${CAIRN_SERVER:-cairn-server}"
config="${CAIRN_CONFIG:-}"
if [ -z "$config" ] && [ -f /etc/cairn/cairn.conf ]; then
  config=/etc/cairn/cairn.conf
fi

set -- --dir "${CAIRN_DIR:-/data}" --bind "${CAIRN_BIND:-0.0.0.0}" --port "${CAIRN_PORT:-6379}" "$@"
if [ "${CAIRN_CLUSTER:-no}" = "yes" ]; then
  set -- --cluster-enabled yes "$@"
fi
if [ -n "${CAIRN_ANNOUNCE_IP:-}" ]; then
  set -- --cluster-announce-ip "$CAIRN_ANNOUNCE_IP" "$@"
fi
if [ -n "${CAIRN_NODE_TIMEOUT:-}" ]; then
  set -- --cluster-node-timeout "$CAIRN_NODE_TIMEOUT" "$@"
fi
if [ -n "${CAIRN_APPENDFSYNC:-}" ]; then
  set -- --appendfsync "$CAIRN_APPENDFSYNC" "$@"
fi
if [ -n "$config" ]; then
  set -- "$config" "$@"
fi
exec "$server" "$@"
