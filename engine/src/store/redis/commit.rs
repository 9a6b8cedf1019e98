//! `Store::commit`: a batch of transitions in one `commit.lua` call.

use std::collections::BTreeMap;

use super::{PartitionKeys, RedisStore, SCRIPTS, encode, timer_member};
use crate::machine::TokenClosed;
use crate::store::{CommitError, CommitRequest, Lease, Result, Store, StoreError, partition_of};

/// One request, serialized: the arguments of its segment in `commit.lua`.
struct Segment<'a> {
    id: &'a str,
    expected: u64,
    seq: u64,
    record: String,
    active: bool,
    finished: bool,
    history: Vec<String>,
    cleared: Vec<String>,
    set: Vec<(i64, String)>,
    /// Token fields to HSET (`Some(state)`) or HDEL (`None`): the net effect of the opened
    /// then the closed tokens, in order.
    tokens: BTreeMap<&'a str, Option<String>>,
    acks: &'a [String],
}

impl<'a> Segment<'a> {
    fn new(request: &'a CommitRequest) -> Result<Segment<'a>> {
        let id = request.record.id.as_str();
        let mut tokens = BTreeMap::new();
        for open in &request.tokens_opened {
            let (timer, seconds) = match open.heartbeat {
                Some((timer, seconds)) => (timer.to_string(), seconds.to_string()),
                None => (String::new(), String::new()),
            };
            tokens.insert(open.key.as_str(), Some(format!("o|{timer}|{seconds}")));
        }
        for (key, how) in &request.tokens_closed {
            let state = match how {
                TokenClosed::Done => Some("d".to_owned()),
                TokenClosed::TimedOut => Some("t".to_owned()),
                TokenClosed::Gone => None,
            };
            tokens.insert(key.as_str(), state);
        }
        Ok(Segment {
            id,
            expected: request.record.seq.wrapping_sub(1),
            seq: request.record.seq,
            record: encode(&request.record)?,
            active: request.active,
            finished: request.record.status.is_final(),
            history: request.history.iter().map(encode).collect::<Result<_>>()?,
            cleared: (request.timers_cleared.iter())
                .map(|t| timer_member(id, *t))
                .collect(),
            set: (request.timers_set.iter())
                .map(|t| (t.due_ms, timer_member(id, t.id)))
                .collect(),
            tokens,
            acks: &request.acks,
        })
    }

    /// Adds the segment's keys and arguments to the call.
    fn push(&self, keys: &PartitionKeys, call: &mut redis::ScriptInvocation<'_>) {
        let token_sets = self.tokens.values().filter(|v| v.is_some()).count();
        let token_dels = self.tokens.len() - token_sets;
        let len = 13
            + self.history.len()
            + self.cleared.len()
            + 2 * self.set.len()
            + 2 * token_sets
            + token_dels
            + self.acks.len();
        call.key(keys.record(self.id))
            .key(keys.history(self.id))
            .key(keys.tokens(self.id));
        call.arg(len)
            .arg(self.id)
            .arg(self.expected)
            .arg(self.seq)
            .arg(&self.record)
            .arg(if self.active { "1" } else { "0" })
            .arg(if self.finished { "1" } else { "0" });
        call.arg(self.history.len());
        for event in &self.history {
            call.arg(event);
        }
        call.arg(self.cleared.len());
        for member in &self.cleared {
            call.arg(member);
        }
        call.arg(2 * self.set.len());
        for (due, member) in &self.set {
            call.arg(due).arg(member);
        }
        call.arg(2 * token_sets);
        for (field, state) in &self.tokens {
            if let Some(state) = state {
                call.arg(field).arg(state);
            }
        }
        call.arg(token_dels);
        for (field, state) in &self.tokens {
            if state.is_none() {
                call.arg(field);
            }
        }
        call.arg(self.acks.len());
        for id in self.acks {
            call.arg(id);
        }
    }
}

impl RedisStore {
    pub(super) async fn commit_batch(
        &self,
        lease: &Lease,
        requests: &[CommitRequest],
    ) -> Vec<Result<(), CommitError>> {
        let mut results: Vec<Option<Result<(), CommitError>>> =
            requests.iter().map(|_| None).collect();
        let keys = self.keys(lease.partition);
        let mut call = SCRIPTS.commit.prepare_invoke();
        call.key(&keys.lease)
            .key(&keys.queue)
            .key(&keys.timers)
            .key(&keys.active);
        let mut sent = Vec::with_capacity(requests.len());
        let mut segments = Vec::with_capacity(requests.len());
        for (i, request) in requests.iter().enumerate() {
            // An execution of another partition is not in this one (as for MemoryStore);
            // its keys would not even be in the script's slot.
            if partition_of(&request.record.id, self.partitions()) != lease.partition
                || request.record.seq == 0
            {
                results[i] = Some(Err(CommitError::Conflict));
                continue;
            }
            match Segment::new(request) {
                Ok(segment) => {
                    sent.push(i);
                    segments.push(segment);
                }
                Err(e) => results[i] = Some(Err(e.into())),
            }
        }
        if !sent.is_empty() {
            call.arg(&lease.token).arg(sent.len());
            for segment in &segments {
                segment.push(keys, &mut call);
            }
            let codes: Result<Vec<i64>> = call
                .invoke_async(&mut self.con())
                .await
                .map_err(StoreError::from);
            for (n, i) in sent.into_iter().enumerate() {
                results[i] = Some(match &codes {
                    Ok(codes) => match codes.get(n) {
                        Some(0) => Ok(()),
                        Some(1) => Err(CommitError::Conflict),
                        Some(2) => Err(CommitError::LeaseLost),
                        other => Err(CommitError::Store(StoreError::Corrupt(format!(
                            "commit.lua answered {other:?}"
                        )))),
                    },
                    Err(StoreError::Redis(e)) => Err(StoreError::Redis(e.clone()).into()),
                    Err(e) => Err(StoreError::Other(e.to_string()).into()),
                });
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(CommitError::Conflict)))
            .collect()
    }
}
