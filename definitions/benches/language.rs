//! Benchmarks of the language crate.
//!
//! ```text
//! cargo bench -p baton-definitions --bench language
//! ```
//!
//! - `parse_validate/500_states`: `parse_definition` (JSON text → validated machine) of a
//!   generated 500-state definition (Pass with Parameters/ResultPath, Choice with three
//!   rules, Task with Retry/Catch, Wait; a Parallel or Map with nested states every 50
//!   states; every state reachable). Target: median < 5 ms.
//!   `parse_validate/serde_only` parses the same text into a `serde_json::Value`, for scale.
//! - `parse_validate/1mib_chain`: the largest definition AWS accepts, as 25,000 minimal Pass
//!   states in a chain: guards against validation costs that grow faster than the
//!   definition (reachability was once quadratic: 404 ms here, now ~80 ms).
//! - `pipeline/pass_step`: one Pass state's data pipeline (InputPath default → Parameters
//!   with four `.$` paths and one intrinsic → no Result → ResultPath `$.result` → OutputPath
//!   default) over a ~1 KB input. Target: median < 2 µs.

use std::hint::black_box;

use baton_definitions::parse_definition;
use baton_definitions::pipeline::{effective_input, state_output};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value, json};

/// Every how many top-level states a Parallel or Map (with nested states) comes.
const FAN_OUT_EVERY: usize = 50;

/// A realistic definition with exactly `total` states (nested ones included).
fn definition(total: usize) -> Value {
    let mut states = Map::new();
    let mut count = 0;
    let mut i = 0;
    while count < total {
        let name = format!("S{i}");
        let next = format!("S{}", i + 1);
        let remaining = total - count;
        let fan_out = i % FAN_OUT_EVERY == FAN_OUT_EVERY - 1;
        let (state, used) = if remaining == 1 {
            (json!({"Type": "Succeed"}), 1)
        } else if fan_out && remaining > 8 {
            if (i / FAN_OUT_EVERY).is_multiple_of(2) {
                parallel(&name, &next)
            } else {
                map(&name, &next)
            }
        } else {
            (simple(i, &next), 1)
        };
        states.insert(name, state);
        count += used;
        i += 1;
    }
    json!({"Comment": format!("{total} generated states"), "StartAt": "S0", "States": states})
}

/// A Pass, Choice, Task or Wait state that goes on to `next`.
fn simple(i: usize, next: &str) -> Value {
    match i % 4 {
        0 => json!({
            "Type": "Pass",
            "Parameters": {"id.$": "$.order.id", "step": i, "who.$": "$$.Execution.Name",
                           "tag.$": "States.Format('step-{}', $.order.id)"},
            "ResultPath": format!("$.steps.s{i}"),
            "Next": next
        }),
        1 => json!({
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.order.total", "NumericGreaterThan": 100, "Next": next},
                {"And": [
                    {"Variable": "$.customer.tier", "StringEquals": "gold"},
                    {"Variable": "$.order.express", "BooleanEquals": true}
                ], "Next": next},
                {"Not": {"Variable": "$.order.coupon", "IsPresent": true}, "Next": next}
            ],
            "Default": next
        }),
        2 => json!({
            "Type": "Task",
            "Resource": format!("http://127.0.0.1:8080/work/{i}"),
            "Parameters": {"orderId.$": "$.order.id", "items.$": "$.order.items[*].sku"},
            "ResultSelector": {"status.$": "$.status"},
            "ResultPath": "$.last",
            "TimeoutSeconds": 60,
            "HeartbeatSeconds": 10,
            "Retry": [
                {"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0},
                {"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "JitterStrategy": "FULL"}
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": next}],
            "Next": next
        }),
        _ => json!({"Type": "Wait", "Seconds": 1, "Next": next}),
    }
}

/// A Parallel state with two branches of three states each: seven states.
fn parallel(name: &str, next: &str) -> (Value, usize) {
    let branch = |b: usize| {
        let s = |k: usize| format!("{name}_b{b}_{k}");
        json!({"StartAt": s(0), "States": {
            s(0): {"Type": "Pass", "Parameters": {"b": b, "id.$": "$.order.id"}, "Next": s(1)},
            s(1): {"Type": "Wait", "Seconds": 1, "Next": s(2)},
            s(2): {"Type": "Task", "Resource": "http://127.0.0.1:8080/branch",
                   "Retry": [{"ErrorEquals": ["States.TaskFailed"]}], "End": true}
        }})
    };
    let state = json!({
        "Type": "Parallel", "Branches": [branch(0), branch(1)],
        "ResultSelector": {"first.$": "$[0]"}, "ResultPath": "$.parallel", "Next": next
    });
    (state, 7)
}

/// A Map state whose processor has four states: five states.
fn map(name: &str, next: &str) -> (Value, usize) {
    let s = |k: usize| format!("{name}_m{k}");
    let state = json!({
        "Type": "Map", "ItemsPath": "$.order.items", "MaxConcurrency": 4,
        "ItemSelector": {"item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
        "ItemProcessor": {"StartAt": s(0), "States": {
            s(0): {"Type": "Choice", "Choices": [
                {"Variable": "$.item.qty", "NumericGreaterThanEquals": 1, "Next": s(1)}
            ], "Default": s(3)},
            s(1): {"Type": "Task", "Resource": "http://127.0.0.1:8080/item",
                   "Catch": [{"ErrorEquals": ["States.ALL"], "Next": s(3)}], "Next": s(2)},
            s(2): {"Type": "Succeed"},
            s(3): {"Type": "Fail", "Error": "Item.Invalid", "Cause": "no quantity"}
        }},
        "ResultPath": "$.mapped", "Next": next
    });
    (state, 5)
}

/// `n` Pass states in a row, then a Succeed: as many states as fit in the size limit.
fn chain(n: usize) -> String {
    let mut text = String::from(r#"{"StartAt":"S0","States":{"#);
    for i in 0..n {
        text.push_str(&format!(r#""S{i}":{{"Type":"Pass","Next":"S{}"}},"#, i + 1));
    }
    text.push_str(&format!(r#""S{n}":{{"Type":"Succeed"}}}}}}"#));
    text
}

/// A ~1 KB order document.
fn order_input() -> Value {
    let items: Vec<Value> = (0..10)
        .map(|k| {
            json!({"sku": format!("SKU-{k:04}"), "qty": k + 1, "price": 9.99 + k as f64,
                        "tags": ["new", "sale"]})
        })
        .collect();
    json!({
        "order": {"id": "ord-8f14e45f", "total": 187.5, "currency": "EUR", "express": false,
                  "items": items, "notes": "leave at the door"},
        "customer": {"id": "cus-45c48cce", "name": "Ada Lovelace", "tier": "gold",
                     "email": "ada@example.com",
                     "address": {"street": "12 Analytical Row", "city": "London", "zip": "N1 9GU"}},
        "steps": {},
        "trace": {"requestId": "5f1d7a2c-3b9e-4c61-9a0e-2f7c8d4b1e90", "attempt": 1}
    })
}

fn bench_parse(c: &mut Criterion) {
    let text = definition(500).to_string();
    let machine = parse_definition(&text).expect("the generated definition is valid");
    assert_eq!(machine.machine.states().count(), 500);
    assert!(machine.warnings.is_empty(), "{:?}", machine.warnings);

    let mut group = c.benchmark_group("parse_validate");
    group.bench_function("500_states", |b| {
        b.iter(|| parse_definition(black_box(&text)).expect("valid"))
    });
    group.bench_function("serde_only", |b| {
        b.iter(|| serde_json::from_str::<Value>(black_box(&text)).expect("JSON"))
    });
    let chain = chain(25_000);
    assert!(chain.len() <= baton_definitions::parse::MAX_DEFINITION_BYTES);
    parse_definition(&chain).expect("the chain is valid");
    group.sample_size(20);
    group.bench_function("1mib_chain", |b| {
        b.iter(|| parse_definition(black_box(&chain)).expect("valid"))
    });
    group.finish();
}

fn bench_pipeline(c: &mut Criterion) {
    let definition = json!({"StartAt": "Step", "States": {"Step": {
        "Type": "Pass",
        "Parameters": {
            "orderId.$": "$.order.id",
            "customer.$": "$.customer.name",
            "total.$": "$.order.total",
            "firstSku.$": "$.order.items[0].sku",
            "label.$": "States.Format('Order {} for {}', $.order.id, $.customer.name)",
            "source": "bench"
        },
        "ResultPath": "$.result",
        "End": true
    }}});
    let parsed = parse_definition(&definition.to_string()).expect("valid");
    let state = parsed.machine.state("Step").expect("the Pass state");
    let io = &state.io;
    let input = order_input();
    assert!(
        (900..1300).contains(&input.to_string().len()),
        "a ~1 KB input"
    );
    let context = json!({
        "Execution": {"Id": "arn:aws:states:local:0:execution:m:e1", "Name": "e1",
                      "StartTime": "2024-01-01T00:00:00Z"},
        "State": {"Name": "Step", "EnteredTime": "2024-01-01T00:00:00Z"},
        "StateMachine": {"Id": "arn:aws:states:local:0:stateMachine:m", "Name": "m"}
    });
    let out = {
        let effective = effective_input(io, &input, &context).expect("input");
        state_output(io, input.clone(), effective.into_owned(), &context).expect("output")
    };
    assert_eq!(
        out["result"]["label"],
        "Order ord-8f14e45f for Ada Lovelace"
    );

    c.bench_function("pipeline/pass_step", |b| {
        // The raw input is moved into the output, as the engine moves it; the clone that
        // provides a fresh one for every step is outside the measurement.
        b.iter_batched(
            || input.clone(),
            |raw| {
                let effective = effective_input(io, &raw, &context).expect("input");
                let result = effective.into_owned();
                state_output(io, raw, result, &context).expect("output")
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench_parse, bench_pipeline);
criterion_main!(benches);
