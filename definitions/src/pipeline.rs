//! The JSONPath data pipeline, in AWS's order:
//! InputPath → Parameters → (the state's work) → ResultSelector → (Assign) → ResultPath →
//! OutputPath. `Assign` reads the selected result; its variables take effect when the state
//! exits, so every field of the state reads the variables of before it.
//!
//! Failures carry AWS's error names: a path that matches nothing is `States.Runtime`, a
//! ResultPath that cannot be applied is `States.ResultPathMatchFailure`.

use std::borrow::Cow;
use std::io::Write;

use serde_json::{Map, Value};

use crate::error::{ErrorName, Failure};
use crate::model::Io;
use crate::parse::fields::PathField;
use crate::path::{ContextObject, Env, Path};
use crate::template::{Template, compact_json};

/// `InputPath`: `$` by default, `{}` when null.
pub fn apply_input_path<'v>(
    field: &PathField,
    raw: &'v Value,
    context: &'v dyn ContextObject,
) -> Result<Cow<'v, Value>, Failure> {
    select_field(field, raw, context)
}

/// `Parameters` / `ResultSelector` / `ItemSelector`: evaluate the template when present.
pub fn apply_template<'v>(
    template: Option<&Template>,
    input: Cow<'v, Value>,
    context: &dyn ContextObject,
) -> Result<Cow<'v, Value>, Failure> {
    match template {
        None => Ok(input),
        Some(t) => t.eval(&Env::new(&input, context)).map(Cow::Owned),
    }
}

/// InputPath then Parameters: the effective input of the state's work.
pub fn effective_input<'v>(
    io: &Io,
    raw: &'v Value,
    context: &'v dyn ContextObject,
) -> Result<Cow<'v, Value>, Failure> {
    let input = apply_input_path(&io.input_path, raw, context)?;
    apply_template(io.parameters.as_ref(), input, context)
}

/// `ResultPath`: where the result goes in the raw input. `$` (default) replaces it; null
/// keeps the raw input and discards the result.
pub fn apply_result_path(field: &PathField, raw: Value, result: Value) -> Result<Value, Failure> {
    match field {
        PathField::Default => Ok(result),
        PathField::Null => Ok(raw),
        PathField::Path(path) => path.write(raw, result).map_err(|raw| {
            Failure::new(
                ErrorName::ResultPathMatchFailure,
                format!(
                    "Unable to apply ReferencePath {} to input {}",
                    path.text(),
                    compact_json(&raw)
                ),
            )
        }),
    }
}

/// `OutputPath`: `$` by default, `{}` when null.
pub fn apply_output_path(
    field: &PathField,
    value: Value,
    context: &dyn ContextObject,
) -> Result<Value, Failure> {
    match field {
        PathField::Default => Ok(value),
        _ => select_field(field, &value, context).map(Cow::into_owned),
    }
}

/// ResultSelector, ResultPath and OutputPath: the state output from the raw input and the
/// result of the state's work.
pub fn state_output(
    io: &Io,
    raw: Value,
    result: Value,
    context: &dyn ContextObject,
) -> Result<Value, Failure> {
    state_output_and_assign(io, raw, result, context).map(|(output, _)| output)
}

/// [`state_output`], and the variables `Assign` sets (evaluated over the selected result).
pub fn state_output_and_assign(
    io: &Io,
    raw: Value,
    result: Value,
    context: &dyn ContextObject,
) -> Result<(Value, Option<Map<String, Value>>), Failure> {
    let result = match &io.result_selector {
        None => result,
        Some(t) => t.eval(&Env::new(&result, context))?,
    };
    let assigned = assign(io.assign.as_ref(), &result, context)?;
    let combined = apply_result_path(&io.result_path, raw, result)?;
    let output = apply_output_path(&io.output_path, combined, context)?;
    Ok((output, assigned))
}

/// The variables an `Assign` template sets, evaluated over `value` (`$`).
pub fn assign(
    template: Option<&Template>,
    value: &Value,
    context: &dyn ContextObject,
) -> Result<Option<Map<String, Value>>, Failure> {
    let Some(template) = template else {
        return Ok(None);
    };
    match template.eval(&Env::new(value, context))? {
        Value::Object(map) => Ok(Some(map)),
        // Compiled from an object, a template evaluates to one.
        _ => Ok(None),
    }
}

fn select_field<'v>(
    field: &PathField,
    value: &'v Value,
    context: &'v dyn ContextObject,
) -> Result<Cow<'v, Value>, Failure> {
    match field {
        PathField::Default => Ok(Cow::Borrowed(value)),
        PathField::Null => Ok(Cow::Owned(Value::Object(Map::new()))),
        PathField::Path(path) => select(path, value, context),
    }
}

/// A path over `value`; nothing found is `States.Runtime` with Jayway's message.
pub fn select<'v>(
    path: &Path,
    value: &'v Value,
    context: &'v dyn ContextObject,
) -> Result<Cow<'v, Value>, Failure> {
    let env = Env::new(value, context);
    path.select_ref(&env).ok_or_else(|| missing(path, &env))
}

/// The failure for a path that selects nothing: an undefined variable, or no results.
pub fn missing(path: &Path, env: &Env<'_>) -> Failure {
    if path.variable().is_some() && env.root_of(path).is_none() {
        return Failure::runtime(crate::intrinsics::undefined_variable(path));
    }
    no_results(path)
}

/// `Invalid path '$.x' : No results for path: $['x']`, as AWS words it.
pub fn no_results(path: &Path) -> Failure {
    Failure::runtime(format!(
        "Invalid path '{}' : No results for path: {}",
        path.text(),
        path.normalized()
    ))
}

/// The size of `value` as compact JSON text, in bytes (what AWS's payload limit counts).
pub fn json_size(value: &Value) -> usize {
    struct Counter(usize);
    impl Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

#[cfg(test)]
mod tests;
