#!/usr/bin/env bash
# Every port kind is added and removed at runtime (vdev hotplug) while the
# dataplane runs: af_packet on a veth, pcap (frames in from a file, out to a
# file, checked byte by byte: the flooded copy leaves a trunk tagged 100),
# ring, null, vhost-user server (socket appears and goes) and client, and a
# PCI address that does not exist (clear error, nothing changed).
source "$(dirname "$0")/lib.sh"

start_dataplane
start_controld
must yard tenant add red
wait_in_sync

# --- pcap: crafted frames in, flooded out through a trunk, tag on the wire ----
"$PY" - "$RUN" <<'PY'
import struct, sys
run = sys.argv[1]
def pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
src = bytes.fromhex("020000000a01")
frames = [b"\xff" * 6 + src + b"\x08\x00" + bytes([i]) * 46 for i in range(10)]
pcap(run + "/in.pcap", frames)
pcap(run + "/empty.pcap", [])
PY
must yard port add "${P}pcout" --kind pcap --devargs "rx_pcap=$RUN/empty.pcap,tx_pcap=$RUN/out.pcap" \
  --trunk 100=red
must yard port add "${P}pcin" --kind pcap --devargs "rx_pcap=$RUN/in.pcap,tx_pcap=$RUN/in-tx.pcap" \
  --tenant red
must_wait 10 "10 frames flooded out of the trunk pcap port" \
  "[ \"\$(stat_port ${P}pcout tx_packets)\" -ge 10 ]"
assert_eq "pcin rx_packets" 10 "$(stat_port "${P}pcin" rx_packets)"
must_wait 5 "source MAC learned on the pcap port" \
  "yard mac list --tenant red | grep -q '02:00:00:00:0a:01 *${P}pcin'"
# Removing the port closes (flushes) its tx_pcap file.
must yard port del "${P}pcout"
must yard port del "${P}pcin"
seen=$("$PY" - "$RUN/out.pcap" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, out = 24, []
while off + 16 <= len(data):
    incl = struct.unpack("<IIII", data[off:off + 16])[2]
    fr = data[off + 16: off + 16 + incl]
    off += 16 + incl
    tpid, tci = struct.unpack("!HH", fr[12:16])
    ok = (fr[:6] == b"\xff" * 6 and fr[6:12] == bytes.fromhex("020000000a01")
          and tpid == 0x8100 and tci & 0xfff == 100 and fr[16:18] == b"\x08\x00"
          and len(fr) == 64 and fr[18] == len(out))
    out.append("ok" if ok else "bad:" + fr[:20].hex())
print(" ".join(out))
PY
)
assert_eq "frames on the trunk's wire (tag 100, payload intact, in order)" \
  "ok ok ok ok ok ok ok ok ok ok" "$seen"

# --- af_packet on a veth -----------------------------------------------------
must ip link add "${P}ap0" type veth peer name "${P}ap1"
_cleanup_veth() { ip link del "${P}ap0" 2>/dev/null; }
trap '_cleanup_veth; cleanup' EXIT
must ip link set "${P}ap0" up
must ip link set "${P}ap1" up
must yard port add "${P}ap" --kind af_packet --iface "${P}ap0" --tenant red
assert_contains "af_packet port in the list" "${P}ap" "$(yard port list)"
assert_eq "af_packet driver" "net_af_packet" \
  "$(yard --json port show "${P}ap" | jpath 'd["status"]["driver"]')"
out=$(yard port add "${P}ap2" --kind af_packet --iface "${P}nosuch" --tenant red 2>&1)
assert_ne "af_packet on a missing interface exits non-zero" 0 "$?"
assert_contains "error names the field" "port.iface" "$out"
must yard port del "${P}ap"

# --- ring, null ----------------------------------------------------------------
must yard port add "${P}ring" --kind ring --tenant red
must yard port add "${P}null" --kind null --devargs no-rx=1 --tenant red
assert_eq "ring driver" "net_ring" "$(yard --json port show "${P}ring" | jpath 'd["status"]["driver"]')"
assert_eq "null driver" "net_null" "$(yard --json port show "${P}null" | jpath 'd["status"]["driver"]')"
must yard port del "${P}ring"
must yard port del "${P}null"

# --- vhost-user server and client ----------------------------------------------
must yard port add "${P}vhs" --kind vhost-server --socket "$RUN/vhs.sock" --tenant red
must_wait 5 "vhost server socket created" "[ -S '$RUN/vhs.sock' ]"
must yard port add "${P}vhc" --kind vhost-client --socket "$RUN/vhc.sock" --tenant red
assert_eq "vhost client is up without a server yet (link down)" "LINK_STATE_DOWN" \
  "$(yard --json port show "${P}vhc" | jpath 'd["status"].get("link", "LINK_STATE_UNKNOWN")')"
must yard port del "${P}vhs"
must_wait 5 "vhost server socket removed" "[ ! -e '$RUN/vhs.sock' ]"
must yard port del "${P}vhc"

# --- PCI that does not exist: refused, nothing changed ------------------------
before=$(yard --json port list)
out=$(yard port add "${P}nic" --kind pci --devargs 0000:ff:1f.7 --tenant red 2>&1)
rc=$?
assert_ne "pci port on a missing device exits non-zero" 0 "$rc"
assert_contains "error says the dataplane could not add it" "could not add port" "$out"
assert_eq "port list unchanged" "$before" "$(yard --json port list)"

# --- and the dataplane is still healthy ---------------------------------------
assert_eq "ports left" "0" "$(yard --json port list | jpath 'len(d.get("ports", []))')"
wait_in_sync
kill -0 "$DP_PID" || fail "dataplane died"
log "PASS"
