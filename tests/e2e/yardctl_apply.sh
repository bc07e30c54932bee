#!/usr/bin/env bash
# yardctl apply -f through the real daemons: a YAML file with 2 tenants and
# 3 namespaced tap ports is applied, pings pass inside a tenant and not
# across; applying it again changes nothing; a modified file with --prune (a
# port removed, a port moved to the other tenant, a tenant removed) is
# shown by --dry-run without changing anything, then applied and reflected
# in `port list`; a controld error stops the run with exit 1 and keeps the
# steps before it.
source "$(dirname "$0")/lib.sh"

V1=${P}vm1 V2=${P}vm2 V3=${P}vm3
mk_netns "$V1" "$V2" "$V3"
start_dataplane
start_controld

cat >"$RUN/topo.yaml" <<YAML
tenants:
  - name: red
    mac_limit: 1000
  - name: blue
    vlan: 200
ports:
  - name: $V1
    kind: tap
    tenant: red
    netns: $V1
    ip: [10.0.0.1/24]
  - name: $V2
    kind: tap
    tenant: red
    netns: $V2
    ip: [10.0.0.2/24]
  - name: $V3
    kind: tap
    tenant: blue
    netns: $V3
    ip: [10.0.0.3/24]
YAML

generation() { yard --json status | jpath "d['generation']"; }
# "name=tenant" per port, sorted, space separated.
ports() {
  yard --json port list |
    jpath "' '.join(sorted(v['port']['name'] + '=' + v['port']['tenant'] for v in d['ports']))"
}
tenants() { yard --json tenant list | jpath "' '.join(sorted(t['name'] for t in d['tenants']))"; }

# --- first apply: everything is created, tenants before ports -------------
OUT=$(must yard apply -f "$RUN/topo.yaml")
printf '%s\n' "$OUT"
assert_eq "first apply, lines" "+ tenant red|+ tenant blue|+ port $V1|+ port $V2|+ port $V3|apply: 5 created, 0 updated, 0 replaced, 0 deleted, 0 unchanged" \
  "$(printf '%s\n' "$OUT" | paste -sd'|')"
wait_in_sync
assert_eq "ports after first apply" "$V1=red $V2=red $V3=blue" "$(ports)"
assert_eq "red mac_limit" 1000 "$(yard --json tenant show red | jpath "d['mac_limit']")"
assert_eq "blue vlan" 200 "$(yard --json tenant show blue | jpath "d['vlan']")"
must_wait 5 "$V1 address in its netns" \
  "ip -n '$V1' -o -4 addr show dev '$V1' | grep -q 10.0.0.1/24"
assert_ping "$V1" 10.0.0.2
assert_ping "$V2" 10.0.0.1
assert_no_ping "$V1" 10.0.0.3

# --- same file again: nothing changes --------------------------------------
GEN=$(generation)
OUT=$(must yard apply -f "$RUN/topo.yaml")
assert_eq "second apply" "apply: 0 created, 0 updated, 0 replaced, 0 deleted, 5 unchanged" "$OUT"
assert_eq "generation after the second apply" "$GEN" "$(generation)"

# --- modified file: vm2 removed, vm3 moved to red, blue removed ------------
cat >"$RUN/topo2.yaml" <<YAML
tenants:
  - name: red
    mac_limit: 1000
ports:
  - name: $V1
    kind: tap
    tenant: red
    netns: $V1
    ip: [10.0.0.1/24]
  - name: $V3
    kind: tap
    tenant: red
    netns: $V3
    ip: [10.0.0.3/24]
YAML

# --dry-run (from stdin) prints the plan and changes nothing.
OUT=$(must yard apply -f - --prune --dry-run <"$RUN/topo2.yaml")
printf '%s\n' "$OUT"
# vm3 moves in place (UpdatePort); blue goes last, once vm3 has left it.
assert_eq "dry run, lines" "- port $V2|~ port $V3 (in place)|- tenant blue|apply --dry-run: 0 to create, 1 to update, 0 to replace, 2 to delete, 2 unchanged; nothing changed" \
  "$(printf '%s\n' "$OUT" | paste -sd'|')"
assert_eq "generation after --dry-run" "$GEN" "$(generation)"
assert_eq "ports after --dry-run" "$V1=red $V2=red $V3=blue" "$(ports)"
assert_eq "tenants after --dry-run" "blue red" "$(tenants)"

# Without --prune vm2 and blue stay; vm3 still moves to red.
OUT=$(must yard apply -f "$RUN/topo2.yaml" --dry-run)
assert_eq "dry run without --prune" "~ port $V3 (in place)|apply --dry-run: 0 to create, 1 to update, 0 to replace, 0 to delete, 2 unchanged; nothing changed" \
  "$(printf '%s\n' "$OUT" | paste -sd'|')"

IFX3=$(ip -n "$V3" -o link show dev "$V3" | cut -d: -f1)
OUT=$(must yard apply -f "$RUN/topo2.yaml" --prune)
printf '%s\n' "$OUT"
assert_eq "apply --prune, lines" "- port $V2|~ port $V3 (in place)|- tenant blue|apply: 0 created, 1 updated, 0 replaced, 2 deleted, 2 unchanged" \
  "$(printf '%s\n' "$OUT" | paste -sd'|')"
assert_eq "ports after apply --prune" "$V1=red $V3=red" "$(ports)"
assert_eq "tenants after apply --prune" "red" "$(tenants)"
wait_in_sync
# vm3's tap is the same interface with its address; it is now red.
assert_eq "$V3 kept its interface (ifindex)" "$IFX3" "$(ip -n "$V3" -o link show dev "$V3" | cut -d: -f1)"
must_wait 5 "$V3 address kept" \
  "ip -n '$V3' -o -4 addr show dev '$V3' | grep -q 10.0.0.3/24"
assert_ping "$V1" 10.0.0.3
OUT=$(must yard apply -f "$RUN/topo2.yaml" --prune)
assert_eq "apply --prune again" "apply: 0 created, 0 updated, 0 replaced, 0 deleted, 3 unchanged" "$OUT"

# --- a controld error stops the run: exit 1, earlier steps stay ------------
cat >"$RUN/bad.yaml" <<YAML
tenants:
  - name: green
ports:
  - name: ${P}bad
    kind: tap
    tenant: green
    netns: ${P}nons
YAML
yard apply -f "$RUN/bad.yaml" >"$RUN/out" 2>"$RUN/err"
RC=$?
assert_eq "exit of an apply controld refuses" 1 "$RC"
assert_eq "stdout up to the failure" "+ tenant green|+ port ${P}bad" "$(paste -sd'|' <"$RUN/out")"
assert_contains "stderr" "yardctl: create port ${P}bad: port.tap.netns" "$(cat "$RUN/err")"
assert_eq "tenants after the failed apply (green stays)" "green red" "$(tenants)"
assert_eq "ports after the failed apply" "$V1=red $V3=red" "$(ports)"

# --- a syntax error: exit 2, nothing sent ----------------------------------
GEN=$(generation)
printf 'ports:\n  - {name: x, kind: tap, tenent: red}\n' >"$RUN/typo.yaml"
yard apply -f "$RUN/typo.yaml" >"$RUN/out" 2>"$RUN/err"
RC=$?
assert_eq "exit of a file with an unknown key" 2 "$RC"
assert_contains "stderr" "typo.yaml: ports[0].tenent: unknown key" "$(cat "$RUN/err")"
assert_eq "generation after the syntax error" "$GEN" "$(generation)"
