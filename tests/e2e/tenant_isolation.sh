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

# Unicast to the duplicated MAC goes to the right tenant's port: while blue
# vm4 pings 10.0.0.1 (vm3, MAC1), nothing at all is sent to vm1's port.
tx1_before=$(stat_port "$V1" tx_packets)
tx3_before=$(stat_port "$V3" tx_packets)
must ip netns exec "$V4" ping -c 5 -i 0.2 -W 1 10.0.0.1 >/dev/null
tx1_after=$(stat_port "$V1" tx_packets)
tx3_after=$(stat_port "$V3" tx_packets)
assert_eq "packets sent to red vm1 while blue pings MAC1" 0 $((tx1_after - tx1_before))
assert_ge "packets sent to blue vm3 while blue pings MAC1" 5 $((tx3_after - tx3_before))

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
