//! Map and Parallel states in TestState. As on AWS they run only with a mock, and the mocked
//! result (or error) stands for what the iterations / branches gave: the state runs as a Task
//! with the state's own InputPath, Parameters/Arguments (Parallel), ResultSelector,
//! ResultPath, OutputPath, Output, Assign, Retry and Catch, answered by the mock. A Map's
//! items are still read (ItemsPath / Items, ItemSelector) for the inspection data and to check
//! them, and `stateConfiguration.mapIterationFailureCount` is weighed against its
//! ToleratedFailureCount / ToleratedFailurePercentage.

use std::cell::RefCell;

use serde_json::{Map, Value, json};

use baton_definitions::jsonata::JsonataEnv;
use baton_definitions::jsonata_lang::{JEnv, JTemplate};
use baton_definitions::model::{Count, Map as MapState, Percent};
use baton_definitions::template::compact_json;
use baton_definitions::{Env, Failure, State, StateKind, StateMachine, pipeline};

use super::{Mock, TestStateError, TestStateRequest};
use crate::machine::{Context, Execution, Machine};

/// The resource of the Task a Map or Parallel state runs as: never called (a mock answers).
const MOCKED_RESOURCE: &str = "http://127.0.0.1:9/baton-teststate-mocked";

/// The cause of `States.ExceedToleratedFailureThreshold`, as the core gives it.
const EXCEEDED: &str = "The specified tolerated failure threshold was exceeded";

/// A Map or Parallel state under test: the machine as written and the state's name.
#[derive(Debug)]
pub struct Fanout {
    pub machine: StateMachine,
    pub name: String,
}

impl Fanout {
    pub fn state(&self) -> &State {
        self.machine
            .state(&self.name)
            .expect("the state was found by definition::machine")
    }

    /// The names of the states inside the Map's processor or the Parallel's branches.
    pub fn inner_states(&self) -> Vec<String> {
        let mut names = Vec::new();
        inner(&self.machine, self.state(), &mut names);
        names
    }

    pub fn branch_count(&self) -> Option<usize> {
        match &self.state().kind {
            StateKind::Parallel(parallel) => Some(parallel.branches.len()),
            _ => None,
        }
    }
}

fn inner(machine: &StateMachine, state: &State, names: &mut Vec<String>) {
    let graphs = match &state.kind {
        StateKind::Map(map) => vec![&map.processor],
        StateKind::Parallel(parallel) => parallel.branches.iter().collect(),
        _ => Vec::new(),
    };
    for name in graphs.into_iter().flat_map(|g| &g.states) {
        names.push(name.clone());
        if let Some(state) = machine.state(name) {
            inner(machine, state, names);
        }
    }
}

/// A Map or Parallel state's JSON as the Task it runs as.
pub fn as_mocked_task(state: &Value) -> Value {
    let parallel = state.get("Type").and_then(Value::as_str) == Some("Parallel");
    let mut task = Map::new();
    task.insert("Type".into(), "Task".into());
    task.insert("Resource".into(), MOCKED_RESOURCE.into());
    let kept: &[&str] = &[
        "Comment",
        "QueryLanguage",
        "InputPath",
        "OutputPath",
        "ResultPath",
        "ResultSelector",
        "Output",
        "Assign",
        "Retry",
        "Catch",
        "Next",
        "End",
    ];
    for (key, value) in state.as_object().into_iter().flatten() {
        let own = parallel && (key == "Parameters" || key == "Arguments");
        if own || kept.contains(&key.as_str()) {
            task.insert(key.clone(), value.clone());
        }
    }
    Value::Object(task)
}

/// What a Map reads before its iterations: its items, each iteration's input, and its limits.
struct Items {
    /// After ItemsPath (JSONPath); `None` for JSONata.
    after_items_path: Option<Vec<Value>>,
    selected: Vec<Value>,
    max_concurrency: Option<u64>,
    tolerated_count: Option<u64>,
    tolerated_percentage: Option<f64>,
}

fn read_items(
    machine: &Machine<'_>,
    exec: &Execution,
    state: &State,
    map: &MapState,
    input: &Value,
) -> Result<Items, Failure> {
    let mut ctx = Context::new(machine.settings, exec, &state.name, exec.start_ms);
    ctx.frame = exec.frames.contains_key(&0).then_some(0);
    if let Some(j) = state.io.jsonata.as_deref() {
        let evaluator = RefCell::new(JsonataEnv::new(exec.start_ms, 0));
        let env = JEnv::new(input, &ctx, &evaluator);
        let items = match &j.items {
            Some(items) => items.eval(&env)?,
            None => input.clone(),
        };
        let items = array(items, "Items")?;
        let mut selected = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let mut item_ctx = Context::new(machine.settings, exec, &state.name, exec.start_ms);
            item_ctx.frame = ctx.frame;
            item_ctx.item = Some((i as u32, item));
            selected.push(match &j.item_selector {
                Some(selector) => selector.eval(&JEnv::new(input, &item_ctx, &evaluator))?,
                None => item.clone(),
            });
        }
        let number = |t: &Option<JTemplate>| -> Result<Option<f64>, Failure> {
            t.as_ref()
                .map(|t| t.eval(&env).map(|v| v.as_f64().unwrap_or(0.0)))
                .transpose()
        };
        return Ok(Items {
            after_items_path: None,
            selected,
            max_concurrency: number(&j.max_concurrency)?.map(|n| n as u64),
            tolerated_count: number(&j.tolerated_failure_count)?.map(|n| n as u64),
            tolerated_percentage: number(&j.tolerated_failure_percentage)?,
        });
    }
    let effective = pipeline::apply_input_path(&state.io.input_path, input, &ctx)?;
    let items = match &map.items_path {
        None => effective.clone().into_owned(),
        Some(path) => pipeline::select(path, &effective, &ctx)?.into_owned(),
    };
    let items = array(items, "ItemsPath")?;
    let mut selected = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut item_ctx = Context::new(machine.settings, exec, &state.name, exec.start_ms);
        item_ctx.frame = ctx.frame;
        item_ctx.item = Some((i as u32, item));
        selected.push(match &map.item_selector {
            Some(selector) => selector.eval(&Env::new(&effective, &item_ctx))?,
            None => item.clone(),
        });
    }
    let count = |c: &Option<Count>| -> Result<Option<u64>, Failure> {
        match c {
            None => Ok(None),
            Some(Count::Fixed(n)) => Ok(Some(*n)),
            Some(Count::Path(path)) => {
                let v = pipeline::select(path, &effective, &ctx)?;
                Ok(number(&v).map(|n| n as u64))
            }
        }
    };
    let tolerated_percentage = match &map.tolerated_failure_percentage {
        None => None,
        Some(Percent::Fixed(p)) => Some(*p),
        Some(Percent::Path(path)) => number(&*pipeline::select(path, &effective, &ctx)?),
    };
    Ok(Items {
        after_items_path: Some(items),
        selected,
        max_concurrency: count(&map.max_concurrency)?,
        tolerated_count: count(&map.tolerated_failure_count)?,
        tolerated_percentage,
    })
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn array(items: Value, field: &str) -> Result<Vec<Value>, Failure> {
    match items {
        Value::Array(items) => Ok(items),
        other => Err(Failure::runtime(format!(
            "Map items must be an array, but {field} refers to {}",
            compact_json(&other)
        ))),
    }
}

/// The mock the state's Task is answered with: the request's, or for a Map whose failed
/// iterations (`mapIterationFailureCount`) exceed its tolerance
/// `States.ExceedToleratedFailureThreshold`; a Map whose items are not an array fails with
/// `States.Runtime` as in an execution.
pub(super) fn effective_mock(
    machine: &Machine<'_>,
    exec: &Execution,
    fanout: Option<&Fanout>,
    request: &TestStateRequest,
) -> Result<Option<Mock>, TestStateError> {
    let Some(fanout) = fanout else {
        return Ok(request.mock.clone());
    };
    let state = fanout.state();
    let failed = request.config.map_iteration_failure_count;
    let StateKind::Map(map) = &state.kind else {
        if failed.is_some() {
            return Err(TestStateError::Validation(
                "stateConfiguration.mapIterationFailureCount is for a Map state".into(),
            ));
        }
        return Ok(request.mock.clone());
    };
    let items = match read_items(machine, exec, state, map, &request.input) {
        Ok(items) => items,
        Err(failure) => {
            return Ok(Some(Mock::Error {
                error: Some(failure.error.to_string()),
                cause: failure.cause,
            }));
        }
    };
    let Some(failed) = failed else {
        return Ok(request.mock.clone());
    };
    let total = items.selected.len();
    if failed as usize > total {
        return Err(TestStateError::Validation(format!(
            "stateConfiguration.mapIterationFailureCount ({failed}) is more than the Map's {total} items"
        )));
    }
    let by_count = items.tolerated_count.map(|n| u64::from(failed) <= n);
    let by_share = items
        .tolerated_percentage
        .map(|p| f64::from(failed) * 100.0 / total.max(1) as f64 <= p);
    if by_count.is_none() && by_share.is_none() && failed > 0 {
        if let Some(Mock::Result(_)) = request.mock {
            return Err(TestStateError::Validation(
                "a Map without ToleratedFailureCount or ToleratedFailurePercentage fails with its first failed iteration: mock that error with mock.errorOutput".into(),
            ));
        }
        return Ok(request.mock.clone());
    }
    if by_count.unwrap_or(false) || by_share.unwrap_or(false) || failed == 0 {
        return Ok(request.mock.clone());
    }
    Ok(Some(Mock::Error {
        error: Some("States.ExceedToleratedFailureThreshold".into()),
        cause: Some(EXCEEDED.into()),
    }))
}

/// A Map's inspection data: `afterItemsPath` (JSONPath), `afterItemSelector`,
/// `maxConcurrency`, `toleratedFailureCount`, `toleratedFailurePercentage`; a Map has no
/// `afterParameters` (its Parameters are the legacy ItemSelector).
pub(super) fn inspection(
    machine: &Machine<'_>,
    exec: &Execution,
    fanout: &Fanout,
    request: &TestStateRequest,
    out: &mut Map<String, Value>,
) {
    // The Task the state ran as sent nothing: no HTTP exchange to show.
    out.remove("request");
    out.remove("response");
    let state = fanout.state();
    let StateKind::Map(map) = &state.kind else {
        return;
    };
    out.remove("afterParameters");
    let Ok(items) = read_items(machine, exec, state, map, &request.input) else {
        return;
    };
    let text = |v: Value| Value::String(compact_json(&v));
    if let Some(after) = items.after_items_path {
        out.insert("afterItemsPath".into(), text(Value::Array(after)));
    }
    out.insert(
        "afterItemSelector".into(),
        text(Value::Array(items.selected)),
    );
    for (key, value) in [
        ("maxConcurrency", items.max_concurrency.map(|n| json!(n))),
        (
            "toleratedFailureCount",
            items.tolerated_count.map(|n| json!(n)),
        ),
        (
            "toleratedFailurePercentage",
            items.tolerated_percentage.map(|p| json!(p)),
        ),
    ] {
        if let Some(value) = value {
            out.insert(key.into(), value);
        }
    }
}
