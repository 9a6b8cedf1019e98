//! The corpus of the JSONata differential test: the curated cases (`curated.txt`, written
//! by hand) and the generated ones (`generate.rs`, from a fixed seed).
//!
//! `curated.txt` format: `@ name` starts a section; `input: <json>` and `bindings: <json>`
//! lines set the context value and the variables of the section's cases (until the next
//! `@`); every other non-empty line that does not start with `#` is one expression. A case's
//! id is `name/expression`, so ids stay stable when cases are added.

use serde_json::{Map, Value, json};

#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub expr: String,
    pub input: Option<Value>,
    pub bindings: Map<String, Value>,
}

impl Case {
    pub fn to_json(&self) -> Value {
        let mut v = json!({"id": self.id, "expr": self.expr, "bindings": self.bindings});
        if let Some(input) = &self.input {
            v["input"] = input.clone();
        }
        v
    }
}

pub fn curated(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut section = String::from("top");
    let mut input: Option<Value> = None;
    let mut bindings = Map::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_prefix("@ ") {
            section = name.trim().to_string();
            input = None;
            bindings = Map::new();
        } else if let Some(json) = line.strip_prefix("input: ") {
            input = Some(
                serde_json::from_str(json)
                    .unwrap_or_else(|e| panic!("curated.txt line {}: bad input JSON: {e}", n + 1)),
            );
        } else if let Some(json) = line.strip_prefix("bindings: ") {
            bindings = serde_json::from_str(json)
                .unwrap_or_else(|e| panic!("curated.txt line {}: bad bindings JSON: {e}", n + 1));
        } else {
            cases.push(Case {
                id: format!("{section}/{line}"),
                expr: line.to_string(),
                input: input.clone(),
                bindings: bindings.clone(),
            });
        }
    }
    cases
}
