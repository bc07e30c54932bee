# Shared helpers for the end-to-end tests. Sourced by every tests/e2e/*.sh.
#
# The tests drive the real processes: switchyard-dataplane (DPDK, --no-huge),
# switchyard-controld (gRPC + SQLite) and yardctl, with real kernel network
# namespaces. They need root; without it they exit 77 (SKIP for meson).
#
# Binaries come from the environment (meson sets them), else from the build
# directory given as $1, else from ./build:
#   SWITCHYARD_DATAPLANE  SWITCHYARD_CONTROLD  SWITCHYARD_YARDCTL
#
# Every test gets its own run directory (/tmp/sy-e2e-NAME.XXXXXX) and a short
# unique prefix $P (e.g. "y1a2b") for namespace, port and interface names, so
# a leftover from a killed run never collides with the next one. The EXIT
# trap kills every process the test started and deletes its namespaces, also
# on failure. On failure the run directory is kept and its path printed.

set -u
set -o pipefail

E2E_NAME=$(basename "$0" .sh)
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_START=$(date +%s.%N)

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: $E2E_NAME needs root (network namespaces, DPDK tap ports)"
  exit 77
fi

_build=${1:-}
if [ -z "$_build" ]; then
  _build=$(cd "$(dirname "$0")/../.." && pwd)/build
fi
DATAPLANE=${SWITCHYARD_DATAPLANE:-$_build/dataplane/switchyard-dataplane}
CONTROLD=${SWITCHYARD_CONTROLD:-$_build/controlplane/switchyard-controld}
YARDCTL=${SWITCHYARD_YARDCTL:-$_build/tools/yardctl/yardctl}
for _b in "$DATAPLANE" "$CONTROLD" "$YARDCTL"; do
  if [ ! -x "$_b" ]; then
    echo "FAIL: binary not found: $_b" >&2
    exit 1
  fi
done
# The system python (a pyenv shim costs ~0.3 s per call).
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
for _t in ip $PY ping; do
  if ! command -v "$_t" >/dev/null 2>&1; then
    echo "FAIL: required tool '$_t' not found in PATH" >&2
    exit 1
  fi
done

RUN=$(mktemp -d "/tmp/sy-e2e-$E2E_NAME.XXXXXX")
# 5-character prefix: "y" + 4 hex digits unique per run. With it, names like
# "${P}vm1" or "${P}trk.100" stay within the kernel's 15-character limit.
P=y$(printf '%04x' $(( ($$ ^ RANDOM ^ (RANDOM << 4)) & 0xffff )))
DP_SOCK=$RUN/dp.sock
CD_SOCK=$RUN/cd.sock
DB=$RUN/db.sqlite
DP_PID=""
CD_PID=""
DP_STARTS=0
CD_STARTS=0
_PIDS=()     # other background processes to kill on exit
_NETNS=()    # namespaces to delete on exit
_FAILED=0
_MAIN_PID=$BASHPID

log() { printf '[%s %6.2fs] %s\n' "$E2E_NAME" "$(elapsed)" "$*"; }
elapsed() { echo "$(date +%s.%N) $E2E_START" | awk '{printf "%.2f", $1 - $2}'; }

# --- failure reporting ------------------------------------------------------

# A test may define dump_test_state to add what it knows (a guest console,
# a capture) to the daemons' logs on failure.
dump_logs() {
  local f
  for f in "$RUN"/dp*.log "$RUN"/cd*.log; do
    [ -f "$f" ] || continue
    echo "----- tail -n 30 $f -----"
    tail -n 30 "$f"
  done
  if declare -F dump_test_state >/dev/null; then dump_test_state; fi
  echo "----- (run dir kept: $RUN) -----"
}

fail() {
  _FAILED=1
  echo "FAIL: $E2E_NAME: $*" >&2
  dump_logs >&2
  exit 1
}

# assert_eq WHAT EXPECTED SEEN
assert_eq() {
  if [ "$2" != "$3" ]; then
    fail "$1: expected '$2', saw '$3'"
  fi
  log "ok: $1 == '$3'"
}

# assert_ne WHAT UNEXPECTED SEEN
assert_ne() {
  if [ "$2" = "$3" ]; then
    fail "$1: expected anything but '$2', saw '$3'"
  fi
  log "ok: $1 = '$3' (!= '$2')"
}

# assert_ge WHAT MIN SEEN   (integers)
assert_ge() {
  if ! [[ "$3" =~ ^-?[0-9]+$ ]] || [ "$3" -lt "$2" ]; then
    fail "$1: expected >= $2, saw '$3'"
  fi
  log "ok: $1 = $3 (>= $2)"
}

# assert_le WHAT MAX SEEN   (integers)
assert_le() {
  if ! [[ "$3" =~ ^-?[0-9]+$ ]] || [ "$3" -gt "$2" ]; then
    fail "$1: expected <= $2, saw '$3'"
  fi
  log "ok: $1 = $3 (<= $2)"
}

# assert_contains WHAT NEEDLE HAYSTACK   (case-insensitive)
assert_contains() {
  if ! printf '%s' "$3" | grep -qiF -- "$2"; then
    fail "$1: expected to contain '$2', saw: $3"
  fi
  log "ok: $1 contains '$2'"
}

# must CMD...: run, fail the test (showing the output) if it exits non-zero.
must() {
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    fail "command failed (exit $rc): $*
$out"
  fi
  [ -z "$out" ] || printf '%s\n' "$out"
}

# --- cleanup ----------------------------------------------------------------

_kill_pid() {  # _kill_pid PID: SIGTERM, then SIGKILL after 2 s
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 1 20); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

cleanup() {
  local rc=$? pid ns
  # Only the test's own shell cleans up, never a subshell that inherited this.
  [ "$BASHPID" = "$_MAIN_PID" ] || exit $rc
  trap - EXIT INT TERM
  for pid in "${_PIDS[@]}"; do _kill_pid "$pid"; done
  _kill_pid "$CD_PID"
  _kill_pid "$DP_PID"
  # A namespace outlives its deletion while a process holds it: kill what
  # still runs in the test's namespaces (daemonized servers) first.
  for ns in "${_NETNS[@]}" $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P"); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  for ns in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep "^$P"); do
    ip link del "$ns" 2>/dev/null
  done
  if [ $rc -eq 0 ] && [ $_FAILED -eq 0 ]; then
    rm -rf "$RUN"
    log "PASS (${SECONDS}s)"
  else
    [ $_FAILED -ne 0 ] || { echo "FAIL: $E2E_NAME exited with $rc" >&2; dump_logs >&2; }
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bg CMD...: start CMD in the background, killed on exit; sets BG_PID.
bg() {
  "$@" &
  BG_PID=$!
  _PIDS+=("$BG_PID")
}

# --- waiting ----------------------------------------------------------------

# wait_until TIMEOUT_S "SHELL COMMAND": poll every 0.1 s until the command
# succeeds; returns 1 on timeout.
wait_until() {
  local timeout=$1; shift
  local deadline
  deadline=$(echo "$(date +%s.%N) $timeout" | awk '{printf "%.3f", $1 + $2}')
  while :; do
    if eval "$*" >/dev/null 2>&1; then return 0; fi
    if awk -v d="$deadline" -v n="$(date +%s.%N)" 'BEGIN{exit !(n > d)}'; then
      return 1
    fi
    sleep 0.1
  done
}

# must_wait TIMEOUT_S "WHAT" "SHELL COMMAND"
must_wait() {
  local t=$1 what=$2; shift 2
  wait_until "$t" "$@" || fail "timed out after ${t}s waiting for: $what  ($*)"
}

# --- the daemons ------------------------------------------------------------

yard() { "$YARDCTL" --socket "$CD_SOCK" "$@"; }

# start_dataplane [EXTRA FLAGS...]: always --no-huge, its own socket and EAL
# file prefix, lcores $SWITCHYARD_E2E_LCORES (default 0,1: one worker on CPU
# 1; meson also runs some tests with '0@0,1@1,2@1', two workers sharing CPU
# 1, and SWITCHYARD_E2E_WORKERS=2). Waits for the gRPC socket.
#
# HOST_NS (optional): run the daemon inside that network namespace, as the
# switch of a host there (its taps, af_packet uplinks and VTEP interface are
# that namespace's). DP_PREFIX: the EAL file prefix (one per dataplane).
E2E_LCORES=${SWITCHYARD_E2E_LCORES:-0,1}
E2E_WORKERS=${SWITCHYARD_E2E_WORKERS:-1}
HOST_NS=${HOST_NS:-}
# The command prefix that runs a daemon in HOST_NS. `ip netns exec` execs
# the daemon, so $! of a background start is the daemon's own pid.
_host_ns_prefix() {
  _PRE=()
  [ -z "$HOST_NS" ] || _PRE=(ip netns exec "$HOST_NS")
}
start_dataplane() {
  DP_STARTS=$((DP_STARTS + 1))
  DP_LOG=$RUN/dp$DP_STARTS.log
  rm -f "$DP_SOCK"
  _host_ns_prefix
  "${_PRE[@]}" "$DATAPLANE" --socket "$DP_SOCK" --file-prefix "${DP_PREFIX:-${P}dp}" --no-huge \
    --lcores "$E2E_LCORES" --no-pci "$@" >"$DP_LOG" 2>&1 &
  DP_PID=$!
  log "dataplane started (pid $DP_PID, log $DP_LOG)"
  must_wait 15 "dataplane socket $DP_SOCK" "[ -S '$DP_SOCK' ] && kill -0 $DP_PID"
}

# start_controld [EXTRA FLAGS...]: waits until `yard status` answers. vhost
# sockets and pcap files of the test live in its run directory.
start_controld() {
  CD_STARTS=$((CD_STARTS + 1))
  CD_LOG=$RUN/cd$CD_STARTS.log
  _host_ns_prefix
  "${_PRE[@]}" "$CONTROLD" --socket "$CD_SOCK" --dataplane "$DP_SOCK" --db "$DB" \
    --vhost-dir "$RUN" --pcap-dir "$RUN" "$@" >"$CD_LOG" 2>&1 &
  CD_PID=$!
  log "controld started (pid $CD_PID, log $CD_LOG)"
  must_wait 10 "controld answering on $CD_SOCK" "kill -0 $CD_PID && yard status"
}

# Wait until controld reports the dataplane connected and in sync.
wait_in_sync() {
  must_wait "${1:-10}" "dataplane connected and in sync" \
    "[ \"\$(yard --json status | jpath 'd[\"dataplane\"][\"connected\"] and d[\"dataplane\"][\"in_sync\"]')\" = True ]"
}

# With several workers, every one of them must have forwarded something:
# the ports' RX queues were spread over them and traffic crossed workers.
assert_workers_forwarded() {
  local json
  json=$(yard --json stats)
  assert_eq "workers" "$E2E_WORKERS" "$(echo "$json" | jpath "len(d.get('workers', []))")"
  assert_eq "workers that forwarded packets" "$E2E_WORKERS" \
    "$(echo "$json" | jpath "sum(1 for w in d.get('workers', []) if n(w.get('packets')) > 0)")"
}

kill9() {  # kill9 PID: SIGKILL and reap
  kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

# --- JSON -------------------------------------------------------------------

# jpath 'PYTHON EXPR' < json: evaluate EXPR with d = the parsed document and
# print the result. Helpers in scope: n(x) = int(x or 0) (counters are strings).
jpath() {
  "$PY" -c '
import json, sys
d = json.load(sys.stdin)
def n(x): return int(x or 0)
def port(name): return next((p for p in d.get("ports", []) if p.get("port") == name), {})
def tenant(name): return next((t for t in d.get("tenants", []) if t.get("tenant") == name), {})
def drop(reason): return n(next((x.get("packets") for x in d.get("drops", []) if x.get("reason") == reason), 0))
print(eval(sys.argv[1]))
' "$1"
}

# stat_port PORT FIELD / stat_tenant TENANT FIELD / stat_drop REASON
stat_port() { yard --json stats | jpath "n(port('$1').get('$2'))"; }
stat_tenant() { yard --json stats | jpath "n(tenant('$1').get('$2'))"; }
stat_drop() { yard --json stats | jpath "drop('$1')"; }

# --- namespaces and traffic -------------------------------------------------

# mk_netns NAME...: create namespaces (deleted on exit), lo up.
mk_netns() {
  local ns
  for ns in "$@"; do
    ip netns del "$ns" 2>/dev/null
    must ip netns add "$ns"
    _NETNS+=("$ns")
    ip -n "$ns" link set lo up
  done
}

# can_ping NS DST [TRIES]: a few one-packet pings with -W 1 (ARP, learning).
can_ping() {
  local ns=$1 dst=$2 tries=${3:-5} i
  for i in $(seq 1 "$tries"); do
    if ip netns exec "$ns" ping -c 1 -W 1 "$dst" >/dev/null 2>&1; then
      return 0
    fi
  done
  return 1
}

assert_ping() {
  if can_ping "$1" "$2" "${3:-5}"; then
    log "ok: ping $1 -> $2 passes"
  else
    fail "ping $1 -> $2: expected to pass, it fails
$(ip netns exec "$1" ip -br addr 2>&1)
$(ip netns exec "$1" ip neigh 2>&1)
$(yard mac list 2>&1)"
  fi
}

# assert_no_ping NS DST [NS DST]...: from each NS, 2 probes to DST within a
# 2 s deadline; not one may be answered (a leaking switch answers ARP within
# milliseconds). The pairs run concurrently.
assert_no_ping() {
  local i=0 pids=() out got
  while [ $# -ge 2 ]; do
    ip netns exec "$1" ping -c 2 -i 0.5 -w 2 -W 1 "$2" >"$RUN/noping.$i" 2>&1 &
    pids+=($!)
    echo "$1 $2" >"$RUN/noping.$i.what"
    i=$((i + 1)); shift 2
  done
  wait "${pids[@]}"
  for i in $(seq 0 $((${#pids[@]} - 1))); do
    out=$(cat "$RUN/noping.$i")
    got=$(printf '%s' "$out" | sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p')
    if [ "${got:-0}" != 0 ]; then
      fail "ping $(cat "$RUN/noping.$i.what"): expected no reply (isolation), got $got:
$out"
    fi
    log "ok: ping $(sed 's/ / -> /' "$RUN/noping.$i.what") fails as expected"
  done
}

# mk_vlan_if NS PARENT VID NAME: a VLAN interface NAME on PARENT in NS, left
# down and without address like `ip link add link PARENT name NAME type vlan
# id VID`, which is what it is when the kernel has 802.1Q support. Without
# it (CONFIG_VLAN_8021Q unset), NAME is one end of a veth pair that tc eBPF
# programs tie to PARENT with VID (vlan_emul.bpf.c; needs clang), with
# PARENT's MAC like a real VLAN interface.
mk_vlan_if() {
  local ns=$1 parent=$2 vid=$3 name=$4 out peer mac pidx qidx cflags
  if out=$(ip -n "$ns" link add link "$parent" name "$name" type vlan id "$vid" 2>&1); then
    return 0
  fi
  case $out in
    *"Unknown device type"*) ;;
    *) fail "ip link add $name type vlan id $vid: $out" ;;
  esac
  command -v clang >/dev/null ||
    fail "this kernel has no 802.1Q support and clang is missing to build the tc eBPF emulation (apt-get install clang)"
  peer=${parent:0:10}p$vid
  [ ${#name} -le 15 ] && [ ${#peer} -le 15 ] || fail "interface name too long: $name / $peer"
  must ip -n "$ns" link add "$name" type veth peer name "$peer"
  mac=$(ip -n "$ns" -br link show dev "$parent" | awk '{print $3}')
  must ip -n "$ns" link set dev "$name" address "$mac"
  must ip -n "$ns" link set dev "$peer" up
  must ip -n "$ns" link set dev "$parent" up
  pidx=$(ip -n "$ns" -o link show dev "$parent" | cut -d: -f1)
  qidx=$(ip -n "$ns" -o link show dev "$peer" | cut -d: -f1)
  cflags=(-O2 -g0 -target bpf -DVID="$vid" -DPEER_IFINDEX="$qidx" -DPARENT_IFINDEX="$pidx")
  [ -d /usr/include/x86_64-linux-gnu ] && cflags+=(-I/usr/include/x86_64-linux-gnu)
  [ -d "/usr/include/$(uname -m)-linux-gnu" ] && cflags+=(-I"/usr/include/$(uname -m)-linux-gnu")
  must clang "${cflags[@]}" -c "$E2E_DIR/vlan_emul.bpf.c" -o "$RUN/vlan_$name.o"
  ip netns exec "$ns" tc qdisc show dev "$parent" | grep -q clsact ||
    must ip netns exec "$ns" tc qdisc add dev "$parent" clsact
  must ip netns exec "$ns" tc qdisc add dev "$peer" clsact
  must ip netns exec "$ns" tc filter add dev "$parent" ingress pref "$vid" bpf da obj "$RUN/vlan_$name.o" sec vpop
  must ip netns exec "$ns" tc filter add dev "$peer" ingress pref 1 bpf da obj "$RUN/vlan_$name.o" sec vpush
  log "$name: emulated VLAN $vid on $parent (kernel without 802.1Q; tc eBPF)"
}

# --- QEMU -------------------------------------------------------------------

# testpmd_hugepages: hugepages for a dpdk-testpmd peer (the dataplane itself
# runs --no-huge), idempotently: reserves more only if fewer than 1024
# (2 GiB) are free, mounts hugetlbfs only if it is not mounted. Fails the
# test if fewer than 256 are free afterwards.
testpmd_hugepages() {
  local want=1024 free total
  free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  if [ "${free:-0}" -lt "$want" ]; then
    total=$(cat /proc/sys/vm/nr_hugepages)
    echo $((total + want - free)) >/proc/sys/vm/nr_hugepages ||
      fail "cannot reserve hugepages (/proc/sys/vm/nr_hugepages)"
    free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
  fi
  [ "$free" -ge 256 ] || fail "only $free hugepages free after reserving (want $want)"
  mkdir -p /dev/hugepages
  mountpoint -q /dev/hugepages || must mount -t hugetlbfs nodev /dev/hugepages
  log "hugepages: $(cat /proc/sys/vm/nr_hugepages) reserved, $free free"
}

# kvm_boots QEMU KERNEL: true if KVM actually runs a guest here, not merely
# if /dev/kvm exists: on some hosts /dev/kvm is there (and writable) but a
# KVM guest never gets to print anything. Boots KERNEL under accel=kvm with
# no initrd (it panics at the missing root fs and -no-reboot ends QEMU),
# bounded by $SY_KVM_PROBE_S seconds (default 20), and counts KVM as working
# only if the console shows the kernel started ("Linux version"). Sets
# KVM_PROBE to what was seen: the time taken, or why KVM is not used.
kvm_boots() {
  local qemu=$1 kernel=$2 t=${SY_KVM_PROBE_S:-20} con=$RUN/kvm-probe.console t0 rc why
  if [ ! -e /dev/kvm ]; then
    KVM_PROBE="no /dev/kvm"
    return 1
  fi
  rm -f "$con"
  t0=$(date +%s.%N)
  timeout -k 2 "$t" "$qemu" -nodefaults -no-user-config -machine q35,accel=kvm -smp 1 -m 256 \
    -kernel "$kernel" -append "console=ttyS0 panic=-1" -no-reboot \
    -display none -monitor none -serial "file:$con" >"$RUN/kvm-probe.log" 2>&1
  rc=$?
  if grep -aq 'Linux version' "$con" 2>/dev/null; then
    KVM_PROBE="the kernel started under KVM (probe boot $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}') s)"
    return 0
  fi
  case $rc in
    124|137) why="no kernel output within ${t}s" ;;
    *) why="QEMU exited with status $rc: $(head -c 300 "$RUN/kvm-probe.log" | paste -sd ';' - | sed 's/;/; /g')" ;;
  esac
  KVM_PROBE="/dev/kvm exists but a KVM guest does not boot ($why)"
  return 1
}
