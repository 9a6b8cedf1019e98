//! A tiny Pass/Fail interpreter for the corpus test: InputPath → Parameters (payload
//! template with `.$` keys) or Result → ResultPath → OutputPath, and a Fail state's
//! Error/ErrorPath and Cause/CausePath. Everything else belongs to the engine.

use serde_json::{Map, Value, json};

use crate::intrinsics::{Intrinsic, looks_like_intrinsic};
use crate::path::{Env, Path};

pub(super) enum Outcome {
    Succeeded(Value),
    Failed {
        error: String,
        cause: Option<String>,
    },
}

fn context(input: &Value, state: &str) -> Value {
    json!({
        "Execution": {
            "Id": "arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:<ExecArnPart_0idx>",
            "Input": input,
            "Name": "<ExecArnPart_0idx>",
            "RoleArn": "snf_role_arn",
            "StartTime": "start-time"
        },
        "State": {"EnteredTime": "entered-time", "Name": state, "RetryCount": 0},
        "StateMachine": {
            "Id": "arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>",
            "Name": "<ArnPart_0idx>"
        }
    })
}

pub(super) fn run_case(case: &Value) -> Result<Outcome, String> {
    let definition = &case["definition"];
    let input = &case["input"];
    let mut data = input.clone();
    let mut name = definition["StartAt"]
        .as_str()
        .ok_or("no StartAt")?
        .to_owned();
    for _ in 0..100 {
        let state = &definition["States"][&name];
        let ctx = context(input, &name);
        let env = Env::new(&data, &ctx);
        if state["Type"] == "Fail" {
            let error = fail_field(state, "Error", &env)?;
            let cause = fail_field(state, "Cause", &env)?;
            return Ok(Outcome::Failed {
                error: error.unwrap_or_default(),
                cause,
            });
        }
        data = run_pass(state, &env)?;
        if state["End"] == true {
            return Ok(Outcome::Succeeded(data));
        }
        name = state["Next"].as_str().ok_or("no Next")?.to_owned();
    }
    Err("more than 100 transitions".to_owned())
}

fn fail_field(state: &Value, field: &str, env: &Env<'_>) -> Result<Option<String>, String> {
    if let Some(text) = state[format!("{field}Path")].as_str() {
        let value = if looks_like_intrinsic(text) {
            let call = Intrinsic::parse(text).map_err(|e| e.to_string())?;
            assert!(
                call.returns_string(),
                "{text} may not be used in {field}Path"
            );
            call.eval(env).map_err(|f| f.to_string())?
        } else {
            select(text, env)?
        };
        return Ok(value.as_str().map(str::to_owned));
    }
    Ok(state[field].as_str().map(str::to_owned))
}

fn select(path: &str, env: &Env<'_>) -> Result<Value, String> {
    let path = Path::parse(path).map_err(|e| e.to_string())?;
    path.select(env)
        .ok_or_else(|| format!("path {path} selects nothing"))
}

/// InputPath → Parameters (or Result) → ResultPath → OutputPath.
fn run_pass(state: &Value, env: &Env<'_>) -> Result<Value, String> {
    let raw = env.input;
    let effective = match state["InputPath"].as_str() {
        Some(path) => select(path, env)?,
        None => raw.clone(),
    };
    let ctx = env.context;
    let inner = Env::new(&effective, ctx);
    let result = if state.get("Parameters").is_some() {
        template(&state["Parameters"], &inner)?
    } else if let Some(result) = state.get("Result") {
        result.clone()
    } else {
        effective.clone()
    };
    let output = match state.get("ResultPath") {
        None => result,
        Some(Value::Null) => raw.clone(),
        Some(path) => {
            let path =
                Path::parse(path.as_str().ok_or("ResultPath")?).map_err(|e| e.to_string())?;
            path.write(raw.clone(), result)
                .map_err(|_| "ResultPath could not be written".to_owned())?
        }
    };
    match state["OutputPath"].as_str() {
        Some(path) => select(path, &Env::new(&output, ctx)),
        None => Ok(output),
    }
}

/// A payload template: `"k.$"` keys take a path or an intrinsic call.
fn template(value: &Value, env: &Env<'_>) -> Result<Value, String> {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                match (key.strip_suffix(".$"), item.as_str()) {
                    (Some(name), Some(text)) if looks_like_intrinsic(text) => {
                        let call = Intrinsic::parse(text).map_err(|e| e.to_string())?;
                        let value = call.eval(env).map_err(|f| f.to_string())?;
                        out.insert(name.to_owned(), value);
                    }
                    (Some(name), Some(text)) => {
                        out.insert(name.to_owned(), select(text, env)?);
                    }
                    _ => {
                        out.insert(key.clone(), template(item, env)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items.iter().map(|v| template(v, env)).collect(),
        other => Ok(other.clone()),
    }
}
