//! Group commit: transitions of many executions of one partition go to the store in one
//! round trip (one Lua script call on Redis). Each transition is still committed on its
//! own, with its own version check.

use tokio::sync::{mpsc, oneshot};

use crate::store::{CommitError, CommitRequest, Lease, Store};

type Pending = (CommitRequest, oneshot::Sender<Result<(), CommitError>>);

/// Sends commits to the partition's committer task, or straight to the store when it does
/// not gain from batches (the in-memory store).
#[derive(Debug, Clone)]
pub struct Committer<S> {
    tx: mpsc::UnboundedSender<Pending>,
    direct: Option<(S, Lease)>,
}

impl<S: Store> Committer<S> {
    /// Starts the committer task of `lease`'s partition; it ends when every handle is gone.
    pub fn start(store: S, lease: Lease, max_batch: usize) -> Committer<S> {
        let (tx, rx) = mpsc::unbounded_channel();
        let direct = (!store.batches_commits()).then(|| (store.clone(), lease.clone()));
        tokio::spawn(run(store, lease, rx, max_batch.max(1)));
        Committer { tx, direct }
    }

    /// Sends one transition to be committed after those sent before it, without waiting
    /// for it: the [`Answer`] says whether it was. Commits of one sender are applied in the
    /// order sent (one channel, one batch at a time, each batch in order).
    pub async fn send(&self, request: CommitRequest) -> Answer {
        if let Some((store, lease)) = &self.direct {
            let result = (store.commit(lease, vec![request]).await.pop())
                .unwrap_or(Err(CommitError::LeaseLost));
            return Answer(AnswerInner::Ready(result));
        }
        let (done, wait) = oneshot::channel();
        if self.tx.send((request, done)).is_err() {
            return Answer(AnswerInner::Ready(Err(CommitError::LeaseLost)));
        }
        Answer(AnswerInner::Waiting(wait))
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
    mut rx: mpsc::UnboundedReceiver<Pending>,
    max_batch: usize,
) {
    let mut batch: Vec<Pending> = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut batch, max_batch).await > 0 {
        let (requests, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
        let began = std::time::Instant::now();
        let results = store.commit(&lease, requests).await;
        metrics::histogram!("baton_store_commit_seconds").record(began.elapsed().as_secs_f64());
        let mut results = results.into_iter();
        for reply in replies {
            let result = results.next().unwrap_or(Err(CommitError::LeaseLost));
            let _ = reply.send(result);
        }
    }
}
