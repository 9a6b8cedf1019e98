//! What an EXPRESS state machine may not use: AWS rejects `.waitForTaskToken` and `.sync`
//! integrations there (`SCHEMA_VALIDATION_FAILED`), and Baton's `Callback` state waits for a
//! task token in the same way.

use serde_json::Value;

use baton_definitions::parse::read_json;
use baton_definitions::{Code, Diagnostic, Severity};

/// Errors for every state of `definition` (nested ones included) that waits for a task
/// token or a job. Definition text that is not JSON has none here (the parser reports it).
pub fn express_problems(definition: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Ok(root) = read_json(definition) {
        scope(&root, "", &mut out);
    }
    out
}

/// JSON Pointer escaping of one reference token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn problem(location: String, message: String) -> Diagnostic {
    Diagnostic::new(
        Severity::Error,
        Code::SchemaValidationFailed,
        location,
        message,
    )
}

/// One scope: an object with `States` (the top level, a branch, a Map's processor).
fn scope(value: &Value, at: &str, out: &mut Vec<Diagnostic>) {
    let Some(states) = value.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        let here = format!("{at}/States/{}", escape(name));
        match state.get("Type").and_then(Value::as_str) {
            Some("Task") => {
                let resource = state.get("Resource").and_then(Value::as_str).unwrap_or("");
                let suffix = if resource.ends_with(".waitForTaskToken") {
                    Some(".waitForTaskToken")
                } else if resource.ends_with(".sync") || resource.contains(".sync:") {
                    Some(".sync")
                } else {
                    None
                };
                if let Some(suffix) = suffix {
                    out.push(problem(
                        format!("{here}/Resource"),
                        format!(
                            "Express state machine does not support '{suffix}' service integration"
                        ),
                    ));
                }
            }
            Some("Callback") => out.push(problem(
                format!("{here}/Type"),
                "Express state machine does not support Callback states".into(),
            )),
            Some("Parallel") => {
                let branches = state.get("Branches").and_then(Value::as_array);
                for (i, branch) in branches.into_iter().flatten().enumerate() {
                    scope(branch, &format!("{here}/Branches/{i}"), out);
                }
            }
            Some("Map") => {
                for member in ["ItemProcessor", "Iterator"] {
                    if let Some(inner) = state.get(member) {
                        scope(inner, &format!("{here}/{member}"), out);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_are_found_at_any_depth() {
        let definition = r#"{"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "W", "States": {"W": {"Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}}}]},
            "a/b": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": true},
            "ok": {"Type": "Task", "Resource": "https://example.com", "End": true}}}"#;
        let found: Vec<String> = express_problems(definition)
            .into_iter()
            .map(|d| d.location)
            .collect();
        assert_eq!(
            found,
            [
                "/States/P/Branches/0/States/W/Resource",
                "/States/a~1b/Resource"
            ]
        );
        assert!(express_problems("not json").is_empty());
    }
}
