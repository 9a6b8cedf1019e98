//! Group commit: transitions of many executions of one partition go to the store in one
//! round trip (one Lua script call on Redis). Each transition is still committed on its
//! own, with its own version check.
//!
//! An actor holds an outside event's commit back ([`Held`]) while it goes on computing, and
//! hands it over with the next one ([`Committer::release`]), or before it waits for
//! anything: a callback's transition and the next state's, computed one after the other,
//! then go in one batch. Sent one by one, a committer already running on the other thread
//! could take the first alone, and the second would wait for that round trip.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::store::{CommitError, CommitRequest, Lease, Store};

type Pending = (CommitRequest, oneshot::Sender<Result<(), CommitError>>);

/// Commits an actor computed and has not handed to the committer yet, in order. Dropped
/// unreleased (a refusal discards them), their answers say `LeaseLost`: nothing waits for
/// them then.
#[derive(Debug, Default)]
pub struct Held(Vec<Pending>);

/// What goes down the committer's channel: most releases carry one commit, sent as such
/// (no `Vec` allocated per transition); several held ones travel together.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "`One` is the common message; boxing it would allocate per transition again"
)]
enum Message {
    One(Pending),
    Many(Vec<Pending>),
}

/// Commits handed to the committers of a worker's partitions and not answered yet. Past
/// `most`, actors stop pipelining ([`Committer::crowded`]): each waits for its commits in
/// flight before it computes the next transition. So a burst of executions running Pass
/// and Choice chains cannot queue up to [`MAX_PIPELINED`](super::pipeline) commits each
/// (a few KB apiece) while the store is the bottleneck: memory stays near `most` commits,
/// plus one per such execution.
#[derive(Debug)]
pub struct InFlight {
    count: AtomicUsize,
    most: usize,
}

impl InFlight {
    pub fn new(most: usize) -> Arc<InFlight> {
        Arc::new(InFlight {
            count: AtomicUsize::new(0),
            most: most.max(1),
        })
    }

    /// Commits handed over and not answered yet.
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }
}

/// Sends commits to the partition's committer task, or straight to the store when it does
/// not gain from batches (the in-memory store).
#[derive(Debug, Clone)]
pub struct Committer<S> {
    tx: mpsc::UnboundedSender<Message>,
    direct: Option<(S, Lease)>,
    in_flight: Arc<InFlight>,
}

impl<S: Store> Committer<S> {
    /// Starts the committer task of `lease`'s partition; it ends when every handle is gone.
    pub fn start(
        store: S,
        lease: Lease,
        max_batch: usize,
        in_flight: Arc<InFlight>,
    ) -> Committer<S> {
        let (tx, rx) = mpsc::unbounded_channel();
        let direct = (!store.batches_commits()).then(|| (store.clone(), lease.clone()));
        tokio::spawn(run(store, lease, rx, max_batch.max(1), in_flight.clone()));
        Committer {
            tx,
            direct,
            in_flight,
        }
    }

    /// Whether the worker's commits in flight reached their bound ([`InFlight`]): the
    /// caller should wait for its own before computing more.
    pub fn crowded(&self) -> bool {
        self.in_flight.count() >= self.in_flight.most
    }

    /// Queues one transition to be committed after those queued before it, without waiting
    /// for it: the [`Answer`] says whether it was. It waits in `held` until
    /// [`Committer::release`]; commits of one actor are applied in the order queued (one
    /// channel, one batch at a time, each batch in order). A store that does not batch
    /// commits it at once.
    pub async fn send(&self, request: CommitRequest, held: &mut Held) -> Answer {
        if let Some((store, lease)) = &self.direct {
            let result = (store.commit(lease, vec![request]).await.pop())
                .unwrap_or(Err(CommitError::LeaseLost));
            return Answer(AnswerInner::Ready(result));
        }
        let (done, wait) = oneshot::channel();
        held.0.push((request, done));
        Answer(AnswerInner::Waiting(wait))
    }

    /// Hands the held commits to the committer task, all in one message: they go to the
    /// store in one batch (or, beyond `max_batch`, in consecutive ones).
    pub fn release(&self, held: &mut Held) {
        let size = held.0.len();
        let message = match size {
            0 => return,
            // `held` keeps its capacity: no allocation per transition.
            1 => Message::One(held.0.pop().expect("one held")),
            _ => Message::Many(std::mem::take(&mut held.0)),
        };
        self.in_flight.count.fetch_add(size, Ordering::Relaxed);
        if self.tx.send(message).is_err() {
            // Gone: the partition stopped, and the dropped answers say `LeaseLost`.
            self.in_flight.count.fetch_sub(size, Ordering::Relaxed);
        }
    }
}

/// The answer to a commit sent with [`Committer::send`].
#[derive(Debug)]
pub struct Answer(AnswerInner);

#[derive(Debug)]
enum AnswerInner {
    Ready(Result<(), CommitError>),
    Waiting(oneshot::Receiver<Result<(), CommitError>>),
}

impl Answer {
    /// Waits for the store's answer.
    pub async fn answer(self) -> Result<(), CommitError> {
        match self.0 {
            AnswerInner::Ready(result) => result,
            AnswerInner::Waiting(wait) => wait.await.unwrap_or(Err(CommitError::LeaseLost)),
        }
    }
}

async fn run<S: Store>(
    store: S,
    lease: Lease,
    mut rx: mpsc::UnboundedReceiver<Message>,
    max_batch: usize,
    in_flight: Arc<InFlight>,
) {
    let mut messages: Vec<Message> = Vec::with_capacity(max_batch);
    let mut waiting: Vec<Pending> = Vec::with_capacity(max_batch);
    let gauge = metrics::gauge!("baton_commits_in_flight");
    while rx.recv_many(&mut messages, max_batch).await > 0 {
        for message in messages.drain(..) {
            match message {
                Message::One(pending) => waiting.push(pending),
                Message::Many(several) => waiting.extend(several),
            }
        }
        while !waiting.is_empty() {
            let size = waiting.len().min(max_batch);
            gauge.set(in_flight.count() as f64);
            commit(&store, &lease, waiting.drain(..size)).await;
            in_flight.count.fetch_sub(size, Ordering::Relaxed);
        }
    }
}

/// Commits one batch, in order, and answers each of its senders.
async fn commit<S: Store>(store: &S, lease: &Lease, batch: impl Iterator<Item = Pending>) {
    let (requests, replies): (Vec<_>, Vec<_>) = batch.unzip();
    let began = std::time::Instant::now();
    let results = store.commit(lease, requests).await;
    metrics::histogram!("baton_store_commit_seconds").record(began.elapsed().as_secs_f64());
    let mut results = results.into_iter();
    for reply in replies {
        let result = results.next().unwrap_or(Err(CommitError::LeaseLost));
        let _ = reply.send(result);
    }
}
