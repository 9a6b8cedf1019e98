#!/bin/bash
# The Lua cost of packing parked executions (lua/packed.lua, issue #11): on a fresh
# redis-server (free port, no persistence), `baton-bench --parked 2000` parks executions
# (packed), then each packed.lua given — a path, or `REV:` for the file at a git revision —
# decodes, unpacks and packs one of them ITERATIONS times in one script (loop.lua),
# alternating over ROUNDS. Prints µs per step (redis `TIME` around each: ~1 µs included).
# Usage: engine/benches/packed_lua.sh [ROUNDS (3)] [ITERATIONS (5000)] [PACKED_LUA…]
#   (cargo build --release -p baton-engine --bin baton-bench first; PACKED_LUA defaults to
#   the working tree's)
set -eu
ROUNDS=${1:-3}
N=${2:-5000}
shift $(($# < 2 ? $# : 2))
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SOURCES=("$@")
[ ${#SOURCES[@]} -gt 0 ] || SOURCES=("$ROOT/engine/src/store/redis/lua/packed.lua")
for tool in redis-server redis-cli python3; do
  command -v $tool >/dev/null || { echo "missing: $tool"; exit 1; }
done
P=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
D=$(mktemp -d)
redis-server --port "$P" --dir "$D" --save "" --appendonly no --daemonize yes --logfile "$D/log" >/dev/null
trap 'redis-cli -p $P shutdown nosave >/dev/null 2>&1; rm -rf $D' EXIT
sleep 0.5
"$ROOT/target/release/baton-bench" --redis "redis://127.0.0.1:$P" --parked 2000 >"$D/bench" 2>&1 || { cat "$D/bench"; exit 1; }
KEY=$(redis-cli -p "$P" --scan --pattern '*}:x:park:e1*' | head -1)
[ "$(redis-cli -p "$P" type "$KEY")" = string ] || { echo "$KEY is not packed"; exit 1; }
i=0
for src in "${SOURCES[@]}"; do
  i=$((i + 1))
  case $src in
    *:) git -C "$ROOT" show "${src%:}:engine/src/store/redis/lua/packed.lua" >"$D/$i.lua" ;;
    *) cat "$src" >"$D/$i.lua" ;;
  esac
  cat "$HERE/packed_lua/loop.lua" >>"$D/$i.lua"
done
echo "redis-server $(redis-server --version | cut -d' ' -f3) on port $P; $KEY: $(redis-cli -p "$P" strlen "$KEY") bytes packed"
for r in $(seq "$ROUNDS"); do
  i=0
  for src in "${SOURCES[@]}"; do
    i=$((i + 1))
    # Every version reads the string the one before it packed (one format, `#1`).
    redis-cli -p "$P" --eval "$D/$i.lua" "$KEY" "${KEY/:x:/:h:}" "${KEY/:x:/:k:}" , "$N" | tr '\n' ' ' |
      awk -v r="$r" -v s="$src" '{printf "round %s %s: decode %.1f us, unpack %.1f us, pack %.1f us (%s bytes)\n", r, s, $1, $2, $3, $4}'
  done
done
