#!/usr/bin/env bash
# Crash restarts, measured. RESTARTS times (default 3; docs/reliability.md
# has a run of 20): the dataplane is killed (-9) while a ping runs between
# two tenants' hosts and a new one started at once, as a supervisor would;
# the time from the kill to the first ping that crosses again is recorded.
# Then controld is killed (-9) RESTARTS times while a client streams
# changes (tenant, then a port on it) and restarted: every change it
# acknowledged is there afterwards, whole, and the dataplane ends in sync
# with it.
source "$(dirname "$0")/lib.sh"

RESTARTS=${RESTARTS:-3}
A=${P}a B=${P}b
mk_netns "$A" "$B"
start_dataplane
start_controld
must yard tenant add red
must yard port add "$A" --kind tap --tenant red --netns "$A" --ip 10.0.0.1/24
must yard port add "$B" --kind tap --tenant red --netns "$B" --ip 10.0.0.2/24
wait_in_sync
assert_ping "$A" 10.0.0.2

# --- dataplane: kill -9 under traffic, time to forwarding again ----------
bg ip netns exec "$A" ping -i 0.2 10.0.0.2 >"$RUN/bgping.out" 2>&1
: >"$RUN/dp_times"
for i in $(seq 1 "$RESTARTS"); do
  t0=$(date +%s.%N)
  kill -KILL "$DP_PID"; wait "$DP_PID" 2>/dev/null
  start_dataplane
  # Forwarding again: a ping from A reaches B (taps recreated, moved,
  # addressed by controld; ARP and learning anew).
  until ip netns exec "$A" ping -c 1 -W 0.2 10.0.0.2 >/dev/null 2>&1; do
    [ "$(echo "$(date +%s.%N) $t0" | awk '{print ($1 - $2 > 20)}')" = 1 ] && fail "restart $i: no forwarding after 20 s"
  done
  dt=$(echo "$(date +%s.%N) $t0" | awk '{printf "%.2f", $1 - $2}')
  echo "$dt" >>"$RUN/dp_times"
  log "dataplane restart $i: forwarding again ${dt} s after the kill"
done
wait_in_sync
figures=$(sort -n "$RUN/dp_times" | awk '{v[NR]=$1} END {printf "min %.2f median %.2f p90 %.2f max %.2f s", v[1], v[int((NR+1)/2)], v[int(NR*0.9+0.999)], v[NR]}')
log "MEASURED: dataplane kill -9 to forwarding again over $RESTARTS restarts: $figures"

# --- controld: kill -9 during a stream of changes ------------------------
# The client records each change controld acknowledged (exit 0): a tenant,
# a ring port on it, and the removal of the port five steps back (so the
# ports stay within the dataplane's 32 devices).
stream() {
  local i=0
  while :; do
    i=$((i + 1))
    if "$YARDCTL" --socket "$CD_SOCK" --timeout 2 tenant add "s$i" --mac-limit 16 >/dev/null 2>&1; then
      echo "tenant s$i" >>"$RUN/acked"
      if "$YARDCTL" --socket "$CD_SOCK" --timeout 2 port add "r$i" --kind ring --tenant "s$i" >/dev/null 2>&1; then
        echo "port r$i s$i" >>"$RUN/acked"
      fi
    fi
    if [ $i -gt 5 ]; then
      # A delete that was not acknowledged may or may not have happened.
      echo "try r$((i - 5))" >>"$RUN/acked"
      if "$YARDCTL" --socket "$CD_SOCK" --timeout 2 port del "r$((i - 5))" >/dev/null 2>&1; then
        echo "del r$((i - 5))" >>"$RUN/acked"
      fi
    fi
  done
}
: >"$RUN/acked"
bg stream
STREAM_PID=$BG_PID
for i in $(seq 1 "$RESTARTS"); do
  sleep "0.$((RANDOM % 6 + 3))"
  kill -KILL "$CD_PID"; wait "$CD_PID" 2>/dev/null
  start_controld
done
sleep 0.5
kill "$STREAM_PID" 2>/dev/null; wait "$STREAM_PID" 2>/dev/null
wait_in_sync 20
tenants=$(yard --json tenant list | jpath "' '.join(t['name'] for t in d.get('tenants', []))")
ports=$(yard --json port list | jpath "' '.join(p['port']['name'] + '@' + p['port'].get('tenant', '') for p in d.get('ports', []))")
deleted=$(awk '$1 == "del" || $1 == "try" {print $2}' "$RUN/acked" | tr '\n' ' ')
missing=0
while read -r kind name tenant; do
  case $kind in
    try) ;;
    tenant) [[ " $tenants " == *" $name "* ]] || { log "acknowledged tenant $name is missing"; missing=$((missing + 1)); } ;;
    port) [[ " $deleted " == *" $name "* ]] && continue
          [[ " $ports " == *" $name@$tenant "* ]] || { log "acknowledged port $name is missing"; missing=$((missing + 1)); } ;;
    del) [[ " $ports " == *" $name@"* ]] && { log "port $name was deleted (acknowledged) but is there"; missing=$((missing + 1)); } ;;
  esac
done <"$RUN/acked"
acked=$(grep -vc '^try' "$RUN/acked")
assert_eq "acknowledged changes missing after $RESTARTS controld kills" 0 "$missing"
# Nothing half-applied: every port stored has its tenant, and the dataplane
# holds exactly controld's ports.
assert_eq "ports whose tenant is missing" 0 "$(yard --json port list | jpath "sum(1 for p in d.get('ports', []) if p['port'].get('tenant') and p['port']['tenant'] not in '$tenants'.split())")"
total=$(yard --json port list | jpath "len(d.get('ports', []))")
assert_eq "ports up in the dataplane" "$total" "$(yard --json status | jpath "n(d['dataplane'].get('ports_up'))")"
log "MEASURED: controld kill -9 x$RESTARTS during a stream: $acked changes acknowledged, all present; $total ports in sync"
