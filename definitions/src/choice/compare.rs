//! The value-comparing operators: `String*`, `Numeric*`, `Timestamp*`, `BooleanEquals` and
//! their `…Path` forms.
//!
//! A value of the wrong type never matches and is never an error: `NumericEquals` against a
//! string is false, and so is `TimestampEquals` against a string that is not a timestamp.
//! - Numbers compare as IEEE-754 doubles, so `1` equals `1.0`.
//! - Strings compare like Java's `String.compareTo` (which AWS's documentation names):
//!   UTF-16 code unit by code unit, with no normalisation or case folding.
//! - Timestamps compare as instants: `…T19:00:55Z` equals `…T20:00:55+01:00`.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use crate::path::Path;
use crate::time::parse_timestamp;

/// Which type an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    String,
    Numeric,
    Timestamp,
    Boolean,
}

impl Family {
    fn prefix(self) -> &'static str {
        match self {
            Family::String => "String",
            Family::Numeric => "Numeric",
            Family::Timestamp => "Timestamp",
            Family::Boolean => "Boolean",
        }
    }

    /// How definition errors describe the operand this family needs.
    pub(crate) fn expected(self) -> &'static str {
        match self {
            Family::String => "a string",
            Family::Numeric => "a number",
            Family::Timestamp => "a timestamp such as 2016-03-14T01:59:00Z",
            Family::Boolean => "a boolean",
        }
    }
}

/// The relation an operator tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Equals,
    LessThan,
    GreaterThan,
    LessThanEquals,
    GreaterThanEquals,
}

impl Cmp {
    const ALL: [Cmp; 5] = [
        Cmp::Equals,
        Cmp::LessThan,
        Cmp::GreaterThan,
        Cmp::LessThanEquals,
        Cmp::GreaterThanEquals,
    ];

    fn suffix(self) -> &'static str {
        match self {
            Cmp::Equals => "Equals",
            Cmp::LessThan => "LessThan",
            Cmp::GreaterThan => "GreaterThan",
            Cmp::LessThanEquals => "LessThanEquals",
            Cmp::GreaterThanEquals => "GreaterThanEquals",
        }
    }

    fn holds(self, ordering: Ordering) -> bool {
        match self {
            Cmp::Equals => ordering.is_eq(),
            Cmp::LessThan => ordering.is_lt(),
            Cmp::GreaterThan => ordering.is_gt(),
            Cmp::LessThanEquals => ordering.is_le(),
            Cmp::GreaterThanEquals => ordering.is_ge(),
        }
    }
}

/// Recognises a comparison operator name: `NumericLessThanEqualsPath` gives
/// `(Numeric, LessThanEquals, true)`. `Boolean` has only `Equals`.
pub(crate) fn operator(name: &str) -> Option<(Family, Cmp, bool)> {
    let (base, is_path) = match name.strip_suffix("Path") {
        Some(base) => (base, true),
        None => (name, false),
    };
    let family = [
        Family::String,
        Family::Numeric,
        Family::Timestamp,
        Family::Boolean,
    ]
    .into_iter()
    .find(|f| base.starts_with(f.prefix()))?;
    let rest = &base[family.prefix().len()..];
    let cmp = Cmp::ALL.into_iter().find(|c| c.suffix() == rest)?;
    if family == Family::Boolean && cmp != Cmp::Equals {
        return None;
    }
    Some((family, cmp, is_path))
}

/// A comparison operand, typed when the definition is parsed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    String(String),
    Number(f64),
    Timestamp(DateTime<FixedOffset>),
    Boolean(bool),
}

impl Literal {
    /// Reads `value` as an operand of `family`; `None` when it has another type.
    pub(crate) fn from_json(family: Family, value: &Value) -> Option<Literal> {
        match (family, value) {
            (Family::String, Value::String(s)) => Some(Literal::String(s.clone())),
            (Family::Numeric, Value::Number(n)) => n.as_f64().map(Literal::Number),
            (Family::Timestamp, Value::String(s)) => parse_timestamp(s).map(Literal::Timestamp),
            (Family::Boolean, Value::Bool(b)) => Some(Literal::Boolean(*b)),
            _ => None,
        }
    }
}

/// The right-hand side of a comparison: a constant or a path into the input.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Literal(Literal),
    Path(Path),
}

/// `variable <cmp> operand`; false when `variable` is not of the operand's type.
pub(crate) fn compare(cmp: Cmp, variable: &Value, operand: &Literal) -> bool {
    let ordering = match (variable, operand) {
        (Value::String(v), Literal::String(o)) => Some(compare_strings(v, o)),
        (Value::Number(v), Literal::Number(o)) => v.as_f64().and_then(|v| v.partial_cmp(o)),
        (Value::String(v), Literal::Timestamp(o)) => parse_timestamp(v).map(|v| v.cmp(o)),
        (Value::Bool(v), Literal::Boolean(o)) => Some(v.cmp(o)),
        _ => None,
    };
    ordering.is_some_and(|o| cmp.holds(o))
}

/// Java `String.compareTo` order: lexicographic over UTF-16 code units.
fn compare_strings(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operator_names() {
        assert_eq!(
            operator("StringEquals"),
            Some((Family::String, Cmp::Equals, false))
        );
        assert_eq!(
            operator("NumericLessThanEqualsPath"),
            Some((Family::Numeric, Cmp::LessThanEquals, true))
        );
        assert_eq!(
            operator("TimestampGreaterThan"),
            Some((Family::Timestamp, Cmp::GreaterThan, false))
        );
        assert_eq!(
            operator("BooleanEqualsPath"),
            Some((Family::Boolean, Cmp::Equals, true))
        );
        for bad in [
            "BooleanLessThan",
            "StringMatchesPath",
            "StringEqual",
            "Path",
            "",
            "IsNull",
        ] {
            assert_eq!(operator(bad), None, "{bad}");
        }
    }

    #[test]
    fn strings_use_utf16_order() {
        // U+FF61 sorts after U+1F600 in UTF-16 (surrogates are 0xD8xx) but before it by
        // code point; AWS (Java) uses UTF-16.
        assert_eq!(compare_strings("\u{FF61}", "\u{1F600}"), Ordering::Greater);
        assert_eq!(compare_strings("A", "AB"), Ordering::Less);
        assert_eq!(compare_strings("a", "B"), Ordering::Greater);
        assert!(compare(
            Cmp::Equals,
            &json!("é"),
            &Literal::String("é".into())
        ));
        assert!(!compare(
            Cmp::Equals,
            &json!("e\u{301}"),
            &Literal::String("é".into())
        ));
    }

    #[test]
    fn numbers_as_doubles() {
        let one = Literal::Number(1.0);
        assert!(compare(Cmp::Equals, &json!(1), &one));
        assert!(compare(Cmp::Equals, &json!(1.0), &one));
        assert!(compare(Cmp::LessThan, &json!(-5), &one));
        assert!(compare(Cmp::GreaterThanEquals, &json!(u64::MAX), &one));
        assert!(!compare(Cmp::Equals, &json!("1"), &one));
        assert!(!compare(Cmp::Equals, &json!(true), &one));
        // Precision beyond 2^53 is lost, as AWS warns.
        let big = Literal::Number(9007199254740993_u64 as f64);
        assert!(compare(Cmp::Equals, &json!(9007199254740992_u64), &big));
    }
}
