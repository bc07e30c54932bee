#!/usr/bin/env bash
# A tap port's MTU is the device's as well as its kernel side's: a smaller
# MTU is applied to both, one the DPDK tap driver cannot carry is refused
# with a reason (nothing changes), and a frame larger than the egress port's
# MTU is counted as a TX failure on that port, not lost silently.
source "$(dirname "$0")/lib.sh"

A=${P}a B=${P}b
mk_netns "$A" "$B"
start_dataplane
start_controld
must yard tenant add red

before=$(yard --json port list)
out=$(yard port add "${P}j" --kind tap --tenant red --mtu 9000 2>&1)
assert_eq "tap with MTU 9000 refused" 1 "$?"
assert_contains "reason names the field" "port.tap.mtu" "$out"
assert_contains "reason names the driver limit" "net_tap" "$out"
assert_eq "nothing changed" "$before" "$(yard --json port list)"

must yard port add "$A" --kind tap --tenant red --netns "$A" --ip 10.0.0.1/24
must yard port add "$B" --kind tap --tenant red --netns "$B" --ip 10.0.0.2/24 --mtu 1400
wait_in_sync
assert_eq "kernel MTU of B" 1400 "$(ip -n "$B" -o link show dev "$B" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')"
assert_ping "$A" 10.0.0.2
out=$(ip netns exec "$A" ping -c 3 -W 2 -M do -s 1372 10.0.0.2 2>&1)
assert_contains "1400-byte packets reach B" "3 received" "$out"

# A (MTU 1500) sends 1500-byte packets toward B (MTU 1400): B's device
# refuses the frames and the switch counts them.
before_drop=$(stat_drop tx_failed)
before_port=$(stat_port "$B" tx_dropped)
ip netns exec "$A" ping -c 3 -W 1 -M do -s 1472 10.0.0.2 >/dev/null 2>&1
must_wait 5 "oversized frames counted on B" "[ \"\$(stat_port $B tx_dropped)\" -ge $((before_port + 3)) ]"
assert_ge "tx_failed drops" $((before_drop + 3)) "$(stat_drop tx_failed)"
assert_ge "B's PMD TX errors" 3 "$(stat_port "$B" hw_tx_errors)"
assert_ping "$A" 10.0.0.2
log "PASS"
