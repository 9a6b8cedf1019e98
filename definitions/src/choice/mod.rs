//! Choice rules (JSONPath query language): the compiled rule model and its evaluation.
//!
//! A rule is a boolean expression: `And`/`Or` over a non-empty list of rules, `Not` over one
//! rule, or a *data test*: a `Variable` path and exactly one operator. [`ChoiceRule::parse`]
//! checks everything it can when the definition is loaded (operand types, timestamps,
//! `StringMatches` patterns, paths), so [`ChoiceRule::eval`] only fails for input data:
//!
//! | situation | result |
//! |---|---|
//! | `Variable` selects nothing | `States.Runtime` ("Invalid path …"), except `IsPresent` |
//! | `IsPresent` and `Variable` selects nothing | `IsPresent: false` matches |
//! | a `…Path` operand selects nothing | `States.Runtime` ("Invalid path …") |
//! | value (or `…Path` operand) of another type | the test is false |
//! | `Timestamp*` on a string that is not a timestamp | false |
//! | `And`/`Or` | short-circuit, left to right |
//!
//! Numbers compare as doubles (`1` equals `1.0`), strings in Java `compareTo` order (UTF-16
//! code units, as AWS documents), timestamps as instants (see [`crate::time`]).
//!
//! [`choose`] runs a Choice state's rules in order and falls back to `Default`.

mod compare;
mod parse;
mod pattern;

use serde_json::Value;

use crate::diagnostics::{Diagnostics, Loc};
use crate::error::Failure;
use crate::path::{Env, Path};
use crate::time::parse_timestamp;

use compare::{Cmp, Family, Literal, Operand};
use pattern::Pattern;

/// The cause AWS gives when no rule matches and there is no `Default` (`States.Runtime`).
pub const NO_CHOICE_MATCHED_CAUSE: &str =
    "Failed to transition out of the state. The state does not point to a next state.";

/// One compiled Choice rule (top-level or nested).
#[derive(Debug, Clone, PartialEq)]
pub struct ChoiceRule {
    node: Node,
}

impl ChoiceRule {
    /// The variables (`$name`, without `$`) its `Variable` and `…Path` operands read.
    pub fn variable_names(&self) -> Vec<String> {
        match &self.node {
            Node::And(rules) | Node::Or(rules) => {
                rules.iter().flat_map(ChoiceRule::variable_names).collect()
            }
            Node::Not(rule) => rule.variable_names(),
            Node::Test { variable, test } => {
                let operand = match test {
                    Test::Compare {
                        operand: Operand::Path(p),
                        ..
                    } => p.variable(),
                    _ => None,
                };
                [variable.variable(), operand]
                    .into_iter()
                    .flatten()
                    .map(str::to_owned)
                    .collect()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    And(Vec<ChoiceRule>),
    Or(Vec<ChoiceRule>),
    Not(Box<ChoiceRule>),
    Test { variable: Path, test: Test },
}

/// What a data-test rule checks about the value its `Variable` selects.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    /// `String*`, `Numeric*`, `Timestamp*`, `BooleanEquals` and their `…Path` forms.
    Compare {
        family: Family,
        cmp: Cmp,
        operand: Operand,
    },
    /// `StringMatches`.
    Matches(Pattern),
    /// `IsNull`, `IsPresent`, `IsNumeric`, … with the expected answer.
    Is(TypeTest, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeTest {
    Null,
    Present,
    Numeric,
    String,
    Boolean,
    Timestamp,
}

impl TypeTest {
    const ALL: [(&'static str, TypeTest); 6] = [
        ("IsNull", TypeTest::Null),
        ("IsPresent", TypeTest::Present),
        ("IsNumeric", TypeTest::Numeric),
        ("IsString", TypeTest::String),
        ("IsBoolean", TypeTest::Boolean),
        ("IsTimestamp", TypeTest::Timestamp),
    ];

    fn from_name(name: &str) -> Option<TypeTest> {
        TypeTest::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }

    /// Whether `value` is of this type (`Present` is decided before a value exists).
    fn holds(self, value: &Value) -> bool {
        match self {
            TypeTest::Null => value.is_null(),
            TypeTest::Present => true,
            TypeTest::Numeric => value.is_number(),
            TypeTest::String => value.is_string(),
            TypeTest::Boolean => value.is_boolean(),
            TypeTest::Timestamp => value.as_str().and_then(parse_timestamp).is_some(),
        }
    }
}

impl ChoiceRule {
    /// Parses one rule object at `loc`. `top_level` rules must have `Next` (returned),
    /// nested rules must not. Every problem goes into `d` with its JSON Pointer; returns
    /// `None` when the rule is unusable.
    pub fn parse(
        value: &Value,
        loc: &Loc,
        top_level: bool,
        d: &mut Diagnostics,
    ) -> Option<(ChoiceRule, Option<String>)> {
        parse::rule(value, loc, top_level, 0, d)
    }

    /// Evaluates the rule against the state's effective input (and the context object for
    /// `$$` paths).
    pub fn eval(&self, env: &Env<'_>) -> Result<bool, Failure> {
        match &self.node {
            Node::And(rules) => {
                for rule in rules {
                    if !rule.eval(env)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Node::Or(rules) => {
                for rule in rules {
                    if rule.eval(env)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::Not(rule) => Ok(!rule.eval(env)?),
            Node::Test { variable, test } => {
                let value = variable.select_ref(env);
                if let Test::Is(TypeTest::Present, expected) = test {
                    return Ok(value.is_some() == *expected);
                }
                let value = value.ok_or_else(|| invalid_path(variable))?;
                test.apply(&value, env)
            }
        }
    }
}

impl Test {
    fn apply(&self, value: &Value, env: &Env<'_>) -> Result<bool, Failure> {
        Ok(match self {
            Test::Compare {
                cmp,
                operand: Operand::Literal(literal),
                ..
            } => compare::compare(*cmp, value, literal),
            Test::Compare {
                family,
                cmp,
                operand: Operand::Path(path),
            } => {
                let other = path.select_ref(env).ok_or_else(|| invalid_path(path))?;
                match Literal::from_json(*family, &other) {
                    Some(literal) => compare::compare(*cmp, value, &literal),
                    None => false,
                }
            }
            Test::Matches(pattern) => value.as_str().is_some_and(|s| pattern.matches(s)),
            Test::Is(test, expected) => test.holds(value) == *expected,
        })
    }
}

/// The failure for a `Variable` or `…Path` operand that selects nothing, worded as AWS
/// words it (after its "An error occurred while executing the state …" prefix).
fn invalid_path(path: &Path) -> Failure {
    Failure::runtime(format!(
        "Invalid path '{}': The choice state's condition path references an invalid value.",
        path.text()
    ))
}

/// Runs a Choice state: the `Next` of the first rule that matches, else `default`, else a
/// `States.Runtime` failure ([`NO_CHOICE_MATCHED_CAUSE`]). A rule that fails stops the
/// search with its failure.
pub fn choose<'a>(
    choices: &'a [(ChoiceRule, String)],
    default: Option<&'a str>,
    env: &Env<'_>,
) -> Result<&'a str, Failure> {
    for (rule, next) in choices {
        if rule.eval(env)? {
            return Ok(next);
        }
    }
    default.ok_or_else(|| Failure::runtime(NO_CHOICE_MATCHED_CAUSE))
}

#[cfg(test)]
mod corpus_sim;
#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests_eval;
#[cfg(test)]
mod tests_parse;
