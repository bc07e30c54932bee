#!/usr/bin/env bash
# 32 ports on 2 workers (31 taps and a pcap port: DPDK's build allows 32
# ethdevs), flooded at full speed. A tap fills a
# 1,024-descriptor RX ring per worker when it is set up: with one shared
# pool of 32,767 buffers the 16th tap found none left. Each port now
# receives into a pool of its own, sized from its queues: all come up,
# a broadcast storm from a pcap port crosses all of them, and afterwards the
# buffers in use are back where they were (nothing leaked, nothing starved)
# and unicast still flows.
source "$(dirname "$0")/lib.sh"

E2E_LCORES='0@0,1@1,2@1'   # two workers sharing CPU 1
E2E_WORKERS=2
N=31
start_dataplane --memory 1024
start_controld
wait_in_sync
must yard tenant add red
NS=()
for i in $(seq 1 $N); do NS+=("${P}n$i"); done
mk_netns "${NS[@]}"
for i in $(seq 1 $N); do
  must yard port add "${P}t$i" --kind tap --tenant red --netns "${P}n$i" --ip "10.0.$((i / 200)).$((i % 200 + 1))/16" >/dev/null
done
wait_in_sync 30
errors=$(yard --json port list | jpath "sum(1 for p in d['ports'] if p.get('error'))")
assert_eq "ports with an error" 0 "$errors"
up=$(yard --json status | jpath "n(d['dataplane'].get('ports_up'))")
assert_eq "ports up" $N "$up"
assert_ping "${P}n1" 10.0.0.2
status_json() { yard --json status; }
in_use() { status_json | jpath "n(d['dataplane'].get('mbufs_in_use'))"; }
pools=$(status_json | jpath "n(d['dataplane'].get('mbuf_pools'))")
assert_eq "buffer pools (shared + one per port)" $((N + 1)) "$pools"
before=$(in_use)
log "buffers in use with $N taps idle: $before"

# The storm: 60,000 broadcast frames read as fast as the worker takes
# them, each flooded to all 31 taps.
STORM=60000
"$PY" - "$RUN/bcast.pcap" $STORM <<'PY'
import struct, sys
fr = b"\xff" * 6 + bytes.fromhex("02000000ee01") + b"\x08\x00" + bytes(46)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write((struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr) * int(sys.argv[2]))
PY
t0=$(date +%s.%N)
must yard port add "${P}storm" --kind pcap --tenant red --devargs "rx_pcap=$RUN/bcast.pcap"
must_wait 60 "the storm read" "[ \"\$(stat_port ${P}storm rx_packets)\" -ge $STORM ]"
log "storm of $STORM frames read in $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}') s"
flooded=$(stat_tenant red flooded)
assert_ge "frames flooded" $STORM "$flooded"
must yard port del "${P}storm"
stats=$(yard --json stats)
tx=$(echo "$stats" | jpath "sum(n(p.get('tx_packets')) for p in d['ports'])")
log "storm: $flooded frames flooded, $tx frames sent to the taps"
assert_eq "flood copies that failed (no buffer)" 0 "$(echo "$stats" | jpath "drop('flood_copy_failed')")"
# Every tap got the storm: what a tap's queue did not take is tx_dropped,
# counted apart (the kernel side's backlog, not the switch's buffers).
assert_eq "taps counted" $N "$(echo "$stats" | jpath "sum(1 for p in d['ports'] if p['port'].startswith('${P}t'))")"
assert_eq "taps that received fewer than the storm's frames less what their queue refused" 0 \
  "$(echo "$stats" | jpath "sum(1 for p in d['ports'] if p['port'].startswith('${P}t') and n(p.get('tx_packets')) + n(p.get('tx_dropped')) < $STORM)")"
log "per tap: min $(echo "$stats" | jpath "min(n(p.get('tx_packets')) for p in d['ports'] if p['port'].startswith('${P}t'))") sent, max $(echo "$stats" | jpath "max(n(p.get('tx_dropped')) for p in d['ports'] if p['port'].startswith('${P}t'))") refused by a tap's queue"

# Buffers come back: what is in use settles where it was (the RX rings).
must_wait 10 "buffers in use back to $before (+ caches)" \
  "[ \"\$(in_use)\" -le $((before + 2 * 96 * (N + 2))) ]"
log "buffers in use after the storm: $(in_use)"
assert_ping "${P}n5" 10.0.0.6
assert_workers_forwarded
