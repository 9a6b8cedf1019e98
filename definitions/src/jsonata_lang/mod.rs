//! JSONata as a state's query language (`"QueryLanguage": "JSONata"`).
//!
//! A JSONata state has no InputPath/Parameters/ResultSelector/ResultPath/OutputPath: its
//! data goes `Arguments` (Task, Parallel) → work → `Output`, plus `Assign`, and every
//! string `"{% expr %}"` in those fields is a JSONata expression over `$states`
//! (`input`, `context`, `result`, `errorOutput`) and the variables. Numeric fields,
//! `Timestamp`, `Error`/`Cause`, Map `Items`/`ItemSelector`, Choice `Condition`s and Catch
//! `Output`/`Assign` take expressions too.
//!
//! Every expression is parsed once, here, when the definition is read ([`JTemplate`]);
//! the parsed trees are never stored with an execution (a record holds only the state's
//! name). The evaluator itself is [`crate::jsonata`].

mod adapter;
pub mod eval;
pub mod parse;
pub mod states_refs;
pub mod template;

pub use eval::{JEnv, unexpected_type};
pub use states_refs::StatesUse;
pub use template::{JTemplate, Reads, expression_text};

/// `QueryLanguage`, at the top level or on a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueryLanguage {
    #[default]
    JsonPath,
    Jsonata,
}

/// The JSONata fields of one state (absent fields are `None`). Kept beside the JSONPath
/// [`crate::model::Io`] of the state, which stays at its defaults.
#[derive(Debug, Clone, Default)]
pub struct JsonataState {
    /// `Arguments` (Task, Parallel): the effective input; default the state input.
    pub arguments: Option<JTemplate>,
    /// `Output`: the state output; default the result (Task/Map/Parallel) or the input.
    pub output: Option<JTemplate>,
    /// `Assign`: an object of variable names.
    pub assign: Option<JTemplate>,
    /// Task `TimeoutSeconds` / `HeartbeatSeconds`.
    pub timeout: Option<JTemplate>,
    pub heartbeat: Option<JTemplate>,
    /// Wait `Seconds` / `Timestamp`.
    pub seconds: Option<JTemplate>,
    pub timestamp: Option<JTemplate>,
    /// Map `Items` (default: the state input) and `ItemSelector`.
    pub items: Option<JTemplate>,
    pub item_selector: Option<JTemplate>,
    pub max_concurrency: Option<JTemplate>,
    pub tolerated_failure_count: Option<JTemplate>,
    pub tolerated_failure_percentage: Option<JTemplate>,
    /// Fail `Error` / `Cause`.
    pub error: Option<JTemplate>,
    pub cause: Option<JTemplate>,
    /// The Callback state's `Notify` request.
    pub notify: Option<JTemplate>,
    /// Choice rules, in order.
    pub rules: Vec<JRule>,
    /// The `Output`/`Assign` of each catcher, by the catcher's index in `State::catch`.
    pub catchers: Vec<JCatcher>,
}

impl JsonataState {
    /// Every template of the state (its fields, its Choice rules', its catchers').
    pub fn templates(&self) -> Vec<&JTemplate> {
        let own = [
            &self.arguments,
            &self.output,
            &self.assign,
            &self.timeout,
            &self.heartbeat,
            &self.seconds,
            &self.timestamp,
            &self.items,
            &self.item_selector,
            &self.max_concurrency,
            &self.tolerated_failure_count,
            &self.tolerated_failure_percentage,
            &self.error,
            &self.cause,
            &self.notify,
        ];
        let rules = self
            .rules
            .iter()
            .flat_map(|r| [Some(&r.condition), r.assign.as_ref(), r.output.as_ref()]);
        let catchers = self
            .catchers
            .iter()
            .flat_map(|c| [c.output.as_ref(), c.assign.as_ref()]);
        own.into_iter()
            .map(Option::as_ref)
            .chain(rules)
            .chain(catchers)
            .flatten()
            .collect()
    }
}

/// A JSONata Choice rule.
#[derive(Debug, Clone)]
pub struct JRule {
    /// Its index in `Choices` (rules with errors are not kept), for locations.
    pub index: usize,
    /// `Condition`: `true`/`false` or an expression giving a boolean.
    pub condition: JTemplate,
    pub next: String,
    pub assign: Option<JTemplate>,
    pub output: Option<JTemplate>,
}

/// A JSONata catcher's fields beyond `ErrorEquals`/`Next`.
#[derive(Debug, Clone, Default)]
pub struct JCatcher {
    pub output: Option<JTemplate>,
    pub assign: Option<JTemplate>,
}

#[cfg(test)]
mod tests;
