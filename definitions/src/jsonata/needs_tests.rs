//! Tests of [`super`]: what expressions read, pruning, union and cover.
use super::*;
use crate::jsonata::Jsonata;
use serde_json::json;

fn needs(text: &str) -> Needs {
    Jsonata::parse(text).expect("parses").needs().clone()
}

fn fields(pairs: &[(&str, Need)]) -> Need {
    Need::Fields(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

#[test]
fn plain_field_paths_are_read_in_part() {
    let n = needs("$states.input.order.id & $states.input.customer");
    assert_eq!(
        n.of_variable("states"),
        &fields(&[(
            "input",
            fields(&[
                ("order", fields(&[("id", Need::Whole)])),
                ("customer", Need::Whole)
            ])
        )])
    );
}

#[test]
fn other_uses_read_whole() {
    for text in [
        "$states",
        "$keys($states)",
        "$states[0].input",
        "$states.*.x",
        "$states.input.%.x",
        "$states.input.a.b.%",
        "($states := {}; $states.input.a)",
        "function($states){ $states.input.a }($states)",
        "$states.input.a@$x.b",
    ] {
        assert!(
            needs(text).covers(&needs("$states.input")),
            "{text}: {:?}",
            needs(text)
        );
    }
    assert_eq!(needs("$states").of_variable("states"), &Need::Whole);
    assert_eq!(
        needs("$states.input.%.x").of_variable("states"),
        &Need::Whole
    );
    // A predicate stops the field path: what it filters is read whole.
    assert!(needs("$states.input.lines[qty > 1].sku").covers(&needs("$states.input.lines")));
}

#[test]
fn pruned_values_keep_arrays_and_order() {
    let need = fields(&[("b", fields(&[("d", fields(&[("e", Need::Whole)]))]))]);
    let value = json!({"a": 1, "b": {"c": 2, "d": [{"e": 3, "f": 4}, {"f": 5}, 7]}});
    let got = convert::to_json(&need.convert(&value).expect("converts")).expect("json");
    assert_eq!(got, Some(json!({"b": {"d": [{"e": 3}, {}, 7]}})));
}

#[test]
fn union_and_cover() {
    let mut a = needs("$states.input.a");
    let b = needs("$states.input.b");
    assert!(!a.covers(&b));
    a.add(&b);
    assert!(a.covers(&b) && a.covers(&needs("$states.input.a.x")));
    assert!(!a.covers(&needs("$states.input")));
    a.add(&needs("$states"));
    assert!(a.covers(&needs("$states.context")));
}
