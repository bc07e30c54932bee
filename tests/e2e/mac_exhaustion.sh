#!/usr/bin/env bash
# One tenant cannot fill the MAC table for the others. The dataplane's table
# holds 16,384 entries; tenant blue keeps its default 4,096 reserved, so red
# may reserve at most 12,288. Red's pcap port then replays 30,000 distinct
# source MACs, over and over, as fast as the worker reads them, while blue's
# hosts ping: red stops at its limit (counted as learn_limit, never as table
# full) and, with the flood still running, blue forgets its hosts, learns
# them again and forwards unicast.
source "$(dirname "$0")/lib.sh"

TABLE=16384
FLOOD=30000
A=${P}a B=${P}b
mk_netns "$A" "$B"
start_dataplane --mac-table-size $TABLE
start_controld
wait_in_sync
must yard tenant add blue
must yard port add "$A" --kind tap --tenant blue --netns "$A" --ip 10.0.0.1/24
must yard port add "$B" --kind tap --tenant blue --netns "$B" --ip 10.0.0.2/24
wait_in_sync

# A limit that cannot be guaranteed beside blue's is refused, changing nothing.
out=$(yard tenant add red --mac-limit $TABLE 2>&1) && fail "red with a $TABLE-MAC limit was accepted: $out"
assert_contains "refusal" "tenant.mac_limit: $TABLE MACs cannot be reserved for tenant 'red'" "$out"
assert_contains "refusal says what is left" "leaving $((TABLE - 4096))" "$out"
assert_eq "tenants after the refusal" "blue" "$(yard --json tenant list | jpath "' '.join(t['name'] for t in d['tenants'])")"
must yard tenant add red --mac-limit $((TABLE - 4096))
st=$(yard status)
assert_contains "status shows the reservation" "$TABLE reserved by tenants, $TABLE entries" "$st"
# A further tenant with the default limit no longer fits either.
out=$(yard tenant add green 2>&1) && fail "green was accepted in a fully reserved table: $out"
assert_contains "refusal of a default tenant" "4096 MACs (the default) cannot be reserved" "$out"

"$PY" - "$RUN/flood.pcap" "$FLOOD" <<'PY'
import random, struct, sys
path, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(9)
macs = set()
while len(macs) < n:
    macs.add((rnd.getrandbits(48) & ~(1 << 40)) | (1 << 41))  # unicast, locally administered
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    body = b"\x08\x00" + bytes(46)
    for m in macs:
        fr = b"\xff" * 6 + m.to_bytes(6, "big") + body
        f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
PY

# Blue's hosts talk throughout the flood.
bg ip netns exec "$A" ping -i 0.05 -c 100 -W 1 10.0.0.2 >"$RUN/ping.out" 2>&1
PING_PID=$BG_PID
sleep 0.5
must yard port add "${P}flood" --kind pcap --tenant red \
  --devargs "rx_pcap=$RUN/flood.pcap,infinite_rx=1"
must_wait 30 "red's $FLOOD frames read" "[ \"\$(stat_port ${P}flood rx_packets)\" -ge $FLOOD ]"
assert_eq "red's MACs: its limit" $((TABLE - 4096)) "$(stat_tenant red macs)"
assert_ge "red refused at its limit" $((FLOOD - TABLE)) "$(stat_tenant red learn_limit)"
assert_eq "red never found the table full" 0 "$(stat_tenant red learn_table_full)"

# With red's flood still running, blue forgets its hosts and learns them
# again with the table full of red.
refused0=$(stat_tenant red learn_limit)
must yard mac flush --tenant blue >/dev/null
u0=$(stat_tenant blue unicast)
assert_ping "$A" 10.0.0.2
assert_eq "blue's MACs re-learned" 2 "$(stat_tenant blue macs)"
assert_eq "blue never refused" 0 "$(( $(stat_tenant blue learn_limit) + $(stat_tenant blue learn_table_full) ))"
assert_ge "blue unicast after re-learning" $((u0 + 2)) "$(stat_tenant blue unicast)"
assert_ge "red's flood still refused meanwhile" $((refused0 + FLOOD)) "$(stat_tenant red learn_limit)"
wait "$PING_PID"
must yard port del "${P}flood"
loss=$(grep -oE '[0-9.]+% packet loss' "$RUN/ping.out" | cut -d% -f1)
assert_eq "blue's pings during the flood lost" 0 "$loss"
