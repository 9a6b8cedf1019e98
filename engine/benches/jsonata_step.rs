//! One Pass step through the pure core (`machine::apply`): a JSONata `Output` beside the
//! equivalent JSONPath `Parameters`, over the same input. Both build the same output; the
//! JSONata step's expressions were parsed with the definition, so this measures evaluation
//! (and the `$states` binding) only.
//!
//! ```text
//! cargo bench -p baton-engine --bench jsonata_step
//! ```

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

use baton_engine::machine::{Event, Input, Machine, PlainTokens, Settings, apply, start};

fn definition(state: Value) -> baton_definitions::StateMachine {
    let def = json!({"StartAt": "S", "States": {"S": state}});
    baton_definitions::parse_value(&def).expect("valid").machine
}

fn input() -> Value {
    json!({"order": {"id": "o-1234", "total": 99.5, "lines": (0..20).map(|i| json!({"sku": format!("sku-{i}"), "qty": i})).collect::<Vec<_>>()},
           "customer": {"name": "Ada", "tier": "gold"}})
}

fn bench(c: &mut Criterion) {
    let jsonpath = definition(json!({"Type": "Pass", "End": true, "Parameters": {
        "id.$": "$.order.id", "total.$": "$.order.total", "who.$": "$.customer.name",
        "tier.$": "$.customer.tier", "static": "x"}}));
    let jsonata = definition(
        json!({"Type": "Pass", "End": true, "QueryLanguage": "JSONata",
        "Output": {"id": "{% $states.input.order.id %}", "total": "{% $states.input.order.total %}",
        "who": "{% $states.input.customer.name %}", "tier": "{% $states.input.customer.tier %}",
        "static": "x"}}),
    );
    let settings = Settings::default();
    let mut group = c.benchmark_group("pass_step");
    for (label, def) in [
        ("jsonpath_parameters", &jsonpath),
        ("jsonata_output", &jsonata),
    ] {
        let m = Machine {
            definition: def,
            settings: &settings,
            tokens: &PlainTokens,
        };
        let (fresh, _) = start(&m, "sm:e".into(), "e".into(), 1, input(), 0);
        // Both produce the same output.
        let mut check = fresh.clone();
        apply(
            &m,
            &mut check,
            Event::Run { frame: 0 },
            Input {
                now_ms: 1,
                random: 0.5,
            },
        );
        assert_eq!(
            check.output,
            Some(
                json!({"id": "o-1234", "total": 99.5, "who": "Ada", "tier": "gold", "static": "x"})
            ),
            "{label}"
        );
        group.bench_function(label, |b| {
            b.iter_batched(
                || fresh.clone(),
                |mut exec| {
                    apply(
                        &m,
                        &mut exec,
                        Event::Run { frame: 0 },
                        Input {
                            now_ms: 1,
                            random: 0.5,
                        },
                    )
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
