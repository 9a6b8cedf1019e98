//! Replays the conformance corpus (executions recorded on real AWS; see
//! `shared/conformance/README.md`) against our Choice rules.
//!
//! Every Choice rule of every case is parsed and must give no diagnostics. Then the branch
//! AWS took is recovered and compared with ours:
//!
//! 1. **Choice at `StartAt`** (477 cases): the execution input reaches the Choice state
//!    unchanged (these Choice states have no `InputPath`). We pick a branch with [`choose`]
//!    and run it forward with a tiny simulator of the only states that follow a Choice in
//!    these cases (Pass with an optional `Result`, Succeed, Fail). The simulated outcome
//!    (status plus output, or error and cause) must equal what AWS recorded. The test also
//!    simulates every other branch. When no other branch gives AWS's outcome, the case
//!    *pins* the branch. The rest (branches that all pass the input through) only check
//!    that evaluation succeeds with an outcome AWS could have produced.
//! 2. **History**: when the case recorded `history_types`, the state type entered right
//!    after each `ChoiceStateExited` must be the type of the state we chose.
//! 3. **Choice elsewhere** (4 cases): the inputs that reach the Choice are rebuilt from the
//!    definition (see [`traced`]). The sequence of chosen state types must equal the one in
//!    the history, and the final outcome must equal AWS's.

use serde_json::{Value, json};

use super::corpus_sim::{
    Compiled, Outcome, expected_outcome, failure_outcome, history_choices, run, type_of,
};
use super::*;

/// Cases whose Choice is not `StartAt`: the inputs reaching it, rebuilt by hand from the
/// definition. Returns the state types chosen, in order, and the final outcome.
fn traced(name: &str, def: &Value) -> Option<(Vec<String>, Outcome)> {
    let states = &def["States"];
    let mut types = Vec::new();
    match name {
        // StartState puts [1, "Hello", {}, 3.3, 3, 4, 5] at $.arr; the Map (InputPath $.arr,
        // MaxConcurrency 1) runs the Choice on each item in order until one fails.
        "base_scenarios__map_state_break_condition"
        | "base_scenarios__map_state_break_condition_legacy" => {
            let processor = states["MapState"]
                .get("ItemProcessor")
                .or(states["MapState"].get("Iterator"))?;
            let loc = Loc::root()
                .at("States")
                .at("MapState")
                .at("ItemProcessor")
                .at("States")
                .at("Equals3");
            let choice = Compiled::new(&processor["States"]["Equals3"], &loc, name);
            for item in states["StartState"]["Result"].as_array()? {
                let next = match choice.pick(item) {
                    Ok(next) => next,
                    Err(f) => return Some((types, failure_outcome(&f))),
                };
                types.push(type_of(&processor["States"], &next));
                if let failed @ Outcome::Failed { .. } = run(processor, &next, item.clone()) {
                    return Some((types, failed));
                }
            }
            Some((
                types,
                run(def, "Final", json!({"arr": states["StartState"]["Result"]})),
            ))
        }
        // StartState sets Iterations 3; each pass of BeforeIteration subtracts 1
        // (States.MathAdd(…, -1)) and the Map writes the items [0, 1, 2, 3] back to $.Values.
        "base_scenarios__map_state_config_distributed_reentrant"
        | "base_scenarios__map_state_legacy_reentrant" => {
            let loc = Loc::root().at("States").at("CheckIteration");
            let choice = Compiled::new(&states["CheckIteration"], &loc, name);
            let mut iterations = states["StartState"]["Parameters"]["Iterations"].as_i64()?;
            for _ in 0..10 {
                iterations -= 1;
                let input = json!({"Iterations": iterations, "Values": [0, 1, 2, 3]});
                let next = match choice.pick(&input) {
                    Ok(next) => next,
                    Err(f) => return Some((types, failure_outcome(&f))),
                };
                types.push(type_of(states, &next));
                if next != "BeforeIteration" {
                    return Some((types, run(def, &next, input)));
                }
            }
            None
        }
        _ => None,
    }
}

#[derive(Default)]
struct Tally {
    cases: usize,
    start_at: usize,
    pinned: usize,
    history_checked: usize,
    traced: usize,
    failures: Vec<String>,
}

fn check_start_at(name: &str, case: &Value, t: &mut Tally) {
    let def = &case["definition"];
    let start = def["StartAt"].as_str().unwrap_or_default();
    let loc = Loc::root().at("States").at(start);
    let choice = Compiled::new(&def["States"][start], &loc, name);
    let input = &case["input"];
    let expected = expected_outcome(case);
    let ours = choice.pick(input);
    let outcome = match &ours {
        Ok(next) => run(def, next, input.clone()),
        Err(f) => failure_outcome(f),
    };
    t.start_at += 1;
    if outcome != expected {
        t.failures.push(format!(
            "{name}: chose {ours:?} -> {outcome:?}, AWS {expected:?}"
        ));
        return;
    }
    let mut agreeing = choice
        .targets()
        .iter()
        .filter(|n| run(def, n, input.clone()) == expected)
        .count();
    if choice.default.is_none() {
        agreeing +=
            usize::from(failure_outcome(&Failure::runtime(NO_CHOICE_MATCHED_CAUSE)) == expected);
    }
    t.pinned += usize::from(agreeing == 1);
    if let (Some(history), Ok(next)) = (history_choices(case), &ours) {
        t.history_checked += 1;
        if history.first() != Some(&type_of(&def["States"], next)) {
            t.failures
                .push(format!("{name}: chose {next}, history {history:?}"));
        }
    }
}

#[test]
fn choice_rules_pick_the_branch_aws_took() {
    let Some(files) = crate::testing::corpus_files("choice_rules_pick_the_branch_aws_took") else {
        return;
    };
    let mut t = Tally::default();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let case: Value = serde_json::from_str(&text).unwrap();
        let name = case["name"].as_str().unwrap_or_default().to_owned();
        let def = &case["definition"];
        if !json_has_choice(def) {
            continue;
        }
        t.cases += 1;
        let start = def["StartAt"].as_str().unwrap_or_default();
        if def["States"][start]["Type"] == "Choice" {
            check_start_at(&name, &case, &mut t);
            continue;
        }
        let Some((types, outcome)) = traced(&name, def) else {
            t.failures
                .push(format!("{name}: Choice not at StartAt and no trace for it"));
            continue;
        };
        t.traced += 1;
        let history = history_choices(&case).unwrap_or_default();
        let expected = expected_outcome(&case);
        if types != history || outcome != expected {
            t.failures.push(format!(
                "{name}: chose {types:?} -> {outcome:?}; AWS {history:?} -> {expected:?}"
            ));
        }
    }
    println!(
        "choice corpus: {} cases with a Choice state; {} at StartAt ({} pinned to one branch by \
         AWS's output, {} also checked against the history), {} traced; {} mismatches",
        t.cases,
        t.start_at,
        t.pinned,
        t.history_checked,
        t.traced,
        t.failures.len()
    );
    assert!(t.failures.is_empty(), "{}", t.failures.join("\n"));
    assert_eq!(t.cases, t.start_at + t.traced);
}

/// Whether any state of the machine (or of its branches and item processors) is a Choice.
fn json_has_choice(machine: &Value) -> bool {
    let Some(states) = machine["States"].as_object() else {
        return false;
    };
    states.values().any(|s| {
        s["Type"] == "Choice"
            || s["Branches"]
                .as_array()
                .is_some_and(|b| b.iter().any(json_has_choice))
            || json_has_choice(&s["ItemProcessor"])
            || json_has_choice(&s["Iterator"])
    })
}
