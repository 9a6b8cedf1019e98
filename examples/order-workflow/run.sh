#!/usr/bin/env bash
# The order workflow end to end: starts the inventory, payment and shipping services on
# free ports, uploads order.asl.json (pointed at them) as the state machine
# "order-workflow", runs three orders to their end and checks how each ended:
#
#   1. a good card      -> SUCCEEDED, with a tracking number (Reserve stock retried once)
#   2. a declined card  -> FAILED PaymentDeclined (the Choice's Default released the stock)
#   3. an unknown item  -> FAILED OutOfStock (the 409 caught by Reserve stock's Catch)
#
# Usage: BATON_ENDPOINT=http://127.0.0.1:8080 bash examples/order-workflow/run.sh
# Exits 0 when all three ended as expected, 1 otherwise.

EXAMPLE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=examples/lib.sh
source "$EXAMPLE_DIR/../lib.sh"

start_services
echo "services: inventory $(service_url inventory), payment $(service_url payment), shipping $(service_url shipping)"

# Upload the definition (a new revision when the machine exists).
with_service_urls "$EXAMPLE_DIR/order.asl.json" >"$WORK/order.asl.json"
machine=$(api PUT /v1/state-machines/order-workflow \
    -H 'content-type: application/json' --data-binary @"$WORK/order.asl.json")
echo "state machine: order-workflow revision $(json_get revision <<<"$machine")"

# Start the three orders; they run side by side.
start_order() { # NAME CARD SKU
    api POST /v1/state-machines/order-workflow/executions -d '{
      "name": "'"$1"'",
      "input": {"orderId": "'"$1"'", "amount": 42.5, "card": "'"$2"'",
                "items": [{"sku": "'"$3"'", "quantity": 1}],
                "address": "1 Main Street, Springfield"}}' >/dev/null
}
good="o1-$RUN_ID" declined="o2-$RUN_ID" unknown="o3-$RUN_ID"
start_order "$good" 4242424242424242 book
start_order "$declined" 4000000000000002 book
start_order "$unknown" 4242424242424242 unicorn

ok=true
check() { # NAME EXPECTED-STATUS EXPECTED-ERROR-OR-TRACKING
    local view status detail
    view=$(wait_for_end order-workflow "$1")
    status=$(json_get status <<<"$view")
    if [[ "$status" == SUCCEEDED ]]; then
        detail=$(json_get output.trackingNumber <<<"$view")
        echo "$1  $status  $(json_get output.message <<<"$view")"
    else
        detail=$(json_get error <<<"$view")
        echo "$1  $status  $detail: $(json_get cause <<<"$view")"
    fi
    if [[ "$status" != "$2" || "$detail" != "$3" ]]; then
        echo "  expected $2 $3, got $status $detail" >&2
        ok=false
    fi
}
check "$good" SUCCEEDED "TRK-$good"
check "$declined" FAILED PaymentDeclined
check "$unknown" FAILED OutOfStock

# The first order's history: Reserve stock was sent twice (503, then the retry).
history=$(api GET "/v1/state-machines/order-workflow/executions/$good/history?limit=1000")
sent=$("$PYTHON" -c '
import json, sys
events = json.load(sys.stdin)["events"]
print(sum(1 for e in events if e["type"] == "TaskScheduled"
          and e["taskScheduledEventDetails"]["resource"].endswith("/reservations")))
' <<<"$history")
echo "$good: Reserve stock was sent $sent times (the first got 503 and was retried)"
[[ "$sent" == 2 ]] || { echo "  expected 2" >&2; ok=false; }

$ok || fail "an order did not end as expected"
echo "order-workflow: OK, 3 orders ended as expected"
