#!/bin/bash
# Idle cost of partitions: one `baton worker` (cargo build -p baton-gateway --bin baton) on a
# fresh redis-server with no executions; Redis commands/s and CPU over 20 s.
# Usage: engine/benches/idle_partitions.sh PARTITIONS
P=$1; PORT=7199
redis-server --port $PORT --save "" --appendonly no --daemonize yes --logfile /tmp/idle-redis.log >/dev/null
sleep 0.5
"$(dirname "$0")"/../../target/debug/baton worker --redis redis://127.0.0.1:$PORT --partitions $P > /tmp/idle-worker.log 2>&1 &
W=$!
sleep 15
c1=$(redis-cli -p $PORT info stats | grep total_commands_processed | cut -d: -f2 | tr -d '\r')
u1=$(redis-cli -p $PORT info cpu | grep used_cpu_user: | cut -d: -f2 | tr -d '\r')
s1=$(redis-cli -p $PORT info cpu | grep used_cpu_sys: | cut -d: -f2 | tr -d '\r')
redis-cli -p $PORT config resetstat >/dev/null
sleep 20
c2=$(redis-cli -p $PORT info stats | grep total_commands_processed | cut -d: -f2 | tr -d '\r')
cpu=$(redis-cli -p $PORT info cpu | grep -E "used_cpu_(user|sys):" | cut -d: -f2 | tr -d '\r' | paste -sd+ | bc)
echo "partitions=$P commands/s=$(echo "scale=1; $c2/20" | bc) redis_cpu_ms_per_s=$(echo "scale=2; $cpu*1000/20" | bc) leases=$(redis-cli -p $PORT keys '*:lease' | wc -l)"
redis-cli -p $PORT info commandstats | grep -E "calls=" | sed 's/,usec_per.*//' | sort -t= -k2 -rn | head -8
kill $W; wait $W 2>/dev/null
redis-cli -p $PORT shutdown nosave >/dev/null 2>&1
