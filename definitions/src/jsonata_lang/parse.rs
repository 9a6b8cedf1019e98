//! Reading the JSONata fields of a state, and which fields each language allows.

use serde_json::Value;

use super::template::expression_text;
use super::{JCatcher, JRule, JTemplate, JsonataState, StatesUse};
use crate::diagnostics::{Code, Diagnostics, Loc};
use crate::model::Choice;
use crate::parse::fields::{Obj, type_name};

/// Fields only a JSONPath state may have.
pub const JSONPATH_ONLY: &[&str] = &[
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
    "ErrorPath",
    "CausePath",
];

/// Fields only a JSONata state may have.
pub const JSONATA_ONLY: &[&str] = &["Arguments", "Output", "Items"];

/// The fields a JSONata state of `type_name` allows, from those its JSONPath form allows.
pub fn jsonata_fields(type_name: &str, jsonpath: &[&str]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = jsonpath
        .iter()
        .filter(|f| !JSONPATH_ONLY.contains(f))
        .filter_map(|f| static_name(f))
        .collect();
    let extra: &[&'static str] = match type_name {
        "Task" | "Parallel" => &["Arguments", "Output"],
        "Map" => &["Items", "Output"],
        "Fail" => &[],
        _ => &["Output"],
    };
    out.extend_from_slice(extra);
    out
}

/// Every field name of either language, as `'static` (the lists are built from constants).
fn static_name(field: &str) -> Option<&'static str> {
    const ALL: &[&str] = &[
        "Type",
        "Comment",
        "QueryLanguage",
        "Next",
        "End",
        "Assign",
        "Retry",
        "Catch",
        "Resource",
        "Credentials",
        "TimeoutSeconds",
        "HeartbeatSeconds",
        "Notify",
        "Choices",
        "Default",
        "Seconds",
        "Timestamp",
        "Error",
        "Cause",
        "Branches",
        "ItemProcessor",
        "Iterator",
        "ItemSelector",
        "MaxConcurrency",
        "ToleratedFailureCount",
        "ToleratedFailurePercentage",
        "Label",
    ];
    ALL.iter().copied().find(|f| *f == field)
}

/// Reports each field of the other language at its location; returns them (they are then
/// not reported again as unknown fields, nor suggested).
pub fn other_language_fields(
    obj: &Obj<'_>,
    jsonata: bool,
    d: &mut Diagnostics,
) -> Vec<&'static str> {
    let (others, this, other) = if jsonata {
        (JSONPATH_ONLY, "JSONata", "JSONPath")
    } else {
        (JSONATA_ONLY, "JSONPath", "JSONata")
    };
    let mut found = Vec::new();
    for field in others {
        if obj.has(field) {
            d.error(
                Code::SchemaValidationFailed,
                &obj.at(field),
                format!(
                    "field '{field}' is not supported when the query language is {this}: it is a {other} field (set \"QueryLanguage\": \"{other}\" on the state to use it)"
                ),
            );
            found.push(*field);
        }
    }
    found
}

/// A template field of `obj`, compiled (`None` when absent or wrong).
pub fn field(obj: &Obj<'_>, key: &str, d: &mut Diagnostics) -> Option<JTemplate> {
    JTemplate::compile(obj.get(key)?, key, &obj.at(key), d)
}

/// `Assign`: an object of variable names whose values may hold expressions.
pub fn assign(value: &Value, loc: &Loc, d: &mut Diagnostics) -> Option<JTemplate> {
    let Some(map) = value.as_object() else {
        d.error(
            Code::SchemaValidationFailed,
            loc,
            "'Assign' must be an object of variable names",
        );
        return None;
    };
    let errors = d.error_count();
    for key in map.keys() {
        if let Err(why) = crate::parse::assign::check_name(key) {
            d.error(
                Code::SchemaValidationFailed,
                &loc.at(key),
                format!("'Assign': '{key}' is not a valid variable name: {why}"),
            );
        }
    }
    let template = JTemplate::compile(value, "Assign", loc, d);
    (d.error_count() == errors).then_some(template).flatten()
}

/// A field that is a number or an expression giving one (`TimeoutSeconds`, `Seconds`,
/// `MaxConcurrency`, …). A literal is checked against `min..=max` here.
pub fn number(
    obj: &Obj<'_>,
    key: &str,
    min: f64,
    max: f64,
    d: &mut Diagnostics,
) -> Option<JTemplate> {
    let value = obj.get(key)?;
    if expression_text(value).is_some() {
        return field(obj, key, d);
    }
    match value.as_f64() {
        Some(n) if n >= min && n <= max => Some(JTemplate::literal(value.clone())),
        Some(n) => {
            d.error(
                Code::SchemaValidationFailed,
                &obj.at(key),
                format!("field '{key}' must be between {min} and {max}, not {n}"),
            );
            None
        }
        None => {
            d.error(
                Code::SchemaValidationFailed,
                &obj.at(key),
                format!(
                    "field '{key}' must be a number or a JSONata expression \"{{% … %}}\", not {}",
                    type_name(value)
                ),
            );
            None
        }
    }
}

/// A field that is a string (literal or an expression).
pub fn string(obj: &Obj<'_>, key: &str, d: &mut Diagnostics) -> Option<JTemplate> {
    let value = obj.get(key)?;
    if !value.is_string() {
        d.error(
            Code::SchemaValidationFailed,
            &obj.at(key),
            format!("field '{key}' must be a string, not {}", type_name(value)),
        );
        return None;
    }
    field(obj, key, d)
}

/// The JSONata fields shared by the state types (`Arguments`, `Output`, `Assign`) and the
/// catchers' `Output`/`Assign`.
pub fn common(obj: &Obj<'_>, d: &mut Diagnostics) -> JsonataState {
    let mut j = JsonataState {
        arguments: field(obj, "Arguments", d),
        output: field(obj, "Output", d),
        assign: obj
            .get("Assign")
            .and_then(|a| assign(a, &obj.at("Assign"), d)),
        ..JsonataState::default()
    };
    if let Some(args) = &j.arguments {
        forbid_result_reads(args, &obj.at("Arguments"), d);
    }
    if let Some(catch) = obj.get("Catch").and_then(Value::as_array) {
        let loc = obj.at("Catch");
        j.catchers = catch
            .iter()
            .enumerate()
            .map(|(i, c)| catcher(c, &loc.at(i), d))
            .collect();
    }
    j
}

/// `$states.result` and `$states.errorOutput` do not exist where a state's input is
/// computed (SPEC: Arguments must not reference them). Read from the parsed expression:
/// `$states.result…` is refused; `$states` used whole (`$keys($states)`) cannot be told and
/// is let through (the member is then absent at evaluation, as in AWS).
pub fn forbid_result_reads(template: &JTemplate, loc: &Loc, d: &mut Diagnostics) {
    for (field, expr) in template.expressions() {
        let used = StatesUse::of(expr);
        for (member, shown) in [
            ("result", "$states.result"),
            ("errorOutput", "$states.errorOutput"),
        ] {
            if used.members.contains(member) {
                d.error(
                    Code::SchemaValidationFailed,
                    loc,
                    format!(
                        "the JSONata expression in '{field}' reads {shown}, which is not available there (only in Output and Assign{})",
                        if member == "result" { " of a Task, Map or Parallel" } else { " of a catcher" }
                    ),
                );
            }
        }
    }
}

fn catcher(value: &Value, loc: &Loc, d: &mut Diagnostics) -> JCatcher {
    let Some(map) = value.as_object() else {
        return JCatcher::default();
    };
    let obj = Obj { map, loc };
    if obj.has("ResultPath") {
        d.error(
            Code::SchemaValidationFailed,
            &obj.at("ResultPath"),
            "field 'ResultPath' is not supported when the query language is JSONata: a JSONata catcher uses Output",
        );
    }
    JCatcher {
        output: field(&obj, "Output", d),
        assign: obj
            .get("Assign")
            .and_then(|a| assign(a, &obj.at("Assign"), d)),
    }
}

/// A catcher as [`crate::retry::parse_catch`] reads it: without its JSONata fields.
pub fn jsonpath_view_of_catch(value: &Value) -> Value {
    let mut value = value.clone();
    if let Some(items) = value.as_array_mut() {
        for item in items {
            if let Some(map) = item.as_object_mut() {
                map.remove("Output");
                map.remove("Assign");
                map.remove("ResultPath");
            }
        }
    }
    value
}

/// JSONata Choice rules: `Condition`, `Next`, optional `Assign`, `Output`, `Comment`.
pub fn choice(obj: &Obj<'_>, j: &mut JsonataState, d: &mut Diagnostics) -> Option<Choice> {
    obj.required("Choices", "a Choice state", d);
    let rules = obj.array("Choices", d)?;
    if rules.is_empty() {
        d.error(
            Code::SchemaValidationFailed,
            &obj.at("Choices"),
            "Choices must hold at least one rule",
        );
    }
    for (i, value) in rules.iter().enumerate() {
        let loc = obj.at("Choices").at(i);
        let Some(rule) = Obj::new(value, &loc, "a Choice rule", d) else {
            continue;
        };
        const RULE_FIELDS: &[&str] = &["Condition", "Next", "Assign", "Output", "Comment"];
        for key in rule
            .map
            .keys()
            .filter(|k| !RULE_FIELDS.contains(&k.as_str()))
        {
            let jsonpath = ["Variable", "And", "Or", "Not"].contains(&key.as_str())
                || ["String", "Numeric", "Boolean", "Timestamp", "Is"]
                    .iter()
                    .any(|family| key.starts_with(family));
            if jsonpath {
                d.error(
                    Code::SchemaValidationFailed,
                    &rule.at(key),
                    format!("field '{key}' is not supported when the query language is JSONata: a JSONata Choice rule uses Condition"),
                );
            } else {
                let nearest = crate::suggest::nearest(key, RULE_FIELDS.iter().copied());
                d.add(crate::parse::fields::unknown_field(
                    &rule.at(key),
                    key,
                    "a JSONata Choice rule",
                    nearest,
                ));
            }
        }
        let condition = match rule.required("Condition", "a JSONata Choice rule", d) {
            Some(Value::Bool(b)) => Some(JTemplate::literal(Value::Bool(*b))),
            Some(v) if expression_text(v).is_some() => field(&rule, "Condition", d),
            Some(v) => {
                d.error(
                    Code::SchemaValidationFailed,
                    &rule.at("Condition"),
                    format!("'Condition' must be a boolean or a JSONata expression \"{{% … %}}\", not {}", type_name(v)),
                );
                None
            }
            None => None,
        };
        let next = rule.required_string("Next", "a Choice rule", d);
        let assign = rule
            .get("Assign")
            .and_then(|a| assign(a, &rule.at("Assign"), d));
        let output = field(&rule, "Output", d);
        if let (Some(condition), Some(next)) = (condition, next) {
            j.rules.push(JRule {
                index: i,
                condition,
                next: next.to_owned(),
                assign,
                output,
            });
        }
    }
    Some(Choice {
        choices: Vec::new(),
        rule_assign: Vec::new(),
        default: obj.string("Default", d).map(str::to_owned),
    })
}

/// Wait: exactly one of `Seconds` (a whole number ≥ 0 or an expression) and `Timestamp`.
pub fn wait(obj: &Obj<'_>, j: &mut JsonataState, d: &mut Diagnostics) -> bool {
    let present = ["Seconds", "Timestamp"]
        .iter()
        .filter(|k| obj.has(k))
        .count();
    if present != 1 {
        d.error(
            Code::SchemaValidationFailed,
            obj.loc,
            format!("a JSONata Wait state needs exactly one of 'Seconds' or 'Timestamp' (found {present})"),
        );
        return false;
    }
    j.seconds = number(obj, "Seconds", 0.0, 99_999_999.0, d);
    j.timestamp = string(obj, "Timestamp", d);
    if let Some(ts) = j
        .timestamp
        .as_ref()
        .and_then(JTemplate::as_literal)
        .and_then(Value::as_str)
        && crate::time::parse_timestamp(ts).is_none()
    {
        d.error(
            Code::SchemaValidationFailed,
            &obj.at("Timestamp"),
            format!("'{ts}' is not an RFC 3339 timestamp such as 2016-03-14T01:59:00Z"),
        );
        return false;
    }
    j.seconds.is_some() || j.timestamp.is_some()
}

/// The state-type fields of a JSONata Task, Callback, Fail or Map.
pub fn state_fields(type_name: &str, obj: &Obj<'_>, j: &mut JsonataState, d: &mut Diagnostics) {
    match type_name {
        "Task" | "Callback" => {
            j.timeout = number(obj, "TimeoutSeconds", 1.0, 99_999_999.0, d);
            j.heartbeat = number(obj, "HeartbeatSeconds", 1.0, 99_999_999.0, d);
            j.notify = field(obj, "Notify", d);
            if let Some(notify) = &j.notify {
                forbid_result_reads(notify, &obj.at("Notify"), d);
            }
            let literal = |t: &Option<JTemplate>| {
                t.as_ref()
                    .and_then(JTemplate::as_literal)
                    .and_then(Value::as_f64)
            };
            if let (Some(t), Some(h)) = (literal(&j.timeout), literal(&j.heartbeat))
                && h >= t
            {
                d.error(
                    Code::SchemaValidationFailed,
                    &obj.at("HeartbeatSeconds"),
                    format!("HeartbeatSeconds ({h}) must be smaller than TimeoutSeconds ({t})"),
                );
            }
        }
        "Fail" => {
            j.error = string(obj, "Error", d);
            j.cause = string(obj, "Cause", d);
        }
        "Map" => {
            j.items = field(obj, "Items", d);
            if let Some(items) = obj.get("Items")
                && !(items.is_array() || expression_text(items).is_some())
            {
                d.error(
                    Code::SchemaValidationFailed,
                    &obj.at("Items"),
                    "'Items' must be an array or a JSONata expression \"{% … %}\"",
                );
            }
            j.item_selector = field(obj, "ItemSelector", d);
            j.max_concurrency = number(obj, "MaxConcurrency", 0.0, 99_999_999.0, d);
            j.tolerated_failure_count = number(obj, "ToleratedFailureCount", 0.0, 99_999_999.0, d);
            j.tolerated_failure_percentage =
                number(obj, "ToleratedFailurePercentage", 0.0, 100.0, d);
            for (key, t) in [("Items", &j.items), ("ItemSelector", &j.item_selector)] {
                if let Some(t) = t {
                    forbid_result_reads(t, &obj.at(key), d);
                }
            }
        }
        _ => {}
    }
}
