#!/usr/bin/env bash
# Two Switchyard hosts over a VXLAN underlay: namespaces A and B each run a
# dataplane and a controld, their af_packet uplinks joined by a veth (A's
# VTEP 192.0.2.1, B's 192.0.2.2), tenants red (VNI 5001) and blue (VNI 5002)
# on both, a VM per tenant on each host with the same addresses in both
# tenants. The workers sit on different CPUs and back off when idle.
#
# Proves: VMs ping and run TCP across the hosts in each tenant; the tenants
# stay apart; remote MACs are learned behind the other host's VTEP; a
# tenant's VNI changes in place on both hosts and its traffic follows.
. "$(dirname "$0")/lib.sh"

A=${P}a B=${P}b
mk_netns "$A" "$B" ${P}a1 ${P}a2 ${P}b1 ${P}b2
command -v iperf3 >/dev/null || fail "iperf3 not installed (tools/setup.sh)"
must ip link add ${P}ua netns "$A" type veth peer name ${P}ub netns "$B"
must ip -n "$A" link set ${P}ua up
must ip -n "$B" link set ${P}ub up

# host NAME NS UPLINK VTEP_IP LCORES: start its daemons; ya/yb talk to them.
host() {
  local name=$1
  HOST_NS=$2 DP_SOCK=$RUN/$name-dp.sock CD_SOCK=$RUN/$name-cd.sock DB=$RUN/$name.db \
    DP_PREFIX=${P}$name E2E_LCORES=$5
  start_dataplane
  _PIDS+=("$DP_PID")
  start_controld
  _PIDS+=("$CD_PID")
  must yard tenant add red --vni 5001
  must yard tenant add blue --vni 5002
  must yard port add up0 --kind af_packet --iface "$3" --uplink --vtep-ip "$4"
  must yard port add vr --kind tap --tenant red --netns ${P}${name}1 --ip 10.0.1.$6/24 --mtu 1450
  must yard port add vb --kind tap --tenant blue --netns ${P}${name}2 --ip 10.0.1.$6/24 --mtu 1450
  wait_in_sync
}
ya() { "$YARDCTL" --socket "$RUN/a-cd.sock" "$@"; }
yb() { "$YARDCTL" --socket "$RUN/b-cd.sock" "$@"; }
host a "$A" ${P}ua 192.0.2.1/24 0,1 1
host b "$B" ${P}ub 192.0.2.2/24 0@1,1@0 2
for t in red blue; do
  must ya vtep add --tenant $t --remote 192.0.2.2
  must yb vtep add --tenant $t --remote 192.0.2.1
done
must ip -n ${P}b1 addr add 10.0.1.3/24 dev vr  # the witness: red's only
resolved() { "$YARDCTL" --socket "$1" --json vtep list | jpath "all(v.get('next_hop', {}).get('mac') for v in d['vteps'])"; }
must_wait 10 "A's VTEPs resolved" "[ \"\$(resolved $RUN/a-cd.sock)\" = True ]"
must_wait 10 "B's VTEPs resolved" "[ \"\$(resolved $RUN/b-cd.sock)\" = True ]"
ya vtep list

assert_ping ${P}a1 10.0.1.2
assert_ping ${P}b1 10.0.1.1
assert_ping ${P}a2 10.0.1.2
assert_ping ${P}b2 10.0.1.1
assert_ping ${P}a1 10.0.1.3
assert_no_ping ${P}a2 10.0.1.3

tcp() {  # CLIENT_NS SERVER_NS: bytes received in 2 s
  ip netns exec "$2" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  local srv=$! out
  sleep 0.3
  out=$(ip netns exec "$1" iperf3 -c "$3" -p 5201 -t 2 -J 2>&1) || { wait $srv; fail "iperf3 $1 -> $2: $out"; }
  wait $srv
  echo "$out" | jpath "int(d['end']['sum_received']['bytes'])"
}
assert_ge "TCP red A -> B bytes" 1000000 "$(tcp ${P}a1 ${P}b1 10.0.1.2)"
assert_ge "TCP blue B -> A bytes" 1000000 "$(tcp ${P}b2 ${P}a2 10.0.1.1)"

B1_MAC=$(ip -n ${P}b1 -br link show vr | awk '{print $3}')
assert_eq "A lists B's red VM behind B's VTEP" "192.0.2.2" \
  "$(ya --json mac list --tenant red | jpath "[m.get('remote_vtep') for m in d['macs'] if m['mac'] == '$B1_MAC'][0]")"
# Any VXLAN drop fails the test; its label names the reasons that counted.
a_stats=$(ya --json stats)
assert_eq "VXLAN drops on A ($(echo "$a_stats" | jpath "' '.join(x['reason'] + '=' + str(n(x.get('packets'))) for x in d['drops'] if x['reason'].startswith('vxlan') and n(x.get('packets')))"))" \
  "0" "$(echo "$a_stats" | jpath "sum(n(x.get('packets')) for x in d['drops'] if x['reason'].startswith('vxlan'))")"

# A new VNI for red, in place, on both hosts: the ports stay, traffic follows.
must ya tenant set red --vni 6001
must yb tenant set red --vni 6001
assert_ping ${P}a1 10.0.1.2
assert_ping ${P}b1 10.0.1.1
assert_no_ping ${P}a2 10.0.1.3
assert_eq "red's VNI in A's VTEP list" "6001" \
  "$(ya --json vtep list --tenant red | jpath "d['vteps'][0]['vni']")"
