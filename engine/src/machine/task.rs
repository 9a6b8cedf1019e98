//! Task states: HTTP calls and callbacks (`.waitForTaskToken` and the `Callback` state).

use serde_json::{Map, Value};

use baton_definitions::model::{Invoke, Seconds, Task};
use baton_definitions::pipeline;
use baton_definitions::template::compact_json;
use baton_definitions::{Env, ErrorName, Failure, State, StateKind};

use baton_definitions::jsonata_lang::JEnv;

use super::event::Outcome;
use super::execution::{Step, TaskStep};
use super::jsonata;
use super::step::{Cx, data_limit, shown};
use super::transition::{Effect, HttpRequest, OpenToken, ResponseShape, TokenClosed};

/// `resourceType` and `resource` of task history events, as AWS splits a resource ARN.
pub(super) fn resource_parts(task: &Task) -> (String, String) {
    if task.resource == "Callback" {
        return match task.invoke {
            Invoke::HttpInvoke => ("http".into(), "invoke.waitForTaskToken".into()),
            _ => ("callback".into(), "waitForTaskToken".into()),
        };
    }
    if let Some(rest) = task.resource.strip_prefix("arn:aws:states:::")
        && let Some((kind, action)) = rest.split_once(':')
    {
        return (kind.to_owned(), action.to_owned());
    }
    ("http".into(), task.resource.clone())
}

impl<'m> Cx<'m> {
    /// Schedules a new attempt of a Task state.
    pub(super) fn start_task(
        &mut self,
        f: u32,
        state: &'m State,
        task: &'m Task,
    ) -> Result<(), Failure> {
        let attempt = {
            let counter = self.exec.attempts.entry(state.name.clone()).or_insert(0);
            *counter += 1;
            *counter
        };
        let token = task
            .wait_for_callback
            .then(|| self.tokens.mint(&self.exec.id, &state.name, attempt));
        let key = format!("{}/{}/{}", self.exec.id, state.name, attempt);
        let retry_count: u32 = self
            .exec
            .frames
            .get(&f)
            .map_or(0, |fr| fr.retries.iter().sum());
        let evaluator = self.evaluator();
        let (effective, timeout, heartbeat, request) = {
            let frame = &self.exec.frames[&f];
            let mut ctx = self.context(f, state);
            ctx.retry_count = Some(retry_count);
            ctx.token = token.as_deref();
            let (effective, timeout, heartbeat, notify) = match state.io.jsonata.as_deref() {
                Some(j) => {
                    let env = JEnv::new(&frame.input, &ctx, &evaluator);
                    let effective = jsonata::arguments(j, &env)?;
                    let timeout = jsonata::whole(j.timeout.as_ref(), "TimeoutSeconds", 1, &env)?;
                    let heartbeat =
                        jsonata::whole(j.heartbeat.as_ref(), "HeartbeatSeconds", 1, &env)?;
                    let notify = j.notify.as_ref().map(|n| n.eval(&env)).transpose()?;
                    (effective, timeout, heartbeat, notify)
                }
                None => {
                    let scoped =
                        pipeline::apply_input_path(&state.io.input_path, &frame.input, &ctx)?;
                    let timeout =
                        seconds(task.timeout.as_ref(), &scoped, &ctx, "TimeoutSecondsPath")?;
                    let heartbeat = seconds(
                        task.heartbeat.as_ref(),
                        &scoped,
                        &ctx,
                        "HeartbeatSecondsPath",
                    )?;
                    let effective =
                        pipeline::apply_template(state.io.parameters.as_ref(), scoped, &ctx)?
                            .into_owned();
                    let notify = match &task.notify {
                        Some(notify) => Some(notify.eval(&Env::new(&effective, &ctx))?),
                        None => None,
                    };
                    (effective, timeout, heartbeat, notify)
                }
            };
            let request = match (&task.invoke, &notify) {
                (Invoke::Url(url), _) => Some(HttpRequest {
                    method: "POST".into(),
                    url: url.clone(),
                    headers: Vec::new(),
                    query: Vec::new(),
                    body: Some(effective.clone()),
                    shape: ResponseShape::Body,
                    idempotency_key: key,
                    timeout_seconds: timeout,
                }),
                (Invoke::HttpInvoke, Some(spec)) => Some(http_request(spec, key, None)?),
                (Invoke::HttpInvoke, None) => Some(http_request(&effective, key, timeout)?),
                (Invoke::Nothing, _) => None,
            };
            (effective, timeout, heartbeat, request)
        };
        let (resource_type, resource) = resource_parts(task);
        let mut scheduled = serde_json::json!({
            "resourceType": resource_type,
            "resource": resource,
            "region": self.settings.region,
            "parameters": compact_json(&effective),
        });
        if let Some(t) = timeout {
            scheduled["timeoutInSeconds"] = t.into();
        }
        if let Some(h) = heartbeat {
            scheduled["heartbeatInSeconds"] = h.into();
        }
        self.emit(f, "TaskScheduled", scheduled);
        self.emit(
            f,
            "TaskStarted",
            serde_json::json!({"resourceType": resource_type, "resource": resource}),
        );

        let mut step = TaskStep {
            attempt,
            token,
            request: request.clone(),
            submitted: false,
            timeout_timer: None,
            heartbeat_timer: None,
        };
        if task.wait_for_callback {
            if let Some(t) = timeout {
                step.timeout_timer = Some(self.new_timer(self.now + t as i64 * 1000));
            }
            let mut heartbeat_timer = None;
            if let Some(h) = heartbeat {
                let id = self.new_timer(self.now + h as i64 * 1000);
                step.heartbeat_timer = Some(id);
                heartbeat_timer = Some((id, h));
            }
            self.tx.tokens_opened.push(OpenToken {
                key: format!("{}/{attempt}", state.name),
                heartbeat: heartbeat_timer,
            });
            step.submitted = request.is_none();
        }
        if let Some(request) = request {
            self.tx.effects.push(Effect::Http {
                frame: f,
                state: state.name.clone(),
                attempt,
                request,
                notify: task.wait_for_callback,
            });
        }
        self.frame(f).step = Step::Task(Box::new(step));
        Ok(())
    }

    /// The task step an answer for `(f, state, attempt)` is for; `None` when that step is
    /// over. Each state counts its own attempts, so the state name is part of the match: a
    /// frame that moved on to another Task may be at the same attempt number.
    fn open_task(
        &self,
        f: u32,
        state_name: &str,
        attempt: u32,
    ) -> Option<(&'m State, &'m Task, TaskStep)> {
        let frame = self.exec.frames.get(&f)?;
        let Step::Task(step) = &frame.step else {
            return None;
        };
        if step.attempt != attempt || frame.state != state_name {
            return None;
        }
        let state = self.state(&frame.state)?;
        let StateKind::Task(task) = &state.kind else {
            return None;
        };
        Some((state, task, (**step).clone()))
    }

    pub(super) fn on_task_result(
        &mut self,
        f: u32,
        state_name: &str,
        attempt: u32,
        result: Result<Value, Failure>,
    ) {
        let Some((state, task, step)) = self.open_task(f, state_name, attempt) else {
            return;
        };
        if task.wait_for_callback || step.request.is_none() {
            return;
        }
        match result {
            Ok(value) => self.task_succeeded(f, state, task, value),
            Err(failure) => self.task_failed(f, state, task, failure),
        }
    }

    pub(super) fn on_submitted(
        &mut self,
        f: u32,
        state_name: &str,
        attempt: u32,
        result: Result<Value, Failure>,
    ) {
        let Some((state, task, step)) = self.open_task(f, state_name, attempt) else {
            return;
        };
        if !task.wait_for_callback || step.submitted {
            return;
        }
        match result {
            Ok(response) => {
                let (resource_type, resource) = resource_parts(task);
                self.emit(
                    f,
                    "TaskSubmitted",
                    serde_json::json!({"resourceType": resource_type, "resource": resource,
                        "output": compact_json(&response)}),
                );
                if let Step::Task(step) = &mut self.frame(f).step {
                    // The notification is answered: nothing sends it again, so the record
                    // (every commit that writes this frame, and the parked execution in
                    // the store) no longer carries it.
                    step.submitted = true;
                    step.request = None;
                }
            }
            Err(failure) => self.task_failed_as(
                f,
                state,
                task,
                failure,
                "TaskSubmitFailed",
                TokenClosed::Done,
            ),
        }
    }

    pub(super) fn on_callback(&mut self, state_name: &str, attempt: u32, outcome: Outcome) {
        let found = self.exec.frames.iter().find_map(|(id, fr)| match &fr.step {
            Step::Task(step)
                if fr.state == state_name && step.attempt == attempt && step.token.is_some() =>
            {
                Some(*id)
            }
            _ => None,
        });
        let Some(f) = found else { return };
        let Some((state, task, _)) = self.open_task(f, state_name, attempt) else {
            return;
        };
        match outcome {
            Outcome::Success { output } => self.task_succeeded(f, state, task, output),
            Outcome::Failure { error, cause } => {
                let failure = Failure {
                    error: ErrorName::parse(error.as_deref().unwrap_or("")),
                    cause,
                };
                self.task_failed(f, state, task, failure);
            }
        }
    }

    pub(super) fn on_task_timer(&mut self, f: u32, state: &'m State, timer: u64) {
        let Some(frame) = self.exec.frames.get(&f) else {
            return;
        };
        let Step::Task(step) = &frame.step else {
            return;
        };
        let StateKind::Task(task) = &state.kind else {
            return;
        };
        let failure = if step.timeout_timer == Some(timer) {
            Failure::new(ErrorName::Timeout, "The task timed out.".to_owned())
        } else if step.heartbeat_timer == Some(timer) {
            Failure::new(
                ErrorName::HeartbeatTimeout,
                "The task missed its heartbeat.".to_owned(),
            )
        } else {
            return;
        };
        self.task_failed_as(
            f,
            state,
            task,
            failure,
            "TaskTimedOut",
            TokenClosed::TimedOut,
        );
    }

    /// Ends the open attempt: timers cleared, token closed.
    fn close_task(&mut self, f: u32, state: &State, how: TokenClosed) {
        let step = std::mem::replace(&mut self.frame(f).step, Step::Enter);
        if let Step::Task(step) = step {
            self.tx
                .timers_cleared
                .extend(step.timeout_timer.into_iter().chain(step.heartbeat_timer));
            if step.token.is_some() {
                self.tx
                    .tokens_closed
                    .push((format!("{}/{}", state.name, step.attempt), how));
            }
        }
    }

    /// The task's result arrived: its HTTP answer, or its callback (which closes its
    /// token as answered).
    fn task_succeeded(&mut self, f: u32, state: &'m State, task: &'m Task, result: Value) {
        self.close_task(f, state, TokenClosed::Answered);
        let text = compact_json(&result);
        if text.len() > self.settings.max_payload_bytes {
            return self.task_failed(f, state, task, data_limit(&state.name));
        }
        let (resource_type, resource) = resource_parts(task);
        self.emit(
            f,
            "TaskSucceeded",
            serde_json::json!({"resourceType": resource_type, "resource": resource, "output": text}),
        );
        let raw = if state.catch.is_empty() {
            self.take_input(f)
        } else {
            self.exec.frames[&f].input.clone()
        };
        let output = match state.io.jsonata.as_deref() {
            Some(j) => self.j_state_output(f, state, j, &raw, result),
            None => {
                let ctx = self.context(f, state);
                pipeline::state_output_and_assign(&state.io, raw, result, &ctx)
            }
        };
        let done = output.and_then(|(output, assigned)| self.exit_with(f, state, output, assigned));
        if let Err(failure) = done {
            self.fail_state(f, state, failure);
        }
    }

    /// The task failed: its HTTP answer, or its callback (which closes its token as
    /// answered).
    fn task_failed(&mut self, f: u32, state: &'m State, task: &'m Task, failure: Failure) {
        let kind = if failure.error == ErrorName::Timeout {
            "TaskTimedOut"
        } else {
            "TaskFailed"
        };
        self.task_failed_as(f, state, task, failure, kind, TokenClosed::Answered);
    }

    fn task_failed_as(
        &mut self,
        f: u32,
        state: &'m State,
        task: &'m Task,
        failure: Failure,
        kind: &'static str,
        how: TokenClosed,
    ) {
        self.close_task(f, state, how);
        let (resource_type, resource) = resource_parts(task);
        let mut details = serde_json::json!({"resourceType": resource_type, "resource": resource});
        let error = failure.error.to_string();
        if !error.is_empty() {
            details["error"] = error.into();
        }
        if let Some(cause) = &failure.cause {
            details["cause"] = cause.clone().into();
        }
        self.emit(f, kind, details);
        self.fail_state(f, state, failure);
    }
}

/// `TimeoutSecondsPath`/`HeartbeatSecondsPath`: a positive whole number in the input.
fn seconds(
    source: Option<&Seconds>,
    input: &Value,
    ctx: &super::Context<'_>,
    field: &str,
) -> Result<Option<u64>, Failure> {
    match source {
        None => Ok(None),
        Some(Seconds::Fixed(n)) => Ok(Some(*n)),
        Some(Seconds::Path(path)) => {
            let env = Env::new(input, ctx);
            let value = path
                .select(&env)
                .ok_or_else(|| pipeline::missing(path, &env))?;
            match value.as_u64() {
                Some(n) if n > 0 => Ok(Some(n)),
                _ => Err(Failure::runtime(format!(
                    "The {field} field refers to value \"{}\" which is not a valid positive integer: {}",
                    shown(&value),
                    path.text()
                ))),
            }
        }
    }
}

/// An `http:invoke` request object (`ApiEndpoint`, `Method`, `Headers`, `QueryParameters`,
/// `RequestBody`) as evaluated for one attempt.
pub(super) fn http_request(
    spec: &Value,
    key: String,
    timeout: Option<u64>,
) -> Result<HttpRequest, Failure> {
    let invalid = |why: &str| Failure::runtime(format!("The HTTP request is invalid: {why}"));
    let Some(obj) = spec.as_object() else {
        return Err(invalid("the request must be an object"));
    };
    let url = obj
        .get("ApiEndpoint")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("ApiEndpoint must be a string"))?;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(invalid("ApiEndpoint must be an http:// or https:// URL"));
    }
    let method = obj
        .get("Method")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("Method must be a string"))?;
    Ok(HttpRequest {
        method: method.to_ascii_uppercase(),
        url: url.to_owned(),
        headers: pairs(obj.get("Headers")).ok_or_else(|| invalid("Headers must be an object"))?,
        query: pairs(obj.get("QueryParameters"))
            .ok_or_else(|| invalid("QueryParameters must be an object"))?,
        body: obj.get("RequestBody").cloned(),
        shape: ResponseShape::Invoke,
        idempotency_key: key,
        timeout_seconds: timeout,
    })
}

/// Name/value pairs from an object of strings (arrays give one pair per element).
fn pairs(value: Option<&Value>) -> Option<Vec<(String, String)>> {
    let Some(value) = value else {
        return Some(Vec::new());
    };
    let obj: &Map<String, Value> = value.as_object()?;
    let mut out = Vec::new();
    for (name, v) in obj {
        match v {
            Value::Array(items) => out.extend(items.iter().map(|i| (name.clone(), shown(i)))),
            other => out.push((name.clone(), shown(other))),
        }
    }
    Some(out)
}
