#!/bin/sh
# Forms the Redis Cluster of overlays/redis-cluster once its six pods answer: three
# masters, each with one replica. Run by the Job baton-redis-cluster-init; safe to run
# again (delete the Job and apply again): on a formed cluster it only introduces the
# nodes to each other again, which repairs their addresses after every pod restarted
# with a new IP at once.
set -eu

# The six nodes (pod DNS names of the StatefulSet, or addresses).
hosts=${REDIS_CLUSTER_HOSTS:-$(for i in 0 1 2 3 4 5; do echo "baton-redis-cluster-$i.baton-redis-headless"; done)}
REDISCLI_AUTH=$(cat "${REDIS_PASSWORD_FILE:-/run/secrets/redis/password}")
export REDISCLI_AUTH

addrs=""
for host in $hosts; do
  # redis-cli --cluster create and CLUSTER MEET take addresses, not names.
  until case $host in
    *[!0-9.]*) ip=$(getent hosts "$host" | awk '{ print $1; exit }') ;;
    *) ip=$host ;;
  esac && [ -n "$ip" ] && [ "$(redis-cli -h "$ip" ping 2>/dev/null)" = PONG ]; do
    echo "waiting for $host to answer"
    sleep 3
  done
  addrs="$addrs $ip:6379"
done
first=$(echo "$addrs" | awk '{ print $1 }')
first_ip=${first%:*}

assigned=$(redis-cli -h "$first_ip" cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')
if [ "$assigned" = 16384 ]; then
  echo "the cluster is formed already: introducing the nodes to each other again"
  for addr in $addrs; do
    redis-cli -h "$first_ip" cluster meet "${addr%:*}" 6379 >/dev/null
  done
else
  echo "forming the cluster of$addrs"
  # $addrs is split into one argument per node on purpose.
  # shellcheck disable=SC2086
  redis-cli --cluster create $addrs --cluster-replicas 1 --cluster-yes
fi

tries=0
until redis-cli -h "$first_ip" cluster info | tr -d '\r' | grep -qx 'cluster_state:ok' &&
  redis-cli --cluster check "$first" >/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ]; then
    redis-cli --cluster check "$first" >&2 || true
    echo "the cluster did not become consistent with cluster_state:ok" >&2
    exit 1
  fi
  sleep 3
done
redis-cli --cluster check "$first"
echo "the Redis Cluster is ok"
