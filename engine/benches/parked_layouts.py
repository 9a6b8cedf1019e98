#!/usr/bin/env python3
"""Redis bytes of one parked execution under other key layouts (issue #11's 1 KB target).

Starts its own redis-server (free port, no persistence), writes N synthetic executions as a
parked one of `baton-bench --parked` is stored (record hash, tokens hash, history list, a
timer and an index member), then the same data in other layouts, and prints used_memory
per execution for each. The values are copies of what Baton writes (taken from a real run);
only the layout changes. Then the packed form proposed in docs/parked-layout-plan.md (one
string per parked execution, `#1|<seq>|<base>|<nF>|<nK>|<nE>|` then `<len>:<bytes>` items),
step by step as the plan adds its compactions (each row includes the ones above it): P the
values as they are, T1 the task token as key id + nonce + tag, H the head without what the id
gives, D the input once (a NUL byte for each other copy), S event times as offsets from the
start, A the state machine ARN derived. Usage: engine/benches/parked_layouts.py [N]
"""
import os, socket, subprocess, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
P = "bench1796602328025:{p2}:"  # the benchmark's prefix and a partition tag
TOKEN = "bt1_AQAAAAABAAdwYXJrOmUyABFXYWl0IGZvciBhcHByb3ZhbEwACz16WRQPSPn-hdy5nVa1a5SvMoWwwA"
INPUT = '{"order":12345,"customer":"c-1"}'
FRAME = ('{"s":"Wait for approval","in":%s,"en":2,"et":1796602328069,"le":4,'
         '"x":{"T":{"a":1,"tk":"%s","sb":true,"hb":1}}}' % (INPUT, TOKEN))
HEAD = ('{"id":"park:e%d","sm":"park","rev":1,"name":"e%d","st":"RUNNING","t0":1796602328066,'
        '"seq":1,"ev":4,"nf":1,"at":{"Wait for approval":1},"nt":2}')
ROLE = "arn:aws:iam::123456789012:role/baton"
SM = "arn:aws:states:us-east-1:123456789012:stateMachine:park"
EVENTS = [  # as stored since 3295cc5
    '[1,1796602328066,0,[-2,%s,12,"%s",13,"%s"]]' % (INPUT, ROLE, SM),
    '[2,1796602328069,6,[0,"Wait for approval",-2,%s]]' % INPUT,
    '[3,1796602328069,8,[6,"callback",5,"waitForTaskToken",17,"us-east-1",-8,%s,16,86400]]' % INPUT,
    '[4,1796602328069,9,[6,"callback",5,"waitForTaskToken"]]',
]
TOKENS = ("Wait for approval/1", "o|1|86400")


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def members(i):
    return (resp("ZADD", P + "t", "1796688728069", f"park:e{i}|1")
            + resp("ZADD", P + "l:park:RUNNING", "1796602328066", f"park:e{i}"))


def today(i):
    return (resp("HSET", P + f"x:park:e{i}", "0", FRAME, "q", "1", "i", INPUT, "h", HEAD % (i, i))
            + resp("HSET", P + f"k:park:e{i}", *TOKENS)
            + resp("RPUSH", P + f"h:park:e{i}", *EVENTS) + members(i))


def tokens_in_record(i):
    return (resp("HSET", P + f"x:park:e{i}", "0", FRAME, "q", "1", "i", INPUT, "h", HEAD % (i, i),
                 "k" + TOKENS[0], TOKENS[1])
            + resp("RPUSH", P + f"h:park:e{i}", *EVENTS) + members(i))


def record_one_string(i):
    blob = HEAD % (i, i) + FRAME + INPUT + "".join(TOKENS)
    return (resp("SET", P + f"x:park:e{i}", blob)
            + resp("RPUSH", P + f"h:park:e{i}", *EVENTS) + members(i))


def all_one_list(i):
    blob = HEAD % (i, i) + FRAME + INPUT + "".join(TOKENS)
    return resp("RPUSH", P + f"x:park:e{i}", blob, *EVENTS) + members(i)


def all_one_string(i):
    blob = HEAD % (i, i) + FRAME + INPUT + "".join(TOKENS) + "".join(EVENTS)
    return resp("SET", P + f"x:park:e{i}", blob) + members(i)


# The compact token of step T1: key id, nonce and tag (25 bytes) in base64url, 34 characters.
COMPACT_TOKEN = "AQ6dTn2q9WzXbh5mQk3Vd0pR7sLx1yFcA8"
T0 = 1796602328066


def item(text):
    return "%d:%s" % (len(text.encode()), text)


def packed(i, steps):
    """The v1 blob of execution i with the plan's compactions in `steps` applied."""
    token = COMPACT_TOKEN if "T1" in steps else TOKEN
    frame = FRAME.replace(TOKEN, token)
    if "H" in steps:
        head = ('{"rev":1,"st":"RUNNING","t0":%d,"ev":4,"nf":1,"at":{"Wait for approval":1},'
                '"nt":2}' % T0)
    else:
        head = HEAD % (i, i)
    events = list(EVENTS)
    if "A" in steps:
        events[0] = events[0].replace('"%s"' % SM, "0")
    if "S" in steps:
        events = [e.replace(",%d," % (T0 + d), ",%d," % d, 1) for d, e in
                  zip([0, 3, 3, 3], events)]
    if "D" in steps:
        frame = frame.replace(INPUT, "\0")
        events = [e.replace(INPUT, "\0") for e in events]
    fields = ["0", frame, "i", INPUT, "h", head]
    tokens = list(TOKENS)
    base = T0 if "S" in steps else 0
    blob = "#1|1|%d|%d|%d|%d|" % (base, len(fields) // 2, len(tokens) // 2, len(events))
    return blob + "".join(item(x) for x in fields + tokens + events)


# The packed rows: name → the plan's steps applied.
BLOBS = {}


def packed_layout(name, steps):
    BLOBS[name] = steps

    def gen(i):
        return resp("SET", P + f"x:park:e{i}", packed(i, steps)) + members(i)
    return name, gen


def main():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    d = tempfile.mkdtemp()
    subprocess.run(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                    "--dir", d, "--daemonize", "yes", "--logfile", os.path.join(d, "log")],
                   check=True)
    cli = ["redis-cli", "-p", str(port)]
    try:
        time.sleep(0.5)

        def used():
            info = subprocess.run(cli + ["info", "memory"], capture_output=True, text=True).stdout
            return int(next(l for l in info.splitlines() if l.startswith("used_memory:")).split(":")[1])

        data = sum(map(len, [HEAD % (1, 1), FRAME, INPUT, *TOKENS, *EVENTS]))
        print(f"redis-server on port {port}; {N} executions per layout; "
              f"{data} bytes of values per execution")
        for name, gen in [("today: record hash, tokens hash, history list", today),
                          ("tokens as a field of the record", tokens_in_record),
                          ("record (with tokens) one string, history list", record_one_string),
                          ("record and events in one list", all_one_list),
                          ("everything in one string", all_one_string),
                          ("only the timer and index members", members),
                          ] + [packed_layout(name, steps) for name, steps in [
                              ("packed (plan P): the values as they are", {"P"}),
                              ("packed + T1: compact task token", {"T1"}),
                              ("packed + T1 + H: head without id, sm, name, seq", {"T1", "H"}),
                              ("packed + T1 + H + D: the input once", {"T1", "H", "D"}),
                              ("packed + T1 + H + D + S: event times as offsets",
                               {"T1", "H", "D", "S"}),
                              ("packed + T1 + H + D + S + A: the ARN derived",
                               {"T1", "H", "D", "S", "A"})]]:
            subprocess.run(cli + ["flushall"], capture_output=True, check=True)
            before = used()
            cmds = b"".join(gen(i) for i in range(N))
            subprocess.run(cli + ["--pipe"], input=cmds, capture_output=True, check=True)
            blob = BLOBS.get(name)
            size = f" ({len(packed(0, blob).encode())} bytes of blob)" if blob else ""
            print(f"{(used() - before) / N:7.0f} bytes  {name}{size}")
    finally:
        subprocess.run(cli + ["shutdown", "nosave"], capture_output=True)


main()
