#!/usr/bin/env bash
# Bad requests through the real yardctl -> controld path: each one exits
# non-zero with exactly one line on stderr naming the offending field, prints
# nothing on stdout, and changes nothing (tenant list, port list and the
# generation are the same before and after).
source "$(dirname "$0")/lib.sh"

start_dataplane
start_controld
must yard tenant add red
must yard tenant add blue --vlan 7
mk_netns "${P}n"
must yard port add "${P}p1" --kind tap --tenant red
wait_in_sync

state() {
  yard --json tenant list | jpath "json.dumps(d, sort_keys=True)"
  yard --json port list | jpath "json.dumps([v['port'] for v in d['ports']], sort_keys=True)"
  yard --json status | jpath "d['generation']"
}

# expect_error EXIT "SUBSTRING" yard-args...
CASES=0
STATE=""
expect_error() {
  local want_rc=$1 want_msg=$2 rc out err before after
  shift 2
  [ -n "$STATE" ] || STATE=$(state)   # unchanged since the last case
  before=$STATE
  yard "$@" >"$RUN/out" 2>"$RUN/err"
  rc=$?
  out=$(cat "$RUN/out"); err=$(cat "$RUN/err")
  [ "$rc" = "$want_rc" ] ||
    fail "yardctl $*: expected exit $want_rc, got $rc (stdout: '$out', stderr: '$err')"
  printf '%s' "$err" | grep -qiF -- "$want_msg" ||
    fail "yardctl $*: expected stderr to mention '$want_msg', got: '$err'"
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] ||
    fail "yardctl $*: expected a one-line reason on stderr, got:
$err"
  [ -z "$out" ] || fail "yardctl $*: expected nothing on stdout, got: '$out'"
  after=$(state)
  [ "$before" = "$after" ] || fail "yardctl $*: the failed request changed the state:
before: $before
after:  $after"
  CASES=$((CASES + 1))
  log "ok: yardctl $* -> exit $rc: $err"
}

# Refused by controld (exit 1), message names the field.
expect_error 1 "port.tenant"        port add x --kind tap --tenant nosuch
expect_error 1 "already exists"     tenant add red
expect_error 1 "${P}p1"             tenant del red
expect_error 1 "tenant.name"        tenant add 'bad name!'
expect_error 1 "tenant.id"          tenant add b --id 20000
expect_error 1 "tenant.id"          tenant add b --id 1
expect_error 1 "tenant.vlan"        tenant add c --vlan 7
expect_error 1 "tenant.mac_limit"   tenant add d --mac-limit 2000000
expect_error 1 "port.socket"        port add v1 --kind vhost-server --tenant red
expect_error 1 "port.socket"        port add v2 --kind vhost-server --socket rel/v2.sock --tenant red
expect_error 1 "port.trunk[0].tenant" port add t1 --kind tap --trunk 100=nosuch
expect_error 1 "port.trunk[1].vlan" port add t2 --kind tap --trunk 10=red,10=blue
expect_error 1 "port.tap.mtu"       port add t3 --kind tap --tenant red --mtu 10
expect_error 1 "port.tap.netns"     port add t4 --kind tap --tenant red --netns "${P}nosuch"
expect_error 1 "port.iface"         port add t5 --kind tap --tenant red --iface abcdefghijklmnopq
expect_error 1 "port.name"          port add "${P}p1" --kind tap --tenant red
expect_error 1 "port.iface"         port add t6 --kind tap --iface "${P}p1" --tenant red
expect_error 1 "port.iface"         port add t7 --kind af_packet --tenant red
expect_error 1 "port.tap"           port add t8 --kind ring --tenant red --netns "${P}n"
expect_error 1 "not found"          port del nosuch
expect_error 1 "not found"          tenant del nosuch
expect_error 1 "not found"          tenant show nosuch
# Update in place: what names the device cannot change; the tenant id neither.
expect_error 1 "cannot change in place" port set "${P}p1" --kind ring
expect_error 1 "cannot change in place" port set "${P}p1" --iface other0
expect_error 1 "port.tap"           port set "${P}p1" --netns "${P}n"
expect_error 1 "port.tenant"        port set "${P}p1" --tenant nosuch
expect_error 1 "not found"          port set nosuch --tenant red
expect_error 1 "tenant.id"          tenant set red --id 99
expect_error 1 "tenant.vlan"        tenant set red --vlan 7
expect_error 1 "tenant.mac_limit"   tenant set red --mac-limit 2000000
expect_error 1 "not found"          tenant set nosuch --vlan 3
# Syntax, caught by yardctl itself (exit 2), message names the option.
expect_error 2 "nothing to change"  tenant set red
expect_error 2 "nothing to change"  port set "${P}p1"
expect_error 2 "at most one"        port set "${P}p1" --tenant red --uplink
expect_error 2 "vlan"               tenant set red --vlan 5000
expect_error 2 "vlan"               tenant add a --vlan 5000
expect_error 2 "--ip"               port add t9 --kind tap --tenant red --ip 10.0.0.1/99
expect_error 2 "--kind"             port add t10 --kind bogus --tenant red
expect_error 2 "--tenant"           port add t11 --kind tap
log "$CASES error cases checked"

# The port that is in use really blocks the tenant; once deleted, it goes.
must yard port del "${P}p1"
must yard tenant del red
assert_eq "tenants left" "blue" "$(yard --json tenant list | jpath "' '.join(t['name'] for t in d['tenants'])")"

# JSON output parses.
must yard port add "${P}p2" --kind tap --tenant blue --vlan 12 --netns "${P}n" --ip 10.1.0.1/24
yard --json port list >"$RUN/ports.json" || fail "yard --json port list failed"
"$PY" -c 'import json,sys; json.load(sys.stdin)' <"$RUN/ports.json" || fail "port list JSON does not parse: $(cat "$RUN/ports.json")"
assert_eq "port list JSON: the port's access_vlan" 12 "$(jpath "d['ports'][0]['port']['access_vlan']" <"$RUN/ports.json")"
assert_eq "port list JSON: kind" PORT_KIND_TAP "$(jpath "d['ports'][0]['port']['kind']" <"$RUN/ports.json")"
for cmd in "tenant list" "status" "stats" "mac list" "tenant show blue" "port show ${P}p2"; do
  # shellcheck disable=SC2086
  yard --json $cmd | "$PY" -c 'import json,sys; json.load(sys.stdin)' || fail "yard --json $cmd: not JSON"
  # shellcheck disable=SC2086
  yard $cmd --json | "$PY" -c 'import json,sys; json.load(sys.stdin)' || fail "yard $cmd --json: not JSON"
done
log "ok: --json output of port list, tenant list, status, stats, mac list, show parses (--json before or after the command)"
assert_eq "tenant list: --json after the command, same document" \
  "$(yard --json tenant list)" "$(yard tenant list --json)"

# With controld down: exit 3 and a hint.
kill9 "$CD_PID"
yard status >/dev/null 2>"$RUN/err"
assert_eq "exit code with controld down" 3 "$?"
assert_contains "message with controld down" "is switchyard-controld running" "$(cat "$RUN/err")"
