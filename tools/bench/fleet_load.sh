#!/usr/bin/env bash
# Runs fleet_load (docs/fleet.md, "Scale") against an etcd of its own: on
# loopback, ports 23890/23891, a temp data dir, stopped at the end.
#   tools/bench/fleet_load.sh BUILD_DIR [fleet_load options...]
set -euo pipefail
build=${1:?usage: fleet_load.sh BUILD_DIR [options]}
shift
command -v etcd >/dev/null || { echo "etcd not installed (tools/setup.sh: etcd-server)" >&2; exit 1; }
dir=$(mktemp -d /tmp/sy-fleet-load.XXXXXX)
port=${FLEET_LOAD_PORT:-23890}
etcd --name load --data-dir "$dir/data" \
  --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \
  --listen-peer-urls "http://127.0.0.1:$((port + 1))" --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
  --initial-cluster "load=http://127.0.0.1:$((port + 1))" >"$dir/etcd.log" 2>&1 &
pid=$!
stop() { kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$dir"; }
trap stop EXIT
for _ in $(seq 1 200); do
  grep -q "ready to serve client requests" "$dir/etcd.log" && break
  kill -0 $pid 2>/dev/null || { cat "$dir/etcd.log" >&2; exit 1; }
  sleep 0.1
done
rc=0
"$build/tools/bench/fleet_load" --etcd "127.0.0.1:$port" "$@" || rc=$?
stop
trap - EXIT
exit $rc
