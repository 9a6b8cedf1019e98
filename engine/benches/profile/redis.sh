#!/bin/bash
# CPU profile of `baton-bench --redis URL --loops 200` (1,000 executions) and of the
# redis-server it talks to (its own, on a free port, no save, no AOF), beside
# `redis-benchmark -q -t set -P 16 -n 200000` on the same server before and after.
# Usage: engine/benches/profile/redis.sh [BENCH_BINARY] [OUT_PREFIX]
#   defaults: target/release/baton-bench, /tmp/perf
# Writes OUT.data (`perf record -g` of the bench), OUT-redis.data (`perf record -g -p` of
# redis-server during that run) and OUT-dwarf.data (a second run, cpu-clock with DWARF call
# graphs, summarised into buckets by buckets.py); prints Redis's commandstats per transition.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
B=${1:-$HERE/../../../target/release/baton-bench}
OUT=${2:-/tmp/perf}
for tool in redis-server redis-cli redis-benchmark perf python3; do
  command -v $tool >/dev/null || { echo "missing: $tool"; exit 1; }
done
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
D=$(mktemp -d)
redis-server --port $P --dir $D --save "" --appendonly no --daemonize yes --logfile $D/log --pidfile $D/pid
trap 'redis-cli -p $P shutdown nosave >/dev/null 2>&1; rm -rf $D' EXIT
sleep 0.5
RPID=$(cat $D/pid)
URL=redis://127.0.0.1:$P
echo "redis-server $(redis-server --version | cut -d' ' -f3) on port $P (pid $RPID), bench: $B"
sets() { redis-benchmark -p $P -q -t set -P 16 -n 200000 2>/dev/null | grep -o "[0-9.]* requests per second" | cut -d' ' -f1; }
cpu() { redis-cli -p $P info cpu | grep -E "^used_cpu_(user|sys):" | cut -d: -f2 | tr -d '\r' | paste -sd+ | bc; }
tps() { grep -o '"transitions_per_sec":[0-9.]*' | tail -1 | cut -d: -f2; }
trans() { grep -o '"transitions":[0-9]*' | tail -1 | cut -d: -f2; }

echo "redis-benchmark SET -P16 before: $(sets) SET/s"
redis-cli -p $P config resetstat >/dev/null
c0=$(cpu)
perf record -q -g -p $RPID -o $OUT-redis.data 2>/dev/null &
PERF_REDIS=$!
sleep 0.5
perf record -q -g -o $OUT.data $B --redis $URL --loops 200 > $D/fp.out 2>&1
kill -INT $PERF_REDIS; wait $PERF_REDIS || true
c1=$(cpu)
T=$(trans < $D/fp.out)
echo "run 1 (perf record -g): $(tps < $D/fp.out) transitions/s, $T transitions; redis-server CPU $(echo "$c1-$c0" | bc) s"
echo "Redis per transition, by command (INFO commandstats; commands inside the script counted too):"
redis-cli -p $P info commandstats | tr -d '\r' | grep '^cmdstat_' | grep -vE 'cmdstat_(config|info)' |
  sed -E 's/^cmdstat_([^:]*):calls=([0-9]*),usec=([0-9]*),.*/\1 \2 \3/' |
  awk -v t=$T '$3/t >= 0.01 {printf "  %-16s %8.3f calls  %7.3f µs  (%.2f µs per call)\n", $1, $2/t, $3/t, $3/$2}' | sort -k4 -rn
echo "redis-server CPU by part (perf, leaf symbols; INFO cpu for the total):"
perf report -q -i $OUT-redis.data -g none --no-children --sort dso,sym --stdio 2>/dev/null |
  python3 $HERE/redis_buckets.py "$(command -v redis-server)" "$(echo "$c1-$c0" | bc)" $T
echo "redis-server, perf (self time, top 15):"
perf report -q -i $OUT-redis.data -g none --no-children --sort dso,sym --stdio 2>/dev/null | head -15
echo "redis-server, perf by object:"
perf report -q -i $OUT-redis.data -g none --no-children --sort dso --stdio 2>/dev/null | head -8

echo "baton-bench, perf (self time, top 12):"
perf report -q -i $OUT.data -g none --no-children --sort sym --stdio 2>/dev/null | head -12

perf record -q -e cpu-clock -F 499 --call-graph dwarf,16384 -o $OUT-dwarf.data $B --redis $URL --loops 200 > $D/dwarf.out 2>&1
T2=$(trans < $D/dwarf.out)
echo "run 2 (perf record --call-graph dwarf, slower under perf): $(tps < $D/dwarf.out) transitions/s, $T2 transitions"
perf script -i $OUT-dwarf.data -F comm,tid,period,ip,sym,dso 2>/dev/null | python3 $HERE/buckets.py $T2
/usr/bin/time -f "TIME %U %S" $B --redis $URL --loops 200 > $D/plain.out 2>&1
T3=$(trans < $D/plain.out)
echo "run 3 (no perf): $(tps < $D/plain.out) transitions/s; engine CPU $(grep TIME $D/plain.out |
  awk -v t=$T3 '{printf "%.2f s, %.2f µs per transition", $2+$3, ($2+$3)*1e6/t}')"
echo "redis-benchmark SET -P16 after: $(sets) SET/s"
