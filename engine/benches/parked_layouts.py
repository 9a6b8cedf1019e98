#!/usr/bin/env python3
"""Redis bytes of one parked execution under other key layouts (issue #11's 1 KB target).

Starts its own redis-server (free port, no persistence), writes N synthetic executions as a
parked one of `baton-bench --parked` is stored (record hash, tokens hash, history list, a
timer and an index member), then the same data in other layouts, and prints used_memory
per execution for each. The values are copies of what Baton writes (taken from a real run);
only the layout changes. Usage: engine/benches/parked_layouts.py [N]
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
                          ("only the timer and index members", members)]:
            subprocess.run(cli + ["flushall"], capture_output=True, check=True)
            before = used()
            cmds = b"".join(gen(i) for i in range(N))
            subprocess.run(cli + ["--pipe"], input=cmds, capture_output=True, check=True)
            print(f"{(used() - before) / N:7.0f} bytes  {name}")
    finally:
        subprocess.run(cli + ["shutdown", "nosave"], capture_output=True)


main()
