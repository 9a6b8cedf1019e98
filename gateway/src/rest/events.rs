//! An execution's history as Server-Sent Events: every event as it is committed, then an
//! `end` message once the execution has ended, so a console or `baton watch` follows it
//! live without polling the history itself.
//!
//! The stream reads the store's history from the last event sent, every 50 ms while events
//! arrive and backing off to every 500 ms when none do: one range read per poll, whatever
//! the execution's size (its record is read only at the start and every 15 s, to notice an
//! execution that ended or expired without a new event). `Last-Event-ID` (or `?after=N`)
//! resumes after a dropped connection with nothing lost or repeated.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde::Deserialize;
use serde_json::json;
use tokio::time::Instant;
use utoipa::{IntoParams, ToSchema};

use baton_engine::machine::{HistoryEvent, Status};
use baton_engine::store::Store;

use super::ResourceName;
use super::body::{Path, Query};
use super::errors::{ApiError, ErrorBody};
use super::executions::execution_id;
use super::history::rest_event;
use super::views::ExecutionStatus;
use crate::server::SharedState;

const FAST_POLL: Duration = Duration::from_millis(50);
const SLOW_POLL: Duration = Duration::from_millis(500);
/// How often the record is read to notice an end or an expiry that wrote no event.
const RECHECK: Duration = Duration::from_secs(15);
const BATCH: usize = 500;

/// One message of the stream: `history` (with the event's id) or the final `end`.
#[derive(Debug, ToSchema)]
#[allow(dead_code)] // Documents the wire format; the stream is written by axum's `Event`.
pub struct EventMessage {
    /// The history event's id (`history` messages).
    #[schema(pattern = "^[0-9]+$", nullable = false)]
    id: Option<String>,
    #[schema(pattern = "^(history|end)$")]
    event: String,
    /// `history`: the event as JSON, as in the history route. `end`: `{"status": …}`.
    #[schema(content_media_type = "application/json")]
    data: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsParams {
    /// Send the events after this id (the `Last-Event-ID` header wins when both are given).
    #[param(minimum = 0)]
    pub after: Option<i64>,
}

/// The header a reconnecting `EventSource` sends (documentation only: read from the
/// request's headers).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct ResumeHeader {
    /// Resume after this event id.
    #[param(rename = "Last-Event-ID", pattern = "^[0-9]{1,18}$", nullable = false)]
    last_event_id: Option<String>,
}

/// The execution's history events as Server-Sent Events (`text/event-stream`).
///
/// Each history event is a message `id: <event id>`, `event: history`, `data: <the event,
/// as in the history route>`. Once the execution has ended and its last event was sent, a
/// message `event: end`, `data: {"status": "SUCCEEDED"}` (or another final status), and the
/// stream closes. A `: keep-alive` comment every 15 s while nothing happens. Resume with the
/// `Last-Event-ID` header or `?after=N`.
#[utoipa::path(
    get, path = "/v1/state-machines/{name}/executions/{execution}/events", tag = "executions",
    params(
        ("name" = ResourceName, Path, description = "The state machine"),
        ("execution" = ResourceName, Path, description = "The execution"),
        ResumeHeader,
        EventsParams,
    ),
    responses(
        (status = 200, description = "A stream of `history` messages, then one `end` message",
            content_type = "text/event-stream", body = EventMessage),
        (status = 400, description = "InvalidName, BadRequest", body = ErrorBody),
        (status = 404, description = "StateMachineDoesNotExist, ExecutionDoesNotExist", body = ErrorBody),
    )
)]
pub async fn execution_events(
    State(state): State<SharedState>,
    Path((sm, name)): Path<(String, String)>,
    Query(params): Query<EventsParams>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let after = match params.after {
        None => 0,
        Some(n) => {
            u64::try_from(n).map_err(|_| ApiError::bad_request("after must be 0 or more"))?
        }
    };
    let after = match headers.get("last-event-id") {
        Some(value) => value
            .to_str()
            .ok()
            .filter(|v| (1..=18).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| ApiError::bad_request("Last-Event-ID is not an event id"))?,
        None => after,
    };
    let id = execution_id(&state, &sm, &name).await?;
    // 404 now rather than an empty stream.
    state.service.describe_execution(&id).await?;
    let follow = Follow {
        state,
        id,
        sent: after,
        queue: VecDeque::new(),
        pause: FAST_POLL,
        checked: None,
        done: false,
    };
    let stream = futures::stream::unfold(follow, |mut f| async move {
        let event = f.next().await?;
        Some((Ok(event), f))
    });
    Ok(Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(15))
            .text("keep-alive"),
    ))
}

/// The state of one stream.
struct Follow {
    state: SharedState,
    id: String,
    /// The id of the last event sent.
    sent: u64,
    queue: VecDeque<Event>,
    pause: Duration,
    /// When the record was last read.
    checked: Option<Instant>,
    done: bool,
}

impl Follow {
    /// The next message, waiting for it; `None` ends the stream.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                return Some(event);
            }
            if self.done {
                return None;
            }
            let events = match self
                .state
                .service
                .store
                .history(&self.id, self.sent + 1, BATCH, false)
                .await
            {
                Ok(events) => events,
                // A store fault: the client reconnects with Last-Event-ID.
                Err(e) => {
                    tracing::warn!(error = %e, "event stream: history read failed");
                    return None;
                }
            };
            if !events.is_empty() {
                self.pause = FAST_POLL;
                for event in events {
                    self.push(&event);
                }
                continue;
            }
            if self.checked.is_none_or(|t| t.elapsed() >= RECHECK) {
                self.checked = Some(Instant::now());
                match self.state.service.store.load_execution(&self.id).await {
                    Ok(Some(exec))
                        if exec.status != Status::Running && exec.events <= self.sent =>
                    {
                        self.end(exec.status);
                        continue;
                    }
                    Ok(Some(_)) => {}
                    // Deleted (retention) or unreadable: nothing more will come.
                    Ok(None) | Err(_) => return None,
                }
            }
            let shutdown = self.state.config.shutdown.clone();
            tokio::select! {
                _ = tokio::time::sleep(self.pause) => {}
                _ = shutdown.cancelled() => return None,
            }
            self.pause = (self.pause * 2).min(SLOW_POLL);
        }
    }

    fn push(&mut self, event: &HistoryEvent) {
        self.sent = event.id;
        let data = rest_event(event).to_string();
        self.queue.push_back(
            Event::default()
                .id(event.id.to_string())
                .event("history")
                .data(data),
        );
        if let Some(status) = final_status(&event.kind) {
            self.end(status);
        }
    }

    fn end(&mut self, status: Status) {
        let status = ExecutionStatus::from(status);
        self.queue.push_back(
            Event::default()
                .event("end")
                .data(json!({ "status": status }).to_string()),
        );
        self.done = true;
    }
}

/// The final status an execution's last event says.
fn final_status(kind: &str) -> Option<Status> {
    match kind {
        "ExecutionSucceeded" => Some(Status::Succeeded),
        "ExecutionFailed" => Some(Status::Failed),
        "ExecutionTimedOut" => Some(Status::TimedOut),
        "ExecutionAborted" => Some(Status::Aborted),
        _ => None,
    }
}
