//! A tiny simulator for the corpus test: compiles a Choice state with our parser and runs
//! the Pass/Succeed/Fail states that follow it in the corpus cases.

use serde_json::{Value, json};

use super::*;

/// A Choice state compiled with our parser.
pub(super) struct Compiled {
    pub(super) choices: Vec<(ChoiceRule, String)>,
    pub(super) default: Option<String>,
}

impl Compiled {
    pub(super) fn new(state: &Value, loc: &Loc, case: &str) -> Compiled {
        let mut d = Diagnostics::new();
        let mut choices = Vec::new();
        for (i, rule) in state["Choices"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some((rule, Some(next))) =
                ChoiceRule::parse(rule, &loc.at("Choices").at(i), true, &mut d)
            {
                choices.push((rule, next));
            }
        }
        assert!(d.items().is_empty(), "{case}: {:?}", d.items());
        let default = state["Default"].as_str().map(str::to_owned);
        Compiled { choices, default }
    }

    /// The state we go to, or the failure we raise.
    pub(super) fn pick(&self, input: &Value) -> Result<String, Failure> {
        let context = json!({"Execution": {"Input": input}});
        choose(
            &self.choices,
            self.default.as_deref(),
            &Env::new(input, &context),
        )
        .map(str::to_owned)
    }

    pub(super) fn targets(&self) -> Vec<&str> {
        let mut all: Vec<&str> = self.choices.iter().map(|(_, n)| n.as_str()).collect();
        all.extend(self.default.as_deref());
        all.dedup();
        all
    }
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Outcome {
    Succeeded(Value),
    Failed {
        error: Option<String>,
        cause: Option<String>,
    },
    /// The simulator met a state or field it does not model.
    Unknown(String),
}

pub(super) fn expected_outcome(case: &Value) -> Outcome {
    let e = &case["expected"];
    let text = |k: &str| e[k].as_str().map(str::to_owned);
    match e["status"].as_str() {
        Some("SUCCEEDED") => Outcome::Succeeded(e["output"].clone()),
        Some("FAILED") => Outcome::Failed {
            error: text("error"),
            cause: text("cause"),
        },
        other => Outcome::Unknown(format!("status {other:?}")),
    }
}

pub(super) fn failure_outcome(f: &Failure) -> Outcome {
    Outcome::Failed {
        error: Some(f.error.to_string()),
        cause: f.cause.clone(),
    }
}

/// Runs Pass/Succeed/Fail states from `name` (the only kinds that follow these Choices).
pub(super) fn run<'a>(machine: &'a Value, mut name: &'a str, mut data: Value) -> Outcome {
    for _ in 0..100 {
        let state = &machine["States"][name];
        match state["Type"].as_str() {
            Some("Pass") => {
                let fields = [
                    "InputPath",
                    "Parameters",
                    "ResultPath",
                    "OutputPath",
                    "Assign",
                ];
                if let Some(f) = fields.iter().find(|f| state.get(**f).is_some()) {
                    return Outcome::Unknown(format!("Pass with {f}"));
                }
                if let Some(result) = state.get("Result") {
                    data = result.clone();
                }
                if state["End"] == json!(true) {
                    return Outcome::Succeeded(data);
                }
                match state["Next"].as_str() {
                    Some(next) => name = next,
                    None => return Outcome::Unknown(format!("{name} has no Next")),
                }
            }
            Some("Succeed") => return Outcome::Succeeded(data),
            Some("Fail") => {
                let text = |k: &str| state[k].as_str().map(str::to_owned);
                return Outcome::Failed {
                    error: text("Error"),
                    cause: text("Cause"),
                };
            }
            other => return Outcome::Unknown(format!("state {name:?} of type {other:?}")),
        }
    }
    Outcome::Unknown("too many steps".into())
}

/// Type of the state entered right after each `ChoiceStateExited` in the history.
pub(super) fn history_choices(case: &Value) -> Option<Vec<String>> {
    let events: Vec<&str> = case["history_types"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        if *e == "ChoiceStateExited" {
            let entered = events[i + 1..]
                .iter()
                .find_map(|e| e.strip_suffix("StateEntered"));
            out.push(entered.unwrap_or("<none>").to_owned());
        }
    }
    Some(out)
}

pub(super) fn type_of(states: &Value, name: &str) -> String {
    states[name]["Type"]
        .as_str()
        .unwrap_or("<missing>")
        .to_owned()
}
