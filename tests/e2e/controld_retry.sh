#!/usr/bin/env bash
# A dataplane that hangs mid-change: controld's Apply times out, the change
# is kept (it was acknowledged), `yardctl status` says out of sync with the
# error, and controld keeps retrying with backoff, so once the dataplane
# runs again it is brought to the desired state with no further command.
source "$(dirname "$0")/lib.sh"

A=${P}a B=${P}b
mk_netns "$A" "$B"
start_dataplane
start_controld --dataplane-timeout 500
must yard tenant add red
must yard port add "$A" --kind tap --tenant red --netns "$A" --ip 10.0.0.1/24
wait_in_sync

kill -STOP "$DP_PID"
log "dataplane stopped (SIGSTOP)"
out=$(yard port add "$B" --kind tap --tenant red --netns "$B" --ip 10.0.0.2/24 2>&1)
assert_contains "port add while the dataplane hangs is kept" "$B" "$out"
json=$(yard --json status)
assert_eq "out of sync" True "$(echo "$json" | jpath "d['dataplane'].get('out_of_sync', False)")"
assert_eq "not in sync" False "$(echo "$json" | jpath "d['dataplane'].get('in_sync', False)")"
assert_contains "last error" "Deadline Exceeded" "$(echo "$json" | jpath "d['dataplane']['last_error']")"
# Retries keep failing (and backing off) while it hangs.
must_wait 10 "at least 3 failed attempts" \
  "[ \"\$(yard --json status | jpath \"n(d['dataplane'].get('failed_attempts'))\")\" -ge 3 ]"
assert_contains "human status" "OUT OF SYNC" "$(yard status)"

kill -CONT "$DP_PID"
log "dataplane resumed (SIGCONT)"
wait_in_sync 15
assert_eq "failed attempts after repair" 0 "$(yard --json status | jpath "n(d['dataplane'].get('failed_attempts'))")"
assert_ping "$A" 10.0.0.2
