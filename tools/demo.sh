#!/usr/bin/env bash
# The Switchyard demo: installs what is missing, builds, starts the
# dataplane and controld, wires two tenants with two namespaced "VMs" each on
# tap ports, shows that pings pass inside a tenant and fail across tenants,
# and prints what the switch counted. Cleans up on exit unless --keep.
# Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${SWITCHYARD_BUILD:-build}
KEEP=0
[[ ${1:-} == --keep ]] && KEEP=1

bash tools/setup.sh
bash tools/build.sh >/dev/null

RUN=/run/switchyard-demo
DP=$BUILD/dataplane/switchyard-dataplane
CD=$BUILD/controlplane/switchyard-controld
YARD=(env SWITCHYARD_SOCKET=$RUN/controld.sock "$BUILD/tools/yardctl/yardctl")
# Each VM is a network namespace of this name, on a tap port of the same name.
VMS=(demo-vm1 demo-vm2 demo-vm3 demo-vm4)
# The topology, applied with `yardctl apply -f` (format: docs/operations.md).
TOPOLOGY=$(cat <<'YAML'
tenants:
  - name: red
  - name: blue
ports:
  - {name: demo-vm1, kind: tap, tenant: red,  netns: demo-vm1, ip: [10.10.0.1/24]}
  - {name: demo-vm2, kind: tap, tenant: red,  netns: demo-vm2, ip: [10.10.0.2/24]}
  - {name: demo-vm3, kind: tap, tenant: blue, netns: demo-vm3, ip: [10.10.0.3/24]}
  - {name: demo-vm4, kind: tap, tenant: blue, netns: demo-vm4, ip: [10.10.0.4/24]}
YAML
)

cleanup() {
  [[ $KEEP == 1 ]] && return
  [[ -n ${CD_PID:-} ]] && kill "$CD_PID" 2>/dev/null || true
  [[ -n ${DP_PID:-} ]] && kill "$DP_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  for vm in "${VMS[@]}"; do ip netns del "$vm" 2>/dev/null || true; done
  rm -rf "$RUN"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

rm -rf "$RUN"; mkdir -p "$RUN"
for vm in "${VMS[@]}"; do
  ip netns del "$vm" 2>/dev/null || true
  ip netns add "$vm"
done
printf '%s\n' "$TOPOLOGY" >"$RUN/topology.yaml"

step "starting switchyard-dataplane (worker on CPU 1, no hugepages) and switchyard-controld"
"$DP" --socket "$RUN/dataplane.sock" --no-huge --lcores 0,1 >"$RUN/dataplane.log" 2>&1 &
DP_PID=$!
"$CD" --socket "$RUN/controld.sock" --dataplane "$RUN/dataplane.sock" --db "$RUN/switchyard.db" \
  --vhost-dir "$RUN" --pcap-dir "$RUN" >"$RUN/controld.log" 2>&1 &
CD_PID=$!
for _ in $(seq 50); do "${YARD[@]}" status >/dev/null 2>&1 && break; sleep 0.1; done

step "two tenants, four VMs on tap ports (each VM is a network namespace), from a YAML topology"
show cat "$RUN/topology.yaml"
show "${YARD[@]}" apply -f "$RUN/topology.yaml"
# controld stores the topology at once and programs the dataplane as soon as
# it answers (its start can take seconds on a busy host), then puts each tap
# into its namespace with its address: wait for both before pinging.
topology_up() {
  "${YARD[@]}" status 2>/dev/null | grep -q '(in sync)' || return 1
  for vm in "${VMS[@]}"; do
    ip -n "$vm" -4 -br addr show dev "$vm" 2>/dev/null | grep -q / || return 1
  done
}
for _ in $(seq 300); do topology_up && break; sleep 0.1; done
show "${YARD[@]}" port list

ping_check() {  # from-ns to-ip expectation
  local out
  if out=$(ip netns exec "$1" ping -c 3 -i 0.2 -W 1 "$2" 2>&1); then got=pass; else got=fail; fi
  local summary
  summary=$(grep -E 'packets transmitted' <<<"$out" || true)
  printf '  %-9s -> %-10s %-4s (expected %s)  %s\n' "$1" "$2" "$got" "$3" "$summary"
  [[ $got == "$3" ]] || DEMO_OK=0
}

step "pings inside a tenant pass, pings across tenants fail"
DEMO_OK=1
ping_check demo-vm1 10.10.0.2 pass
ping_check demo-vm3 10.10.0.4 pass
ping_check demo-vm1 10.10.0.3 fail
ping_check demo-vm4 10.10.0.2 fail

step "what the switch learned and counted"
show "${YARD[@]}" mac list
show "${YARD[@]}" stats
show "${YARD[@]}" status

if [[ $DEMO_OK == 1 ]]; then
  step "demo OK: tenants are connected inside and isolated across"
else
  step "demo FAILED: see $RUN/*.log"
  KEEP=1
  exit 1
fi
if [[ $KEEP == 1 ]]; then
  echo "left running (--keep): SWITCHYARD_SOCKET=$RUN/controld.sock $BUILD/tools/yardctl/yardctl status"
fi
