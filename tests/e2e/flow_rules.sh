#!/usr/bin/env bash
# Flow rules through the real daemons (docs/flow-rules.md):
#   a drop rule stops a ping and counts it, the tracer names it;
#   a redirect moves UDP to another port; a mirror copies ICMP to a pcap
#   port while the pings still pass; a meter polices what a rule matches;
#   a tenant's default deny, opened again by rules; a global rule's redirect
#   and mirror toward a port without the frame's tenant drop / make no copy
#   and are counted, and a tenant's rule cannot name such a port;
#   `rule apply` replaces 10,000 rules under traffic: every packet is
#   classified by the old set or by the new one, with one switch point.
source "$(dirname "$0")/lib.sh"

V1=${P}r1 V2=${P}r2 V3=${P}r3 V6=${P}r6 B1=${P}b1 B2=${P}b2
mk_netns "$V1" "$V2" "$V3" "$V6" "$B1" "$B2"
for ns in "$V1" "$V2" "$V3" "$V6" "$B1" "$B2"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
start_dataplane
start_controld
must yard tenant add red
must yard tenant add blue
must yard port add "$V1" --kind tap --tenant red --netns "$V1" --ip 10.0.0.1/24
must yard port add "$V2" --kind tap --tenant red --netns "$V2" --ip 10.0.0.2/24
must yard port add "$V3" --kind tap --tenant red --netns "$V3" --ip 10.0.0.3/24
must yard port add "$V6" --kind tap --tenant red --netns "$V6" --ip 10.0.0.6/24
must yard port add "$B1" --kind tap --tenant blue --netns "$B1" --ip 10.1.0.1/24
must yard port add "$B2" --kind tap --tenant blue --netns "$B2" --ip 10.1.0.2/24
# The mirror port: a pcap port of red that writes what it is sent.
"$PY" -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' "$RUN/empty.pcap"
must yard port add "${P}mir" --kind pcap --tenant red --devargs "rx_pcap=$RUN/empty.pcap,tx_pcap=$RUN/mirror.pcap"
wait_in_sync
assert_ping "$V1" 10.0.0.2
assert_ping "$V1" 10.0.0.3
assert_ping "$B1" 10.1.0.2
MAC1=$(ip -n "$V1" -br link show dev "$V1" | awk '{print $3}')
MAC2=$(ip -n "$V2" -br link show dev "$V2" | awk '{print $3}')

# sniff NS IFACE SECONDS OUT: in the background (its pid in SNIFF), record (udp dst port, payload seq) of every UDP
# frame seen on IFACE (whoever it was for) into OUT, in arrival order.
sniff() {
  ip netns exec "$1" "$PY" - "$2" "$3" "$4" >/dev/null <<'PY' &
import socket, struct, sys, time
iface, secs, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.bind((iface, 0))
s.settimeout(0.2)
end = time.time() + secs
rows = []
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if len(f) < 42 or f[12:14] != b"\x08\x00" or f[23] != 17:
        continue
    ihl = (f[14] & 15) * 4
    dport = struct.unpack("!H", f[14 + ihl + 2:14 + ihl + 4])[0]
    payload = f[14 + ihl + 8:]
    seq = struct.unpack("!I", payload[:4])[0] if len(payload) >= 4 else -1
    rows.append(f"{dport} {seq}")
open(out, "w").write("\n".join(rows) + ("\n" if rows else ""))
PY
  SNIFF=$!
  _PIDS+=("$SNIFF")
}
# send_udp NS DST PORTS PPS SECONDS: UDP to DST, destination ports cycling
# through 1..PORTS, a sequence number in each payload; prints how many.
send_udp() {
  ip netns exec "$1" "$PY" - "$2" "$3" "$4" "$5" <<'PY'
import socket, struct, sys, time
dst, ports, pps, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n, start = 0, time.time()
while True:
    now = time.time() - start
    if now >= secs:
        break
    while n < now * pps:
        try:
            s.sendto(struct.pack("!I", n) + b"x" * 18, (dst, 1 + n % ports))
        except OSError:
            pass
        n += 1
    time.sleep(0.0005)
print(n)
PY
}

# --- a drop rule ----------------------------------------------------------
must yard rule add no-icmp --tenant red --priority 100 --match "ip_proto=icmp,dst_ip=10.0.0.2" --action drop
wait_in_sync
drops=$(stat_drop rule_drop)
assert_no_ping "$V1" 10.0.0.2
assert_ping "$V1" 10.0.0.3
assert_ge "rule_drop counted the pings" "$((drops + 2))" "$(stat_drop rule_drop)"
hits=$(yard --json rule show no-icmp | jpath "n(d.get('counters', {}).get('packets'))")
assert_ge "the rule counted its packets" 2 "$hits"
OUT=$(yard rule list --tenant red)
log "rule list:"; echo "$OUT"
assert_contains "rule list shows the rule" "no-icmp" "$OUT"
OUT=$(yard trace --port "$V1" --packet "eth(src=$MAC1,dst=$MAC2)/ipv4(src=10.0.0.1,dst=10.0.0.2)/icmp")
assert_contains "the tracer names the rule" "tenant rule no-icmp (priority 100): drop" "$OUT"
assert_contains "and the drop" "drop: rule_drop" "$OUT"
OUT=$(yard trace --port "$V1" --packet "eth(src=$MAC1,dst=$MAC2)/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(dport=53)")
assert_contains "the tracer names the default policy" "no rule matched: default policy allow" "$OUT"
yard rule add again --tenant red --priority 100 --match "ip_proto=icmp" --action allow 2>"$RUN/err"
assert_eq "an overlapping rule at the same priority is refused" 1 "$?"
assert_contains "naming both rules" "rules 'again' and 'no-icmp'" "$(cat "$RUN/err")"
yard rule add bad --tenant red --priority 1 --match "dst_ip=10.0.0.300" --action drop 2>"$RUN/err"
assert_ne "a bad match is refused" 0 "$?"
assert_contains "naming the field" "dst_ip" "$(cat "$RUN/err")"
yard rule add cross --tenant red --priority 5 --action "redirect:$B1" 2>"$RUN/err"
assert_eq "a tenant's rule cannot redirect out of the tenant" 1 "$?"
assert_contains "saying why" "does not carry tenant 'red'" "$(cat "$RUN/err")"
must yard rule del no-icmp
wait_in_sync
assert_ping "$V1" 10.0.0.2

# --- redirect ---------------------------------------------------------------
must yard rule add to-r3 --tenant red --priority 50 --match "ip_proto=udp,dst_port=5000" --action "redirect:$V3"
wait_in_sync
sniff "$V2" "$V2" 3 "$RUN/r2.txt"; S2=$SNIFF
sniff "$V3" "$V3" 3 "$RUN/r3.txt"; S3=$SNIFF
sleep 0.5
ip netns exec "$V1" "$PY" -c '
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(50):
    s.sendto(struct.pack("!I", i), ("10.0.0.2", 5000))
    s.sendto(struct.pack("!I", i), ("10.0.0.2", 5001))
'
wait "$S2" "$S3"
assert_eq "$V3 got every redirected datagram" 50 "$(grep -c '^5000 ' "$RUN/r3.txt")"
assert_eq "$V2 got none of them" 0 "$(grep -c '^5000 ' "$RUN/r2.txt")"
assert_eq "$V2 still got the other port's" 50 "$(grep -c '^5001 ' "$RUN/r2.txt")"
assert_eq "the redirect counted them" 50 "$(yard --json rule show to-r3 | jpath "n(d.get('counters', {}).get('packets'))")"
must yard rule del to-r3

# --- mirror -----------------------------------------------------------------
must yard rule add mirror-icmp --tenant red --priority 10 --match "ip_proto=icmp" --action "allow,mirror:${P}mir"
wait_in_sync
ip netns exec "$V1" ping -c 5 -i 0.2 -W 1 10.0.0.2 >"$RUN/ping.txt" 2>&1
assert_contains "pings pass while mirrored" " 0% packet loss" "$(cat "$RUN/ping.txt")"
must yard rule del mirror-icmp  # the pcap port flushes its file as it goes
mirrored() {
  "$PY" - "$RUN/mirror.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, n = 24, 0
while off + 16 <= len(d):
    incl = struct.unpack("<I", d[off + 8:off + 12])[0]
    f = d[off + 16:off + 16 + incl]
    off += 16 + incl
    if len(f) > 23 and f[12:14] == b"\x08\x00" and f[23] == 1:
        n += 1
print(n)
PY
}
must_wait 5 "the mirror copies in the pcap file" "[ \"\$(mirrored)\" -ge 10 ]"
log "mirror.pcap holds $(mirrored) ICMP frames"

# --- a meter ----------------------------------------------------------------
must yard limit set --meter slow --pps 100 --burst-packets 10
must yard rule add police --tenant red --priority 20 --match "ip_proto=udp,dst_port=7000-7001" --action "allow,meter:slow"
wait_in_sync
metered=$(stat_drop limit_meter)
ip netns exec "$V1" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2000):
    s.sendto(b"m" * 32, ("10.0.0.2", 7000))
'
sleep 0.5
red=$(( $(stat_drop limit_meter) - metered ))
log "meter: $red of 2000 red"
assert_ge "the meter dropped most of a 2000-datagram burst" 1500 "$red"
yard limit clear --meter slow 2>"$RUN/err"
assert_eq "a meter in use cannot be cleared" 1 "$?"
assert_contains "naming its rule" "police" "$(cat "$RUN/err")"
must yard rule del police
must yard limit clear --meter slow

# --- default deny -------------------------------------------------------------
must yard tenant set blue --default-policy deny
wait_in_sync
denied=$(stat_drop rule_default_deny)
assert_no_ping "$B1" 10.1.0.2
assert_ge "default deny counted" "$((denied + 1))" "$(stat_drop rule_default_deny)"
assert_ping "$V1" 10.0.0.2  # red is not affected
must yard rule add blue-arp --tenant blue --priority 10 --match "ethertype=arp" --action allow
must yard rule add blue-icmp --tenant blue --priority 10 --match "ip_proto=icmp" --action allow
wait_in_sync
assert_ping "$B1" 10.1.0.2
must yard tenant set blue --default-policy allow

# --- global rules and ports without the tenant --------------------------------
must yard rule add g-redirect --global --priority 5 --match "ip_proto=udp,dst_port=6000" --action "redirect:$V3"
must yard rule add g-mirror --global --priority 4 --match "ip_proto=icmp" --action "allow,mirror:${P}mir"
wait_in_sync
tnm=$(stat_drop rule_target_not_member)
mnm=$(stat_drop rule_mirror_not_member)
sniff "$V3" "$V3" 2 "$RUN/g3.txt"; S3=$SNIFF
sleep 0.3
ip netns exec "$B1" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(20):
    s.sendto(b"g" * 8, ("10.1.0.2", 6000))
'
wait "$S3"
assert_eq "blue's frames never reach red's port" 0 "$(grep -c '^6000 ' "$RUN/g3.txt")"
assert_eq "dropped as rule_target_not_member" "$((tnm + 20))" "$(stat_drop rule_target_not_member)"
assert_ping "$B1" 10.1.0.2  # the global mirror rule matches, but blue has no copy
assert_ge "no mirror copy out of the tenant, counted" "$((mnm + 1))" "$(stat_drop rule_mirror_not_member)"
OUT=$(yard trace --port "$B1" --packet "eth(dst=ff:ff:ff:ff:ff:ff)/ipv4(src=10.1.0.1,dst=10.1.0.2)/icmp")
assert_contains "the global rule comes before the tenant's" "global rule g-mirror (priority 4)" "$OUT"
assert_contains "and says why there is no copy" "does not carry blue" "$OUT"
must yard rule del g-redirect
must yard rule del g-mirror
must yard rule del blue-arp
must yard rule del blue-icmp

# --- 10,000 rules replaced under traffic ---------------------------------------
# Set A sends UDP port i to r3, set B to r6; with no rule they would go to
# r2 by L2. Packets are sent in order through one worker: every one must be
# classified by A or by B, and all of A's before all of B's.
"$PY" - "$RUN" "$V3" "$V6" <<'PY'
import sys
run, a, b = sys.argv[1:4]
for name, port in (("a", a), ("b", b)):
    with open(f"{run}/{name}.yaml", "w") as f:
        f.write("rules:\n")
        for i in range(10000):
            f.write(f"  - name: {name}{i}\n    priority: 100\n"
                    f"    match: ip_proto=udp,dst_port={i + 1}\n    action: redirect:{port}\n")
PY
t0=$(date +%s.%N)
must yard rule apply -f "$RUN/a.yaml" --tenant red
log "10,000 rules applied in $(echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}') s"
wait_in_sync 30
assert_eq "10,000 rules listed" 10000 "$(yard --json rule list --tenant red | jpath "len(d.get('rules', []))")"
sniff "$V2" "$V2" 11 "$RUN/x2.txt"; S2=$SNIFF
sniff "$V3" "$V3" 11 "$RUN/x3.txt"; S3=$SNIFF
sniff "$V6" "$V6" 11 "$RUN/x6.txt"; S6=$SNIFF
sleep 0.5
send_udp "$V1" 10.0.0.2 10000 5000 9 >"$RUN/sent.txt" &
SEND=$!
sleep 3
t0=$(date +%s.%N)
OUT=$(yard rule apply -f "$RUN/b.yaml" --tenant red) || fail "rule apply: $OUT"
log "$OUT (in $(echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}') s)"
assert_contains "the set was replaced" "10000 added" "$OUT"
assert_contains "and the old one removed" "10000 removed" "$OUT"
wait "$SEND" "$S2" "$S3" "$S6"
"$PY" - "$RUN" "$(cat "$RUN/sent.txt")" <<'PY' || fail "the replacement was not atomic (see above)"
import sys
run, sent = sys.argv[1], int(sys.argv[2])
def seqs(name):
    return [int(l.split()[1]) for l in open(f"{run}/{name}.txt") if l.strip()]
x2, x3, x6 = seqs("x2"), seqs("x3"), seqs("x6")
print(f"sent {sent}: old set (r3) {len(x3)}, new set (r6) {len(x6)}, no rule (r2) {len(x2)}")
assert x3 and x6, "both sets must have classified traffic"
assert not x2, f"{len(x2)} packets were classified by neither set"
assert max(x3) < min(x6), f"old and new interleave: old up to {max(x3)}, new from {min(x6)}"
assert len(x3) + len(x6) >= 0.98 * sent, "more than 2 % of the packets were lost"
print(f"switch point between packets {max(x3)} and {min(x6)}")
PY
echo "rules: []" >"$RUN/none.yaml"
must yard rule apply -f "$RUN/none.yaml" --tenant red
assert_eq "an empty set removes every rule" 0 "$(yard --json rule list --tenant red | jpath "len(d.get('rules', []))")"
assert_ping "$V1" 10.0.0.2
log "PASS"
