#!/usr/bin/env bash
# VXLAN against the Linux kernel's own VTEP. Namespace H is the Switchyard
# host: the dataplane and controld run in it, with an af_packet uplink
# holding the local VTEP 192.0.2.1 and two tenants, red (VNI 5001) and blue
# (VNI 5002), each with a "VM" (a tap port into a namespace). Namespace K is
# a host with the kernel's vxlan devices, one bridge per VNI and a VM
# namespace behind each. Both tenants' VMs have the same addresses and the
# same MACs on both sides.
#
# Proves: ping and iperf3 TCP both ways in each tenant; the tenants stay
# apart (a witness address only red's remote VM has); on the wire (tshark
# on K's underlay) UDP 4789, each tenant's VNI, valid outer IPv4 checksums,
# several source ports for several flows; remote MACs listed behind their
# VTEP; the tracer's encap line; each malformed VXLAN frame dropped and
# counted by reason; an unresolved VTEP shown and counted; a frame too big
# for the underlay dropped and counted; the remote VTEP's MAC changing on
# the underlay followed without restarting anything.
. "$(dirname "$0")/lib.sh"

H=${P}h K=${P}k VR=${P}vr VB=${P}vb KR=${P}kr KB=${P}kb
mk_netns "$H" "$K" "$VR" "$VB" "$KR" "$KB"
# A capability, probed: this kernel can make a vxlan device.
if ! ip -n "$K" link add probe type vxlan id 1 dstport 4789 local 127.0.0.1 2>/dev/null; then
  echo "SKIP: the kernel cannot create vxlan devices"
  exit 77
fi
ip -n "$K" link del probe
for t in iperf3 tcpdump tshark ethtool; do command -v $t >/dev/null || fail "$t not installed (tools/setup.sh)"; done

# The underlay: H's uplink <-> K's 192.0.2.2.
must ip link add ${P}up netns "$H" type veth peer name ${P}kv netns "$K"
must ip -n "$H" link set ${P}up up
must ip -n "$K" addr add 192.0.2.2/24 dev ${P}kv
must ip -n "$K" link set ${P}kv up
# A NIC completes the checksums of what it sends; a veth hands partial ones
# to its peer (and so to the uplink's af_packet socket). K's underlay
# interface then computes them, as a NIC would on the wire.
must ip netns exec "$K" ethtool -K ${P}kv tx off
VM_MAC_H=02:00:00:00:00:01 VM_MAC_K=02:00:00:00:00:02
# K: per VNI a vxlan device (flooding to 192.0.2.1), a bridge, a VM.
kernel_tenant() {  # VNI VM_NS
  local vni=$1 ns=$2
  must ip -n "$K" link add vx$vni type vxlan id "$vni" local 192.0.2.2 dstport 4789
  must ip -n "$K" link add br$vni type bridge
  must ip -n "$K" link set vx$vni master br$vni
  must bridge -n "$K" fdb append 00:00:00:00:00:00 dev vx$vni dst 192.0.2.1
  must ip link add k$vni netns "$K" type veth peer name eth0 netns "$ns"
  must ip -n "$K" link set k$vni master br$vni
  for dev in vx$vni br$vni k$vni; do must ip -n "$K" link set $dev up; done
  must ip -n "$ns" link set eth0 address $VM_MAC_K mtu 1450
  must ip -n "$ns" addr add 10.0.1.2/24 dev eth0
  must ip -n "$ns" link set eth0 up
}
kernel_tenant 5001 "$KR"
kernel_tenant 5002 "$KB"
must ip -n "$KR" addr add 10.0.1.3/24 dev eth0   # the witness: red's only

HOST_NS=$H
start_dataplane
start_controld
must yard tenant add red --vni 5001
must yard tenant add blue --vni 5002
must yard port add up0 --kind af_packet --iface ${P}up --uplink --vtep-ip 192.0.2.1/24
must yard port add vr --kind tap --tenant red --netns "$VR" --ip 10.0.1.1/24 --mtu 1450
must yard port add vb --kind tap --tenant blue --netns "$VB" --ip 10.0.1.1/24 --mtu 1450
must ip -n "$VR" link set vr address $VM_MAC_H
must ip -n "$VB" link set vb address $VM_MAC_H
must yard vtep add --tenant red --remote 192.0.2.2
must yard vtep add --tenant blue --remote 192.0.2.2
wait_in_sync
must_wait 10 "192.0.2.2 resolved" \
  "[ \"\$(yard --json vtep list | jpath '{v[\"next_hop\"].get(\"mac\",\"\") for v in d[\"vteps\"]} == {\"$(ip -n "$K" -br link show ${P}kv | awk '{print $3}')\"}')\" = True ]"
assert_contains "the VTEP interface holds the local VTEP" "192.0.2.1/24" \
  "$(ip -n "$H" -br addr show vtep-up0)"
yard vtep list

# --- both tenants, both directions --------------------------------------------
for pair in "$VR $KR" "$VB $KB"; do
  set -- $pair
  assert_ping "$1" 10.0.1.2
  assert_ping "$2" 10.0.1.1
done
assert_ping "$VR" 10.0.1.3
assert_no_ping "$VB" 10.0.1.3
# The VTEP address is the kernel's: it answers ping through the uplink.
assert_ping "$K" 192.0.2.1

iperf() {  # CLIENT_NS SERVER_NS SECONDS STREAMS [-R]: TCP; bytes received
  ip netns exec "$2" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
  local srv=$!
  sleep 0.3
  local out
  out=$(ip netns exec "$1" iperf3 -c 10.0.1.2 -p 5201 -t "$3" -P "$4" -J ${5:-} 2>&1) ||
    { wait $srv; fail "iperf3 $1 -> $2 ${5:-}: $out"; }
  wait $srv
  echo "$out" | jpath "int(d['end']['sum_received']['bytes'])"
}
for pair in "$VR $KR" "$VB $KB"; do
  set -- $pair
  assert_ge "iperf3 TCP $1 -> $2 bytes" 1000000 "$(iperf "$1" "$2" 2 4)"
  assert_ge "iperf3 TCP $2 -> $1 bytes" 1000000 "$(iperf "$1" "$2" 2 4 -R)"
done

# --- the wire -----------------------------------------------------------------
# Outer and inner headers of a short stretch: 8 TCP flows in red, pings in blue.
ip netns exec "$K" tcpdump -ni ${P}kv -s 128 -w "$RUN/wire.pcap" -U udp port 4789 \
  >"$RUN/tcpdump.log" 2>&1 &
TCPDUMP=$!
_PIDS+=("$TCPDUMP")
must_wait 5 "tcpdump listening" "grep -q listening '$RUN/tcpdump.log'"
iperf "$VR" "$KR" 1 8 >/dev/null
ip netns exec "$VB" ping -c 3 -i 0.2 10.0.1.2 >/dev/null
sleep 0.3
kill $TCPDUMP; wait $TCPDUMP 2>/dev/null
tshark -r "$RUN/wire.pcap" -o ip.check_checksum:TRUE -d udp.port==4789,vxlan -T fields -E occurrence=f \
  -e ip.src -e udp.srcport -e udp.dstport -e vxlan.vni -e ip.checksum.status -e ip.flags.df \
  >"$RUN/wire.txt" 2>/dev/null
ours=$(awk '$1 == "192.0.2.1"' "$RUN/wire.txt")
assert_ge "VXLAN packets Switchyard sent" 1000 "$(echo "$ours" | wc -l)"
assert_eq "their UDP destination ports" "4789" "$(echo "$ours" | awk '{print $3}' | sort -u)"
assert_eq "their VNIs" "5001 5002" "$(echo "$ours" | awk '{print $4}' | sort -u | xargs)"
assert_eq "their outer IPv4 checksums (1 = good)" "1" "$(echo "$ours" | awk '{print $5}' | sort -u)"
assert_eq "their DF bits" "1" "$(echo "$ours" | awk '{print $6}' | sort -u | sed 's/True/1/')"
assert_ge "distinct UDP source ports over 8 flows" 4 "$(echo "$ours" | awk '$4 == 5001 {print $2}' | sort -u | wc -l)"
assert_eq "source ports outside 49152..65535" "0" "$(echo "$ours" | awk '$2 < 49152' | wc -l)"

# --- what Switchyard knows ----------------------------------------------------
macs=$(yard --json mac list)
assert_eq "red's remote VM is listed behind its VTEP" "192.0.2.2" \
  "$(echo "$macs" | jpath "[m.get('remote_vtep') for m in d['macs'] if m['tenant'] == 'red' and m['mac'] == '$VM_MAC_K'][0]")"
assert_eq "and blue's, separately" "192.0.2.2" \
  "$(echo "$macs" | jpath "[m.get('remote_vtep') for m in d['macs'] if m['tenant'] == 'blue' and m['mac'] == '$VM_MAC_K'][0]")"
assert_contains "trace: the encap" "encapsulated to VTEP 192.0.2.2 via 192.0.2.2" \
  "$(yard trace --port vr --packet "eth(src=$VM_MAC_H,dst=$VM_MAC_K)/ipv4(src=10.0.1.1,dst=10.0.1.2)/udp")"
stats=$(yard --json stats)
assert_ge "red vxlan_encap" 1000 "$(echo "$stats" | jpath "n(tenant('red').get('vxlan_encap'))")"
assert_ge "blue vxlan_decap" 1000 "$(echo "$stats" | jpath "n(tenant('blue').get('vxlan_decap'))")"
assert_ge "VTEP 192.0.2.2 encap packets" 2000 \
  "$(echo "$stats" | jpath "n(next(v for v in d['vteps'] if v['remote'] == '192.0.2.2').get('encap_packets'))")"

# --- malformed VXLAN, each reason ---------------------------------------------
UP_MAC=$(ip -n "$H" -br link show ${P}up | awk '{print $3}')
ip netns exec "$K" "$PY" - ${P}kv "$UP_MAC" <<'EOF' || fail "could not send the malformed frames"
import socket, struct, sys
iface, dst = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
src = bytes.fromhex('02ee00000002')
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def inner(tagged=False):
    eth = bytes.fromhex('0200000000010200000000ee')
    if tagged: eth += bytes.fromhex('81000007')
    return eth + b'\x08\x00' + bytes(46)
def frame(vni=5001, flags=0x08, sip='192.0.2.2', dip='192.0.2.1', opts=b'', frag=0x4000,
          bad_csum=False, inner_frame=None, cut=0):
    payload = struct.pack('!BBHI', flags, 0, 0, vni << 8) + (inner_frame or inner())
    udp = struct.pack('!HHHH', 50000, 4789, 8 + len(payload), 0) + payload
    ihl = 5 + len(opts) // 4
    hdr = struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, ihl * 4 + len(udp), 0, frag, 64, 17, 0,
                      socket.inet_aton(sip), socket.inet_aton(dip)) + opts
    c = csum(hdr) ^ (0x0101 if bad_csum else 0)
    hdr = hdr[:10] + struct.pack('!H', c) + hdr[12:]
    f = dst + src + b'\x08\x00' + hdr + udp
    return f[:len(f) - cut] if cut else f
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
# No fragment: the af_packet PMD's fanout asks the kernel to reassemble
# IPv4 fragments before the switch sees them (the unit tests cover it).
cases = [frame(flags=0), frame(vni=7777), frame(opts=b'\x01\x01\x01\x00'),
         frame(bad_csum=True), frame(cut=30), frame(dip='192.0.2.77'), frame(sip='192.0.2.3'),
         frame(inner_frame=inner(tagged=True))]
for f in cases:
    for _ in range(3): s.send(f)
EOF
for reason in vxlan_bad_flags vxlan_unknown_vni vxlan_ip_options vxlan_bad_checksum \
              vxlan_truncated vxlan_wrong_dst vxlan_unknown_source vxlan_inner_tagged; do
  must_wait 5 "$reason counted" "[ \$(stat_drop $reason) -ge 3 ]"
  log "ok: $reason: $(stat_drop $reason)"
done
assert_ping "$VR" 10.0.1.2   # and nothing else broke

# --- an unresolved VTEP, and a frame too big for the underlay -----------------
must yard vtep add --tenant red --remote 192.0.2.99
must_wait 10 "192.0.2.99 shown unresolved" \
  "yard vtep list --tenant red | grep 192.0.2.99 | grep -q 'unresolved:'"
yard vtep list --tenant red
ip netns exec "$VR" ping -c 2 -W 1 -b 10.0.1.255 >/dev/null 2>&1  # a broadcast floods to .99 too
must_wait 5 "flood copies to 192.0.2.99 counted unresolved" \
  "[ \$(yard --json stats | jpath \"n(next(v for v in d['vteps'] if v['remote'] == '192.0.2.99').get('unresolved'))\") -ge 1 ]"
must yard vtep del --tenant red --remote 192.0.2.99
must ip -n "$VR" link set vr mtu 1500
ip netns exec "$VR" ping -c 2 -W 1 -M do -s 1472 10.0.1.2 >/dev/null 2>&1
must_wait 5 "vxlan_too_big counted" "[ \$(stat_drop vxlan_too_big) -ge 1 ]"
must ip -n "$VR" link set vr mtu 1450
assert_ping "$VR" 10.0.1.2

# --- the remote VTEP's MAC changes on the underlay ------------------------------
NEW_MAC=02:aa:bb:cc:dd:ee
must ip netns exec "$K" sysctl -qw net.ipv4.conf.${P}kv.arp_notify=1
must ip -n "$K" link set ${P}kv address $NEW_MAC   # announced by a gratuitous ARP
must_wait 15 "the new next-hop MAC in vtep list" \
  "yard vtep list --tenant red | grep -q '$NEW_MAC'"
assert_ping "$VR" 10.0.1.2
assert_ping "$KB" 10.0.1.1
log "neighbour change followed: $(yard vtep list | grep -c "$NEW_MAC") VTEPs via $NEW_MAC"
