use super::*;
use crate::machine::Status;
use crate::store::redis::commit::script_call;
use crate::store::redis::{PartitionKeys, SCRIPTS};
use crate::testing::redis_server::RedisServer;

fn op(code: &'static str, args: &[&str]) -> Op {
    Op {
        code,
        args: args.iter().map(|a| (*a).to_owned()).collect(),
    }
}

fn segment(id: &str, seq: u64, ops: Vec<Op>) -> Segment {
    Segment {
        id: id.into(),
        expected: seq - 1,
        seq,
        head: format!("head {seq}"),
        keys: vec![format!("x:{id}"), format!("h:{id}"), format!("k:{id}")],
        ops,
        ..Segment::default()
    }
}

fn members(groups: &[Group]) -> Vec<Vec<usize>> {
    groups.iter().map(|g| g.members.clone()).collect()
}

#[test]
fn an_executions_segments_join_across_others_and_split_where_they_must() {
    let full = Segment {
        full: true,
        ..segment("a", 3, vec![])
    };
    let guarded = segment("a", 4, vec![op("G", &["S/1"])]);
    let dropping = segment("a", 5, vec![op("X", &["1", "2"])]);
    let after = segment("a", 6, vec![]);
    let last = Segment {
        finished: true,
        ..segment("a", 7, vec![op("F", &["1", "SUCCEEDED", "", "1"])])
    };
    let segments = vec![
        segment("a", 1, vec![]),
        segment("b", 1, vec![]),
        segment("a", 2, vec![]),
        full,
        segment("b", 2, vec![]),
        guarded,
        dropping,
        after,
        last,
    ];
    let groups = coalesce(segments);
    assert_eq!(
        members(&groups),
        [vec![0, 2], vec![1, 4], vec![3], vec![5, 6], vec![7, 8]],
        "a full or guarded segment starts a group; dropped children end one"
    );
    let a = &groups[0].segment;
    assert_eq!((a.expected, a.seq, a.head.as_str()), (0, 2, "head 2"));
    assert!(groups[2].segment.full);
    let guarded = &groups[3].segment;
    assert_eq!(guarded.ops[0], op("G", &["S/1"]));
    assert_eq!(guarded.ops[1], op("X", &["1", "2"]));
    let last = &groups[4].segment;
    assert!(last.finished);
    assert_eq!(last.ops, [op("F", &["1", "SUCCEEDED", "", "1"])]);
}

#[test]
fn a_group_writes_what_its_segments_left() {
    let mut one = segment(
        "a",
        1,
        vec![
            op("H", &["e1"]),
            op("Z", &["100", "a|1", "200", "a|2"]),
            op("T", &["S/1", "o||"]),
            op("A", &["1-1"]),
        ],
    );
    one.parts = ["i", "in", "0", "f0", "1", "f1"].map(String::from).to_vec();
    one.active = Some(true);
    let mut two = segment(
        "a",
        2,
        vec![
            op("R", &["1", "i"]),
            op("H", &["e2", "e3"]),
            op("C", &["a|1"]),
            op("T", &["S/1", "d", "S/2", "o|3|30"]),
            op("A", &["1-2"]),
        ],
    );
    two.parts = ["0", "f0'"].map(String::from).to_vec();
    let mut three = segment(
        "a",
        3,
        vec![
            op("C", &["a|2"]),
            op("Z", &["300", "a|1"]),
            op("K", &["S/1"]),
        ],
    );
    three.parts = ["i", "again"].map(String::from).to_vec();
    let groups = coalesce(vec![one, two, three]);
    assert_eq!(members(&groups), [vec![0, 1, 2]]);
    let s = &groups[0].segment;
    assert_eq!((s.expected, s.seq, s.head.as_str()), (0, 3, "head 3"));
    assert_eq!(s.active, Some(true), "the last flag that was sent");
    assert_eq!(s.parts, ["i", "again", "0", "f0'"]);
    assert_eq!(
        s.ops,
        [
            op("R", &["1"]),
            op("H", &["e1", "e2", "e3"]),
            op("C", &["a|2"]),
            op("Z", &["300", "a|1"]),
            op("T", &["S/2", "o|3|30"]),
            op("K", &["S/1"]),
            op("A", &["1-1", "1-2"]),
        ]
    );
}

#[test]
fn a_refused_group_answers_each_request_as_it_would_have_been_answered() {
    let codes = |code| (0..3).map(|k| member_code(k, code)).collect::<Vec<_>>();
    assert_eq!(codes(0), [0, 0, 0]);
    assert_eq!(codes(2), [2, 2, 2]);
    assert_eq!(codes(1), [1, 1, 1]);
    assert_eq!(codes(3), [3, 1, 1]);
}

/// A small deterministic generator (xorshift), so a failure can be replayed by its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// A random subset of `from`.
    fn some<'a>(&mut self, from: &[&'a str]) -> Vec<&'a str> {
        from.iter().copied().filter(|_| self.chance(40)).collect()
    }
}

const FIELDS: [&str; 6] = ["i", "0", "1", "c1.n", "c1.0", "c1.1"];
const TOKENS: [&str; 3] = ["S/1", "S/2", "S/3"];
const IDS: [&str; 3] = ["a", "b", "c"];

/// A random batch of segments of three executions on partition `keys`, with the queue
/// entries `1-1`… for acks. Each execution's versions follow on (sometimes not: a stale
/// one), and it ends with at most one final segment.
fn random_batch(rng: &mut Rng, keys: &PartitionKeys) -> Vec<Segment> {
    let mut seq = [0u64; 3];
    let mut done = [false; 3];
    let mut ack = 0;
    let mut out = Vec::new();
    for _ in 0..rng.below(24) + 1 {
        let x = rng.below(3) as usize;
        if done[x] {
            continue;
        }
        let id = IDS[x];
        seq[x] += 1;
        let stale = rng.chance(1);
        let member = |t: &str| format!("{id}|{t}");
        let mut s = Segment {
            id: id.into(),
            expected: if stale { seq[x] + 7 } else { seq[x] - 1 },
            seq: seq[x],
            head: format!("{{\"seq\":{}}}", seq[x]),
            active: [None, Some(true), Some(false)][rng.below(3) as usize],
            full: rng.chance(8),
            keys: vec![keys.record(id), keys.history(id), keys.tokens(id)],
            ..Segment::default()
        };
        let set = rng.some(&FIELDS);
        for f in &set {
            s.parts.push((*f).into());
            s.parts.push(format!("{f}@{}", seq[x]));
        }
        let mut ops: Vec<(&'static str, Vec<String>)> = Vec::new();
        if rng.chance(6) {
            ops.push((
                "G",
                rng.some(&TOKENS).iter().map(|t| t.to_string()).collect(),
            ));
        }
        let removed = rng.some(&FIELDS);
        let removed = removed.iter().filter(|f| !set.contains(f));
        ops.push(("R", removed.map(|f| f.to_string()).collect()));
        if rng.chance(10) {
            ops.push(("X", vec!["1".into(), "2".into()]));
        }
        let events = (0..rng.below(3)).map(|n| format!("{id}:{}:{n}", seq[x]));
        ops.push(("H", events.collect()));
        let cleared = rng.some(&["1", "2", "3"]);
        ops.push(("C", cleared.iter().map(|t| member(t)).collect()));
        let timers = rng.some(&["1", "2", "3"]);
        let timers = timers.iter().filter(|t| !cleared.contains(t));
        let due = |t: &str| (seq[x] * 10 + t.len() as u64).to_string();
        ops.push(("Z", timers.flat_map(|t| [due(t), member(t)]).collect()));
        let tokens = rng.some(&TOKENS);
        let states = ["o||", "o|2|30", "d", "t"];
        let set_tokens = tokens
            .iter()
            .flat_map(|t| [t.to_string(), states[rng.below(4) as usize].to_string()]);
        ops.push(("T", set_tokens.collect()));
        let deleted = rng.some(&TOKENS);
        let deleted = deleted.iter().filter(|t| !tokens.contains(t));
        ops.push(("K", deleted.map(|t| t.to_string()).collect()));
        let acks = (0..rng.below(2)).map(|_| {
            ack += 1;
            format!("1-{ack}")
        });
        ops.push(("A", acks.collect()));
        if rng.chance(10) {
            s.finished = true;
            done[x] = true;
            let status = [Status::Succeeded, Status::Failed][rng.below(2) as usize];
            s.keys.push(keys.index("sm", Status::Running));
            s.keys.push(keys.index("sm", status));
            let expires = if rng.chance(50) { "9000" } else { "" };
            let f = ["5", status.as_str(), expires, "1"]
                .map(String::from)
                .to_vec();
            ops.push(("F", f));
        }
        s.ops = (ops.into_iter())
            .filter(|(_, args)| !args.is_empty())
            .map(|(code, args)| Op { code, args })
            .collect();
        out.push(s);
    }
    out
}

/// Everything under `prefix`, with the prefix cut off, in a stable order.
async fn dump(con: &mut redis::aio::MultiplexedConnection, prefix: &str) -> Vec<String> {
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(con)
        .await
        .unwrap();
    keys.sort();
    let mut out = Vec::new();
    for key in keys {
        let kind: String = redis::cmd("TYPE").arg(&key).query_async(con).await.unwrap();
        let value: redis::Value = match kind.as_str() {
            "hash" => redis::cmd("HGETALL").arg(&key).query_async(con).await,
            "list" => {
                redis::cmd("LRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .query_async(con)
                    .await
            }
            "zset" => {
                (redis::cmd("ZRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .arg("WITHSCORES"))
                .query_async(con)
                .await
            }
            "set" => redis::cmd("SMEMBERS").arg(&key).query_async(con).await,
            "stream" => {
                redis::cmd("XRANGE")
                    .arg(&key)
                    .arg("-")
                    .arg("+")
                    .query_async(con)
                    .await
            }
            _ => redis::cmd("GET").arg(&key).query_async(con).await,
        }
        .unwrap();
        let mut text = format!("{value:?}");
        if kind == "hash" || kind == "set" {
            // Unordered: compare sorted pairs / members.
            let mut items: Vec<String> = match &value {
                redis::Value::Array(items) if kind == "hash" => {
                    items.chunks(2).map(|pair| format!("{pair:?}")).collect()
                }
                redis::Value::Map(pairs) => pairs.iter().map(|p| format!("{p:?}")).collect(),
                redis::Value::Array(items) | redis::Value::Set(items) => {
                    items.iter().map(|i| format!("{i:?}")).collect()
                }
                other => vec![format!("{other:?}")],
            };
            items.sort();
            text = items.join(",");
        }
        out.push(format!("{} {kind} {text}", &key[prefix.len()..]));
    }
    out
}

/// Sets up partition `prefix`: the lease, the executions' records at version 0, the queue with entries `1-1`… in group `w`,
/// token `S/3` of each execution answered (`c`, so a guard on it refuses), if `old` a
/// record in the old string layout for `c`, and the running index and counts.
async fn prepare(con: &mut redis::aio::MultiplexedConnection, keys: &PartitionKeys, old: bool) {
    let mut pipe = redis::pipe();
    pipe.cmd("SET").arg(&keys.lease).arg("lease");
    pipe.cmd("XGROUP")
        .arg("CREATE")
        .arg(&keys.queue)
        .arg("w")
        .arg("$")
        .arg("MKSTREAM");
    for n in 1..=40 {
        pipe.cmd("XADD")
            .arg(&keys.queue)
            .arg(format!("1-{n}"))
            .arg("e")
            .arg(n);
    }
    for id in IDS {
        if !(old && id == "c") {
            pipe.cmd("HSET")
                .arg(keys.record(id))
                .arg("q")
                .arg(0)
                .arg("h")
                .arg("{}");
        }
        pipe.cmd("HSET").arg(keys.tokens(id)).arg("S/3").arg("c");
        pipe.cmd("ZADD")
            .arg(keys.index("sm", Status::Running))
            .arg(5)
            .arg(id);
    }
    if old {
        pipe.cmd("SET")
            .arg(keys.record("c"))
            .arg("0|{\"old\":true}");
    }
    pipe.cmd("HSET").arg(&keys.counts).arg("RUNNING").arg(3);
    // Read everything into the group's pending list, as a worker would have.
    pipe.cmd("XREADGROUP")
        .arg("GROUP")
        .arg("w")
        .arg("c")
        .arg("STREAMS")
        .arg(&keys.queue)
        .arg(">");
    let _: redis::Value = pipe.query_async(con).await.unwrap();
}

async fn run(
    con: &mut redis::aio::MultiplexedConnection,
    keys: &PartitionKeys,
    segments: &[&Segment],
) -> Vec<i64> {
    script_call(keys, "lease", segments.iter().copied())
        .query_async(con)
        .await
        .unwrap()
}

/// The net effect of a coalesced batch on Redis is the effect of its segments applied one
/// by one, and each request gets the same answer — over many random batches, with stale
/// versions, guards that refuse, replaced records, dropped children, final commits,
/// timers and tokens set and cleared, and acks.
#[tokio::test]
async fn a_coalesced_batch_leaves_redis_as_its_segments_one_by_one() {
    let server = RedisServer::start().expect("redis-server is needed");
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    SCRIPTS.commit.load_async(&mut con).await.unwrap();
    let (mut merged_groups, mut merged_segments, mut refused, mut requests) = (0, 0, 0, 0);
    for seed in 1..=300u64 {
        let _: () = redis::cmd("FLUSHALL").query_async(&mut con).await.unwrap();
        let (one, all) = (PartitionKeys::new("one", 0), PartitionKeys::new("all", 0));
        prepare(&mut con, &one, seed % 4 == 0).await;
        prepare(&mut con, &all, seed % 4 == 0).await;
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let batch = random_batch(&mut rng, &one);
        let mut alone = Vec::new();
        for s in &batch {
            alone.extend(run(&mut con, &one, &[s]).await);
        }
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let groups = coalesce(random_batch(&mut rng, &all));
        let answers = run(
            &mut con,
            &all,
            &groups.iter().map(|g| &g.segment).collect::<Vec<_>>(),
        )
        .await;
        let mut together = vec![-1; batch.len()];
        for (group, code) in groups.iter().zip(answers) {
            for (k, &m) in group.members.iter().enumerate() {
                together[m] = member_code(k, code);
            }
        }
        assert_eq!(alone, together, "answers, seed {seed}");
        assert_eq!(
            dump(&mut con, "one").await,
            dump(&mut con, "all").await,
            "seed {seed}: {batch:#?}"
        );
        merged_groups += groups.iter().filter(|g| g.members.len() > 1).count();
        merged_segments += batch.len() - groups.len();
        refused += alone.iter().filter(|c| **c != 0).count();
        requests += alone.len();
    }
    println!(
        "300 batches, {requests} requests: {merged_groups} groups of more than one segment, \
         {merged_segments} segments merged away, {refused} requests refused"
    );
    assert!(
        merged_groups > 300 && refused > 100 && refused < requests / 2,
        "the batches exercise merging, and refusals"
    );
}

/// A random batch of requests of three executions (parts set and removed, children
/// dropped, guards, replaced records, final ones), versions following on per execution.
fn random_requests(rng: &mut Rng) -> Vec<CommitRequest> {
    use crate::machine::{ChildrenId, Execution, OpenToken, TokenClosed};
    use crate::store::record::{Part, PartKey, RecordWrite};
    use serde_json::json;
    let keys = [
        PartKey::Input,
        PartKey::Frame(0),
        PartKey::Frame(1),
        PartKey::ChildrenInput(1),
        PartKey::Result(1, 0),
        PartKey::Result(1, 1),
    ];
    let mut seq = [0u64; 3];
    let mut out = Vec::new();
    for _ in 0..rng.below(24) + 1 {
        let x = rng.below(3) as usize;
        seq[x] += 1;
        let mut head = Execution::new(
            format!("sm:{}", IDS[x]),
            "sm".into(),
            1,
            IDS[x].into(),
            json!(null),
            "A",
            5,
        );
        head.seq = seq[x] + u64::from(rng.chance(2)) * 7;
        if rng.chance(8) {
            head.status = Status::Succeeded;
        }
        let set: Vec<(PartKey, Part)> = (keys.iter())
            .filter(|_| rng.chance(40))
            .map(|k| (*k, Part::Value(json!({"at": seq[x], "key": k.field()}))))
            .collect();
        let removed: Vec<u32> = [0u32, 1]
            .into_iter()
            .filter(|f| rng.chance(20) && !set.iter().any(|(k, _)| *k == PartKey::Frame(*f)))
            .collect();
        let dropped = rng.chance(8).then_some(ChildrenId { id: 1, size: 2 });
        let closed = (rng.chance(8)).then(|| ("S/1".to_owned(), TokenClosed::TimedOut));
        let opened = (rng.chance(20)).then(|| OpenToken {
            key: "S/2".into(),
            heartbeat: None,
        });
        out.push(CommitRequest {
            record: RecordWrite {
                head: Box::new(head),
                set,
                removed,
                dropped: dropped.into_iter().collect(),
                full: rng.chance(8),
            },
            history: Vec::new(),
            timers_set: Vec::new(),
            timers_cleared: Vec::new(),
            tokens_opened: opened.into_iter().collect(),
            tokens_closed: closed.into_iter().collect(),
            acks: Vec::new(),
            active: rng.chance(50),
            active_unchanged: rng.chance(50),
        });
    }
    out
}

/// `groups` with their parts and removed parts sorted (the order of fields in one HSET or
/// HDEL does not matter).
fn unordered(mut groups: Vec<Group>) -> Vec<Group> {
    for g in &mut groups {
        let mut pairs: Vec<Vec<String>> = g.segment.parts.chunks(2).map(<[_]>::to_vec).collect();
        pairs.sort();
        g.segment.parts = pairs.concat();
        for op in &mut g.segment.ops {
            if op.code == "R" {
                op.args.sort();
            }
        }
    }
    groups
}

/// Grouping requests and encoding each group's earlier ones without what a later one
/// writes again (what `commit_batch` does) gives the very segments that encoding every
/// request whole and coalescing the segments gives.
#[test]
fn requests_grouped_before_encoding_give_the_coalesced_segments() {
    let keys = PartitionKeys::new("b", 0);
    let (mut skipped, mut merged) = (0, 0);
    for seed in 1..=500u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let requests = random_requests(&mut rng);
        let whole: Vec<Segment> = (requests.iter())
            .map(|r| Segment::new(r, &keys, None).unwrap())
            .collect();
        for (r, s) in requests.iter().zip(&whole) {
            assert_eq!(Shape::of_request(r), Shape::of_segment(s), "seed {seed}");
        }
        let expected = coalesce(whole.clone());
        let shapes: Vec<Shape<'_>> = requests.iter().map(Shape::of_request).collect();
        let mut encoded = 0;
        let groups: Vec<Group> = (plan(&shapes).into_iter())
            .map(|members| {
                let segments = crate::store::redis::commit::group_segments(
                    &members,
                    |m| &requests[m],
                    &keys,
                    true,
                )
                .unwrap();
                encoded += segments.iter().map(|s| s.parts.len()).sum::<usize>();
                merge(members, segments)
            })
            .collect();
        merged += requests.len() - groups.len();
        assert_eq!(unordered(groups), unordered(expected), "seed {seed}");
        skipped += whole.iter().map(|s| s.parts.len()).sum::<usize>() - encoded;
    }
    println!(
        "500 batches: {merged} requests merged into an earlier one's group, {} parts not \
         encoded",
        skipped / 2
    );
    assert!(merged > 500 && skipped > 0);
}
