#!/usr/bin/env bash
# VLANs: an untagged access port (red), a tagged access port (blue, VLAN 30)
# and a trunk (100=red, 200=blue). Checks reachability, the 802.1Q tags on
# the wire (tcpdump pcaps), and the drop counters for untagged frames and
# unknown VLANs arriving on the trunk.
source "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || fail "tcpdump not installed (apt-get install tcpdump)"

RA=${P}ra   # red access, untagged
BA=${P}ba   # blue access, --vlan 30
TK=${P}tk   # trunk 100=red,200=blue
mk_netns "$RA" "$BA" "$TK"
for ns in "$RA" "$BA" "$TK"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
# Answer ARP only on the interface that holds the address: otherwise the
# trunk namespace would answer for its VLAN 200 address on VLAN 100 (Linux
# weak host model) and a correct switch would look leaky.
ip netns exec "$TK" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.default.arp_ignore=1

start_dataplane --mac-aging 60
start_controld
must yard tenant add red
must yard tenant add blue
must yard port add "$RA" --kind tap --tenant red --netns "$RA" --ip 10.100.0.1/24 --ip 10.200.0.9/24
must yard port add "$BA" --kind tap --tenant blue --vlan 30 --netns "$BA"
must yard port add "$TK" --kind tap --trunk 100=red,200=blue --netns "$TK"
wait_in_sync

# Kernel side: VLAN subinterfaces.
must ip -n "$BA" link set dev "$BA" up
mk_vlan_if "$BA" "$BA" 30 "$BA.30"
must ip -n "$BA" addr add 10.200.0.1/24 dev "$BA.30"
must ip -n "$BA" addr add 10.100.0.9/24 dev "$BA.30"
must ip -n "$BA" link set dev "$BA.30" up
must ip -n "$TK" link set dev "$TK" up
for v in 100 200; do
  mk_vlan_if "$TK" "$TK" "$v" "$TK.$v"
  must ip -n "$TK" addr add "10.$v.0.100/24" dev "$TK.$v"
  must ip -n "$TK" link set dev "$TK.$v" up
done

# Capture on the trunk's kernel interface (frames the switch sends to it:
# -Q in) and on the untagged red access interface, while pinging.
bg ip netns exec "$TK" tcpdump -Q in -i "$TK" -nn -U -w "$RUN/trunk.pcap" 2>"$RUN/tcpdump-trunk.err"
CAP_TK=$BG_PID
bg ip netns exec "$RA" tcpdump -i "$RA" -nn -U -w "$RUN/red.pcap" 2>"$RUN/tcpdump-red.err"
CAP_RA=$BG_PID
bg ip netns exec "$BA" tcpdump -Q in -i "$BA" -nn -U -w "$RUN/blue.pcap" 2>"$RUN/tcpdump-blue.err"
CAP_BA=$BG_PID
must_wait 5 "tcpdump listening" "[ -s '$RUN/trunk.pcap' ] && [ -s '$RUN/red.pcap' ] && [ -s '$RUN/blue.pcap' ]"

assert_ping "$RA" 10.100.0.100          # red access   <-> trunk.100
assert_ping "$TK" 10.100.0.1
assert_ping "$BA" 10.200.0.100          # blue access  <-> trunk.200
assert_ping "$TK" 10.200.0.1
must ip netns exec "$RA" ping -c 3 -i 0.2 -W 1 10.100.0.100 >/dev/null
must ip netns exec "$BA" ping -c 3 -i 0.2 -W 1 10.200.0.100 >/dev/null

# Across tenants: red access has an address in blue's subnet too, so the
# kernel does send ARP for the trunk's VLAN 200 address, into red. It must
# not come out on VLAN 200. Same for blue towards trunk.100 and red access.
assert_no_ping "$RA" 10.200.0.100  "$BA" 10.100.0.100  "$BA" 10.100.0.1

for pid in "$CAP_TK" "$CAP_RA" "$CAP_BA"; do kill -INT "$pid" 2>/dev/null; done
for pid in "$CAP_TK" "$CAP_RA" "$CAP_BA"; do wait "$pid" 2>/dev/null; done

TRUNK_TXT=$(tcpdump -e -nn -r "$RUN/trunk.pcap" 2>/dev/null)
RED_TXT=$(tcpdump -e -nn -r "$RUN/red.pcap" 2>/dev/null)
BLUE_TXT=$(tcpdump -e -nn -r "$RUN/blue.pcap" 2>/dev/null)
show() { printf '%s\n' "$1" | head -n 20; }

# Toward the trunk: red traffic tagged 100, blue traffic tagged 200.
n=$(printf '%s\n' "$TRUNK_TXT" | grep -c 'vlan 100,.*10\.100\.0\.1 > 10\.100\.0\.100: ICMP echo request')
assert_ge "trunk pcap: red echo requests tagged vlan 100" 4 "$n"
n=$(printf '%s\n' "$TRUNK_TXT" | grep -c 'vlan 200,.*10\.200\.0\.1 > 10\.200\.0\.100: ICMP echo request')
assert_ge "trunk pcap: blue echo requests tagged vlan 200" 4 "$n"
# By source MAC: every frame from red access on the trunk carries tag 100,
# every frame from blue access carries 200.
MAC_RA=$(ip -n "$RA" -br link show dev "$RA" | awk '{print $3}')
MAC_BA=$(ip -n "$BA" -br link show dev "$BA.30" | awk '{print $3}')
n=$(printf '%s\n' "$TRUNK_TXT" | grep -c "^[0-9:.]* $MAC_RA > ")
assert_ge "trunk pcap: frames from red access ($MAC_RA)" 6 "$n"
n=$(printf '%s\n' "$TRUNK_TXT" | grep "^[0-9:.]* $MAC_RA > " | grep -vc 'vlan 100, ')
assert_eq "trunk pcap: frames from red access not tagged 100" 0 "$n"
n=$(printf '%s\n' "$TRUNK_TXT" | grep -c "^[0-9:.]* $MAC_BA > ")
assert_ge "trunk pcap: frames from blue access ($MAC_BA)" 6 "$n"
n=$(printf '%s\n' "$TRUNK_TXT" | grep "^[0-9:.]* $MAC_BA > " | grep -vc 'vlan 200, ')
assert_eq "trunk pcap: frames from blue access not tagged 200" 0 "$n"
# The red ARP for 10.200.0.100 did reach the trunk, on red's VLAN only.
n=$(printf '%s\n' "$TRUNK_TXT" | grep -c 'vlan 100,.*Request who-has 10\.200\.0\.100')
assert_ge "trunk pcap: red's ARP for the blue address arrives on vlan 100" 1 "$n"
n=$(printf '%s\n' "$TRUNK_TXT" | grep -c 'vlan 200,.*Request who-has 10\.200\.0\.100 tell 10\.200\.0\.9')
assert_eq "trunk pcap: red's ARP for the blue address on vlan 200" 0 "$n"
n=$(printf '%s\n' "$TRUNK_TXT" | grep -vc '802\.1Q')
[ "$n" = 0 ] || show "$TRUNK_TXT"
assert_eq "trunk pcap: untagged frames toward the trunk" 0 "$n"

# The untagged access port sees its traffic without any tag.
n=$(printf '%s\n' "$RED_TXT" | grep -c 'ICMP echo')
assert_ge "red access pcap: ICMP frames" 8 "$n"
n=$(printf '%s\n' "$RED_TXT" | grep -ci '802\.1Q\|vlan')
[ "$n" = 0 ] || show "$RED_TXT"
assert_eq "red access pcap: tagged frames" 0 "$n"

# The blue access port (--vlan 30) gets blue's frames tagged 30.
n=$(printf '%s\n' "$BLUE_TXT" | grep -c 'vlan 30,.*10\.200\.0\.100 > 10\.200\.0\.1: ICMP echo reply')
assert_ge "blue access pcap: echo replies tagged vlan 30" 4 "$n"
n=$(printf '%s\n' "$BLUE_TXT" | grep -vc 'vlan 30,')
[ "$n" = 0 ] || show "$BLUE_TXT"
assert_eq "blue access pcap: frames not tagged 30" 0 "$n"

# Drops: untagged frames on the trunk, and a VLAN the trunk does not carry.
log "drops so far: $(yard --json stats | jpath "' '.join(x['reason'] + '=' + x['packets'] for x in d['drops'] if n(x['packets']))")"
u0=$(stat_drop untagged_on_trunk)
must ip -n "$TK" addr add 10.77.0.100/24 dev "$TK"
bg ip netns exec "$TK" ping -c 3 -i 0.2 -W 1 10.77.0.1 >/dev/null 2>&1   # untagged ARP
must_wait 3 "untagged_on_trunk > $u0" "[ \$(stat_drop untagged_on_trunk) -gt $u0 ]"
log "ok: untagged_on_trunk $u0 -> $(stat_drop untagged_on_trunk)"

v0=$(stat_drop vlan_not_allowed)
mk_vlan_if "$TK" "$TK" 300 "$TK.300"
must ip -n "$TK" addr add 10.30.0.100/24 dev "$TK.300"
must ip -n "$TK" link set dev "$TK.300" up
bg ip netns exec "$TK" ping -c 3 -i 0.2 -W 1 10.30.0.1 >/dev/null 2>&1
must_wait 3 "vlan_not_allowed > $v0" "[ \$(stat_drop vlan_not_allowed) -gt $v0 ]"
log "ok: vlan_not_allowed $v0 -> $(stat_drop vlan_not_allowed)"
assert_ge "trunk port rx_dropped" 2 "$(stat_port "$TK" rx_dropped)"
