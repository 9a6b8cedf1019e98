//! `inspectionData` (DEBUG and TRACE): each step of the state's data flow, recomputed with
//! the pipeline functions the core uses, and the HTTP exchange at TRACE.

use serde_json::{Map, Value, json};

use baton_definitions::template::compact_json;
use baton_definitions::{State, StateKind, pipeline};

use super::{Exchange, Inspection, TestStateRequest};
use crate::machine::{Context, Execution, HistoryEvent, Machine};

/// `inspectionData` as AWS shapes it: every payload is JSON text.
pub(super) fn data(
    machine: &Machine<'_>,
    exec: &Execution,
    state: &State,
    request: &TestStateRequest,
    history: &[HistoryEvent],
    exchange: &Exchange,
) -> Value {
    let mut out = Map::new();
    let text = |v: &Value| Value::String(compact_json(v));
    out.insert("input".into(), text(&request.input));
    let ctx = Context::new(machine.settings, exec, &state.name, exec.start_ms);
    let mut scoped = ctx;
    scoped.frame = exec.frames.contains_key(&0).then_some(0);
    let after_input_path =
        pipeline::apply_input_path(&state.io.input_path, &request.input, &scoped)
            .map(|v| v.into_owned());
    let jsonata = state.io.jsonata.is_some();
    if let (false, Ok(after)) = (jsonata, &after_input_path) {
        out.insert("afterInputPath".into(), text(after));
        if matches!(state.kind, StateKind::Pass(_) | StateKind::Task(_)) {
            let params = pipeline::apply_template(
                state.io.parameters.as_ref(),
                std::borrow::Cow::Borrowed(after),
                &scoped,
            )
            .map(|v| v.into_owned());
            if let Ok(params) = params {
                out.insert("afterParameters".into(), text(&params));
            }
        }
    }
    let result = match &state.kind {
        StateKind::Task(_) => task_result(history),
        StateKind::Pass(pass) => pass.result.clone().or_else(|| {
            out.get("afterParameters")
                .and_then(Value::as_str)
                .and_then(|t| serde_json::from_str(t).ok())
        }),
        _ => None,
    };
    if let (true, Some(result)) = (jsonata, &result) {
        // A JSONata state has no ResultSelector/ResultPath: Output and Assign use the result.
        out.insert("result".into(), text(result));
    }
    if let (false, Some(result)) = (jsonata, result) {
        out.insert("result".into(), text(&result));
        let selected = pipeline::apply_template(
            state.io.result_selector.as_ref(),
            std::borrow::Cow::Borrowed(&result),
            &scoped,
        )
        .map(|v| v.into_owned());
        if let Ok(selected) = selected {
            out.insert("afterResultSelector".into(), text(&selected));
            if let Ok(placed) =
                pipeline::apply_result_path(&state.io.result_path, request.input.clone(), selected)
            {
                out.insert("afterResultPath".into(), text(&placed));
            }
        }
    }
    out.insert(
        "variables".into(),
        text(&Value::Object(variables(exec, request, history))),
    );
    if request.inspection == Inspection::Trace {
        trace(&mut out, exchange);
    }
    Value::Object(out)
}

/// The task's result, from its `TaskSucceeded` event.
fn task_result(history: &[HistoryEvent]) -> Option<Value> {
    let event = history.iter().rev().find(|e| e.kind == "TaskSucceeded")?;
    serde_json::from_str(event.details.value()["output"].as_str()?).ok()
}

/// The variables after the state: the given ones and what the state assigned.
fn variables(
    exec: &Execution,
    request: &TestStateRequest,
    history: &[HistoryEvent],
) -> Map<String, Value> {
    if let Some(frame) = exec.frames.get(&0) {
        return frame.variables.clone();
    }
    let mut vars = request.variables.clone();
    let assigned = history.iter().rev().find_map(|e| {
        let details = e.details.value();
        details.get("assignedVariables")?.as_object().cloned()
    });
    for (name, value) in assigned.into_iter().flatten() {
        let value = value
            .as_str()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(value);
        vars.insert(name, value);
    }
    vars
}

/// `request` and `response` of the HTTP call.
fn trace(out: &mut Map<String, Value>, exchange: &Exchange) {
    let Some(request) = &exchange.request else {
        return;
    };
    let protocol = request.url.split(':').next().unwrap_or("http");
    let headers: Vec<String> = request
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    out.insert(
        "request".into(),
        json!({
            "protocol": protocol,
            "method": request.method,
            "url": request.url,
            "headers": headers.join("\n"),
            "body": request.body.as_ref().map(compact_json).unwrap_or_default(),
        }),
    );
    let response = match &exchange.result {
        Some(Ok(answer)) if answer.get("StatusCode").is_some() => json!({
            "protocol": protocol,
            "statusCode": answer["StatusCode"].to_string(),
            "statusMessage": answer["StatusText"].as_str().unwrap_or_default(),
            "headers": compact_json(&answer["Headers"]),
            "body": compact_json(&answer["ResponseBody"]),
        }),
        Some(Ok(body)) => {
            json!({"protocol": protocol, "statusCode": "200", "body": compact_json(body)})
        }
        Some(Err(failure)) => json!({
            "protocol": protocol,
            "body": failure.cause.clone().unwrap_or_default(),
        }),
        None => return,
    };
    out.insert("response".into(), response);
}
