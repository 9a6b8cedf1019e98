#!/usr/bin/env python3
"""redis-server's CPU by part, from `perf report` of a (stripped)
redis-server: the leaf of each sample decides. Debian's redis-server has no symbols for
Lua's internals, so addresses inside the Lua library's range of the binary (from its
first to its last exported lua_/luaL_/luaopen_ symbol, read with `nm -D`) count as Lua.

    perf report -q -i FILE -g none --no-children --sort dso,sym --stdio \
        | redis_buckets.py /usr/bin/redis-server CPU_SECONDS TRANSITIONS
"""
import re
import subprocess
import sys
from collections import Counter


def lua_range(binary):
    out = subprocess.run(["nm", "-D", "--defined-only", binary], capture_output=True, text=True).stdout
    addrs = [int(a, 16) for a, _, name in (l.split() for l in out.splitlines() if len(l.split()) == 3)
             if re.match(r"^(lua_|luaL_|luaopen_)", name)]
    return min(addrs), max(addrs) + 0x1000


def bucket(dso, sym, lua):
    addr = int(sym, 16) if re.match(r"^0x[0-9a-f]+$", sym) else None
    if dso.startswith("[kernel"):
        return "kernel (network I/O, syscalls)"
    if "jemalloc" in dso:
        return "jemalloc"
    if "libc" in dso:
        return "libc (memmove, strtod, …)"
    if re.match(r"^(lua_|luaL_|luaopen_)", sym) or (addr is not None and lua[0] <= addr < lua[1]):
        return "Lua VM and its libraries (cjson, …)"
    if re.match(r"^(lua|script|eval|redisProtocolToLuaType)", sym):
        return "Redis's script glue (Lua <-> Redis calls)"
    if "vdso" in dso:
        return "vdso (clock)"
    return "Redis commands, keyspace, encodings, networking"


def main():
    binary, seconds, transitions = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    lua = lua_range(binary)
    buckets = Counter()
    for line in sys.stdin:
        m = re.match(r"^\s*([0-9.]+)%\s+(\S+)\s+\[.\]\s+(\S+)", line)
        if m:
            buckets[bucket(m.group(2), m.group(3), lua)] += float(m.group(1))
    total = sum(buckets.values())
    us = seconds * 1e6 / transitions
    print(f"{'redis-server part':50} {'share':>6} {'µs/transition':>14}")
    for b, pct in buckets.most_common():
        print(f"{b:50} {100 * pct / total:5.1f}% {us * pct / total:14.3f}")
    print(f"{'total (INFO cpu: used_cpu_user + used_cpu_sys)':50} {100.0:5.1f}% {us:14.3f}")


if __name__ == "__main__":
    main()
