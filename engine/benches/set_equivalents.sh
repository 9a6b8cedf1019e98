#!/bin/bash
# Redis work per persisted transition, in pipelined SETs: on one fresh redis-server (free
# port, AOF off, everysec or always), ROUNDS times: `redis-benchmark -q -t set -P 16 -n
# 200000`, then `baton-bench --redis URL --loops 200` with each binary given, alternating.
# Prints, per run, transitions/s and Redis's CPU per transition (INFO cpu) and per SET, and
# the two ratios: SET/s ÷ transitions/s (what the machine gives: engine and Redis share its
# cores) and Redis CPU per transition ÷ per SET (Redis's own work).
# Usage: engine/benches/set_equivalents.sh [none|everysec|always] [ROUNDS] BENCH [BENCH…]
#   (cargo build --release -p baton-engine --bin baton-bench; BENCH defaults to that binary)
set -eu
MODE=${1:-none}
ROUNDS=${2:-3}
shift $(($# < 2 ? $# : 2))
HERE=$(cd "$(dirname "$0")" && pwd)
BINS=("$@")
[ ${#BINS[@]} -gt 0 ] || BINS=("$HERE/../../target/release/baton-bench")
for tool in redis-server redis-cli redis-benchmark python3; do
  command -v $tool >/dev/null || { echo "missing: $tool"; exit 1; }
done
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
D=$(mktemp -d)
case $MODE in
  none) AOF=(--appendonly no) ;;
  everysec | always) AOF=(--appendonly yes --appendfsync "$MODE") ;;
  *) echo "mode: none, everysec or always"; exit 2 ;;
esac
redis-server --port "$P" --dir "$D" --save "" "${AOF[@]}" --daemonize yes --logfile "$D/log" >/dev/null
trap 'redis-cli -p $P shutdown nosave >/dev/null 2>&1; rm -rf $D' EXIT
sleep 0.5
cpu() { redis-cli -p "$P" info cpu | tr -d '\r' | awk -F: '/^used_cpu_(sys|user):/{s+=$2} END{printf "%.6f", s}'; }
echo "redis-server $(redis-server --version | cut -d' ' -f3) on port $P, AOF: $MODE"
for r in $(seq "$ROUNDS"); do
  a=$(cpu)
  sets=$(redis-benchmark -p "$P" -q -t set -P 16 -n 200000 2>&1 | tr '\r' '\n' | grep -o "SET: [0-9.]*" | tail -1 | cut -d' ' -f2)
  b=$(cpu)
  set_us=$(python3 -c "print(($b - $a) / 200000 * 1e6)")
  printf "[%s] round %s: redis-benchmark SET -P16 %.0f SET/s, Redis CPU %.3f us per SET\n" "$MODE" "$r" "$sets" "$set_us"
  for bin in "${BINS[@]}"; do
    redis-cli -p "$P" flushall >/dev/null
    a=$(cpu)
    out=$("$bin" --redis "redis://127.0.0.1:$P" --loops 200 2>&1 | tail -1)
    b=$(cpu)
    echo "$out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
t, tps = d['transitions'], d['transitions_per_sec']
us = ($b - $a) / t * 1e6
print(f'[$MODE] round $r: {\"$bin\"}: {tps:,.0f} transitions/s ({t} transitions), Redis CPU {us:.2f} us per transition'
      f' -> {$sets / tps:.1f} SET-equivalents by throughput, {us / $set_us:.1f} by Redis CPU')"
  done
done
