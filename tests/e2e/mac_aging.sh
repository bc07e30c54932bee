#!/usr/bin/env bash
# MAC aging and flush: with --mac-aging 2, learned MACs disappear a few
# seconds after traffic stops; `mac flush` forgets them at once.
source "$(dirname "$0")/lib.sh"

A=${P}a B=${P}b
mk_netns "$A" "$B"
for ns in "$A" "$B"; do
  # Nothing but our pings may refresh the entries.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done

start_dataplane --mac-aging 2
start_controld
must yard tenant add red
must yard port add "$A" --kind tap --tenant red --netns "$A" --ip 10.0.0.1/24
must yard port add "$B" --kind tap --tenant red --netns "$B" --ip 10.0.0.2/24
wait_in_sync
MAC_A=$(ip -n "$A" -br link show dev "$A" | awk '{print $3}')
MAC_B=$(ip -n "$B" -br link show dev "$B" | awk '{print $3}')

macs() {  # "mac@port ..." sorted, lower case
  yard --json mac list | jpath "' '.join(sorted(m['mac'].lower() + '@' + m['port'] for m in d['macs']))"
}
# The taps spend a moment in the root namespace (IPv6 on) before controld
# moves them: forget whatever they sent then.
must yard mac flush >/dev/null
assert_eq "MAC table before our traffic" "" "$(macs)"

assert_ping "$A" 10.0.0.2
EXPECT=$(printf '%s\n' "${MAC_A,,}@$A" "${MAC_B,,}@$B" | sort | tr '\n' ' ' | sed 's/ $//')
assert_eq "MACs learned after ping" "$EXPECT" "$(macs)"
assert_ge "tenant red learned" 2 "$(stat_tenant red learned)"

# Traffic stops: both entries age out (2 s aging, allow up to 6 s).
t0=$(date +%s.%N)
must_wait 6 "MAC table empty after aging" '[ -z "$(macs)" ]'
aged=$(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}')
log "ok: MACs aged out ${aged}s after the last ping (--mac-aging 2)"
assert_eq "tenant red macs after aging" 0 "$(stat_tenant red macs)"

# Entries in use do not age: keep pinging for longer than the aging time.
bg ip netns exec "$A" ping -i 0.2 -c 20 -W 1 10.0.0.2 >"$RUN/ping.out" 2>&1
PING_PID=$BG_PID
must_wait 3 "MACs re-learned" "[ \"\$(macs)\" = '$EXPECT' ]"
sleep 3   # > aging time, traffic flowing: the entries must still be there
assert_eq "MACs while traffic flows (3 s > aging)" "$EXPECT" "$(macs)"
wait "$PING_PID"

# Flush: re-learn, flush, empty at once (well before aging could do it).
assert_ping "$A" 10.0.0.2
assert_eq "MACs re-learned before flush" "$EXPECT" "$(macs)"
out=$(yard mac flush)
assert_contains "mac flush output" "flushed 2" "$out"
assert_eq "MAC table right after flush" "" "$(macs)"

# Filtered flush: only the given port's entry goes.
assert_ping "$A" 10.0.0.2
must yard mac flush --port "$A" >/dev/null
assert_eq "MACs after flush --port $A" "${MAC_B,,}@$B" "$(macs)"
assert_eq "flushed count of an empty flush" 0 "$(yard --json mac flush --tenant red --port "$A" | jpath "n(d.get('flushed'))")"
