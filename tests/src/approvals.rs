//! A notify service for `Callback` states that answers its task tokens the way a careful
//! client would while Baton's store may be failing.
//!
//! Each notification (`{"token": …, …}`) is answered 200 at once; then, once per token,
//! a task posts `POST {baton}/v1/callbacks/{token}/success` with `output(notification)`,
//! retrying with backoff (100 ms doubling to 1 s) on connection errors, timeouts and 5xx
//! until Baton gives a definite answer:
//!
//! | answer | recorded as |
//! |---|---|
//! | 200 | [`Answer::Accepted`] with the attempt that got it |
//! | 409 `TaskTimedOut`, or 404 `TaskDoesNotExist` (the execution moved past the task), after an earlier attempt failed ambiguously (timeout, reset, 5xx: it may have been applied) | [`Answer::AlreadyApplied`] (the final output shows whether it was) |
//! | anything else (400, 404, a 409 with nothing ambiguous before it) | [`Answer::Refused`]: a test failure |
//!
//! A connection that could not be opened is not ambiguous (the request never left).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::rest::Rest;
use crate::services::{Received, Service};

/// How long the poster keeps trying one token.
const GIVE_UP_AFTER: Duration = Duration::from_secs(180);
/// One callback request's limit: past it the attempt counts as ambiguous.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// How a token's callback ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 200 at this attempt (1-based).
    Accepted { attempt: u32 },
    /// 409 `TaskTimedOut` at this attempt after an ambiguous failure: applied before.
    AlreadyApplied { attempt: u32 },
    /// A definite refusal, or no definite answer before giving up (`status` 0).
    Refused {
        attempt: u32,
        status: u16,
        body: String,
    },
}

/// One task token and what became of its callback.
#[derive(Debug, Clone)]
pub struct Callback {
    /// The execution id, from the notification's `Idempotency-Key`.
    pub execution: String,
    pub token: String,
    /// The body sent with every attempt.
    pub output: Value,
    /// One line per attempt that did not end it (`#1: 503 …`, `#2: timed out`).
    pub failed_attempts: Vec<String>,
    /// `None` while the poster is still trying.
    pub answer: Option<Answer>,
}

type Output = Arc<dyn Fn(&Value) -> Value + Send + Sync>;

/// The running notify service.
#[derive(Clone)]
pub struct Approvals {
    pub service: Service,
    callbacks: Arc<Mutex<BTreeMap<String, Callback>>>,
}

impl std::fmt::Debug for Approvals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Approvals")
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl Approvals {
    /// Starts the service; callbacks go to the Baton server at `baton`, each `delay` after
    /// its notification, with `output(notification body)` as the task's output.
    pub async fn start(
        baton: &str,
        delay: Duration,
        output: impl Fn(&Value) -> Value + Send + Sync + 'static,
    ) -> Approvals {
        let callbacks: Arc<Mutex<BTreeMap<String, Callback>>> = Arc::default();
        let rest = Rest {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .expect("HTTP client"),
            ..Rest::new(baton)
        };
        let output: Output = Arc::new(output);
        let shared = callbacks.clone();
        let service = Service::start(move |req: &Received| {
            let Some(token) = req.body["token"].as_str() else {
                return (400, json!({"error": "no token in the notification"}));
            };
            let mut all = shared.lock().unwrap_or_else(|p| p.into_inner());
            if !all.contains_key(token) {
                let key = req.idempotency_key.as_deref().unwrap_or_default();
                let callback = Callback {
                    execution: key.split('/').next().unwrap_or_default().to_owned(),
                    token: token.to_owned(),
                    output: output(&req.body),
                    failed_attempts: Vec::new(),
                    answer: None,
                };
                all.insert(token.to_owned(), callback.clone());
                tokio::spawn(post(rest.clone(), shared.clone(), callback, delay));
            }
            (200, json!({"notified": true}))
        })
        .await;
        Approvals { service, callbacks }
    }

    pub fn url(&self, path: &str) -> String {
        self.service.url(path)
    }

    /// Distinct tokens notified so far.
    pub fn notified(&self) -> usize {
        self.lock().len()
    }

    /// Every token so far, by token.
    pub fn callbacks(&self) -> BTreeMap<String, Callback> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Callback>> {
        self.callbacks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Posts one token's callback until a definite answer (see the module docs).
async fn post(
    rest: Rest,
    all: Arc<Mutex<BTreeMap<String, Callback>>>,
    callback: Callback,
    delay: Duration,
) {
    tokio::time::sleep(delay).await;
    let record = |failed: Option<String>, answer: Option<Answer>| {
        let mut all = all.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = all.get_mut(&callback.token) {
            entry.failed_attempts.extend(failed);
            entry.answer = answer;
        }
    };
    let path = format!("/v1/callbacks/{}/success", callback.token);
    let began = Instant::now();
    let mut backoff = Duration::from_millis(100);
    let mut ambiguous = false;
    for attempt in 1.. {
        let request = rest.http.post(format!("{}{path}", rest.base));
        let failed = match rest.send(request.json(&callback.output)).await {
            Ok((200, _)) => return record(None, Some(Answer::Accepted { attempt })),
            // After an ambiguous failure the task may be applied and even left behind (the
            // execution moved on: 404); the run's output checks confirm it was applied.
            Ok((409, body)) if ambiguous && body["error"] == "TaskTimedOut" => {
                return record(None, Some(Answer::AlreadyApplied { attempt }));
            }
            Ok((404, body)) if ambiguous && body["error"] == "TaskDoesNotExist" => {
                return record(None, Some(Answer::AlreadyApplied { attempt }));
            }
            Ok((status, body)) if status < 500 => {
                let body = body.to_string();
                return record(
                    None,
                    Some(Answer::Refused {
                        attempt,
                        status,
                        body,
                    }),
                );
            }
            Ok((status, body)) => {
                ambiguous = true;
                format!("#{attempt}: {status} {body}")
            }
            Err(e) if e.is_connect() => format!("#{attempt}: cannot connect: {e}"),
            Err(e) => {
                ambiguous = true;
                format!("#{attempt}: {e}")
            }
        };
        if began.elapsed() > GIVE_UP_AFTER {
            let body = format!("gave up after {GIVE_UP_AFTER:?}; last: {failed}");
            let status = 0;
            return record(
                Some(failed),
                Some(Answer::Refused {
                    attempt,
                    status,
                    body,
                }),
            );
        }
        record(Some(failed), None);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(1));
    }
}
