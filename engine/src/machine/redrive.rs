//! Redrive: an execution that ended `FAILED`, `TIMED_OUT` or `ABORTED` continues from the
//! states that did not succeed (AWS's `RedriveExecution`).
//!
//! # What is kept
//!
//! When a Standard execution ends unsuccessfully, the transition that ends it has removed
//! every frame still running, each on a failure path (the failing frame, its cancelled
//! siblings, the Parallel or Map that held them, up to the top). Those frames are not
//! dropped: [`Cx::keep_for_redrive`] puts them back, each where a redrive resumes it —
//!
//! - a Parallel or Map in `Children` stays in `Children` with the results its finished
//!   branches or iterations set; its `running` children are the kept ones, its failure
//!   count starts at 0 (items not started yet start as iterations end, as before);
//! - every other frame is `Enter` at its state, with that state's raw input (a Wait's is
//!   kept in its step; a state that took its input before failing gets it from its
//!   `…StateEntered`), its retry counters at 0;
//! - a frame whose parent is not kept (its Parallel was caught and went on) is not kept.
//!
//! The frames are written with the finished record (the store changes only what a
//! transition touched, so this costs the frames that failed), and nothing runs them:
//! [`Execution::runnable`] is empty while the status is final.
//!
//! # Redriving
//!
//! [`redrive`] checks AWS's conditions ([`redrivable`]), checks that every kept frame's
//! state exists where it must in the definition given (the execution's own revision, or
//! a newer one: [`check_frames`]), then sets the execution `RUNNING`, writes
//! `ExecutionRedriven` (and `MapRunRedriven` for a distributed Map), points every frame's
//! next event at it, starts Map items up to their concurrency and sets the execution
//! timeout again from now. The caller commits that with the store's redrive operation and
//! a worker runs the `Enter` frames. Task attempts keep counting (new idempotency keys and
//! task tokens); tokens of the failed attempt were closed when it ended.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use baton_definitions::model::Graph;
use baton_definitions::{StateKind, StateMachine};

use super::event::EXECUTION_TIMER;
use super::execution::{Execution, ExecutionKind, Frame, Status, Step};
use super::step::{Cx, Input, Machine};
use super::transition::{Timer, Transition};

/// AWS: an execution can be redriven within 14 days of its end…
pub const REDRIVABLE_PERIOD_MS: i64 = 14 * 24 * 3600 * 1000;
/// …and within a year of its start (the longest an execution may be open).
pub const MAX_OPEN_MS: i64 = 365 * 24 * 3600 * 1000;
/// AWS: at most 1,000 redrives of one execution.
pub const MAX_REDRIVES: u32 = 1000;
/// AWS answers the same client token idempotently for 15 minutes, for the last 10.
pub const TOKEN_WINDOW_MS: i64 = 15 * 60 * 1000;
pub const TOKENS_KEPT: usize = 10;

/// Why an execution cannot be redriven; [`NotRedrivable::reason`] is AWS's
/// `redriveStatusReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRedrivable {
    Running,
    Succeeded,
    /// An EXPRESS execution.
    Express,
    /// It ended before this version kept where executions resume.
    NothingKept,
    HistoryFull,
    MaxOpenTime,
    PeriodExceeded,
    /// Redriven [`MAX_REDRIVES`] times (`ExecutionLimitExceeded`).
    TooManyRedrives,
}

impl NotRedrivable {
    pub fn reason(self) -> &'static str {
        match self {
            NotRedrivable::Running => "Execution is RUNNING and cannot be redriven.",
            NotRedrivable::Succeeded => "Execution is SUCCEEDED and cannot be redriven.",
            NotRedrivable::Express => {
                "Execution is of an EXPRESS state machine and cannot be redriven."
            }
            NotRedrivable::NothingKept => {
                "Execution was started before the launch of RedriveExecution."
            }
            NotRedrivable::HistoryFull => "Execution history event limit exceeded.",
            NotRedrivable::MaxOpenTime => "Execution has exceeded the max execution time.",
            NotRedrivable::PeriodExceeded => "Execution redrivable period exceeded.",
            NotRedrivable::TooManyRedrives => {
                "Execution has been redriven the maximum number of times (1000)."
            }
        }
    }
}

/// Why a redrive is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotRedrivable(NotRedrivable),
    /// A kept frame's state is not where it must be in the definition given.
    Misplaced {
        /// JSON Pointer into the definition where the state must be.
        pointer: String,
        /// The state path: enclosing states and branch or item indexes, `/`-separated.
        path: String,
        message: String,
    },
}

/// Whether `exec` can be redriven at `now_ms` (AWS's `redriveStatus`).
pub fn redrivable(
    exec: &Execution,
    now_ms: i64,
    max_history_events: u64,
) -> Result<(), NotRedrivable> {
    match exec.status {
        Status::Running => return Err(NotRedrivable::Running),
        Status::Succeeded => return Err(NotRedrivable::Succeeded),
        _ => {}
    }
    if exec.kind != ExecutionKind::Standard {
        return Err(NotRedrivable::Express);
    }
    if exec.frames.is_empty() {
        return Err(NotRedrivable::NothingKept);
    }
    // Room for `ExecutionRedriven` and at least one more event.
    if exec.events + 2 > max_history_events {
        return Err(NotRedrivable::HistoryFull);
    }
    if now_ms - exec.start_ms > MAX_OPEN_MS {
        return Err(NotRedrivable::MaxOpenTime);
    }
    if now_ms - exec.stop_ms.unwrap_or(now_ms) > REDRIVABLE_PERIOD_MS {
        return Err(NotRedrivable::PeriodExceeded);
    }
    if exec.redrive_count >= MAX_REDRIVES {
        return Err(NotRedrivable::TooManyRedrives);
    }
    Ok(())
}

/// The redrive date of an earlier redrive with this client token, if it is recent enough
/// to be answered again (AWS's idempotency).
pub fn token_redriven(exec: &Execution, token: &str, now_ms: i64) -> Option<i64> {
    (exec.redrive_tokens.iter())
        .find(|(t, at)| t == token && now_ms - at <= TOKEN_WINDOW_MS)
        .map(|(_, at)| *at)
}

/// Redrives `exec` on `m.definition` (its revision is `exec.revision`, set by the caller
/// when it moves the execution to another revision). On `Err` nothing changed.
pub fn redrive(
    m: &Machine<'_>,
    exec: &mut Execution,
    input: Input,
    token: Option<&str>,
) -> Result<Transition, Refusal> {
    redrivable(exec, input.now_ms, m.settings.max_history_events)
        .map_err(Refusal::NotRedrivable)?;
    check_frames(m.definition, exec)?;
    let now = input.now_ms;
    exec.status = Status::Running;
    exec.stop_ms = None;
    exec.output = None;
    exec.error = None;
    exec.cause = None;
    exec.expires_ms = None;
    exec.redrive_count += 1;
    exec.redrive_ms = Some(now);
    if let Some(token) = token {
        exec.redrive_tokens
            .retain(|(t, at)| t != token && now - at <= TOKEN_WINDOW_MS);
        exec.redrive_tokens.push((token.to_owned(), now));
        let extra = exec.redrive_tokens.len().saturating_sub(TOKENS_KEPT);
        exec.redrive_tokens.drain(..extra);
    }
    let count = exec.redrive_count;
    let mut cx = Cx {
        def: m.definition,
        settings: m.settings,
        tokens: m.tokens,
        exec,
        tx: Transition::default(),
        now,
        random: input.random,
        history_full: false,
        graveyard: Vec::new(),
        entered_input: None,
    };
    let prev = cx.exec.events;
    let redriven = cx.emit_after(prev, "ExecutionRedriven", json!({"redriveCount": count}));
    let ids: Vec<u32> = cx.exec.frames.keys().copied().collect();
    for f in &ids {
        cx.frame(*f).last_event = redriven;
    }
    for f in ids {
        let (distributed, entered, name) = match cx.exec.frames.get(&f).map(|fr| (fr, &fr.step)) {
            Some((fr, Step::Children(c))) => (c.distributed, fr.entered, fr.state.clone()),
            _ => continue,
        };
        let Some(state) = cx.state(&name) else {
            continue;
        };
        let StateKind::Map(map) = &state.kind else {
            continue;
        };
        if distributed {
            let progress = match cx.exec.frames.get(&f).map(|fr| &fr.step) {
                Some(Step::Children(c)) => (
                    c.id,
                    (c.results.iter_set().count() as u64, u64::from(c.next)),
                ),
                _ => continue,
            };
            let now = cx.now;
            let run = cx
                .exec
                .redrive_map_run(f, progress.0, progress.1, now)
                .cloned();
            let arn = match run {
                Some(run) => run.arn(cx.settings, cx.exec),
                // (A run started by an earlier version, which kept no summary.)
                None => format!(
                    "arn:aws:states:{}:{}:mapRun:{}/{}:{}",
                    cx.settings.region,
                    cx.settings.account,
                    cx.exec.state_machine,
                    map.label.as_deref().unwrap_or(&state.name),
                    entered + 2
                ),
            };
            cx.emit(
                f,
                "MapRunRedriven",
                json!({"mapRunArn": arn, "redriveCount": count}),
            );
        }
        if let Err(failure) = cx.launch_items(f, state, map) {
            cx.fail_state(f, state, failure);
        }
        if cx.exec.status != Status::Running {
            break;
        }
    }
    if let Some(seconds) = m.definition.timeout_seconds
        && cx.exec.status == Status::Running
    {
        cx.tx.timers_set.push(Timer {
            id: EXECUTION_TIMER,
            due_ms: now + seconds as i64 * 1000,
        });
    }
    let tx = cx.tx;
    exec.seq += 1;
    Ok(tx)
}

impl Cx<'_> {
    /// The execution just ended unsuccessfully: puts back the frames removed on its
    /// failure path, each where a redrive resumes it (see the module docs).
    pub(super) fn keep_for_redrive(&mut self) {
        let mut graveyard = std::mem::take(&mut self.graveyard);
        let entered = self.entered_input.take();
        if self.exec.kind != ExecutionKind::Standard || self.exec.status == Status::Succeeded {
            return;
        }
        graveyard.sort_by_key(|(id, _)| *id);
        let mut kept: BTreeMap<u32, Frame> = BTreeMap::new();
        for (id, mut frame) in graveyard {
            if let Some(p) = frame.parent {
                let Some(Step::Children(c)) = kept.get(&p.frame).map(|f| &f.step) else {
                    continue;
                };
                if p.index >= c.size || c.results.get(p.index as usize).is_some() {
                    continue;
                }
            }
            frame.step = match std::mem::replace(&mut frame.step, Step::Enter) {
                Step::Children(mut c) => {
                    c.failed = 0;
                    c.running.clear();
                    Step::Children(c)
                }
                Step::Wait { raw, .. } => {
                    // (A Wait entered by an earlier version kept only its output.)
                    if let Some(raw) = raw {
                        frame.input = *raw;
                    }
                    Step::Enter
                }
                _ => Step::Enter,
            };
            if frame.step == Step::Enter {
                frame.retries.clear();
                if frame.input.is_null()
                    && let Some((f, text)) = &entered
                    && *f == id
                {
                    frame.input = serde_json::from_str(text).unwrap_or(Value::Null);
                }
            }
            kept.insert(id, frame);
        }
        let links: Vec<(u32, u32)> = (kept.iter())
            .filter_map(|(id, f)| Some((f.parent?.frame, *id)))
            .collect();
        for (parent, child) in links {
            if let Some(Step::Children(c)) = kept.get_mut(&parent).map(|f| &mut f.step) {
                c.running.push(child);
            }
        }
        for (id, frame) in kept {
            self.exec.frames.insert(id, frame);
        }
    }
}

/// Checks that every kept frame's state is in the scope it must be in `definition`: the
/// top level, the branch of its Parallel or the processor of its Map, and that a frame
/// in `Children` is still a Parallel (with as many branches) or a Map.
pub fn check_frames(definition: &StateMachine, exec: &Execution) -> Result<(), Refusal> {
    // (pointer, path) of each checked frame, to extend for its children.
    let mut located: BTreeMap<u32, (String, String)> = BTreeMap::new();
    for (id, frame) in exec.frames.iter() {
        let (graph, pointer, path) = match frame.parent {
            None => (&definition.root, String::new(), String::new()),
            Some(p) => {
                let Some((pointer, path)) = located.get(&p.frame) else {
                    continue;
                };
                let parent = &exec.frames[&p.frame];
                let scope = definition.state(&parent.state).and_then(|s| match &s.kind {
                    StateKind::Parallel(par) => par
                        .branches
                        .get(p.index as usize)
                        .map(|g| (g, format!("{pointer}/Branches/{}", p.index))),
                    StateKind::Map(map) => {
                        Some((&map.processor, format!("{pointer}/ItemProcessor")))
                    }
                    _ => None,
                });
                let Some((graph, pointer)) = scope else {
                    continue;
                };
                (graph, pointer, format!("{path}/{}", p.index))
            }
        };
        let pointer = format!("{pointer}/States/{}", escape(&frame.state));
        let path = if path.is_empty() {
            frame.state.clone()
        } else {
            format!("{path}/{}", frame.state)
        };
        let misplaced = |message: String| Refusal::Misplaced {
            pointer: pointer.clone(),
            path: path.clone(),
            message,
        };
        if !in_graph(graph, &frame.state) {
            return Err(misplaced(format!(
                "the execution resumes in state '{}', which revision {} does not have there",
                frame.state, exec.revision
            )));
        }
        let state = definition.state(&frame.state);
        if let Step::Children(c) = &frame.step {
            let is_parallel = c.selector_input.is_none();
            let fits = match state.map(|s| &s.kind) {
                Some(StateKind::Parallel(p)) => is_parallel && p.branches.len() as u32 == c.size,
                Some(StateKind::Map(m)) => !is_parallel && m.distributed == c.distributed,
                _ => false,
            };
            if !fits {
                let was = if is_parallel {
                    format!("a Parallel state with {} branches", c.size)
                } else {
                    "a Map state".to_owned()
                };
                return Err(misplaced(format!(
                    "the execution resumes inside state '{}', which was {was}; in revision {} it is not the same kind of state",
                    frame.state, exec.revision
                )));
            }
        }
        located.insert(*id, (pointer.clone(), path.clone()));
    }
    Ok(())
}

fn in_graph(graph: &Graph, name: &str) -> bool {
    graph.states.iter().any(|s| s == name)
}

/// A JSON Pointer token (RFC 6901).
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}
