#!/usr/bin/env bash
# controld is not on the data path: kill -9 it under traffic and nothing is
# lost; restart it on the same database and it finds the dataplane already
# in sync, so it touches nothing (no Sync, same instance and generation).
source "$(dirname "$0")/lib.sh"

A=${P}a B=${P}b
mk_netns "$A" "$B"

start_dataplane --mac-aging 60
start_controld
must yard tenant add red
must yard tenant add blue --vlan 42 --mac-limit 100
must yard port add "$A" --kind tap --tenant red --netns "$A" --ip 10.0.0.1/24
must yard port add "$B" --kind tap --tenant red --netns "$B" --ip 10.0.0.2/24 --mtu 1400
wait_in_sync
assert_ping "$A" 10.0.0.2

config() {  # the desired state as controld reports it
  yard --json tenant list | jpath "json.dumps(d, sort_keys=True)"
  yard --json port list | jpath "json.dumps([v['port'] for v in d['ports']], sort_keys=True)"
}
CONFIG_BEFORE=$(config)
STATUS=$(yard --json status)
INSTANCE=$(echo "$STATUS" | jpath "d['dataplane']['instance_id']")
GEN=$(echo "$STATUS" | jpath "d['dataplane']['generation']")
assert_eq "controld generation == dataplane generation" "$(echo "$STATUS" | jpath "d['generation']")" "$GEN"
SYNCS_BEFORE=$(grep -c "sync to generation" "$DP_LOG")
DP_LINES_BEFORE=$(wc -l <"$DP_LOG")
log "dataplane instance $INSTANCE at generation $GEN, $SYNCS_BEFORE sync lines in its log"

# 60 pings at 0.1 s; kill -9 controld a second in, restart it 2 s later.
bg ip netns exec "$A" ping -i 0.1 -c 60 -W 1 10.0.0.2 >"$RUN/ping.out" 2>&1
PING_PID=$BG_PID
sleep 1
kill9 "$CD_PID"
log "controld killed (-9)"
assert_eq "yard status exit code with controld dead" 3 "$(yard status >/dev/null 2>&1; echo $?)"
sleep 2
start_controld
log "controld restarted on the same db"
wait_in_sync
wait "$PING_PID"
RECEIVED=$(sed -n 's/.* \([0-9][0-9]*\) received.*/\1/p' "$RUN/ping.out")
log "ping across the controld kill/restart: $(grep 'packets transmitted' "$RUN/ping.out")"
assert_ge "echo replies of 60 (at most 1 lost)" 59 "${RECEIVED:-0}"

assert_eq "tenant and port configuration after restart" "$CONFIG_BEFORE" "$(config)"
STATUS=$(yard --json status)
assert_eq "dataplane instance after controld restart" "$INSTANCE" "$(echo "$STATUS" | jpath "d['dataplane']['instance_id']")"
assert_eq "dataplane generation after controld restart" "$GEN" "$(echo "$STATUS" | jpath "d['dataplane']['generation']")"
assert_eq "controld generation after restart" "$GEN" "$(echo "$STATUS" | jpath "d['generation']")"
assert_eq "full syncs by the new controld" 0 "$(echo "$STATUS" | jpath "n(d['dataplane']['full_syncs'])")"
NEW_LINES=$(tail -n +$((DP_LINES_BEFORE + 1)) "$DP_LOG")
[ -z "$NEW_LINES" ] || log "dataplane log since the restart:
$NEW_LINES"
assert_eq "new 'sync to generation' lines in the dataplane log" "$SYNCS_BEFORE" "$(grep -c "sync to generation" "$DP_LOG")"
assert_ping "$A" 10.0.0.2
assert_eq "kernel MTU of B kept" 1400 "$(ip -n "$B" -o link show dev "$B" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')"
assert_eq "kernel address of B kept" "10.0.0.2/24" "$(ip -n "$B" -o -4 addr show dev "$B" | awk '{print $4}')"

# And the restarted controld still programs the dataplane.
must yard port del "$B"
must_wait 5 "port $B gone from the dataplane" \
  "[ \"\$(yard --json status | jpath \"d['dataplane']['ports_total']\")\" = 1 ]"
wait_in_sync
