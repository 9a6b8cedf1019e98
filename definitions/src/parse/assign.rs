//! `Assign` (state-level variables): a payload template whose top-level keys name variables.

use serde_json::Value;

use crate::diagnostics::{Code, Diagnostics, Loc};
use crate::template::Template;

/// Longest variable name AWS accepts.
const MAX_NAME_CHARS: usize = 80;

/// Compiles an `Assign` value at `loc`: an object of variable names (a `.$` suffix makes the
/// value a path or an intrinsic, as in `Parameters`). Bad names are reported with their
/// location; `None` when anything is wrong.
pub fn parse_assign(value: &Value, loc: &Loc, d: &mut Diagnostics) -> Option<Template> {
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
        let name = key.strip_suffix(".$").unwrap_or(key);
        if let Err(why) = check_name(name) {
            d.error(
                Code::SchemaValidationFailed,
                &loc.at(key),
                format!("'Assign': '{name}' is not a valid variable name: {why}"),
            );
        }
    }
    let template = Template::compile(value, loc, d);
    (d.error_count() == errors).then_some(template).flatten()
}

/// AWS's rule for variable names: letters, digits and `_`, not starting with a digit, at
/// most 80 characters.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() {
        return Err("it is empty");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err("it is longer than 80 characters");
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("it starts with a digit");
    }
    if !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err("it may only hold letters, digits and '_'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_rules() {
        assert!(check_name("status").is_ok());
        assert!(check_name("_x9").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("9lives").is_err());
        assert!(check_name("a-b").is_err());
        assert!(check_name("$x").is_err());
        assert!(check_name(&"a".repeat(81)).is_err());
    }

    #[test]
    fn bad_names_are_reported_at_their_key() {
        let mut d = Diagnostics::default();
        let value = serde_json::json!({"ok": 1, "1bad.$": "$.x"});
        assert!(parse_assign(&value, &Loc::root(), &mut d).is_none());
        assert_eq!(d.error_count(), 1);
        let mut d = Diagnostics::default();
        assert!(parse_assign(&serde_json::json!({"a.$": "$.x"}), &Loc::root(), &mut d).is_some());
    }
}
