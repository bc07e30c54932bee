#!/usr/bin/env bash
# The packet tracer and update in place, through the real daemons.
#   trace: a frame injected on a tap port is explained stage by stage
#     (unicast, flood, a drop) without being sent, learned or counted; with
#     --commit it is learned; --capture traces real pings; --json parses.
#   port set / tenant set: a tap port moves from one tenant to another in
#     place (same ifindex, namespace and address; pings follow the move),
#     and a tenant's MAC limit changes without touching its ports.
source "$(dirname "$0")/lib.sh"

V1=${P}vm1 V2=${P}vm2 V3=${P}vm3
mk_netns "$V1" "$V2" "$V3"
for ns in "$V1" "$V2" "$V3"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
start_dataplane --mac-aging 300
start_controld
must yard tenant add red
must yard tenant add blue
must yard port add "$V1" --kind tap --tenant red  --netns "$V1" --ip 10.0.0.1/24
must yard port add "$V2" --kind tap --tenant red  --netns "$V2" --ip 10.0.0.2/24
must yard port add "$V3" --kind tap --tenant blue --netns "$V3" --ip 10.0.0.3/24
wait_in_sync
assert_ping "$V1" 10.0.0.2
MAC1=$(ip -n "$V1" -br link show dev "$V1" | awk '{print $3}')
MAC2=$(ip -n "$V2" -br link show dev "$V2" | awk '{print $3}')

# --- trace: injected, dry run ----------------------------------------------
tx2=$(stat_port "$V2" tx_packets)
macs=$(yard --json mac list | jpath "len(d.get('macs', []))")
OUT=$(yard trace --port "$V1" --packet "eth(src=$MAC1,dst=$MAC2)/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(sport=1000,dport=53)") ||
  fail "trace failed: $OUT"
log "trace of a unicast frame:"; echo "$OUT"
assert_contains "parse step" "ethertype 0x0800" "$OUT"
assert_contains "vlan step" "access port $V1, untagged -> tenant red" "$OUT"
assert_contains "l2 decision" "on $V2: unicast" "$OUT"
assert_contains "egress" "unicast to $V2 (untagged)" "$OUT"
assert_contains "tx" "$V2: 1 packet not sent (dry run)" "$OUT"
assert_eq "dry run sent nothing on $V2" "$tx2" "$(stat_port "$V2" tx_packets)"

OUT=$(yard trace --port "$V1" --packet "eth(src=02:00:00:00:aa:01,dst=ff:ff:ff:ff:ff:ff)/arp(sip=10.0.0.9,tip=10.0.0.2)")
assert_contains "broadcast floods within red" "flood to $V2 (untagged)" "$OUT"
assert_contains "would be learned" "would be learned on $V1 (dry run)" "$OUT"
assert_eq "dry runs learned nothing" "$macs" "$(yard --json mac list | jpath "len(d.get('macs', []))")"
OUT=$(yard trace --port "$V1" --packet "eth(src=$MAC1,dst=$MAC2)/vlan(7)/ipv4/icmp")
assert_contains "a tag on an untagged access port" "drop: vlan_not_allowed" "$OUT"
OUT=$(yard trace --port "$V1" --packet "eth(src=01:00:5e:00:00:01,dst=$MAC2)")
assert_contains "multicast source" "drop: src_mac_multicast" "$OUT"
yard --json trace --port "$V1" --packet "eth(dst=$MAC2)/ipv6/tcp(dport=22)" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
stages = [s["stage"] for s in d["bursts"][0]["packets"][0]["steps"]]
assert stages[:3] == ["parse", "vlan", "l2"], stages
' || fail "trace --json does not carry the stages"
yard trace --port "$V1" --packet "020000" >/dev/null 2>"$RUN/err"
assert_eq "a 3-byte frame is a usage error" 2 "$?"
yard trace --port nosuch --packet "eth" >/dev/null 2>"$RUN/err"
assert_eq "unknown port" 1 "$?"
assert_contains "unknown port message" "trace.port" "$(cat "$RUN/err")"

# --- trace: injected with --commit learns -----------------------------------
OUT=$(yard trace --port "$V1" --commit --packet "eth(src=02:00:00:00:aa:02,dst=$MAC2)/ipv4/udp")
assert_contains "committed trace learns" "source 02:00:00:00:aa:02 learned on $V1" "$OUT"
assert_contains "committed trace is sent" "$V2: 1 packet sent" "$OUT"
assert_eq "the MAC is in the table" "$V1" \
  "$(yard --json mac list | jpath "''.join(m['port'] for m in d['macs'] if m['mac']=='02:00:00:00:aa:02')")"

# --- trace: capture of real packets -----------------------------------------
yard --json trace --port "$V2" --capture 2 --wait 10 >"$RUN/capture.json" 2>"$RUN/capture.err" &
CAP_PID=$!
_PIDS+=("$CAP_PID")
sleep 0.5
ip netns exec "$V2" ping -c 4 -i 0.2 -W 1 10.0.0.1 >/dev/null
wait "$CAP_PID" || fail "trace --capture failed: $(cat "$RUN/capture.err")"
"$PY" - "$RUN/capture.json" "$V1" <<'PY' || fail "capture: $(cat "$RUN/capture.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["packets"] == 2, d
steps = [s["verdict"] for b in d["bursts"] for p in b["packets"] for s in p["steps"]]
assert any(v.startswith("unicast to " + sys.argv[2]) for v in steps), steps
tx = [s["verdict"] for b in d["bursts"] for s in b["tx"]]
assert any("sent" in v and "not sent" not in v for v in tx), tx
PY
log "ok: --capture traced 2 real packets, unicast to $V1 and sent"

# --- port set: a tap moves to another tenant in place -----------------------
assert_no_ping "$V1" 10.0.0.3
IFX=$(ip -n "$V3" -o link show dev "$V3" | cut -d: -f1)
DP_ID=$(yard --json port show "$V3" | jpath "d['status']['port_id']")
OUT=$(yard port set "$V3" --tenant red) || fail "port set failed: $OUT"
assert_contains "port set output" "port $V3 updated" "$OUT"
wait_in_sync
assert_eq "tenant of $V3" red "$(yard --json port show "$V3" | jpath "d['port']['tenant']")"
assert_eq "same kernel interface (ifindex)" "$IFX" "$(ip -n "$V3" -o link show dev "$V3" | cut -d: -f1)"
assert_eq "same dataplane port id" "$DP_ID" "$(yard --json port show "$V3" | jpath "d['status']['port_id']")"
assert_contains "address kept" "10.0.0.3/24" "$(ip -n "$V3" -br addr show dev "$V3")"
assert_ping "$V1" 10.0.0.3
assert_ping "$V3" 10.0.0.2
# And a tag toward it: untagged pings stop (the namespace has no VLAN).
must yard port set "$V3" --vlan 5
wait_in_sync
assert_eq "access_vlan" 5 "$(yard --json port show "$V3" | jpath "d['port']['access_vlan']")"
assert_no_ping "$V1" 10.0.0.3
must yard port set "$V3" --vlan 0
wait_in_sync
assert_ping "$V1" 10.0.0.3

# --- tenant set --------------------------------------------------------------
must yard tenant set red --mac-limit 100 --vlan 44
assert_eq "mac_limit" 100 "$(yard --json tenant show red | jpath "d['mac_limit']")"
assert_eq "vlan" 44 "$(yard --json tenant show red | jpath "d['vlan']")"
assert_eq "ports of red kept" "$DP_ID" "$(yard --json port show "$V3" | jpath "d['status']['port_id']")"
wait_in_sync
assert_ping "$V1" 10.0.0.2
log "PASS"
