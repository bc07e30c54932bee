#!/usr/bin/env bash
# A fleet of three Switchyard hosts on one etcd (docs/fleet.md). Namespace M
# is the wire: an underlay bridge joining the hosts' af_packet uplinks
# (VTEPs 192.0.2.1..3) and a management bridge on which etcd listens
# (10.99.0.100, non-default ports, a temp data dir). Hosts A, B and C each
# run a dataplane and a controld with --store etcd:// and --host; red (VNI
# 5001) has a VM on every host, blue (VNI 5002) on B and C only, green a
# port on C only. Nobody types `vtep add`.
#
# Proves: tenants made on one host reach every host; each host's flood list
# is computed from the others' membership; VMs ping across hosts; a tenant
# in use on another host cannot be deleted; a killed host leaves the flood
# lists when its lease expires (timed); with etcd stopped forwarding goes
# on, `yardctl status` says so and changes are refused, then all resumes;
# a controld restart resumes without a Sync and without rewriting its keys.
. "$(dirname "$0")/lib.sh"

command -v etcd >/dev/null || fail "etcd not installed (tools/setup.sh: etcd-server)"
M=${P}m A=${P}a B=${P}b C=${P}c
mk_netns "$M" "$A" "$B" "$C" ${P}a1 ${P}b1 ${P}b2 ${P}c1 ${P}c2 ${P}c3
must ip -n "$M" link add ul type bridge
must ip -n "$M" link add mg type bridge
must ip -n "$M" addr add 10.99.0.100/24 dev mg
must ip -n "$M" link set ul up
must ip -n "$M" link set mg up
i=0
for h in a b c; do
  i=$((i + 1))
  ns=${P}$h
  must ip link add ${P}u$h netns "$ns" type veth peer name u$h netns "$M"
  must ip link add ${P}g$h netns "$ns" type veth peer name g$h netns "$M"
  must ip -n "$M" link set u$h master ul up
  must ip -n "$M" link set g$h master mg up
  must ip -n "$ns" link set ${P}u$h up
  must ip -n "$ns" addr add 10.99.0.$i/24 dev ${P}g$h
  must ip -n "$ns" link set ${P}g$h up
done

ETCD_URL=etcd://10.99.0.100:23790
start_etcd() {
  ip netns exec "$M" etcd --name sy --data-dir "$RUN/etcd" \
    --listen-client-urls http://10.99.0.100:23790 --advertise-client-urls http://10.99.0.100:23790 \
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
    --initial-cluster sy=http://127.0.0.1:23800 >>"$RUN/etcd.log" 2>&1 &
  ETCD_PID=$!
  _PIDS+=("$ETCD_PID")
  must_wait 20 "etcd answering" "ip netns exec $A bash -c 'exec 3<>/dev/tcp/10.99.0.100/23790' 2>/dev/null"
}
start_etcd
log "etcd started (pid $ETCD_PID)"

declare -A DPP CDP
# host NAME LCORES: start its daemons on the fleet's store.
host() {
  local name=$1
  HOST_NS=${P}$name DP_SOCK=$RUN/$name-dp.sock CD_SOCK=$RUN/$name-cd.sock DB=$RUN/$name.db \
    DP_PREFIX=${P}$name E2E_LCORES=$2
  [ -n "${DPP[$name]:-}" ] || { start_dataplane; DPP[$name]=$DP_PID; _PIDS+=("$DP_PID"); }
  start_controld --store "$ETCD_URL" --host "$name" --lease-ttl 3
  CDP[$name]=$CD_PID
  _PIDS+=("$CD_PID")
  CD_PID=""
  DP_PID=""
}
y() { local h=$1; shift; "$YARDCTL" --socket "$RUN/$h-cd.sock" "$@"; }
host a 0,1
host b 0@1,1@0
host c 0,1

# Tenants are fleet-wide: made on A, they appear on B and C by the watch.
must y a tenant add red --vni 5001
must y a tenant add blue --vni 5002
must y b tenant add green --vni 5003
for h in a b c; do
  must_wait 5 "host $h sees the three tenants" \
    "[ \"\$(y $h --json tenant list | jpath 'len(d[\"tenants\"])')\" = 3 ]"
done
out=$(y c tenant add red2 --vni 5001 2>&1) && fail "a second tenant with VNI 5001 was accepted: $out"
assert_contains "a VNI taken on another host is refused" "vni" "$out"

i=0
for h in a b c; do
  i=$((i + 1))
  must y $h port add up0 --kind af_packet --iface ${P}u$h --uplink --vtep-ip 192.0.2.$i/24
done
must y a port add vr --kind tap --tenant red --netns ${P}a1 --ip 10.0.1.1/24 --mtu 1450
must y b port add vr --kind tap --tenant red --netns ${P}b1 --ip 10.0.1.2/24 --mtu 1450
must y b port add vb --kind tap --tenant blue --netns ${P}b2 --ip 10.0.2.2/24 --mtu 1450
must y c port add vr --kind tap --tenant red --netns ${P}c1 --ip 10.0.1.3/24 --mtu 1450
must y c port add vb --kind tap --tenant blue --netns ${P}c2 --ip 10.0.2.3/24 --mtu 1450
must y c port add vg --kind tap --tenant green --netns ${P}c3 --ip 10.0.3.3/24 --mtu 1450

tenants() {  # HOST NAME: how many tenants of that name the host has (0 or 1)
  y "$1" --json tenant list | jpath "len([t for t in d.get('tenants', []) if t['name'] == '$2'])"
}
remotes() {  # HOST TENANT: the remote VTEPs of that tenant on that host, sorted
  y "$1" --json vtep list --tenant "$2" | jpath "' '.join(sorted(v['vtep']['remote'] for v in d.get('vteps', [])))"
}
must_wait 10 "A's red flood list" "[ \"\$(remotes a red)\" = '192.0.2.2 192.0.2.3' ]"
must_wait 10 "B's red flood list" "[ \"\$(remotes b red)\" = '192.0.2.1 192.0.2.3' ]"
must_wait 10 "B's blue flood list" "[ \"\$(remotes b blue)\" = '192.0.2.3' ]"
must_wait 10 "C's blue flood list" "[ \"\$(remotes c blue)\" = '192.0.2.2' ]"
assert_eq "A has no blue VTEPs (no blue port there)" "" "$(remotes a blue)"
assert_eq "nobody floods green to C's peers" "" "$(remotes c green)"
y a vtep list

resolved() { y "$1" --json vtep list | jpath "all(v.get('next_hop', {}).get('mac') for v in d.get('vteps', []))"; }
for h in a b c; do must_wait 10 "$h's VTEPs resolved" "[ \"\$(resolved $h)\" = True ]"; done
assert_ping ${P}a1 10.0.1.2
assert_ping ${P}a1 10.0.1.3
assert_ping ${P}b1 10.0.1.3
assert_ping ${P}b2 10.0.2.3
# An address of blue's subnet on A's red VM: its ARP for C's blue VM stays in red.
must ip -n ${P}a1 addr add 10.0.2.1/24 dev vr
assert_no_ping ${P}a1 10.0.2.3

out=$(y b vtep del --tenant red --remote 192.0.2.1 2>&1) && fail "a computed VTEP was deleted: $out"
assert_contains "a computed VTEP is not the operator's to delete" "computed from the fleet" "$out"
out=$(y a tenant del green 2>&1) && fail "green was deleted while C uses it: $out"
assert_contains "a tenant in use on another host stays" "in use on host c" "$out"
assert_eq "green still on B" "1" "$(tenants b green)"

# A controld restart: the dataplane already has the state (no Sync), the
# lease is kept (no membership key rewritten), the flood lists stay.
rev_before=$(y b --json status | jpath "d['store']['revision']")
_kill_pid "${CDP[b]}"
host b 0@1,1@0
must_wait 10 "B in sync" "[ \"\$(y b --json status | jpath 'd[\"dataplane\"][\"in_sync\"]')\" = True ]"
assert_contains "B's restarted controld sent nothing" "nothing to send" "$(cat "$RUN/cd$CD_STARTS.log")"
assert_contains "B's restarted controld kept its lease" "keeps lease" "$(cat "$RUN/cd$CD_STARTS.log")"
assert_eq "B made no full sync" "0" "$(y b --json status | jpath "n(d['dataplane'].get('full_syncs'))")"
assert_eq "B's red flood list after the restart" "192.0.2.1 192.0.2.3" "$(remotes b red)"
assert_ping ${P}a1 10.0.1.2

# etcd stopped: forwarding goes on, changes are refused, status says so.
_kill_pid "$ETCD_PID"
must_wait 10 "A reports etcd unreachable" \
  "[ \"\$(y a --json status | jpath 'd[\"store\"].get(\"reachable\", False)')\" = False ]"
y a status | grep -i store
assert_ping ${P}a1 10.0.1.2
assert_ping ${P}b2 10.0.2.3
out=$(y a tenant add late --vni 5009 2>&1) && fail "a change was accepted with etcd down: $out"
assert_contains "a change is refused with etcd down" "etcd://10.99.0.100:23790" "$out"
log "refused: $out"
assert_eq "the refused tenant is not there" "0" "$(tenants a late)"
start_etcd
t0=$(date +%s.%N)
must_wait 15 "A reports etcd reachable" \
  "[ \"\$(y a --json status | jpath 'd[\"store\"].get(\"reachable\", False)')\" = True ]"
log "A followed etcd again $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}') s after it answered"
must y a tenant add late --vni 5009
must_wait 10 "C sees the tenant made after etcd came back" "[ \"\$(tenants c late)\" = 1 ]"

# A host killed (controld and dataplane, SIGKILL): it leaves the others'
# flood lists when its lease (3 s) expires.
kill -KILL "${CDP[c]}" "${DPP[c]}"
t0=$(date +%s.%N)
must_wait 15 "C gone from A's red flood list" "[ \"\$(remotes a red)\" = '192.0.2.2' ]"
t1=$(date +%s.%N)
must_wait 5 "C gone from B's blue flood list" "[ \"\$(remotes b blue)\" = '' ]"
gone=$(echo "$t1 $t0" | awk '{printf "%.1f", $1 - $2}')
log "a killed host left the flood lists after ${gone} s (lease TTL 3 s)"
assert_ge "seconds until a killed host leaves (not before its lease)" 2 "${gone%.*}"
assert_ping ${P}a1 10.0.1.2
