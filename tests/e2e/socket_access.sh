#!/usr/bin/env bash
# The daemons' sockets are a security boundary. Both are created root-owned
# with the configured group, mode 0660: a user outside the group cannot use
# yardctl, a member can. The dataplane additionally checks its peer's
# credentials (SO_PEERCRED): a group member who can open its socket is
# still disconnected before gRPC reads a byte, because only root (and
# --control-user) may program it. What a caller can name is confined: a
# vhost socket outside --vhost-dir, a pcap file outside --pcap-dir, devargs
# keys off the kind's allow-list and "." as a netns are refused, and
# nothing changes.
source "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed"
GID=$(( 40000 + RANDOM % 20000 ))   # a group no one else has; setpriv needs no entry
NOBODY=65534
chmod 0711 "$RUN"   # others may reach the sockets; only the sockets' modes stop them

start_dataplane --socket-group $GID
start_controld --socket-group $GID
wait_in_sync
assert_eq "controld socket owner, group, mode" "0 $GID 660" "$(stat -c '%u %g %a' "$CD_SOCK")"
assert_eq "dataplane socket owner, group, mode" "0 $GID 660" "$(stat -c '%u %g %a' "$DP_SOCK")"

as_outsider() { setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups "$@"; }
as_member() { setpriv --reuid=$NOBODY --regid=$NOBODY --groups=$GID "$@"; }

out=$(as_outsider "$YARDCTL" --socket "$CD_SOCK" --timeout 3 status 2>&1) &&
  fail "a user outside the group used yardctl: $out"
assert_contains "outsider refused" "permission denied on $CD_SOCK" "$out"
out=$(as_outsider "$YARDCTL" --socket "$CD_SOCK" --timeout 3 tenant add evil 2>&1) &&
  fail "a user outside the group added a tenant: $out"
must as_member "$YARDCTL" --socket "$CD_SOCK" --timeout 3 status >/dev/null
must as_member "$YARDCTL" --socket "$CD_SOCK" --timeout 3 tenant add red >/dev/null
assert_eq "tenants" "red" "$(yard --json tenant list | jpath "' '.join(t['name'] for t in d['tenants'])")"

# A raw HTTP/2 client on the dataplane's socket: "answered" when the server
# sent its SETTINGS, "closed" when it hung up at once.
h2_probe() {
  "$@" "$PY" - "$DP_SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except PermissionError:
    print("denied"); sys.exit()
s.settimeout(5)
try:
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes([0, 0, 0, 4, 0, 0, 0, 0, 0]))
    data = s.recv(64)
except (ConnectionResetError, BrokenPipeError):  # hung up before or while we spoke
    data = b""
except socket.timeout:
    data = None
print("closed" if data == b"" else "answered" if data else "timeout")
PY
}
assert_eq "root on the dataplane socket" "answered" "$(h2_probe env)"
assert_eq "outsider on the dataplane socket" "denied" "$(h2_probe as_outsider)"
assert_eq "group member on the dataplane socket (SO_PEERCRED)" "closed" "$(h2_probe as_member)"
must_wait 5 "the refusal logged" "grep -q 'refused a connection from pid [0-9]* uid $NOBODY' '$DP_LOG'"
wait_in_sync   # controld itself is still served

# --- what a caller can name stays where the operator allows ---------------
refused() {  # refused WHAT EXPECTED-MESSAGE-PART ARGS...
  local what=$1 want=$2 out
  shift 2
  out=$(yard "$@" 2>&1) && fail "$what: accepted: $out"
  assert_contains "$what" "$want" "$out"
}
refused "vhost socket outside --vhost-dir" "port.socket: '/etc/evil.sock' is not under $RUN" \
  port add v1 --kind vhost-server --socket /etc/evil.sock --tenant red
refused "vhost socket with a comma" "port.socket: " \
  port add v1 --kind vhost-server --socket "$RUN/a.sock,client=1" --tenant red
refused "vhost socket through .." "not in its normal spelling" \
  port add v1 --kind vhost-server --socket "$RUN/../etc.sock" --tenant red
refused "tx_pcap outside --pcap-dir" "port.devargs: tx_pcap: '/etc/cron.d/x' is not under $RUN" \
  port add p1 --kind pcap --devargs "tx_pcap=/etc/cron.d/x" --tenant red
refused "pcap reading an interface" "'iface' is not an argument pcap ports accept" \
  port add p1 --kind pcap --devargs "iface=lo" --tenant red
refused "af_xdp loading a program" "'xdp_prog' is not an argument af_xdp ports accept" \
  port add x1 --kind af_xdp --iface lo --devargs "xdp_prog=/tmp/x.o" --uplink
refused "vhost legacy offload flags" "legacy-ol-flags=2: only legacy-ol-flags=0" \
  port add v1 --kind vhost-server --socket "$RUN/v1.sock" --devargs "legacy-ol-flags=2" --tenant red
refused "netns .." "port.tap.netns: '..' is not a name" \
  port add t1 --kind tap --netns .. --tenant red
assert_eq "ports after the refusals" 0 "$(yard --json port list | jpath "len(d.get('ports', []))")"
[ ! -e /etc/evil.sock ] && [ ! -e /etc/cron.d/x ] || fail "a refused port left a file behind"
