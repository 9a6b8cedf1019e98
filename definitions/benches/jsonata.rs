//! JSONata evaluation against the equivalent JSONPath payload template, on the same input.
//!
//! ```text
//! cargo bench -p baton-definitions --bench jsonata
//! ```
//!
//! - `jsonata/sum_and_id`: `{ "total": $sum($states.input.items.price), "id": $states.input.id }`
//!   with `$states` bound (the input converted into JSONata's values on every evaluation, as
//!   the engine will).
//! - `jsonata/template_sum_and_id`: the payload template
//!   `{"total.$": "States.MathAdd(...)"}` cannot sum an array, so the JSONPath side is
//!   `{"prices.$": "$.items[*].price", "id.$": "$.id"}`: the same reads, without the sum.

use std::hint::black_box;

use baton_definitions::diagnostics::{Diagnostics, Loc};
use baton_definitions::jsonata::{Jsonata, JsonataEnv};
use baton_definitions::{Env, Template};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

fn input() -> Value {
    let items: Vec<Value> = (0..20)
        .map(|i| json!({"sku": format!("SKU-{i}"), "price": 1.25 * i as f64, "qty": i % 3}))
        .collect();
    json!({"id": "order-42", "customer": {"name": "Ada", "tier": "gold"}, "items": items})
}

fn bench(c: &mut Criterion) {
    let input = input();
    let states = json!({"input": input.clone(), "context": {}});
    let expr =
        Jsonata::parse(r#"{ "total": $sum($states.input.items.price), "id": $states.input.id }"#)
            .expect("parses");
    let mut env = JsonataEnv::new(1_700_000_000_000, 1);
    c.bench_function("jsonata/sum_and_id", |b| {
        b.iter(|| {
            let vars = |name: &str| (name == "states").then(|| states.clone());
            black_box(expr.evaluate(&vars, &mut env).expect("evaluates"))
        })
    });

    let mut d = Diagnostics::new();
    let template = Template::compile(
        &json!({"prices.$": "$.items[*].price", "id.$": "$.id"}),
        &Loc::root(),
        &mut d,
    )
    .expect("compiles");
    let context = json!({});
    c.bench_function("jsonata/template_sum_and_id", |b| {
        b.iter(|| {
            black_box(
                template
                    .eval(&Env::new(&input, &context))
                    .expect("evaluates"),
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
