#!/usr/bin/env python3
"""Where baton-bench's CPU time goes, from `perf script` of a DWARF call-graph profile.

    perf script -i FILE -F comm,tid,period,ip,sym,dso | buckets.py TRANSITIONS

Each sample goes to one bucket: the leaf decides for the kernel and mimalloc; otherwise the
innermost frame of a known owner (walking from the leaf towards main) decides. serde_json,
std and libc frames are not owners, so the serialization the core does for its history
counts as core, and the record encoding for Redis counts as encoding. The periods of a
cpu-clock profile are nanoseconds of CPU, so the buckets add up to the process's CPU time.
"""
import re
import sys
from collections import Counter

OWNERS = [  # (bucket, regex on a frame's symbol), tried in order on each frame
    ("core apply (machine::apply, definitions)", r"^(baton_engine::machine::|baton_definitions::|<baton_definitions::|<baton_engine::machine::)"),
    ("record/segment encoding (serde)", r"^(<?baton_engine::store::record::|<?baton_engine::store::redis::commit::Segment|<?baton_engine::store::redis::commit::parts)"),
    ("Redis client (redis crate: encode, parse, I/O)", r"^<?redis::"),
    ("Redis store (other: queue, bell, commit_batch)", r"^<?baton_engine::store::redis::"),
    ("memory store", r"^<?baton_engine::store::memory::"),
    ("committer", r"^<?baton_engine::worker::committer::"),
    ("worker, actor (other)", r"^<?baton_engine::worker::"),
    ("tokio scheduling", r"^<?tokio::"),
    ("bench (start, load)", r"^<?baton_bench::"),
]
LEAF = [
    ("kernel/syscalls", lambda sym, dso: dso.startswith("[kernel") or dso == "[unknown]" and sym.startswith("0xffff")),
    ("mimalloc", lambda sym, dso: re.match(r"^_?mi_", sym) is not None),
]


def owner(frames):
    for sym, _ in frames:
        for bucket, rx in OWNERS:
            if re.match(rx, sym):
                return bucket
    return "other (std, libc, serde_json outside an owner)"


def leaf(frames):
    if frames:
        sym, dso = frames[0]
        for bucket, test in LEAF:
            if test(sym, dso):
                return bucket
    return None


def samples(lines):
    period, frames = None, []
    for line in lines:
        if not line.strip():
            if period is not None:
                yield period, frames
            period, frames = None, []
        elif not line[0].isspace():
            parts = line.split()
            period = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 1
        else:
            m = re.match(r"\s*[0-9a-f]+\s+(.*?)(?:\+0x[0-9a-f]+)?\s+\((.*)\)\s*$", line)
            if m:
                frames.append((m.group(1), m.group(2)))
    if period is not None:
        yield period, frames


def main():
    transitions = int(sys.argv[1])
    total, buckets, under = 0, Counter(), Counter()
    for period, frames in samples(sys.stdin):
        total += period
        low = leaf(frames)
        buckets[low or owner(frames)] += period
        if low:
            under[(low, owner(frames))] += period
    print(f"{'bucket':52} {'share':>6} {'µs/transition':>14}")
    for bucket, ns in buckets.most_common():
        print(f"{bucket:52} {100 * ns / total:5.1f}% {ns / 1000 / transitions:14.3f}")
    print(f"{'total CPU':52} {100.0:5.1f}% {total / 1000 / transitions:14.3f}  ({total / 1e9:.2f} s)")
    print("mimalloc and kernel time by the code that called them:")
    for (low, by), ns in under.most_common():
        if ns / total >= 0.005:
            print(f"  {low + ' under ' + by:70} {100 * ns / total:5.1f}% {ns / 1000 / transitions:8.3f}")


if __name__ == "__main__":
    main()
