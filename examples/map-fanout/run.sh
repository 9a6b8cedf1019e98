#!/usr/bin/env bash
# A Map over an HTTP API end to end: starts the catalog and pricing services on free
# ports, uploads fanout.asl.json (pointed at them) as the state machine "map-fanout", and
# runs one execution: the 8 products of the catalog's "books" category are quoted one HTTP
# task each, at most 3 at a time (MaxConcurrency). Checks the 8 quotes, in item order, and
# that the pricing service never saw more than 3 requests at once.
#
# Usage: BATON_ENDPOINT=http://127.0.0.1:8080 bash examples/map-fanout/run.sh
# Exits 0 when the result is the expected one, 1 otherwise.

EXAMPLE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=examples/lib.sh
source "$EXAMPLE_DIR/../lib.sh"

start_services
pricing=$(service_url pricing)
echo "services: catalog $(service_url catalog), pricing $pricing"

with_service_urls "$EXAMPLE_DIR/fanout.asl.json" >"$WORK/fanout.asl.json"
machine=$(api PUT /v1/state-machines/map-fanout \
    -H 'content-type: application/json' --data-binary @"$WORK/fanout.asl.json")
echo "state machine: map-fanout revision $(json_get revision <<<"$machine")"

# Start and wait up to 30 s for the end: 200 once it ended (202 if it still ran).
name="books-$RUN_ID"
view=$(api POST "/v1/state-machines/map-fanout/executions?wait=30" \
    -d '{"name": "'"$name"'", "input": {"category": "books", "discountPercent": 10}}')
[[ "$(json_get status <<<"$view")" == RUNNING ]] && view=$(wait_for_end map-fanout "$name")

status=$(json_get status <<<"$view")
count=$(json_get output.count <<<"$view")
prices=$(json_get output.newPrices <<<"$view")
stats=$(curl -sf --max-time 10 "$pricing/stats")
peak=$(json_get peak <<<"$stats")
echo "$name  $status  $count quotes, new prices $prices"
echo "the pricing service got $(json_get requests <<<"$stats") requests, at most $peak at once"

expected='[9.9,10.8,11.7,12.6,13.5,14.4,15.3,16.2]'
[[ "$status" == SUCCEEDED ]] || fail "expected SUCCEEDED, got $status $(json_get error <<<"$view")"
[[ "$prices" == "$expected" ]] || fail "expected the new prices $expected"
((peak >= 1 && peak <= 3)) || fail "expected at most 3 quotes at once (MaxConcurrency), saw $peak"
echo "map-fanout: OK, 8 products quoted, at most $peak at a time"
