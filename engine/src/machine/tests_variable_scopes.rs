//! Variables (proptest): a random nesting of Parallel branches and Map iterations, each
//! assigning variables. What every scope sees is computed by a model (outer values are
//! read, inner ones stay inside) and compared with the engine's output.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Map, Value, json};

#[derive(Debug, Clone)]
enum Step {
    Assign(&'static str, i64),
    Parallel(Vec<Vec<Step>>),
    Map(Vec<Step>),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let leaf = (prop::sample::select(vec!["a", "b", "c"]), 0i64..100)
        .prop_map(|(name, value)| Step::Assign(name, value));
    let step = leaf.prop_recursive(3, 24, 4, |inner| {
        let scope = prop::collection::vec(inner, 0..4);
        prop_oneof![
            prop::collection::vec(scope.clone(), 1..3).prop_map(Step::Parallel),
            scope.prop_map(Step::Map),
        ]
    });
    prop::collection::vec(step, 0..5)
}

/// Builds one scope's states into `states` (returning its StartAt) and the output the
/// model expects for `input` with the variables `visible` from outer scopes.
struct Builder {
    count: usize,
}

impl Builder {
    fn name(&mut self) -> String {
        self.count += 1;
        format!("S{}", self.count)
    }

    fn scope(
        &mut self,
        steps: &[Step],
        mut visible: BTreeMap<&'static str, i64>,
        mut input: Value,
    ) -> (Value, Value) {
        let mut states = Map::new();
        let names: Vec<String> = (0..=steps.len()).map(|_| self.name()).collect();
        for (i, step) in steps.iter().enumerate() {
            let next = names[i + 1].clone();
            let state = match step {
                Step::Assign(name, value) => {
                    visible.insert(name, *value);
                    json!({"Type": "Pass", "Assign": {*name: value}, "Next": next})
                }
                Step::Parallel(branches) => {
                    let mut defs = Vec::new();
                    let mut results = Vec::new();
                    for branch in branches {
                        let (def, out) = self.scope(branch, visible.clone(), input.clone());
                        defs.push(def);
                        results.push(out);
                    }
                    input[format!("n{i}")] = Value::Array(results);
                    json!({"Type": "Parallel", "Branches": defs, "ResultPath": format!("$.n{i}"), "Next": next})
                }
                Step::Map(inner) => {
                    let mut results = Vec::new();
                    let mut def = Value::Null;
                    for index in 0..2 {
                        let (d, out) =
                            self.scope_once(inner, visible.clone(), json!({"i": index}), &mut def);
                        def = d;
                        results.push(out);
                    }
                    input[format!("n{i}")] = Value::Array(results);
                    json!({"Type": "Map", "ItemsPath": "$$.Execution.Input.items",
                           "ItemSelector": {"i.$": "$$.Map.Item.Index"},
                           "ItemProcessor": def, "ResultPath": format!("$.n{i}"), "Next": next})
                }
            };
            states.insert(names[i].clone(), state);
        }
        let vars: Map<String, Value> = visible
            .keys()
            .map(|k| (format!("{k}.$"), Value::from(format!("${k}"))))
            .collect();
        states.insert(
            names[steps.len()].clone(),
            json!({"Type": "Pass", "Parameters": {"vars": vars, "flow.$": "$"}, "End": true}),
        );
        let expected = json!({"vars": visible, "flow": input});
        let def = json!({"StartAt": names[0], "States": states});
        (def, expected)
    }

    /// A Map processor is one definition run for every item: build it once.
    fn scope_once(
        &mut self,
        steps: &[Step],
        visible: BTreeMap<&'static str, i64>,
        input: Value,
        built: &mut Value,
    ) -> (Value, Value) {
        let (def, out) = self.scope(steps, visible, input);
        // The expected output of every item is computed; the definition of the first.
        if built.is_null() {
            return (def, out);
        }
        (built.clone(), out)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn outer_values_never_change_from_inside(steps in steps()) {
        let mut builder = Builder { count: 0 };
        let (def, expected) = builder.scope(&steps, BTreeMap::new(), json!({"items": [0, 1]}));
        let output = super::tests_variables::succeeded(def, json!({"items": [0, 1]}));
        prop_assert_eq!(output, expected);
    }
}
