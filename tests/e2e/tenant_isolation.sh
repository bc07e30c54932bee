#!/usr/bin/env bash
# Two tenants, four namespaced VMs on tap ports. Pings pass inside a tenant
# and fail across tenants, although the tenants use the same IP subnet and
# vm3 (blue) has the same MAC address as vm1 (red).
source "$(dirname "$0")/lib.sh"

V1=${P}vm1 V2=${P}vm2 V3=${P}vm3 V4=${P}vm4
mk_netns "$V1" "$V2" "$V3" "$V4"
for ns in "$V1" "$V2" "$V3" "$V4"; do
  # No IPv6 chatter (RS, MLD, DAD): the counters below then only see our pings.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done

start_dataplane --mac-aging 60
start_controld
must yard tenant add red
must yard tenant add blue
must yard port add "$V1" --kind tap --tenant red  --netns "$V1" --ip 10.0.0.1/24
must yard port add "$V2" --kind tap --tenant red  --netns "$V2" --ip 10.0.0.2/24
must yard port add "$V3" --kind tap --tenant blue --netns "$V3" --ip 10.0.0.1/24
must yard port add "$V4" --kind tap --tenant blue --netns "$V4" --ip 10.0.0.3/24
wait_in_sync

# Overlapping MACs: vm3 (blue) takes vm1's (red) MAC.
MAC1=$(ip -n "$V1" -br link show dev "$V1" | awk '{print $3}')
must ip -n "$V3" link set dev "$V3" address "$MAC1"
assert_eq "vm3 MAC (copied from vm1)" "$MAC1" "$(ip -n "$V3" -br link show dev "$V3" | awk '{print $3}')"

MAC2=$(ip -n "$V2" -br link show dev "$V2" | awk '{print $3}')
MAC4=$(ip -n "$V4" -br link show dev "$V4" | awk '{print $3}')

# Capture what the switch delivers to each VM (-Q in) for the whole test.
CAPS=()
for ns in "$V1" "$V2" "$V3" "$V4"; do
  bg ip netns exec "$ns" tcpdump -Q in -i "$ns" -nn -U -w "$RUN/$ns.pcap" 2>"$RUN/tcpdump-$ns.err"
  CAPS+=("$BG_PID")
done
must_wait 5 "tcpdump listening" "[ -s '$RUN/$V1.pcap' ] && [ -s '$RUN/$V2.pcap' ] && [ -s '$RUN/$V3.pcap' ] && [ -s '$RUN/$V4.pcap' ]"

# Inside a tenant.
assert_ping "$V1" 10.0.0.2
assert_ping "$V2" 10.0.0.1
assert_ping "$V4" 10.0.0.1   # blue's 10.0.0.1 is vm3
assert_ping "$V3" 10.0.0.3

# Across tenants: red vm1 -> 10.0.0.3 exists only in blue (vm4); and the
# reverse. Neither may get through.
assert_no_ping "$V1" 10.0.0.3  "$V2" 10.0.0.3  "$V4" 10.0.0.2

# The learned table holds MAC1 twice: red on vm1's port, blue on vm3's.
MACS=$(yard --json mac list)
assert_eq "MAC1 entry in red"  "$V1" "$(echo "$MACS" | jpath "[m['port'] for m in d['macs'] if m['mac'].lower()=='${MAC1,,}' and m['tenant']=='red']" | tr -d "[]' ")"
assert_eq "MAC1 entry in blue" "$V3" "$(echo "$MACS" | jpath "[m['port'] for m in d['macs'] if m['mac'].lower()=='${MAC1,,}' and m['tenant']=='blue']" | tr -d "[]' ")"
assert_eq "mac list --tenant blue shows no red port" "" \
  "$(yard --json mac list --tenant blue | jpath "','.join(m['port'] for m in d['macs'] if m['port'] in ('$V1','$V2'))")"

# Unicast to the duplicated MAC goes to the right tenant's port: blue vm4
# pings 10.0.0.1 (vm3, MAC1) again; vm3's port gets the requests.
tx3_before=$(stat_port "$V3" tx_packets)
must ip netns exec "$V4" ping -c 5 -i 0.2 -W 1 10.0.0.1 >/dev/null
tx3_after=$(stat_port "$V3" tx_packets)
assert_ge "packets sent to blue vm3 while blue pings MAC1" 5 $((tx3_after - tx3_before))

# On the wire: nothing of the other tenant reached any VM. (Let tcpdump
# catch up with the last pings before stopping it.)
echo_requests_at_vm3() {
  tcpdump -nn -r "$RUN/$V3.pcap" 2>/dev/null | grep -c '10\.0\.0\.3 > 10\.0\.0\.1: ICMP echo request'
}
wait_until 3 '[ "$(echo_requests_at_vm3)" -ge 6 ]'
for pid in "${CAPS[@]}"; do kill -INT "$pid" 2>/dev/null; done
for pid in "${CAPS[@]}"; do wait "$pid" 2>/dev/null; done
leaks() {  # leaks NS REGEX: frames delivered to NS matching REGEX
  tcpdump -e -nn -r "$RUN/$1.pcap" 2>/dev/null | grep -E "$2"
}
check_no_leak() {
  local what=$1 ns=$2 re=$3 out
  out=$(leaks "$ns" "$re")
  [ -z "$out" ] || fail "$what: frames delivered to $ns:
$out"
  log "ok: $what: none ($(tcpdump -nn -r "$RUN/$ns.pcap" 2>/dev/null | wc -l) frames delivered to $ns checked)"
}
m1=${MAC1,,} m2=${MAC2,,} m4=${MAC4,,}
# Sent by blue: src MAC4, or sender IP 10.0.0.3; by red: src MAC2, or
# sender 10.0.0.2. vm1 (red) never gets src MAC1 (its own; vm3 uses it),
# vm3 (blue) never gets src MAC1 either.
FROM3='tell 10\.0\.0\.3|10\.0\.0\.3 > |Reply 10\.0\.0\.3 '
FROM2='tell 10\.0\.0\.2|10\.0\.0\.2 > |Reply 10\.0\.0\.2 '
check_no_leak "blue frames to red vm1" "$V1" "^[0-9:.]+ ($m1|$m4) > |$FROM3"
check_no_leak "blue frames to red vm2" "$V2" "^[0-9:.]+ $m4 > |$FROM3"
check_no_leak "red frames to blue vm3" "$V3" "^[0-9:.]+ ($m1|$m2) > |$FROM2"
check_no_leak "red frames to blue vm4" "$V4" "^[0-9:.]+ $m2 > |$FROM2"
assert_ge "echo requests from vm4 (1 + 5 pings) captured at vm3" 6 "$(echo_requests_at_vm3)"

# Counters.
STATS=$(yard --json stats)
for t in red blue; do
  assert_ge "tenant $t unicast" 1 "$(echo "$STATS" | jpath "n(tenant('$t').get('unicast'))")"
  assert_ge "tenant $t learned" 2 "$(echo "$STATS" | jpath "n(tenant('$t').get('learned'))")"
  assert_ge "tenant $t macs" 2 "$(echo "$STATS" | jpath "n(tenant('$t').get('macs'))")"
done
# A MAC that exists in both tenants is two entries, not one that moved.
assert_eq "tenant red moved"  0 "$(echo "$STATS" | jpath "n(tenant('red').get('moved'))")"
assert_eq "tenant blue moved" 0 "$(echo "$STATS" | jpath "n(tenant('blue').get('moved'))")"
assert_workers_forwarded
