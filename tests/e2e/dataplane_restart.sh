#!/usr/bin/env bash
# The dataplane dies (kill -9) and a new one starts on the same socket:
# controld notices the new instance and re-programs it (full Sync), moves the
# recreated tap interfaces back into their namespaces and re-addresses them,
# and traffic flows again.
source "$(dirname "$0")/lib.sh"

A=${P}a B=${P}b C=${P}c
mk_netns "$A" "$B" "$C"

start_dataplane --mac-aging 60
start_controld
must yard tenant add red
must yard tenant add blue
must yard port add "$A" --kind tap --tenant red --netns "$A" --ip 10.0.0.1/24
must yard port add "$B" --kind tap --tenant red --netns "$B" --ip 10.0.0.2/24 --mtu 1400
must yard port add "$C" --kind tap --tenant blue --netns "$C" --ip 10.0.0.3/24
wait_in_sync
assert_ping "$A" 10.0.0.2
assert_no_ping "$A" 10.0.0.3

STATUS=$(yard --json status)
OLD_INSTANCE=$(echo "$STATUS" | jpath "d['dataplane']['instance_id']")
GEN=$(echo "$STATUS" | jpath "d['generation']")
assert_eq "full syncs before the restart" 0 "$(echo "$STATUS" | jpath "n(d['dataplane']['full_syncs'])")"

kill9 "$DP_PID"
log "dataplane killed (-9)"
must_wait 5 "controld to see the dataplane gone" \
  "[ \"\$(yard --json status | jpath \"d['dataplane']['connected']\")\" = False ]"
log "ok: controld reports the dataplane disconnected"
assert_eq "yard stats exit code without a dataplane" 3 "$(yard stats >/dev/null 2>&1; echo $?)"
assert_eq "tap $A gone with its dataplane" 1 "$(ip -n "$A" link show dev "$A" >/dev/null 2>&1; echo $?)"

t0=$(date +%s.%N)
start_dataplane --mac-aging 60
t1=$(date +%s.%N)
# Re-programmed: connected, new instance, at controld's generation, all
# three ports present in the dataplane.
reprogrammed() {
  yard --json status | jpath "(d['dataplane']['connected'] and d['dataplane']['in_sync']
    and d['dataplane']['instance_id'] != '$OLD_INSTANCE'
    and n(d['dataplane']['generation']) == n(d['generation']) == $GEN
    and d['dataplane']['ports_total'] == 3)" | grep -qx True
}
must_wait 10 "controld to re-program the new dataplane" reprogrammed
t2=$(date +%s.%N)
STARTUP=$(echo "$t1 $t0" | awk '{printf "%.2f", $1 - $2}')
REPROGRAM=$(echo "$t2 $t1" | awk '{printf "%.2f", $1 - $2}')
TOTAL=$(echo "$t2 $t0" | awk '{printf "%.2f", $1 - $2}')
log "MEASURED: dataplane start to socket up ${STARTUP}s; socket up to re-programmed ${REPROGRAM}s; total ${TOTAL}s"
assert_eq "re-program time under 3 s" 1 "$(echo "$REPROGRAM" | awk '{print ($1 < 3.0) ? 1 : 0}')"
assert_ge "full syncs by controld" 1 "$(yard --json status | jpath "n(d['dataplane']['full_syncs'])")"
assert_eq "ports with a dataplane port id" 3 \
  "$(yard --json port list | jpath "sum(1 for v in d['ports'] if v.get('status') and v['status']['driver'] and not v['error'])")"

# Kernel side restored: each tap back in its namespace, addressed, MTU set.
must_wait 5 "taps back in their namespaces with their addresses" \
  "ip -n $A -4 -o addr show dev $A | grep -q 10.0.0.1/24 && ip -n $B -4 -o addr show dev $B | grep -q 10.0.0.2/24 && ip -n $C -4 -o addr show dev $C | grep -q 10.0.0.3/24"
log "ok: taps back in their namespaces with their addresses"
assert_eq "kernel MTU of B restored" 1400 "$(ip -n "$B" -o link show dev "$B" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')"
assert_eq "no switch tap left in the root namespace" "" "$(ip -o link show | awk -F': ' '{print $2}' | grep "^$P" | tr '\n' ' ')"

assert_ping "$A" 10.0.0.2
assert_ping "$B" 10.0.0.1
assert_no_ping "$A" 10.0.0.3
assert_ge "tenant red unicast on the new dataplane" 1 "$(stat_tenant red unicast)"
