#!/usr/bin/env python3
"""Where a callback's time goes: lines up the bench's `--timeline` CSV with the
`redis-cli monitor` output of `--monitor` (both in Unix time) and prints percentiles of
each stage of the path from the scheduled send to the next state's Task request.

    cargo bench -p baton-tests --bench callback_latency -- --parked 20000 --rate 1000 \
        --seconds 10 --timeline /tmp/tl.csv --monitor /tmp/mon.txt
    python3 tests/benches/callback_latency/stages.py /tmp/tl.csv /tmp/mon.txt

Stages (Redis times are when Redis ran the command):
  sender      scheduled -> the harness's request task ran
  gateway     sent -> `deliver_callback` ran in Redis (HTTP, token check, script call)
  wake        deliver -> the partition's `read_queue` claim ran (doorbell, read loop)
  dispatch    claim -> the actor's `load` ran (routing, actor start)
  apply       load -> the first commit ran (record decoded, callback applied)
  commit→2nd  first commit -> second commit ran (reply, next state computed)
  →Task       second commit -> the Task request arrived (reply, HTTP request)
"""

import csv
import re
import sys
from collections import defaultdict

TOKEN = re.compile(r'"((?:[^"\\]|\\.)*)"')


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    rank = max(1, min(len(values), int(-(-q * len(values) // 1))))
    return values[rank - 1]


def main(timeline_path, monitor_path):
    deliver, loads = {}, {}
    commits = defaultdict(list)
    claims = defaultdict(list)  # partition -> times
    part = {}
    with open(monitor_path, errors="replace") as f:
        for line in f:
            if " lua] " in line or '"EVALSHA"' not in line[:80]:
                continue
            ts = float(line.split(" ", 1)[0]) * 1e6
            args = TOKEN.findall(line)
            nkeys = int(args[2])
            keys, argv = args[3 : 3 + nkeys], args[3 + nkeys :]
            if nkeys == 4 and ":k:" in keys[0] and len(argv) > 2 and argv[2] == "f":
                p, _, ex = keys[0].partition("}:k:")
                deliver.setdefault(ex, ts)
                part[ex] = p
            elif nkeys == 2 and keys[1].endswith(":q") and argv[1:2] == [">"]:
                claims[keys[0].rsplit("}", 1)[0]].append(ts)
            elif nkeys == 1 and ":x:" in keys[0]:
                loads.setdefault(keys[0].split("}:x:", 1)[1], []).append(ts)
            elif nkeys > 6 and keys[0].endswith(":lease"):
                for k in keys[6:]:
                    if "}:x:" in k:
                        commits[k.split("}:x:", 1)[1]].append(ts)
    stages = defaultdict(list)
    with open(timeline_path) as f:
        for row in csv.DictReader(f):
            ex = f"cb:e{row['i']}"
            if not row["entered"] or ex not in deliver:
                continue
            sched, sent, entered = (float(row[k]) for k in ("scheduled", "sent", "entered"))
            d = deliver[ex]
            claim = next((t for t in claims[part[ex]] if t >= d), None)
            load = next((t for t in loads.get(ex, []) if t >= d), None)
            c = [t for t in commits.get(ex, []) if t >= d]
            if claim is None or load is None or len(c) < 2:
                continue
            for name, a, b in (
                ("sender", sched, sent),
                ("gateway", sent, d),
                ("wake", d, claim),
                ("dispatch", claim, load),
                ("apply", load, c[0]),
                ("commit→2nd", c[0], c[1]),
                ("→Task", c[1], entered),
                ("total", sched, entered),
            ):
                stages[name].append((b - a) / 1e3)
    n = len(stages["total"])
    print(f"{n} callbacks lined up; stage times in ms")
    print(f"{'stage':<12} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8} {'mean':>8}")
    for name, v in stages.items():
        print(
            f"{name:<12} {pct(v, .5):8.3f} {pct(v, .9):8.3f} {pct(v, .99):8.3f} "
            f"{max(v):8.3f} {sum(v) / len(v):8.3f}"
        )


if __name__ == "__main__":
    main(*sys.argv[1:3])
