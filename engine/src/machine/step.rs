//! The stepper: applies one event to an execution. Task states are in [`super::task`],
//! Parallel and Map in [`super::fanout`].

use std::borrow::Cow;

use serde_json::Value;
use serde_json::value::RawValue;

use baton_definitions::model::{Dynamic, StateKind, Wait};
use baton_definitions::pipeline;
use baton_definitions::template::compact_json;
use baton_definitions::{Env, ErrorName, Failure, Path, State, StateMachine};

use super::context::Context;
use super::details::{Details, json_text};
use super::event::{EXECUTION_TIMER, Event};
use super::execution::{Execution, Frame, Parent, Status, Step};
use super::history::{HistoryEvent, Phase, error_details, state_event};
use super::settings::{Settings, TokenMinter};
use super::transition::{Timer, TokenClosed, Transition};

/// What the stepper reads: the definition the execution runs, settings and the minter.
#[derive(Clone, Copy)]
pub struct Machine<'a> {
    pub definition: &'a StateMachine,
    pub settings: &'a Settings,
    pub tokens: &'a dyn TokenMinter,
}

impl std::fmt::Debug for Machine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Machine").finish_non_exhaustive()
    }
}

/// The outside facts an event is applied with.
#[derive(Debug, Clone, Copy)]
pub struct Input {
    pub now_ms: i64,
    /// Uniform in `[0, 1)`: retry jitter.
    pub random: f64,
}

/// A new execution: its record (frame 0 ready to enter `StartAt`) and the first
/// transition (`ExecutionStarted`, and the execution timeout timer).
pub fn start(
    m: &Machine<'_>,
    id: String,
    name: String,
    revision: u32,
    input: Value,
    now_ms: i64,
) -> (Execution, Transition) {
    let sm = id
        .split_once(':')
        .map(|(sm, _)| sm.to_owned())
        .unwrap_or_default();
    let text = compact_json(&input);
    let exec = Execution::new(
        id,
        sm,
        revision,
        name,
        input,
        &m.definition.root.start_at,
        now_ms,
    );
    let mut tx = Transition::default();
    tx.history.push(HistoryEvent {
        id: 1,
        previous_event_id: 0,
        timestamp_ms: now_ms,
        kind: "ExecutionStarted".into(),
        details: serde_json::json!({
            "input": text,
            "roleArn": m.settings.role_arn,
            "stateMachineArn": m.settings.state_machine_arn(&exec.state_machine),
        })
        .into(),
    });
    if let Some(seconds) = m.definition.timeout_seconds {
        tx.timers_set.push(Timer {
            id: EXECUTION_TIMER,
            due_ms: now_ms + seconds as i64 * 1000,
        });
    }
    (exec, tx)
}

/// Applies `event`. A stale event (a timer or answer for a step that is over) changes
/// nothing and returns an empty transition.
pub fn apply(m: &Machine<'_>, exec: &mut Execution, event: Event, input: Input) -> Transition {
    let mut cx = Cx {
        def: m.definition,
        settings: m.settings,
        tokens: m.tokens,
        exec,
        tx: Transition::default(),
        now: input.now_ms,
        random: input.random,
        history_full: false,
        graveyard: Vec::new(),
        entered_input: None,
    };
    if cx.exec.status.is_final() {
        return cx.tx;
    }
    match event {
        Event::Run { frame } => cx.enter(frame),
        Event::TaskResult {
            frame,
            state,
            attempt,
            result,
        } => cx.on_task_result(frame, &state, attempt, result),
        Event::Submitted {
            frame,
            state,
            attempt,
            result,
        } => cx.on_submitted(frame, &state, attempt, result),
        Event::Callback {
            state,
            attempt,
            outcome,
        } => cx.on_callback(&state, attempt, outcome),
        Event::Timer { timer } => cx.on_timer(timer),
        Event::Stop { error, cause } => cx.stop(error, cause),
    }
    if cx.exec.status == Status::Running && cx.history_full {
        let limit = cx.settings.max_history_events;
        let prev = cx.exec.events;
        cx.finish_execution(
            Status::Failed,
            prev,
            Failure::runtime(format!(
                "The execution reached the maximum number of history events ({limit})."
            )),
        );
    }
    if !cx.tx.is_empty() || cx.exec.status.is_final() || cx.exec.frames.is_touched() {
        cx.exec.seq += 1;
    }
    cx.tx
}

/// One application of an event.
pub(super) struct Cx<'m> {
    pub def: &'m StateMachine,
    pub settings: &'m Settings,
    pub tokens: &'m dyn TokenMinter,
    pub exec: &'m mut Execution,
    pub tx: Transition,
    pub now: i64,
    pub random: f64,
    /// An event was dropped because the history is full; the execution fails.
    pub history_full: bool,
    /// Frames this transition removed on a failure path (not those that ended well), as
    /// they were: where a redrive resumes if the execution ends (see `redrive.rs`).
    pub graveyard: Vec<(u32, Frame)>,
    /// The raw input (as JSON text) of the state this transition entered, by frame: the
    /// state may have taken it from its frame before failing.
    pub entered_input: Option<(u32, String)>,
}

impl<'m> Cx<'m> {
    pub fn state(&self, name: &str) -> Option<&'m State> {
        let def: &'m StateMachine = self.def;
        def.state(name)
    }

    pub fn frame(&mut self, f: u32) -> &mut Frame {
        self.exec.frames.get_mut(&f).expect("frame exists")
    }

    /// Appends a history event for frame `f` (none for a quiet frame) and returns its id.
    pub fn emit(
        &mut self,
        f: u32,
        kind: impl Into<Cow<'static, str>>,
        details: impl Into<Details>,
    ) -> u64 {
        let Some(frame) = self.exec.frames.get(&f) else {
            return 0;
        };
        if frame.quiet {
            return frame.last_event;
        }
        let prev = frame.last_event;
        let id = self.emit_after(prev, kind, details);
        self.frame(f).last_event = id;
        id
    }

    pub fn emit_after(
        &mut self,
        prev: u64,
        kind: impl Into<Cow<'static, str>>,
        details: impl Into<Details>,
    ) -> u64 {
        let kind = kind.into();
        // The last slot of the history is kept for the event that ends the execution.
        if self.exec.events + 1 >= self.settings.max_history_events
            && !kind.starts_with("Execution")
        {
            self.history_full = true;
            return self.exec.events;
        }
        self.exec.events += 1;
        let id = self.exec.events;
        self.tx.history.push(HistoryEvent {
            id,
            previous_event_id: prev,
            timestamp_ms: self.now,
            kind,
            details: details.into(),
        });
        id
    }

    /// An id for a new Parallel or Map run (shared with frame ids, so unique).
    pub fn new_children_id(&mut self) -> u32 {
        let id = self.exec.next_frame;
        self.exec.next_frame += 1;
        id
    }

    pub fn new_timer(&mut self, due_ms: i64) -> u64 {
        let id = self.exec.next_timer;
        self.exec.next_timer += 1;
        self.tx.timers_set.push(Timer { id, due_ms });
        id
    }

    pub fn take_input(&mut self, f: u32) -> Value {
        std::mem::take(&mut self.frame(f).input)
    }

    /// `$$` for the state frame `f` is in.
    pub fn context(&self, f: u32, state: &'m State) -> Context<'_> {
        let entered = self
            .exec
            .frames
            .get(&f)
            .map_or(self.now, |fr| fr.entered_ms);
        let mut ctx = Context::new(self.settings, self.exec, &state.name, entered);
        ctx.frame = Some(f);
        ctx
    }

    // ----- entering and leaving states -----

    fn enter(&mut self, f: u32) {
        let Some(frame) = self.exec.frames.get(&f) else {
            return;
        };
        if frame.step != Step::Enter {
            return;
        }
        let Some(state) = self.state(&frame.state) else {
            let name = frame.state.clone();
            let prev = frame.last_event;
            self.finish_execution(
                Status::Failed,
                prev,
                Failure::runtime(format!("The state '{name}' does not exist.")),
            );
            return;
        };
        let input = json_text(&frame.input);
        if self.exec.kind == super::ExecutionKind::Standard {
            self.entered_input = Some((f, input.get().to_owned()));
        }
        let id = self.emit(
            f,
            state_event(state.type_name(), Phase::Entered),
            Details::state_entered(&state.name, input),
        );
        let now = self.now;
        let frame = self.frame(f);
        frame.entered = id;
        frame.entered_ms = now;
        frame.retries = vec![0; state.retry.len()];
        let jsonata = state.io.jsonata.as_deref();
        let result = match jsonata.and_then(|j| self.jsonata_enter(f, state, j)) {
            Some(result) => result,
            None => self.enter_jsonpath(f, state),
        };
        if let Err(failure) = result {
            self.fail_state(f, state, failure);
        }
    }

    /// Runs a state (JSONPath; also the Task, Parallel and Map steps of JSONata states).
    fn enter_jsonpath(&mut self, f: u32, state: &'m State) -> Result<(), Failure> {
        match &state.kind {
            StateKind::Pass(pass) => self.pass(f, state, pass.result.as_ref()),
            StateKind::Choice(_) => self.choice(f, state),
            StateKind::Wait(wait) => self.wait(f, state, wait),
            StateKind::Succeed => self.succeed(f, state),
            StateKind::Fail(_) => self.fail(f, state),
            StateKind::Task(task) => self.start_task(f, state, task),
            StateKind::Parallel(p) => self.start_parallel(f, state, p),
            StateKind::Map(map) => self.start_map(f, state, map),
        }
    }

    fn pass(&mut self, f: u32, state: &'m State, result: Option<&Value>) -> Result<(), Failure> {
        let raw = self.take_input(f);
        let output = {
            let ctx = self.context(f, state);
            let effective = pipeline::effective_input(&state.io, &raw, &ctx)?;
            let result = match result {
                Some(r) => r.clone(),
                None => effective.into_owned(),
            };
            pipeline::state_output_and_assign(&state.io, raw, result, &ctx)?
        };
        self.exit_with(f, state, output.0, output.1)
    }

    fn choice(&mut self, f: u32, state: &'m State) -> Result<(), Failure> {
        let StateKind::Choice(choice) = &state.kind else {
            return Ok(());
        };
        let raw = self.take_input(f);
        let (next, output, assigned) = {
            let ctx = self.context(f, state);
            let effective = pipeline::apply_input_path(&state.io.input_path, &raw, &ctx)?;
            let env = Env::new(&effective, &ctx);
            let mut matched = None;
            for (i, (rule, target)) in choice.choices.iter().enumerate() {
                if rule.eval(&env)? {
                    matched = Some((target, choice.rule_assign.get(i).and_then(Option::as_ref)));
                    break;
                }
            }
            // A rule's Assign when it matches; the state's when Default is taken.
            let default = choice
                .default
                .as_ref()
                .map(|d| (d, state.io.assign.as_ref()));
            let Some((next, assign)) = matched.or(default) else {
                return Err(Failure::runtime("No Matches!"));
            };
            let assigned = pipeline::assign(assign, &effective, &ctx)?;
            (
                next,
                pipeline::apply_output_path(&state.io.output_path, effective.into_owned(), &ctx)?,
                assigned,
            )
        };
        let text = self.checked_output(state, &output)?;
        self.emit_exited(f, state, text, assigned)?;
        self.goto(f, Some(next), output);
        Ok(())
    }

    fn wait(&mut self, f: u32, state: &'m State, wait: &Wait) -> Result<(), Failure> {
        let raw = self.take_input(f);
        let (due, output, assigned) = {
            let ctx = self.context(f, state);
            let effective = pipeline::apply_input_path(&state.io.input_path, &raw, &ctx)?;
            let due = match wait {
                Wait::Seconds(s) => self.now + *s as i64 * 1000,
                Wait::Timestamp(ts) => ts.timestamp_millis(),
                Wait::SecondsPath(path) => self.now + seconds_at(path, &effective, &ctx)? * 1000,
                Wait::TimestampPath(path) => timestamp_at(path, &effective, &ctx)?,
            };
            let assigned = pipeline::assign(state.io.assign.as_ref(), &effective, &ctx)?;
            (
                due,
                pipeline::apply_output_path(&state.io.output_path, effective.into_owned(), &ctx)?,
                assigned,
            )
        };
        self.wait_until(f, state, due, output, assigned, raw)
    }

    /// A Wait state of either language once its time, output and variables are known:
    /// leave at once when `due` has passed, else park the frame on a timer (keeping the raw
    /// input for a redrive).
    pub(super) fn wait_until(
        &mut self,
        f: u32,
        state: &'m State,
        due: i64,
        output: Value,
        assigned: Option<serde_json::Map<String, Value>>,
        raw: Value,
    ) -> Result<(), Failure> {
        if (due - self.now) / 1000 > i32::MAX as i64 {
            return Err(Failure::runtime("Wait state delay is too long."));
        }
        if due <= self.now {
            return self.exit_with(f, state, output, assigned);
        }
        // Nothing else runs in this frame while it waits: the variables take effect now
        // (and are saved with the frame), not when the timer fires.
        self.assign(f, state, assigned)?;
        let timer = self.new_timer(due);
        let frame = self.frame(f);
        frame.input = output;
        frame.step = Step::Wait {
            timer,
            raw: Some(Box::new(raw)),
        };
        Ok(())
    }

    fn succeed(&mut self, f: u32, state: &'m State) -> Result<(), Failure> {
        let raw = self.take_input(f);
        let output = {
            let ctx = self.context(f, state);
            let effective = pipeline::apply_input_path(&state.io.input_path, &raw, &ctx)?;
            pipeline::apply_output_path(&state.io.output_path, effective.into_owned(), &ctx)?
        };
        self.exit(f, state, output)
    }

    fn fail(&mut self, f: u32, state: &'m State) -> Result<(), Failure> {
        let StateKind::Fail(fail) = &state.kind else {
            return Ok(());
        };
        let raw = self.take_input(f);
        let (error, cause) = {
            let ctx = self.context(f, state);
            let env = Env::new(&raw, &ctx);
            (
                dynamic(fail.error.as_ref(), "ErrorPath", &env)?,
                dynamic(fail.cause.as_ref(), "CausePath", &env)?,
            )
        };
        let failure = Failure {
            error: ErrorName::parse(error.as_deref().unwrap_or("")),
            cause,
        };
        self.fail_frame(f, failure);
        Ok(())
    }

    /// Serializes a state output, failing with `States.DataLimitExceeded` when too large,
    /// or nested deeper than [`MAX_VALUE_DEPTH`] (a loop can wrap a value one level deeper
    /// each round; past the bound, writing and reading it would risk the stack).
    pub fn checked_output(&self, state: &State, output: &Value) -> Result<Box<RawValue>, Failure> {
        if baton_definitions::parse::nested_deeper_than(output, MAX_VALUE_DEPTH) {
            return Err(Failure::new(
                ErrorName::DataLimitExceeded,
                format!(
                    "The state/task '{}' returned a result nested more than {MAX_VALUE_DEPTH} levels deep.",
                    state.name
                ),
            ));
        }
        let text = json_text(output);
        if text.get().len() > self.settings.max_payload_bytes {
            return Err(data_limit(&state.name));
        }
        Ok(text)
    }

    /// Writes `…StateExited` and moves on.
    pub fn exit(&mut self, f: u32, state: &'m State, output: Value) -> Result<(), Failure> {
        self.exit_with(f, state, output, None)
    }

    /// [`Cx::exit`] setting the variables the state assigned.
    pub fn exit_with(
        &mut self,
        f: u32,
        state: &'m State,
        output: Value,
        assigned: Option<serde_json::Map<String, Value>>,
    ) -> Result<(), Failure> {
        let text = self.checked_output(state, &output)?;
        self.emit_exited(f, state, text, assigned)?;
        self.goto(f, state.next.as_ref(), output);
        Ok(())
    }

    /// Sets the variables `state` assigned and writes its `…StateExited` with `output` (its
    /// text, [`Cx::checked_output`]).
    pub fn emit_exited(
        &mut self,
        f: u32,
        state: &'m State,
        output: Box<RawValue>,
        assigned: Option<serde_json::Map<String, Value>>,
    ) -> Result<(), Failure> {
        let assigned = self.assign(f, state, assigned)?;
        self.emit(
            f,
            state_event(state.type_name(), Phase::Exited),
            Details::state_exited(&state.name, output, assigned),
        );
        Ok(())
    }

    /// Continues frame `f` at `next`, or ends it with `output`.
    pub fn goto(&mut self, f: u32, next: Option<&String>, output: Value) {
        match next {
            Some(next) => {
                let frame = self.frame(f);
                frame.state.clone_from(next);
                frame.input = output;
                frame.step = Step::Enter;
                frame.retries.clear();
            }
            None => {
                let Some(frame) = self.remove_frame_as(f, false) else {
                    return;
                };
                match frame.parent {
                    None => {
                        self.exec.output = Some(output.clone());
                        let text = compact_json(&output);
                        let prev = frame.last_event;
                        self.exec.status = Status::Succeeded;
                        self.exec.stop_ms = Some(self.now);
                        self.emit_after(
                            prev,
                            "ExecutionSucceeded",
                            serde_json::json!({"output": text}),
                        );
                        self.end_execution();
                    }
                    Some(parent) => self.child_succeeded(parent, f, output, frame.last_event),
                }
            }
        }
    }

    /// The state in frame `f` failed: retry, catch, or fail the frame.
    pub fn fail_state(&mut self, f: u32, state: &'m State, failure: Failure) {
        let failure = self.evaluation_failed(f, state, failure);
        if failure.error == ErrorName::Runtime {
            self.runtime(f, failure);
            return;
        }
        let Some(frame) = self.exec.frames.get(&f) else {
            return;
        };
        let recovery = baton_definitions::retry::recover(
            &state.retry,
            &state.catch,
            &frame.retries,
            &failure.error,
            self.random,
        );
        match recovery {
            baton_definitions::retry::Recovery::Retry { retrier, delay, .. } => {
                let due = self.now + delay.as_millis() as i64;
                let timer = self.new_timer(due);
                let frame = self.frame(f);
                if let Some(count) = frame.retries.get_mut(retrier) {
                    *count += 1;
                }
                frame.step = Step::Backoff { timer };
            }
            baton_definitions::retry::Recovery::Catch(i) => {
                self.fanout_failed_event(f, state);
                if let Some(j) = state.io.jsonata.as_deref() {
                    return self.j_catch(f, state, j, i, &failure);
                }
                let catcher = &state.catch[i];
                let raw = self.take_input(f);
                let error_output = failure.error_output();
                let assigned = {
                    let ctx = self.context(f, state);
                    pipeline::assign(catcher.assign.as_ref(), &error_output, &ctx)
                };
                let assigned = match assigned {
                    Ok(assigned) => assigned,
                    Err(e) => return self.runtime(f, e),
                };
                match pipeline::apply_result_path(&catcher.result_path, raw, error_output) {
                    Ok(output) => {
                        let text = match self.checked_output(state, &output) {
                            Ok(text) => text,
                            Err(e) => return self.fail_frame(f, e),
                        };
                        if let Err(e) = self.emit_exited(f, state, text, assigned) {
                            return self.runtime(f, e);
                        }
                        self.frame(f).step = Step::Enter;
                        self.goto(f, Some(&catcher.next), output);
                    }
                    Err(e) => self.fail_frame(f, e),
                }
            }
            baton_definitions::retry::Recovery::Fail => {
                self.fanout_failed_event(f, state);
                self.fail_frame(f, failure);
            }
        }
    }

    /// `States.Runtime` ends the execution at once, with AWS's prefix naming the state.
    pub fn runtime(&mut self, f: u32, failure: Failure) {
        let (name, entered, prev) = match self.exec.frames.get(&f) {
            Some(frame) => (frame.state.clone(), frame.entered, frame.last_event),
            None => (String::new(), 0, self.exec.events),
        };
        let cause = format!(
            "An error occurred while executing the state '{name}' (entered at the event id #{entered}). {}",
            failure.cause.unwrap_or_default()
        );
        self.finish_execution(Status::Failed, prev, Failure::runtime(cause));
    }

    /// Frame `f` ended with an error: report to its parent, or fail the execution.
    pub fn fail_frame(&mut self, f: u32, failure: Failure) {
        let Some(frame) = self.remove_frame(f) else {
            return;
        };
        match frame.parent {
            None => self.finish_execution(Status::Failed, frame.last_event, failure),
            Some(parent) => self.child_failed(parent, f, failure, frame.last_event),
        }
    }

    /// Ends the execution with a failure status (`FAILED`, `TIMED_OUT`, `ABORTED`).
    pub fn finish_execution(&mut self, status: Status, prev: u64, failure: Failure) {
        let kind = match status {
            Status::TimedOut => "ExecutionTimedOut",
            Status::Aborted => "ExecutionAborted",
            _ => "ExecutionFailed",
        };
        let error = failure.error.to_string();
        let details = match (error.is_empty(), failure.cause.as_deref()) {
            (true, None) => serde_json::json!({}),
            (true, Some(cause)) => serde_json::json!({"cause": cause}),
            (false, cause) => error_details(&error, cause),
        };
        let frames: Vec<u32> = self.exec.frames.keys().copied().collect();
        for f in frames {
            self.remove_frame(f);
        }
        self.exec.status = status;
        self.exec.stop_ms = Some(self.now);
        self.exec.error = (!error.is_empty()).then_some(error);
        self.exec.cause = failure.cause;
        self.emit_after(prev, kind, details);
        self.end_execution();
        self.keep_for_redrive();
    }

    fn end_execution(&mut self) {
        self.tx.finished = true;
        self.exec.abort_map_runs(self.now);
        let retention = i64::try_from(self.settings.retention_ms).unwrap_or(i64::MAX);
        self.exec.expires_ms = Some(self.now.saturating_add(retention));
        if self.def.timeout_seconds.is_some() {
            self.tx.timers_cleared.push(EXECUTION_TIMER);
        }
    }

    /// Removes frame `f` and its descendants, releasing their timers and tokens.
    pub fn remove_frame(&mut self, f: u32) -> Option<Frame> {
        self.remove_frame_as(f, true)
    }

    /// [`Cx::remove_frame`]; `failed`: on a failure path, so a redrive may resume it.
    fn remove_frame_as(&mut self, f: u32, failed: bool) -> Option<Frame> {
        let children: Vec<u32> = self
            .exec
            .frames
            .iter()
            .filter(|(_, fr)| fr.parent.map(|p| p.frame) == Some(f))
            .map(|(id, _)| *id)
            .collect();
        for child in children {
            self.remove_frame_as(child, failed);
        }
        let frame = self.exec.frames.remove(&f)?;
        if failed && self.exec.kind == super::ExecutionKind::Standard {
            self.graveyard.push((f, frame.clone()));
        }
        match &frame.step {
            Step::Wait { timer, .. } | Step::Backoff { timer } => {
                self.tx.timers_cleared.push(*timer)
            }
            Step::Task(task) => {
                self.tx
                    .timers_cleared
                    .extend(task.timeout_timer.into_iter().chain(task.heartbeat_timer));
                if task.token.is_some() {
                    self.tx.tokens_closed.push((
                        format!("{}/{}", frame.state, task.attempt),
                        TokenClosed::Gone,
                    ));
                }
            }
            Step::Enter | Step::Children(_) => {}
        }
        Some(frame)
    }

    /// A new child frame of `parent`, entering `state` with `input`.
    pub fn add_frame(
        &mut self,
        parent: Parent,
        state: &str,
        input: Value,
        last_event: u64,
        quiet: bool,
    ) -> u32 {
        let id = self.exec.next_frame;
        self.exec.next_frame += 1;
        self.exec.frames.insert(
            id,
            Frame {
                parent: Some(parent),
                state: state.to_owned(),
                input,
                entered: 0,
                entered_ms: self.now,
                last_event,
                step: Step::Enter,
                quiet,
                retries: Vec::new(),
                variables: serde_json::Map::new(),
            },
        );
        id
    }

    // ----- outside events -----

    fn on_timer(&mut self, timer: u64) {
        if timer == EXECUTION_TIMER {
            let prev = self.exec.events;
            let seconds = self.def.timeout_seconds.unwrap_or(0);
            self.finish_execution(
                Status::TimedOut,
                prev,
                Failure::new(
                    ErrorName::Timeout,
                    format!("The execution timed out after {seconds} seconds."),
                ),
            );
            return;
        }
        let found = self.exec.frames.iter().find(|(_, fr)| match &fr.step {
            Step::Wait { timer: t, .. } | Step::Backoff { timer: t } => *t == timer,
            Step::Task(task) => {
                task.timeout_timer == Some(timer) || task.heartbeat_timer == Some(timer)
            }
            _ => false,
        });
        let Some((&f, frame)) = found else { return };
        let Some(state) = self.state(&frame.state) else {
            return;
        };
        match &frame.step {
            Step::Wait { timer: t, .. } if *t == timer => {
                let output = self.take_input(f);
                self.frame(f).step = Step::Enter;
                if let Err(failure) = self.exit(f, state, output) {
                    self.fail_state(f, state, failure);
                }
            }
            Step::Backoff { timer: t } if *t == timer => {
                let result = match &state.kind {
                    StateKind::Task(task) => self.start_task(f, state, task),
                    StateKind::Parallel(p) => self.start_parallel(f, state, p),
                    StateKind::Map(map) => self.start_map(f, state, map),
                    _ => Ok(()),
                };
                if let Err(failure) = result {
                    self.fail_state(f, state, failure);
                }
            }
            Step::Task(_) => self.on_task_timer(f, state, timer),
            _ => {}
        }
    }

    fn stop(&mut self, error: Option<String>, cause: Option<String>) {
        let aborted: Vec<(u32, &'static str)> = self
            .exec
            .frames
            .iter()
            .filter_map(|(id, fr)| {
                let state = self.def.state(&fr.state)?;
                match fr.step {
                    Step::Enter => None,
                    _ => Some((*id, state.type_name())),
                }
            })
            .collect();
        for (f, type_name) in aborted {
            self.emit(f, state_event(type_name, Phase::Aborted), Value::Null);
        }
        let prev = self.exec.events;
        let failure = Failure {
            error: ErrorName::parse(error.as_deref().unwrap_or("")),
            cause,
        };
        self.finish_execution(Status::Aborted, prev, failure);
    }
}

/// The deepest nesting of arrays and objects a state output may have: above what a
/// definition's payload templates build (384 levels), far below what overflows a stack.
pub const MAX_VALUE_DEPTH: usize = 512;

/// `States.DataLimitExceeded` for a state whose output or result is too large.
pub(super) fn data_limit(state: &str) -> Failure {
    Failure::new(
        ErrorName::DataLimitExceeded,
        format!(
            "The state/task '{state}' returned a result with a size exceeding the maximum number of bytes service limit."
        ),
    )
}

/// A Fail state's Error or Cause.
fn dynamic(
    source: Option<&Dynamic>,
    field: &str,
    env: &Env<'_>,
) -> Result<Option<String>, Failure> {
    let value = match source {
        None => return Ok(None),
        Some(Dynamic::Literal(text)) => return Ok(Some(text.clone())),
        Some(Dynamic::Path(path)) => path.select(env).ok_or_else(|| {
            Failure::runtime(format!(
                "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                path.text(),
                compact_json(env.input)
            ))
        })?,
        Some(Dynamic::Intrinsic(call)) => call.eval(env)?,
    };
    Ok(Some(match value {
        Value::String(s) => s,
        other => compact_json(&other),
    }))
}

/// The text AWS prints for a value in messages: strings bare, the rest as JSON.
pub(super) fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => compact_json(other),
    }
}

fn seconds_at(path: &Path, input: &Value, ctx: &Context<'_>) -> Result<i64, Failure> {
    let Some(value) = path.select(&Env::new(input, ctx)) else {
        return Err(Failure::runtime(format!(
            "The SecondsPath parameter does not reference an input value: {}",
            path.text()
        )));
    };
    match value.as_i64() {
        Some(n) if n < 0 => Err(Failure::runtime(format!(
            "The SecondsPath parameter references a negative value: {} == {}",
            path.text(),
            shown(&value)
        ))),
        Some(n) => Ok(n),
        None => Err(Failure::runtime(format!(
            "The SecondsPath parameter cannot be parsed as a long value: {} == {}",
            path.text(),
            shown(&value)
        ))),
    }
}

fn timestamp_at(path: &Path, input: &Value, ctx: &Context<'_>) -> Result<i64, Failure> {
    let Some(value) = path.select(&Env::new(input, ctx)) else {
        return Err(Failure::runtime(format!(
            "The TimestampPath parameter does not reference an input value: {}",
            path.text()
        )));
    };
    match value
        .as_str()
        .and_then(baton_definitions::time::parse_timestamp)
    {
        Some(ts) => Ok(ts.timestamp_millis()),
        None => Err(Failure::runtime(format!(
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
            path.text(),
            shown(&value)
        ))),
    }
}
