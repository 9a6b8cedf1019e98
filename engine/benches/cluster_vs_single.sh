#!/bin/bash
# baton-bench (1,000 executions x 50-round Pass/Choice loop, 256 partitions) on: one Redis;
# a 1-master cluster; a 3-master cluster; 3 masters + 3 replicas without and with
# --wait-replicas 1. Beside redis-benchmark SET -P16 on the single Redis. Per-process CPU:
# baton-bench from /usr/bin/time, each redis-server from INFO cpu before/after.
# Usage: engine/benches/cluster_vs_single.sh ROUNDS     (AOF off everywhere)
set -u
ROUNDS=${1:-3}
B="$(dirname "$0")/../../target/release/baton-bench"   # cargo build --release -p baton-engine --bin baton-bench
D=$(mktemp -d)
start() { mkdir -p $D/$1; redis-server --port $1 --dir $D/$1 --save "" --appendonly no --daemonize yes --logfile $D/$1/log ${2:-} >/dev/null; }
cl="--cluster-enabled yes --cluster-config-file nodes.conf"
start 7400
start 7410 "$cl"
for p in 7420 7421 7422; do start $p "$cl"; done
for p in 7430 7431 7432 7433 7434 7435; do start $p "$cl"; done
sleep 1
redis-cli -p 7410 cluster addslotsrange 0 16383 >/dev/null
redis-cli --cluster create 127.0.0.1:7420 127.0.0.1:7421 127.0.0.1:7422 --cluster-replicas 0 --cluster-yes >/dev/null 2>&1
redis-cli --cluster create 127.0.0.1:7430 127.0.0.1:7431 127.0.0.1:7432 127.0.0.1:7433 127.0.0.1:7434 127.0.0.1:7435 --cluster-replicas 1 --cluster-yes >/dev/null 2>&1
sleep 8   # replicas' first sync
cpu() { local t=0; for p in "$@"; do c=$(redis-cli -p $p info cpu | grep -E "used_cpu_(user|sys):" | cut -d: -f2 | tr -d '\r' | paste -sd+ | bc); t=$(echo "$t+$c" | bc); done; echo $t; }
bench() { # name ports... -- bench args
  local name=$1; shift; local ports=(); while [ "$1" != "--" ]; do ports+=($1); shift; done; shift
  local c0=$(cpu ${ports[@]})
  local out=$( { /usr/bin/time -f "TIME %U %S" $B "$@" --partitions 256 --executions 1000 --loops 50 ; } 2>&1 )
  local c1=$(cpu ${ports[@]})
  local tps=$(echo "$out" | grep -o '"transitions_per_sec":[0-9.]*' | cut -d: -f2)
  local secs=$(echo "$out" | grep -o '"seconds":[0-9.]*' | cut -d: -f2)
  local bcpu=$(echo "$out" | grep TIME | awk '{print $2+$3}')
  printf "  %-26s %8s t/s  %5.2f s  bench CPU %5.2f s  redis CPU %5.2f s\n" "$name" "$tps" "$secs" "$bcpu" "$(echo "$c1-$c0" | bc)"
}
for r in $(seq $ROUNDS); do
  base=$(redis-benchmark -p 7400 -q -t set -P 16 -n 200000 2>/dev/null | grep -o "[0-9.]* requests per second" | cut -d' ' -f1)
  echo "round $r: redis-benchmark SET -P16 on the single Redis: $base/s"
  bench "single Redis" 7400 -- --redis redis://127.0.0.1:7400
  bench "cluster, 1 master" 7410 -- --redis-cluster redis://127.0.0.1:7410
  bench "cluster, 3 masters" 7420 7421 7422 -- --redis-cluster redis://127.0.0.1:7420,redis://127.0.0.1:7421
  bench "3 masters + 3 replicas" 7430 7431 7432 7433 7434 7435 -- --redis-cluster redis://127.0.0.1:7430,redis://127.0.0.1:7431
  bench "  same, --wait-replicas 1" 7430 7431 7432 7433 7434 7435 -- --redis-cluster redis://127.0.0.1:7430,redis://127.0.0.1:7431 --wait-replicas 1
done
for p in 7400 7410 7420 7421 7422 7430 7431 7432 7433 7434 7435; do redis-cli -p $p shutdown nosave >/dev/null 2>&1; done
rm -rf $D
