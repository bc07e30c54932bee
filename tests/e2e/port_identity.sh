#!/usr/bin/env bash
# A port add never touches a device it did not create, and one device is one
# port's. With tap port f1 forwarding between two namespaces, a pci port
# whose devargs name f1's vdev (net_tap_f1) once adopted f1's device, failed
# to configure it and closed it: f1 went dead. Now it is refused with a clear
# message, as are a second pci port on another's PCI address, a pci port
# naming a ring device, a tap on another's interface and a vhost port on
# another's socket; two ring ports whose names hash alike (32-bit FNV-1a,
# once their device names) both work; f1 forwards throughout.
source "$(dirname "$0")/lib.sh"

F1=${P}f1 F2=${P}f2
mk_netns "$F1" "$F2"

# controld first: a pci port stored while no dataplane is connected stays in
# the desired state although this host has no such NIC (the dataplane
# reports it as a port error), so a second port can ask for its address.
start_controld
must yard tenant add red
must yard tenant add blue --vlan 20
must yard port add "${P}nic" --kind pci --devargs 0000:ff:1f.7 --uplink
start_dataplane
wait_in_sync

must yard port add "$F1" --kind tap --tenant red --netns "$F1" --ip 10.0.0.1/24
must yard port add "$F2" --kind tap --tenant red --netns "$F2" --ip 10.0.0.2/24
wait_in_sync
assert_ping "$F1" 10.0.0.2
PID_F1=$(yard --json port show "$F1" | jpath 'd["status"].get("port_id", 0)')

# f1 still forwards, its device is the one it was, and the dataplane lives.
f1_alive() {
  kill -0 "$DP_PID" 2>/dev/null || fail "the dataplane died ($1)"
  assert_ping "$F1" 10.0.0.2
  assert_ping "$F2" 10.0.0.1
  local st
  st=$(yard --json port show "$F1")
  assert_eq "f1 ethdev after $1" "$PID_F1" "$(echo "$st" | jpath 'd["status"].get("port_id", 0)')"
  assert_eq "f1 driver after $1" "net_tap" "$(echo "$st" | jpath 'd["status"].get("driver")')"
  assert_eq "f1 error after $1" "" "$(echo "$st" | jpath 'd.get("error", "")')"
}

# refused WHAT EXPECTED_MESSAGE yardctl-args...: exits 1, says why, adds nothing.
refused() {
  local what=$1 msg=$2 before out rc
  shift 2
  before=$(yard --json port list | jpath '[p["port"]["name"] for p in d.get("ports", [])]')
  out=$(yard "$@" 2>&1)
  rc=$?
  f1_alive "$what"
  assert_eq "$what: exit code" 1 "$rc"
  assert_contains "$what: message" "$msg" "$out"
  assert_eq "$what: port list unchanged" "$before" \
    "$(yard --json port list | jpath '[p["port"]["name"] for p in d.get("ports", [])]')"
}

# --- the report: a pci port naming f1's vdev ------------------------------------
refused "pci port on net_tap_f1" \
  "port.devargs: pci ports take a PCI address like 0000:01:00.0 (then its arguments), got 'net_tap_$F1', which names a virtual device" \
  port add "${P}evil" --kind pci --devargs "net_tap_$F1" --tenant blue
refused "pci port on net_tap_f1 with arguments" "port.devargs: pci ports take a PCI address" \
  port add "${P}evil" --kind pci --devargs "net_tap_$F1,iface=$F1" --tenant blue

# --- a PCI address another port has, written another way --------------------------
refused "second pci port on 0000:ff:1f.7" \
  "port.devargs: PCI address 0000:ff:1f.7 is already used by port '${P}nic'" \
  port add "${P}nic2" --kind pci --devargs ff:1F.7 --uplink
refused "pci port with driver arguments" \
  "port.devargs: 'rxq_pkt_pad_en' is not an argument pci ports accept (they take none)" \
  port add "${P}nic2" --kind pci --devargs 0000:ff:1f.6,rxq_pkt_pad_en=1 --uplink

# --- ring ports: names that hash alike get devices of their own ---------------------
# (A ring port sends back to itself what it is sent: each gets a tenant of
# its own, so that it takes nobody's frames and MACs.)
must yard tenant add ra
must yard tenant add rb
must yard port add r66999 --kind ring --tenant ra
must yard port add r916676 --kind ring --tenant rb
wait_in_sync
for r in r66999 r916676; do
  st=$(yard --json port show "$r")
  assert_eq "$r driver" "net_ring" "$(echo "$st" | jpath 'd["status"].get("driver")')"
  assert_eq "$r error" "" "$(echo "$st" | jpath 'd.get("error", "")')"
done
assert_ne "the two ring ports' ethdevs" \
  "$(yard --json port show r66999 | jpath 'd["status"].get("port_id", 0)')" \
  "$(yard --json port show r916676 | jpath 'd["status"].get("port_id", 0)')"
# The first ring device this dataplane made.
refused "pci port on a ring device" "which names a virtual device" \
  port add "${P}evil" --kind pci --devargs net_ring_00000000 --tenant blue
refused "ring port with arguments" "port.devargs: ring ports take no arguments" \
  port add "${P}r3" --kind ring --devargs nodeaction=net_ring_00000000:0:ATTACH --tenant ra
f1_alive "ring ports"

# --- a kernel interface or a vhost socket another port has -----------------------------
refused "tap on f1's interface" "port.iface: interface '$F1' is already used by port '$F1'" \
  port add "${P}dup" --kind tap --iface "$F1" --tenant blue
refused "tap naming f1's interface in devargs" "port.devargs: 'iface=' is not accepted" \
  port add "${P}dup" --kind tap --devargs "iface=$F1" --tenant blue
must yard port add "${P}vs" --kind vhost-server --socket "$RUN/vs.sock" --tenant red
must_wait 5 "vhost server socket created" "[ -S '$RUN/vs.sock' ]"
refused "vhost client on the server's socket" \
  "port.socket: socket '$RUN/vs.sock' is already used by port '${P}vs'" \
  port add "${P}vc" --kind vhost-client --socket "$RUN/vs.sock" --tenant red
refused "vhost client on the server's socket, spelled otherwise" \
  "port.socket: '$RUN//./vs.sock' is not in its normal spelling" \
  port add "${P}vc" --kind vhost-client --socket "$RUN//./vs.sock" --tenant red
[ -S "$RUN/vs.sock" ] || fail "the vhost server's socket is gone"

# --- and the dataplane holds every port it held --------------------------------------
wait_in_sync
assert_eq "ports the dataplane runs" "r66999 r916676 $F1 $F2 ${P}vs" \
  "$(yard --json port list | jpath '" ".join(sorted(p["port"]["name"] for p in d.get("ports", []) if p.get("status", {}).get("driver")))')"
assert_ne "the missing NIC's port error" "" "$(yard --json port show "${P}nic" | jpath 'd.get("error", "")')"
f1_alive "everything"
