#!/bin/bash
# One execution through the REST API: a Pass/Choice loop of ROUNDS rounds (2*ROUNDS+2
# transitions), started with `?wait=60` against `baton serve --redis` on a fresh
# redis-server with AOF everysec (or the given --appendfsync). Beside it in the same run:
# `redis-benchmark -q -t set -P 16 -n 200000` on the same server.
# Usage: engine/benches/one_execution.sh [RUNS] [ROUNDS] [everysec|always|no] [BATON_BINARY]
# (cargo build --release -p baton-gateway --bin baton)
set -eu
RUNS=${1:-3}
ROUNDS=${2:-5000}
FSYNC=${3:-everysec}
BIN=${4:-$(dirname "$0")/../../target/release/baton}
D=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RP=$(free_port)
HP=$(free_port)
redis-server --port "$RP" --dir "$D" --save "" --appendonly yes --appendfsync "$FSYNC" \
  --daemonize yes --logfile "$D/redis.log" >/dev/null
"$BIN" serve --redis "redis://127.0.0.1:$RP" --listen "127.0.0.1:$HP" --partitions 16 \
  --log-format json >"$D/baton.log" 2>&1 &
BATON=$!
trap 'kill $BATON 2>/dev/null; redis-cli -p $RP shutdown nosave >/dev/null 2>&1; rm -rf $D' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$HP/health" >/dev/null && break; sleep 0.1; done
DEF='{"StartAt": "Init", "States": {
  "Init": {"Type": "Pass", "Parameters": {"i": 0, "n.$": "$.n"}, "Next": "Loop"},
  "Loop": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n"}, "Next": "Check"},
  "Check": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Loop"}], "Default": "Done"},
  "Done": {"Type": "Succeed"}}}'
curl -sf -X PUT "http://127.0.0.1:$HP/v1/state-machines/loop" -H 'content-type: application/json' \
  -d "$DEF" >/dev/null
echo "redis-server $(redis-server --version | grep -o 'v=[0-9.]*'), appendfsync $FSYNC; $ROUNDS rounds"
for r in $(seq "$RUNS"); do
  SET=$(redis-benchmark -p "$RP" -q -t set -P 16 -n 200000 2>/dev/null | grep -o '[0-9.]* requests per second' | cut -d' ' -f1)
  OUT=$(curl -s -w '\n%{time_total}' -X POST "http://127.0.0.1:$HP/v1/state-machines/loop/executions?wait=60" \
    -H 'content-type: application/json' -d "{\"name\": \"run$r\", \"input\": {\"n\": $ROUNDS}}")
  SECS=$(echo "$OUT" | tail -1)
  STATUS=$(echo "$OUT" | head -1 | grep -o '"status":"[A-Z]*"' | head -1)
  EVENTS=$(curl -s "http://127.0.0.1:$HP/v1/state-machines/loop/executions/run$r/history?limit=1&order=desc" | grep -o "\"id\":[0-9]*" | head -1 | cut -d: -f2)
  TPS=$(python3 -c "print(round($((2 * ROUNDS + 2)) / $SECS))")
  echo "run $r: $STATUS $((2 * ROUNDS + 2)) transitions in ${SECS} s = $TPS transitions/s ($EVENTS history events); redis-benchmark SET -P16 $SET/s"
done
