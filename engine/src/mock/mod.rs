//! Mocked service integrations, in the format of Step Functions Local's
//! `MockConfigFile.json` (LocalStack reads the same file):
//!
//! ```json
//! {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
//!  "MockedResponses": {"<response>": {"0": {"Return": {…}},
//!                                     "1-2": {"Throw": {"Error": "E", "Cause": "c"}}}}}
//! ```
//!
//! An execution started with a test case (`StartExecution` on `<machine ARN>#<case>`)
//! records the case's name; the worker then answers the HTTP request of each state the case
//! names from its mocked response instead of the network, and answers its callbacks at
//! once (see `worker/mocked.rs`). The `n`th invocation of a state in the execution (its
//! task attempt `n + 1`, counted across retries and re-entries, as Step Functions Local
//! counts) takes the response whose key covers `n`; an invocation past the last key fails
//! the execution with `States.Runtime`, as Step Functions Local does. States the case does
//! not name run for real.
//!
//! Pure: parsing and lookup only. The file is read by the gateway.

mod parse;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::Value;

use baton_definitions::{ErrorName, Failure};

pub use parse::{MockConfigError, parse_mock_config};

/// A parsed and validated mock configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MockConfig {
    /// Test cases by state machine name, then by case name.
    machines: BTreeMap<String, BTreeMap<String, TestCase>>,
}

/// One test case: the mocked responses of the states it names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestCase {
    states: BTreeMap<String, Arc<MockedResponse>>,
}

/// A mocked response: one answer per invocation, from invocation 0 on, without gaps.
#[derive(Debug, Clone, PartialEq)]
pub struct MockedResponse {
    pub name: String,
    /// `(first, last, answer)`: invocations `first..=last` get `answer`; sorted and
    /// contiguous from 0.
    ranges: Vec<(u32, u32, Answer)>,
}

/// What one mocked invocation gives.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `Return`: the task result (what the service would have answered).
    Return(Value),
    /// `Throw`: the task fails with this error and cause.
    Throw { error: String, cause: String },
}

impl Answer {
    /// The answer as a task result.
    pub fn result(&self) -> Result<Value, Failure> {
        match self {
            Answer::Return(value) => Ok(value.clone()),
            Answer::Throw { error, cause } => Err(Failure {
                error: ErrorName::parse(error),
                cause: Some(cause.clone()),
            }),
        }
    }
}

impl MockConfig {
    /// The test case `case` of state machine `machine`.
    pub fn test_case(&self, machine: &str, case: &str) -> Option<&TestCase> {
        self.machines.get(machine)?.get(case)
    }

    /// The names of the test cases of `machine`.
    pub fn test_cases(&self, machine: &str) -> impl Iterator<Item = &str> {
        self.machines
            .get(machine)
            .into_iter()
            .flat_map(|cases| cases.keys().map(String::as_str))
    }

    /// How many state machines and test cases the configuration holds.
    pub fn counts(&self) -> (usize, usize) {
        let cases = self.machines.values().map(BTreeMap::len).sum();
        (self.machines.len(), cases)
    }
}

impl TestCase {
    /// The mocked response of `state`, or `None` when the case does not mock it (then the
    /// state runs for real).
    pub fn response(&self, state: &str) -> Option<&MockedResponse> {
        self.states.get(state).map(|r| &**r)
    }

    /// The states this case mocks.
    pub fn states(&self) -> impl Iterator<Item = &str> {
        self.states.keys().map(String::as_str)
    }

    /// The result of the `invocation`th call (0-based) of `state`: `None` when the state
    /// is not mocked; a `States.Runtime` failure when the response has no answer for that
    /// invocation.
    pub fn answer(&self, state: &str, invocation: u32) -> Option<Result<Value, Failure>> {
        let response = self.response(state)?;
        Some(match response.answer(invocation) {
            Some(answer) => answer.result(),
            None => Err(Failure::runtime(format!(
                "The mocked response '{}' of state '{state}' has no answer for invocation {invocation} (it answers invocations 0 to {}).",
                response.name,
                response.last()
            ))),
        })
    }
}

impl MockedResponse {
    /// The answer for invocation `n` (0-based), if the response has one.
    pub fn answer(&self, n: u32) -> Option<&Answer> {
        self.ranges
            .iter()
            .find(|(first, last, _)| (*first..=*last).contains(&n))
            .map(|(_, _, answer)| answer)
    }

    /// The last invocation answered.
    pub fn last(&self) -> u32 {
        self.ranges.last().map_or(0, |(_, last, _)| *last)
    }
}

impl TestCase {
    /// What is odd about this case for `machine`, as warnings (Step Functions Local runs
    /// such a case anyway): states it names that the machine does not have, and states
    /// that are not Task states (only Task states call services, so only they are mocked).
    pub fn warnings(&self, machine: &baton_definitions::StateMachine) -> Vec<String> {
        self.states
            .keys()
            .filter_map(|name| match machine.state(name) {
                None => Some(format!(
                    "the test case mocks state '{name}', which the state machine does not have"
                )),
                Some(state) if !matches!(state.kind, baton_definitions::StateKind::Task(_)) => {
                    Some(format!(
                        "the test case mocks state '{name}', a {} state: only Task states are mocked",
                        state.type_name()
                    ))
                }
                Some(_) => None,
            })
            .collect()
    }
}
