#!/usr/bin/env bash
# A human approval end to end: starts the notifier on a free port, uploads approval.asl.json
# (pointed at it) as the state machine "human-approval", and runs two expenses. Each waits
# in the Callback state "Ask for approval" until the notifier has its task token; then this
# script answers in place of the person who would use the console's page
# /ui/callbacks/{token}:
#
#   1. approved (POST /v1/callbacks/{token}/success {"approved": true, …}) -> SUCCEEDED,
#      and the employee is told
#   2. rejected ({"approved": false, …}) -> FAILED ExpenseRejected
#
# It also shows where the execution waits (describe's currentStates) and what the token
# waits for (GET /v1/callbacks/{token}), sends a heartbeat, and checks that a token answers
# only once (a second answer is refused: 409 TaskTimedOut while the execution runs, 404
# TaskDoesNotExist once it ended).
#
# Usage: BATON_ENDPOINT=http://127.0.0.1:8080 bash examples/human-approval/run.sh
# Exits 0 when both ended as expected, 1 otherwise.

EXAMPLE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=examples/lib.sh
source "$EXAMPLE_DIR/../lib.sh"

start_services
notifier=$(service_url notifier)
echo "services: notifier $notifier"

with_service_urls "$EXAMPLE_DIR/approval.asl.json" >"$WORK/approval.asl.json"
machine=$(api PUT /v1/state-machines/human-approval \
    -H 'content-type: application/json' --data-binary @"$WORK/approval.asl.json")
echo "state machine: human-approval revision $(json_get revision <<<"$machine")"

# The task token the notifier received for execution NAME (waits up to 10 s for it).
token_for() {
    local request
    for _ in $(seq 50); do
        if request=$(curl -sf --max-time 10 "$notifier/approvals/$1"); then
            json_get token <<<"$request"
            return 0
        fi
        sleep 0.2
    done
    fail "the notifier got no approval request for $1"
}

ok=true
expense() { # NAME APPROVED EXPECTED-STATUS
    local name="$1" token view status
    api POST /v1/state-machines/human-approval/executions -d '{
      "name": "'"$name"'",
      "input": {"expense": {"employee": "alice", "amount": 120,
                            "reason": "a conference ticket"}}}' >/dev/null
    token=$(token_for "$name")
    echo "$name waits in 'Ask for approval'; a person would answer at $BATON/ui/callbacks/$token"
    # Where the execution is, and what the approval page shows (no credential needed: the
    # token is the capability).
    view=$(api GET "/v1/state-machines/human-approval/executions/$name")
    echo "  describe: $(json_get currentStates.0.name <<<"$view") is $(json_get currentStates.0.status <<<"$view")"
    info=$(api GET "/v1/callbacks/$token")
    echo "  GET /v1/callbacks/{token}: state '$(json_get state <<<"$info")', outcome $(json_get outcome <<<"$info"), parameters $(json_get parameters <<<"$info")"
    [[ "$(json_get outcome <<<"$info")" == WAITING ]] || { echo "  expected WAITING" >&2; ok=false; }
    # Still thinking: a heartbeat restarts the HeartbeatSeconds clock.
    api POST "/v1/callbacks/$token/heartbeat" >/dev/null
    api POST "/v1/callbacks/$token/success" \
        -d '{"approved": '"$2"', "by": "bob", "comment": "decided by bob"}' >/dev/null
    # A token answers once: 409 TaskTimedOut while the execution still runs, 404
    # TaskDoesNotExist once it ended (this one ends within milliseconds of the answer).
    again=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X POST "$BATON/v1/callbacks/$token/success" -d '{}')
    [[ "$again" == 409 || "$again" == 404 ]] \
        || { echo "  a second answer got $again, not 409 or 404" >&2; ok=false; }
    echo "  a second answer was refused with $again"
    view=$(wait_for_end human-approval "$name")
    status=$(json_get status <<<"$view")
    if [[ "$status" == SUCCEEDED ]]; then
        echo "$name  $status  decision $(json_get output.decision <<<"$view")"
    else
        echo "$name  $status  $(json_get error <<<"$view"): $(json_get cause <<<"$view")"
    fi
    [[ "$status" == "$3" ]] || { echo "  expected $3" >&2; ok=false; }
}
expense "expense-1-$RUN_ID" true SUCCEEDED
expense "expense-2-$RUN_ID" false FAILED

told=$(curl -sf --max-time 10 "$notifier/notifications")
echo "the employee was told: $(json_get 0.text <<<"$told")"
[[ "$(json_get 0.to <<<"$told")" == alice && -z "$(json_get 1 <<<"$told")" ]] \
    || { echo "  expected one message to alice" >&2; ok=false; }

$ok || fail "an expense did not end as expected"
echo "human-approval: OK, 1 expense approved and 1 rejected"
