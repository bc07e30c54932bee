#!/usr/bin/env bash
# `yardctl mac list` with a million learned MACs: the listing comes in
# pages (no reply grows with the table; one reply used to exceed gRPC's
# 4 MB limit past ~100k MACs) and every entry appears exactly once.
source "$(dirname "$0")/lib.sh"

N=1000000
start_dataplane
start_controld
wait_in_sync
must yard tenant add big --mac-limit 1048576
"$PY" - "$RUN/macs.pcap" "$N" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
hdr = struct.pack("<IIII", 0, 0, 60, 60)
tail = b"\x08\x00" + bytes(46)
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    bcast = b"\xff" * 6
    f.write(b"".join(hdr + bcast + (0x020000000000 + i).to_bytes(6, "big") + tail
                     for i in range(n)))
PY
t0=$(date +%s.%N)
must yard port add "${P}src" --kind pcap --tenant big --devargs "rx_pcap=$RUN/macs.pcap"
must_wait 60 "$N frames read" "[ \"\$(stat_port ${P}src rx_packets)\" -ge $N ]"
log "read and learned in $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}') s"
assert_eq "MACs learned" $N "$(stat_tenant big macs)"

t0=$(date +%s.%N)
yard mac list >"$RUN/list.txt" 2>"$RUN/list.err" || fail "mac list failed: $(cat "$RUN/list.err")"
log "mac list of $N entries in $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}') s"
assert_eq "lines (header + entries)" $((N + 1)) "$(wc -l <"$RUN/list.txt")"
assert_eq "distinct MACs listed" $N "$(awk 'NR > 1 {print $2}' "$RUN/list.txt" | sort -u | wc -l)"
assert_eq "first entry (sorted)" "02:00:00:00:00:00" "$(awk 'NR == 2 {print $2}' "$RUN/list.txt")"
# Filters work across pages too.
assert_eq "entries on the port" $N "$(yard mac list --port "${P}src" | tail -n +2 | wc -l)"
assert_eq "entries in no such tenant's filter" 1 "$(yard mac list --tenant nosuch | wc -l)"
