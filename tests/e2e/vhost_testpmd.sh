#!/usr/bin/env bash
# vhost-user: two vhost-server ports in one tenant, with dpdk-testpmd as the
# "VM" on the other side of both (virtio-user), forwarding in mac mode from
# one to the other: packets loop A -> switch -> B -> testpmd -> A ... The
# switch must learn both MACs and forward by unicast, thousands of packets.
# First the "VM" is killed mid-traffic and restarted three times: the switch
# must let go of each vhost device and forward through the next one. At
# the end, under traffic (testpmd flowgen: it sends all the time and
# drains what it receives), a port's VLAN changes with `port set`, which
# the guest must not notice.
# Only the peer (testpmd) needs hugepages; the dataplane runs --no-huge.
source "$(dirname "$0")/lib.sh"

TESTPMD=$(command -v dpdk-testpmd)
if [ -z "$TESTPMD" ]; then
  echo "SKIP: dpdk-testpmd is not installed (Debian package 'dpdk'; tools/setup.sh installs it)"
  exit 77
fi

testpmd_hugepages

MAC_A=02:00:00:00:00:0a
MAC_B=02:00:00:00:00:0b
VA=${P}vA VB=${P}vB

start_dataplane --mac-aging 60
start_controld
must yard tenant add red
must yard port add "$VA" --kind vhost-server --socket "$RUN/vhA.sock" --tenant red
must yard port add "$VB" --kind vhost-server --socket "$RUN/vhB.sock" --tenant red
wait_in_sync
must_wait 5 "vhost-user sockets created by the switch" "[ -S '$RUN/vhA.sock' ] && [ -S '$RUN/vhB.sock' ]"

# testpmd: both lcores on CPU 0 (the dataplane worker has CPU 1); DPDK 22.11
# refuses -l together with --lcores, so only --lcores. Without -i
# and with --stats-period it forwards until SIGINT, then prints its totals.
# start_testpmd LOG: starts it, sets PMD_PID.
start_testpmd() {
  "$TESTPMD" --lcores '0@0,1@0' --in-memory --single-file-segments --no-pci \
    --file-prefix "${P}pmd" \
    --vdev="net_virtio_user0,path=$RUN/vhA.sock,mac=$MAC_A" \
    --vdev="net_virtio_user1,path=$RUN/vhB.sock,mac=$MAC_B" \
    -- --forward-mode=mac --eth-peer=0,$MAC_B --eth-peer=1,$MAC_A \
    --auto-start --tx-first --stats-period 1 </dev/null >"$1" 2>&1 &
  PMD_PID=$!
  _PIDS+=("$PMD_PID")
  log "testpmd started (pid $PMD_PID, log $1)"
}

# The guest goes away abruptly while the switch forwards to it, and comes
# back, three times: each time the switch drops the device (its workers are
# past the old device before librte_vhost frees it) and takes the new one.
for i in 1 2 3; do
  before=$(stat_port "$VB" tx_packets)
  start_testpmd "$RUN/testpmd-$i.log"
  wait_until 20 "! kill -0 $PMD_PID || [ \$(stat_port $VB tx_packets) -ge $((before + 5000)) ]" ||
    fail "round $i: no traffic through the switch: $(yard stats)
testpmd log: $(tail -n 20 "$RUN/testpmd-$i.log")"
  kill -9 "$PMD_PID"
  wait "$PMD_PID" 2>/dev/null
  kill -0 "$DP_PID" 2>/dev/null || fail "the dataplane died when the guest went away (round $i)"
  log "round $i: forwarded, guest killed mid-traffic, dataplane alive"
done
must_wait 5 "the switch detached 2 ports x 3 rounds of vhost devices" \
  "[ \$(grep -c 'vhost device [0-9]* -> -1' '$DP_LOG') -ge 6 ]"

start_testpmd "$RUN/testpmd.log"

wait_until 20 "! kill -0 $PMD_PID || { [ \$(stat_port $VA rx_packets) -ge 5000 ] && [ \$(stat_port $VB rx_packets) -ge 5000 ]; }" ||
  fail "timed out waiting for thousands of packets through both vhost ports: $(yard stats)
testpmd log: $(tail -n 20 "$RUN/testpmd.log")"
kill -0 "$PMD_PID" 2>/dev/null || fail "testpmd exited early: $(tail -n 20 "$RUN/testpmd.log")"
S1=$(yard --json stats); t1=$(date +%s.%N)
sleep 2
S2=$(yard --json stats); t2=$(date +%s.%N)

kill -INT "$PMD_PID"
wait_until 10 "! kill -0 $PMD_PID" || fail "testpmd did not exit on SIGINT"
wait "$PMD_PID" 2>/dev/null

# Switch counters.
for p in "$VA" "$VB"; do
  for f in rx_packets tx_packets; do
    assert_ge "port $p $f" 5000 "$(echo "$S2" | jpath "n(port('$p').get('$f'))")"
  done
done
UNICAST=$(echo "$S2" | jpath "n(tenant('red').get('unicast'))")
FLOODED=$(echo "$S2" | jpath "n(tenant('red').get('flooded'))")
RXT=$(echo "$S2" | jpath "n(tenant('red').get('rx_packets'))")
log "tenant red: rx $RXT, unicast $UNICAST, flooded $FLOODED"
assert_ge "tenant red unicast" 10000 "$UNICAST"
# Flooding only until both MACs are learned: a few bursts at most.
# Once both MACs are learned nothing is flooded: none in the measured window.
assert_eq "tenant red flooded during the measured window" 0 \
  "$(( FLOODED - $(echo "$S1" | jpath "n(tenant('red').get('flooded'))") ))"
# Before that, only the first bursts. With two workers sharing one CPU the
# worker that would learn the other port's MAC may wait a scheduler slice
# (~10 ms, ~20k packets flooded meanwhile), so the bound is for one worker.
if [ "$E2E_WORKERS" -eq 1 ]; then
  assert_le "tenant red flooded" 1024 "$FLOODED"
fi
assert_eq "tenant red learned" 2 "$(echo "$S2" | jpath "n(tenant('red').get('learned'))")"
PPS=$(echo "$S1
$S2 $t1 $t2" | "$PY" -c '
import json, sys
txt = sys.stdin.read()
dec = json.JSONDecoder()
a, i = dec.raw_decode(txt)
b, j = dec.raw_decode(txt[i:].lstrip())
t1, t2 = map(float, txt[i:].lstrip()[j:].split())
rx = lambda d: sum(int(p["rx_packets"]) for p in d["ports"])
print(int((rx(b) - rx(a)) / (t2 - t1)))')
log "MEASURED: switch forwarding rate over 2 s: $PPS packets/s (sum of both vhost ports' RX)"
assert_ge "switch forwarding rate (pps)" 1000 "$PPS"

# The learned MACs: 0a on A, 0b on B.
MACS=$(yard --json mac list | jpath "' '.join(sorted(m['mac'].lower() + '@' + m['port'] for m in d['macs']))")
assert_eq "learned MACs" "$MAC_A@$VA $MAC_B@$VB" "$MACS"
yard mac list

# testpmd's own totals (printed when forwarding stops).
grep -A 4 'Forward statistics for port' "$RUN/testpmd.log" | grep -v '^--$' | head -n 10
RX0=$(sed -n '/Forward statistics for port 0/,/^ *TX-packets/ s/.*RX-packets: *\([0-9]*\).*/\1/p' "$RUN/testpmd.log" | tail -n 1)
RX1=$(sed -n '/Forward statistics for port 1/,/^ *TX-packets/ s/.*RX-packets: *\([0-9]*\).*/\1/p' "$RUN/testpmd.log" | tail -n 1)
assert_ge "testpmd port 0 RX-packets" 5000 "${RX0:-0}"
assert_ge "testpmd port 1 RX-packets" 5000 "${RX1:-0}"
assert_workers_forwarded

# --- port set under traffic ----------------------------------------------------
# testpmd generates toward the other port's MAC on both ports and discards
# what it receives. `port set` tags B's traffic (VLAN 30) and untags it
# again: the guest must not notice (no vhost device detached: its socket
# stays connected, so its link never goes down; the same DPDK port ids), and
# traffic to B must keep flowing through both changes.
"$TESTPMD" --lcores '0@0,1@0' --in-memory --single-file-segments --no-pci \
  --file-prefix "${P}gen" \
  --vdev="net_virtio_user0,path=$RUN/vhA.sock,mac=$MAC_A" \
  --vdev="net_virtio_user1,path=$RUN/vhB.sock,mac=$MAC_B" \
  -- --forward-mode=flowgen --eth-peer=0,$MAC_B --eth-peer=1,$MAC_A \
  --auto-start --stats-period 1 </dev/null >"$RUN/flowgen.log" 2>&1 &
PMD_PID=$!
_PIDS+=("$PMD_PID")
tx_b() { stat_port "$VB" tx_packets; }
before=$(tx_b)
wait_until 20 "[ \$(tx_b) -ge $((before + 5000)) ]" ||
  fail "flowgen: no traffic to B: $(yard stats)
$(tail -n 20 "$RUN/flowgen.log")"
DETACHED=$(grep -c 'vhost device [0-9]* -> -1' "$DP_LOG")
IDS=$(yard --json port list | jpath "' '.join(str(v['status']['port_id']) for v in d['ports'])")
GEN_LINES=$(wc -l <"$RUN/flowgen.log")
for vlan in 30 0; do
  must yard port set "$VB" --vlan "$vlan"
  wait_in_sync
  assert_eq "port $VB access_vlan" "$vlan" "$(yard --json port show "$VB" | jpath "d['port']['access_vlan']")"
  before=$(tx_b)
  wait_until 20 "[ \$(tx_b) -ge $((before + 5000)) ]" ||
    fail "no traffic to B after port set --vlan $vlan: $(yard stats)"
  log "ok: traffic to $VB flows with access VLAN $vlan"
done
kill -0 "$PMD_PID" 2>/dev/null || fail "testpmd exited: $(tail -n 20 "$RUN/flowgen.log")"
assert_eq "vhost devices detached by port set" "$DETACHED" "$(grep -c 'vhost device [0-9]* -> -1' "$DP_LOG")"
assert_eq "port ids after port set" "$IDS" \
  "$(yard --json port list | jpath "' '.join(str(v['status']['port_id']) for v in d['ports'])")"
assert_eq "testpmd saw no link or connection change" "" \
  "$(tail -n +$((GEN_LINES + 1)) "$RUN/flowgen.log" | grep -iE 'link state|link down|disconnect|reconnect' || true)"
kill -INT "$PMD_PID"
wait_until 10 "! kill -0 $PMD_PID" || fail "testpmd (flowgen) did not exit on SIGINT"
log "ok: port set changed a live vhost port's VLAN twice; the guest saw no link change"
