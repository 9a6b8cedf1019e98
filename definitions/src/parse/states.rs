//! One state object → [`State`]. Task and Callback states are in [`super::tasks`].

use serde_json::Value;

use super::fields::{Obj, unknown_field};
use super::guess::guess;
use super::scopes::{self, Scope};
use super::{Cx, check_query_language};
use crate::choice::ChoiceRule;
use crate::diagnostics::{Code, Diagnostic, Diagnostics, Loc, Severity};
use crate::intrinsics::{Intrinsic, looks_like_intrinsic};
use crate::jsonata_lang::QueryLanguage;
use crate::jsonata_lang::parse as jl;
use crate::model::{Choice, Dynamic, Fail, Io, Pass, State, StateKind, Wait};
use crate::path::Path;
use crate::retry::{parse_catch, parse_retry};
use crate::suggest;
use crate::template::Template;

const COMMON: &[&str] = &["Type", "Comment", "QueryLanguage"];
const FLOW: &[&str] = &["Next", "End"];
const PATHS: &[&str] = &["InputPath", "OutputPath"];
const RESULT: &[&str] = &["ResultSelector", "ResultPath", "Retry", "Catch"];
/// Variables: every state type but Succeed and Fail.
const ASSIGN: &[&str] = &["Assign"];

/// Fields of newer ASL features, refused with a clear "not supported yet".
const LATER: &[(&str, &str)] = &[
    (
        "ItemReader",
        "Map ItemReader (reading items from S3) is not supported yet",
    ),
    ("ItemBatcher", "Map ItemBatcher is not supported yet"),
    (
        "ResultWriter",
        "Map ResultWriter (writing results to S3) is not supported yet",
    ),
];

/// Reads one state, and the scopes nested in it, into `cx.states`. Recursive through
/// nested scopes, so the state is read out of line and kept on the heap meanwhile: this
/// frame stays small.
pub(super) fn parse_state(name: &str, value: &Value, loc: &Loc, cx: &mut Cx) {
    let errors = cx.d.error_count();
    if let Some((mut state, nested)) = read_state(name, value, loc, cx)
        && scopes::read_scopes(&mut state, nested, cx)
    {
        keep(name, state, cx);
    }
    if cx.d.error_count() > errors {
        cx.guesses.insert(name.to_owned(), guess(value));
    }
}

#[inline(never)]
fn keep(name: &str, state: Box<State>, cx: &mut Cx) {
    cx.states.insert(name.to_owned(), *state);
}

/// Everything of a state but the scopes nested in it (Parallel branches, a Map processor),
/// which are returned for [`parse_state`] to read. Not inlined: its stack frame is large, and
/// must not stay on the stack while nested scopes, and their nested scopes, are read.
#[inline(never)]
fn read_state<'a>(
    name: &str,
    value: &'a Value,
    loc: &'a Loc,
    cx: &mut Cx,
) -> Option<(Box<State>, Vec<Scope<'a>>)> {
    let what = format!("state '{name}'");
    let obj = Obj::new(value, loc, &what, &mut cx.d)?;
    if !obj.has("Type") {
        // `Tpye: Task`: the misspelt field is the one error, with "Type" suggested.
        for key in obj.map.keys().filter(|k| suggest::is_near(k, "Type")) {
            cx.d.add(unknown_field(&obj.at(key), key, &what, Some("Type")));
        }
    }
    let type_name = obj.required_string("Type", &what, &mut cx.d)?;
    let jsonata = state_language(&obj, cx) == QueryLanguage::Jsonata;
    for (field, message) in LATER {
        if obj.has(field) {
            cx.d.error(Code::Unsupported, &obj.at(field), *message);
        }
    }
    let jsonpath_allowed: Vec<&str> = match type_name {
        "Pass" => [
            COMMON,
            FLOW,
            PATHS,
            ASSIGN,
            &["Parameters", "Result", "ResultPath"],
        ]
        .concat(),
        "Task" => [
            COMMON,
            FLOW,
            PATHS,
            ASSIGN,
            RESULT,
            super::tasks::TASK_FIELDS,
        ]
        .concat(),
        "Callback" => [
            COMMON,
            FLOW,
            PATHS,
            ASSIGN,
            RESULT,
            super::tasks::CALLBACK_FIELDS,
        ]
        .concat(),
        "Choice" => [COMMON, PATHS, ASSIGN, &["Choices", "Default"]].concat(),
        "Wait" => [
            COMMON,
            FLOW,
            PATHS,
            ASSIGN,
            &["Seconds", "Timestamp", "SecondsPath", "TimestampPath"],
        ]
        .concat(),
        "Succeed" => [COMMON, PATHS].concat(),
        "Fail" => [COMMON, &["Error", "Cause", "ErrorPath", "CausePath"]].concat(),
        "Parallel" => [
            COMMON,
            FLOW,
            PATHS,
            ASSIGN,
            RESULT,
            &["Branches", "Parameters"],
        ]
        .concat(),
        "Map" => [COMMON, FLOW, PATHS, ASSIGN, RESULT, scopes::MAP_FIELDS].concat(),
        other => {
            cx.d.add(unknown_type(&obj.at("Type"), other));
            return None;
        }
    };
    let allowed = if jsonata {
        jl::jsonata_fields(type_name, &jsonpath_allowed)
    } else {
        jsonpath_allowed
    };
    // The other language's fields are reported as such (not as unknown, nor suggested).
    let other = jl::other_language_fields(&obj, jsonata, &mut cx.d);
    let known: Vec<&str> = allowed
        .iter()
        .copied()
        .chain(LATER.iter().map(|(f, _)| *f))
        .chain(other)
        .collect();
    // Suggestions come from the fields Baton runs, not the ones it refuses (LATER).
    obj.allow_only_suggesting(&known, &allowed, &format!("a {type_name} state"), &mut cx.d);

    let d = &mut cx.d;
    let has_flow = allowed.contains(&"Next");
    let next = if has_flow { parse_flow(&obj, d) } else { None };
    let mut io = Io::default();
    if allowed.contains(&"InputPath") {
        io.input_path = obj.path_field("InputPath", false, d);
        io.output_path = obj.path_field("OutputPath", false, d);
    }
    if allowed.contains(&"ResultPath") {
        io.result_path = obj.path_field("ResultPath", true, d);
    }
    if allowed.contains(&"Parameters") && type_name != "Map" {
        io.parameters = template(&obj, "Parameters", d);
    }
    if allowed.contains(&"ResultSelector") {
        io.result_selector = template(&obj, "ResultSelector", d);
    }
    let mut j = jsonata.then(|| jl::common(&obj, d));
    if let Some(value) = obj
        .get("Assign")
        .filter(|_| allowed.contains(&"Assign") && !jsonata)
    {
        io.assign = super::assign::parse_assign(value, &obj.at("Assign"), d);
    }
    let retry = obj
        .get("Retry")
        .map(|v| parse_retry(v, &obj.at("Retry"), d))
        .unwrap_or_default();
    let catch = match obj.get("Catch") {
        Some(v) if jsonata => parse_catch(&jl::jsonpath_view_of_catch(v), &obj.at("Catch"), d),
        Some(v) => parse_catch(v, &obj.at("Catch"), d),
        None => Vec::new(),
    };

    let mut nested = Vec::new();
    let kind = match type_name {
        "Pass" => StateKind::Pass(Pass {
            result: obj.get("Result").cloned().filter(|_| !jsonata),
        }),
        "Task" => StateKind::Task(super::tasks::parse_task(&obj, jsonata, d)?),
        "Callback" => StateKind::Task(super::tasks::parse_callback(&obj, jsonata, d)?),
        "Choice" => StateKind::Choice(match j.as_mut() {
            Some(j) => jl::choice(&obj, j, d)?,
            None => parse_choice(&obj, d)?,
        }),
        // A JSONata Wait's Seconds/Timestamp are in its JSONata fields.
        "Wait" => StateKind::Wait(match j.as_mut() {
            Some(j) => jl::wait(&obj, j, d).then_some(Wait::Seconds(0))?,
            None => parse_wait(&obj, d)?,
        }),
        "Succeed" => StateKind::Succeed,
        "Fail" if jsonata => StateKind::Fail(Fail::default()),
        "Fail" => StateKind::Fail(parse_fail(&obj, d)),
        "Parallel" => {
            let (parallel, branches) = scopes::parse_parallel(&obj, d)?;
            nested = branches;
            StateKind::Parallel(parallel)
        }
        _ => {
            let (map, processor) = scopes::parse_map(&obj, &mut io, jsonata, d)?;
            nested.push(processor);
            StateKind::Map(map)
        }
    };
    if let Some(mut j) = j {
        jl::state_fields(type_name, &obj, &mut j, d);
        io.jsonata = Some(Box::new(j));
    }
    let comment = obj.string("Comment", d).map(str::to_owned);
    let state = Box::new(State {
        name: name.to_owned(),
        comment,
        kind,
        next,
        io,
        retry,
        catch,
    });
    Some((state, nested))
}

/// The state's `QueryLanguage`, or the machine's. A machine whose language is JSONata
/// cannot hold JSONPath states (AWS refuses them; the other way round is allowed).
fn state_language(obj: &Obj<'_>, cx: &mut Cx) -> QueryLanguage {
    match check_query_language(obj, &mut cx.d) {
        Some(QueryLanguage::JsonPath) if cx.language == QueryLanguage::Jsonata => {
            cx.d.error(
                Code::SchemaValidationFailed,
                &obj.at("QueryLanguage"),
                "a state cannot use JSONPath when the state machine's QueryLanguage is JSONata (only a JSONPath machine may mix in JSONata states)",
            );
            QueryLanguage::Jsonata
        }
        Some(language) => language,
        None => cx.language,
    }
}

/// `Next` or `End: true`, exactly one.
fn parse_flow(obj: &Obj<'_>, d: &mut Diagnostics) -> Option<String> {
    let next = obj.string("Next", d);
    let end = obj.boolean("End", d);
    match (next, end) {
        (Some(_), Some(_)) => {
            d.error(
                Code::SchemaValidationFailed,
                &obj.at("End"),
                "a state cannot have both 'Next' and 'End'",
            );
            None
        }
        (Some(next), None) => Some(next.to_owned()),
        (None, Some(true)) => None,
        (None, Some(false)) => {
            d.error(
                Code::SchemaValidationFailed,
                &obj.at("End"),
                "'End' must be true; use 'Next' to continue",
            );
            None
        }
        (None, None) => {
            // A misspelt `Nxt` or `Edn` is reported as an unknown field, with a suggestion.
            let misspelt = obj.has_near_miss("Next") || obj.has_near_miss("End");
            if !obj.has("Next") && !obj.has("End") && !misspelt {
                d.error(
                    Code::SchemaValidationFailed,
                    obj.loc,
                    "the state needs 'Next' or 'End': true",
                );
            }
            None
        }
    }
}

/// The state types, as `Type` names them.
pub(super) const STATE_TYPES: &[&str] = &[
    "Pass", "Task", "Callback", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
];

/// The error for a `Type` that names no state type, with the nearest type if one is near.
fn unknown_type(loc: &Loc, name: &str) -> Diagnostic {
    let nearest = suggest::nearest(name, STATE_TYPES.iter().copied());
    let message = format!("'{name}' is not a state type");
    let diagnostic = Diagnostic::new(
        Severity::Error,
        Code::SchemaValidationFailed,
        loc.as_str(),
        message,
    );
    match nearest {
        Some(_) => diagnostic.suggesting(nearest),
        None => Diagnostic {
            message: format!(
                "{}; use Pass, Task, Callback, Choice, Wait, Succeed, Fail, Parallel or Map",
                diagnostic.message
            ),
            ..diagnostic
        },
    }
}

pub(super) fn template(obj: &Obj<'_>, key: &str, d: &mut Diagnostics) -> Option<Template> {
    Template::compile(obj.get(key)?, &obj.at(key), d)
}

fn parse_choice(obj: &Obj<'_>, d: &mut Diagnostics) -> Option<Choice> {
    obj.required("Choices", "a Choice state", d);
    let rules = obj.array("Choices", d)?;
    if rules.is_empty() {
        d.error(
            Code::SchemaValidationFailed,
            &obj.at("Choices"),
            "Choices must hold at least one rule",
        );
    }
    let mut choices = Vec::with_capacity(rules.len());
    let mut rule_assign = Vec::with_capacity(rules.len());
    for (i, value) in rules.iter().enumerate() {
        let loc = obj.at("Choices").at(i);
        if let Some((rule, Some(next))) = ChoiceRule::parse(value, &loc, true, d) {
            choices.push((rule, next));
            rule_assign.push(
                value
                    .get("Assign")
                    .and_then(|a| super::assign::parse_assign(a, &loc.at("Assign"), d)),
            );
        }
    }
    let default = obj.string("Default", d).map(str::to_owned);
    Some(Choice {
        choices,
        rule_assign,
        default,
    })
}

fn parse_wait(obj: &Obj<'_>, d: &mut Diagnostics) -> Option<Wait> {
    let keys = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"];
    let present: Vec<&str> = keys.iter().copied().filter(|k| obj.has(k)).collect();
    if present.len() != 1 {
        d.error(
            Code::SchemaValidationFailed,
            obj.loc,
            format!("a Wait state needs exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath' (found {})", present.len()),
        );
        return None;
    }
    match present[0] {
        "Seconds" => obj
            .integer("Seconds", 0, 99_999_999, d)
            .map(|n| Wait::Seconds(n as u64)),
        "Timestamp" => {
            let text = obj.string("Timestamp", d)?;
            match crate::time::parse_timestamp(text) {
                Some(ts) => Some(Wait::Timestamp(ts)),
                None => {
                    d.error(
                        Code::SchemaValidationFailed,
                        &obj.at("Timestamp"),
                        format!(
                            "'{text}' is not an RFC 3339 timestamp such as 2016-03-14T01:59:00Z"
                        ),
                    );
                    None
                }
            }
        }
        "SecondsPath" => obj.reference_path("SecondsPath", d).map(Wait::SecondsPath),
        _ => obj
            .reference_path("TimestampPath", d)
            .map(Wait::TimestampPath),
    }
}

fn parse_fail(obj: &Obj<'_>, d: &mut Diagnostics) -> Fail {
    obj.at_most_one_of(&["Error", "ErrorPath"], d);
    obj.at_most_one_of(&["Cause", "CausePath"], d);
    let error = dynamic(obj, "Error", "ErrorPath", d);
    let cause = dynamic(obj, "Cause", "CausePath", d);
    Fail { error, cause }
}

/// `Error`/`Cause` as a literal, or `ErrorPath`/`CausePath` as a path or string intrinsic.
fn dynamic(obj: &Obj<'_>, literal: &str, path_key: &str, d: &mut Diagnostics) -> Option<Dynamic> {
    if let Some(text) = obj.string(literal, d) {
        return Some(Dynamic::Literal(text.to_owned()));
    }
    let text = obj.string(path_key, d)?;
    let loc = obj.at(path_key);
    if looks_like_intrinsic(text) {
        match Intrinsic::parse(text) {
            Ok(call) if call.returns_string() => Some(Dynamic::Intrinsic(Box::new(call))),
            Ok(_) => {
                d.error(
                    Code::InvalidIntrinsic,
                    &loc,
                    format!("{path_key} may only use intrinsic functions that return a string"),
                );
                None
            }
            Err(e) => {
                d.error(
                    Code::InvalidIntrinsic,
                    &loc,
                    format!("field '{path_key}': {e}"),
                );
                None
            }
        }
    } else {
        match Path::parse_reference(text) {
            Ok(path) => Some(Dynamic::Path(path)),
            Err(e) => {
                d.error(
                    Code::InvalidJsonPath,
                    &loc,
                    format!("field '{path_key}': {e}"),
                );
                None
            }
        }
    }
}
