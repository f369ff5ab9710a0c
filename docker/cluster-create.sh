#!/bin/sh
# One-shot cluster creation for docker/compose.yaml (and its test): waits,
# bounded, until every node answers PING, then runs
# `redis-cli --cluster create ... --cluster-replicas N --cluster-yes` once.
# A cluster that already reports cluster_state:ok is left alone, so a
# restarted compose project does not try to create it again.
#
#   cairn-cluster-create host:port host:port ...
#   CAIRN_REPLICAS (default 1), CAIRN_WAIT_SECONDS (default 60)
set -eu

replicas="${CAIRN_REPLICAS:-1}"
wait_s="${CAIRN_WAIT_SECONDS:-60}"
[ "$#" -ge 3 ] || { echo "cluster-create: give at least 3 host:port addresses" >&2; exit 2; }

for addr in "$@"; do
  host="${addr%:*}"
  port="${addr##*:}"
  i=0
  until redis-cli -h "$host" -p "$port" PING 2>/dev/null | grep -q PONG; do
    i=$((i + 1))
    if [ "$i" -gt $((wait_s * 5)) ]; then
      echo "cluster-create: $addr did not answer within ${wait_s}s" >&2
      exit 1
    fi
    sleep 0.2
  done
done

first="$1"
if redis-cli -h "${first%:*}" -p "${first##*:}" CLUSTER INFO 2>/dev/null |
    grep -q '^cluster_state:ok'; then
  echo "cluster-create: the cluster already exists"
  exit 0
fi
exec redis-cli --cluster create "$@" --cluster-replicas "$replicas" --cluster-yes
