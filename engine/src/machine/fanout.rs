//! Parallel and Map states: child frames, results in order, failure handling.

use serde_json::Value;

use baton_definitions::model::{Count, Map, Parallel, Percent};
use baton_definitions::pipeline;
use baton_definitions::template::compact_json;
use baton_definitions::{Env, ErrorName, Failure, Path, State, StateKind};

use baton_definitions::jsonata_lang::{JEnv, JsonataState};

use super::execution::{Children, Parent, Step};
use super::frames::Results;
use super::jsonata;
use super::map_runs::MapRunStatus;
use super::step::{Cx, shown};

impl<'m> Cx<'m> {
    pub(super) fn start_parallel(
        &mut self,
        f: u32,
        state: &'m State,
        parallel: &'m Parallel,
    ) -> Result<(), Failure> {
        let effective = {
            let ctx = self.context(f, state);
            let input = &self.exec.frames[&f].input;
            match state.io.jsonata.as_deref() {
                Some(j) => {
                    let evaluator = self.evaluator();
                    jsonata::arguments(j, &JEnv::new(input, &ctx, &evaluator))?
                }
                None => pipeline::effective_input(&state.io, input, &ctx)?.into_owned(),
            }
        };
        let started = self.emit(f, "ParallelStateStarted", Value::Null);
        let mut running = Vec::with_capacity(parallel.branches.len());
        for (i, branch) in parallel.branches.iter().enumerate() {
            let parent = Parent {
                frame: f,
                index: i as u32,
            };
            running.push(self.add_frame(
                parent,
                &branch.start_at,
                effective.clone(),
                started,
                false,
            ));
        }
        let children = Children {
            id: self.new_children_id(),
            size: parallel.branches.len() as u32,
            results: Results::new(parallel.branches.len()),
            items: Vec::new(),
            selector_input: None,
            next: parallel.branches.len() as u32,
            running,
            max_concurrency: 0,
            failed: 0,
            tolerated_count: None,
            tolerated_percentage: None,
            distributed: false,
        };
        self.frame(f).step = Step::Children(Box::new(children));
        Ok(())
    }

    pub(super) fn start_map(
        &mut self,
        f: u32,
        state: &'m State,
        map: &'m Map,
    ) -> Result<(), Failure> {
        if let Some(j) = state.io.jsonata.as_deref() {
            return self.start_jsonata_map(f, state, map, j);
        }
        let (effective, items, max) = {
            let ctx = self.context(f, state);
            let effective = pipeline::apply_input_path(
                &state.io.input_path,
                &self.exec.frames[&f].input,
                &ctx,
            )?;
            let items = match &map.items_path {
                None => effective.clone().into_owned(),
                Some(path) => pipeline::select(path, &effective, &ctx)?.into_owned(),
            };
            let Value::Array(items) = items else {
                return Err(Failure::runtime(format!(
                    "Map items must be an array, but ItemsPath '{}' refers to {}",
                    map.items_path.as_ref().map_or("$", Path::text),
                    compact_json(&items)
                )));
            };
            let max = count(
                map.max_concurrency.as_ref(),
                &effective,
                &ctx,
                "MaxConcurrency",
            )?;
            (effective.into_owned(), items, max)
        };
        self.emit(
            f,
            "MapStateStarted",
            serde_json::json!({"length": items.len()}),
        );
        let (tolerated_count, tolerated_percentage) = {
            let ctx = self.context(f, state);
            let tc = count(
                map.tolerated_failure_count.as_ref(),
                &effective,
                &ctx,
                "ToleratedFailureCount",
            )?;
            let tp = percent(map.tolerated_failure_percentage.as_ref(), &effective, &ctx)?;
            (tc, tp)
        };
        let limits = (max, tolerated_count, tolerated_percentage);
        self.run_map(f, state, map, effective, items, limits)
    }

    /// A JSONata Map: `Items` (or the input), its numbers, then the iterations.
    fn start_jsonata_map(
        &mut self,
        f: u32,
        state: &'m State,
        map: &'m Map,
        j: &'m JsonataState,
    ) -> Result<(), Failure> {
        let input = self.exec.frames[&f].input.clone();
        let evaluator = self.evaluator();
        let (items, limits) = {
            let ctx = self.context(f, state);
            let env = JEnv::new(&input, &ctx, &evaluator);
            let items = jsonata::items(j, &env)?;
            let max = jsonata::whole(j.max_concurrency.as_ref(), "MaxConcurrency", 0, &env)?;
            let tc = jsonata::whole(
                j.tolerated_failure_count.as_ref(),
                "ToleratedFailureCount",
                0,
                &env,
            )?;
            let tp = jsonata::percentage(j.tolerated_failure_percentage.as_ref(), &env)?;
            (items, (max, tc, tp))
        };
        self.emit(
            f,
            "MapStateStarted",
            serde_json::json!({"length": items.len()}),
        );
        self.run_map(f, state, map, input, items, limits)
    }

    /// Starts a Map's iterations over `items` (`selector_input`: what ItemSelector reads).
    fn run_map(
        &mut self,
        f: u32,
        state: &'m State,
        map: &'m Map,
        effective: Value,
        items: Vec<Value>,
        limits: (Option<u64>, Option<u64>, Option<f64>),
    ) -> Result<(), Failure> {
        let (max, tolerated_count, tolerated_percentage) = limits;
        let children_id = self.new_children_id();
        if map.distributed {
            let tolerated = (tolerated_count, tolerated_percentage);
            let arn = self.start_map_run(f, state, map, children_id, items.len(), max, tolerated);
            self.emit(f, "MapRunStarted", serde_json::json!({"mapRunArn": arn}));
        }
        let limit = match max {
            Some(n) if n > 0 => n.min(u32::MAX as u64) as u32,
            _ if map.distributed => 10_000,
            _ => self.settings.inline_map_concurrency,
        };
        let children = Children {
            id: children_id,
            size: items.len() as u32,
            results: Results::new(items.len()),
            items,
            selector_input: Some(effective),
            next: 0,
            running: Vec::new(),
            max_concurrency: limit,
            failed: 0,
            tolerated_count,
            tolerated_percentage,
            distributed: map.distributed,
        };
        self.frame(f).step = Step::Children(Box::new(children));
        self.launch_items(f, state, map)?;
        self.maybe_complete(f, state);
        Ok(())
    }

    /// Starts Map iterations up to the concurrency limit.
    pub(super) fn launch_items(
        &mut self,
        f: u32,
        state: &'m State,
        map: &'m Map,
    ) -> Result<(), Failure> {
        loop {
            let Some(Step::Children(c)) = self.exec.frames.get(&f).map(|fr| &fr.step) else {
                return Ok(());
            };
            if c.running.len() as u32 >= c.max_concurrency || c.next as usize >= c.items.len() {
                return Ok(());
            }
            let index = c.next;
            let distributed = c.distributed;
            let jsonata_selector = state
                .io
                .jsonata
                .as_deref()
                .and_then(|j| j.item_selector.as_ref());
            let input = {
                let item = &c.items[index as usize];
                match (&map.item_selector, jsonata_selector) {
                    (_, Some(selector)) => {
                        let mut ctx = self.context(f, state);
                        ctx.item = Some((index, item));
                        let source = c.selector_input.as_ref().unwrap_or(&Value::Null);
                        let evaluator = self.evaluator();
                        selector.eval(&JEnv::new(source, &ctx, &evaluator))?
                    }
                    (None, None) => item.clone(),
                    (Some(selector), None) => {
                        let mut ctx = self.context(f, state);
                        ctx.item = Some((index, item));
                        let source = c.selector_input.as_ref().unwrap_or(&Value::Null);
                        selector.eval(&Env::new(source, &ctx))?
                    }
                }
            };
            // A distributed Map's iterations are child executions with their own history.
            let started = if distributed {
                self.exec.frames[&f].last_event
            } else {
                self.emit(
                    f,
                    "MapIterationStarted",
                    serde_json::json!({"name": state.name, "index": index}),
                )
            };
            let child = self.add_frame(
                Parent { frame: f, index },
                &map.processor.start_at,
                input,
                started,
                distributed,
            );
            if let Some(Step::Children(c)) = self.exec.frames.get_mut(&f).map(|fr| &mut fr.step) {
                c.next += 1;
                c.running.push(child);
            }
            self.exec.sync_map_run(f);
        }
    }

    /// A child frame of `parent` ended with `output`.
    pub(super) fn child_succeeded(
        &mut self,
        parent: Parent,
        child: u32,
        output: Value,
        last_event: u64,
    ) {
        let f = parent.frame;
        let Some(frame) = self.exec.frames.get(&f) else {
            return;
        };
        let Some(state) = self.state(&frame.state) else {
            return;
        };
        let quiet = self.mark_child_done(f, child, parent.index, Some(output));
        if let StateKind::Map(map) = &state.kind {
            if !quiet {
                self.emit_child(f, last_event, "MapIterationSucceeded", state, parent.index);
            }
            if let Err(failure) = self.launch_items(f, state, map) {
                return self.fail_state(f, state, failure);
            }
        }
        self.maybe_complete(f, state);
    }

    /// A child frame of `parent` failed.
    pub(super) fn child_failed(
        &mut self,
        parent: Parent,
        child: u32,
        failure: Failure,
        last_event: u64,
    ) {
        let f = parent.frame;
        let Some(frame) = self.exec.frames.get(&f) else {
            return;
        };
        let Some(state) = self.state(&frame.state) else {
            return;
        };
        let quiet = self.mark_child_done(f, child, parent.index, None);
        let mut failure = failure;
        if let StateKind::Map(map) = &state.kind {
            if !quiet {
                self.emit_child(f, last_event, "MapIterationFailed", state, parent.index);
            }
            let Some(Step::Children(c)) = self.exec.frames.get_mut(&f).map(|fr| &mut fr.step)
            else {
                return;
            };
            c.failed += 1;
            let total = c.items.len().max(1) as f64;
            let by_count = c.tolerated_count.map(|n| u64::from(c.failed) <= n);
            let by_share = c
                .tolerated_percentage
                .map(|p| f64::from(c.failed) * 100.0 / total <= p);
            let tolerated = by_count.unwrap_or(false) || by_share.unwrap_or(false);
            if tolerated {
                c.results.set(parent.index as usize, failure.error_output());
                if let Err(failure) = self.launch_items(f, state, map) {
                    return self.fail_state(f, state, failure);
                }
                return self.maybe_complete(f, state);
            }
            if by_count.is_some() || by_share.is_some() {
                failure = Failure::new(
                    ErrorName::ExceedToleratedFailureThreshold,
                    "The specified tolerated failure threshold was exceeded".to_owned(),
                );
            }
        }
        self.cancel_children(f, state);
        self.fail_state(f, state, failure);
    }

    /// Records a child's end; returns true for a distributed Map's (quiet) child.
    fn mark_child_done(&mut self, f: u32, child: u32, index: u32, output: Option<Value>) -> bool {
        let Some(Step::Children(c)) = self.exec.frames.get_mut(&f).map(|fr| &mut fr.step) else {
            return false;
        };
        c.running.retain(|running| *running != child);
        let succeeded = output.is_some();
        if let Some(output) = output {
            c.results.set(index as usize, output);
        }
        let distributed = c.distributed;
        if distributed {
            self.count_map_item(f, Some(succeeded));
        }
        distributed
    }

    fn emit_child(
        &mut self,
        f: u32,
        last_event: u64,
        kind: &'static str,
        state: &State,
        index: u32,
    ) {
        let id = self.emit_after(
            last_event,
            kind,
            serde_json::json!({"name": state.name, "index": index}),
        );
        let frame = self.frame(f);
        frame.last_event = frame.last_event.max(id);
    }

    /// Stops every running child of `f` (a sibling failed).
    fn cancel_children(&mut self, f: u32, state: &State) {
        let Some(Step::Children(c)) = self.exec.frames.get(&f).map(|fr| &fr.step) else {
            return;
        };
        let running = c.running.clone();
        let is_inline_map = matches!(state.kind, StateKind::Map(_)) && !c.distributed;
        for child in running {
            let Some(frame) = self.remove_frame(child) else {
                continue;
            };
            if let (true, Some(parent)) = (is_inline_map, frame.parent) {
                self.emit_child(
                    f,
                    frame.last_event,
                    "MapIterationAborted",
                    state,
                    parent.index,
                );
            }
        }
        if let Some(Step::Children(c)) = self.exec.frames.get_mut(&f).map(|fr| &mut fr.step) {
            c.running.clear();
        }
    }

    /// When every child has ended: the output pipeline, then the next state.
    fn maybe_complete(&mut self, f: u32, state: &'m State) {
        let Some(Step::Children(c)) = self.exec.frames.get(&f).map(|fr| &fr.step) else {
            return;
        };
        if !c.results.is_complete() {
            return;
        }
        let distributed = c.distributed;
        let Some(Step::Children(c)) = self
            .exec
            .frames
            .get_mut(&f)
            .map(|fr| std::mem::replace(&mut fr.step, Step::Enter))
        else {
            return;
        };
        let results = Value::Array(c.results.into_values());
        if let StateKind::Map(_) = state.kind {
            if distributed {
                self.end_map_run(f, MapRunStatus::Succeeded);
                self.emit(f, "MapRunSucceeded", Value::Null);
            }
            self.emit(f, "MapStateSucceeded", Value::Null);
        }
        let raw = if state.catch.is_empty() {
            self.take_input(f)
        } else {
            self.exec.frames[&f].input.clone()
        };
        let output = match state.io.jsonata.as_deref() {
            Some(j) => self.j_state_output(f, state, j, &raw, results),
            None => {
                let ctx = self.context(f, state);
                pipeline::state_output_and_assign(&state.io, raw, results, &ctx)
            }
        };
        let done = output.and_then(|(output, assigned)| self.exit_with(f, state, output, assigned));
        if let Err(failure) = done {
            self.fail_state(f, state, failure);
        }
    }

    /// `MapStateFailed` / `ParallelStateFailed` when a Map or Parallel state fails or is
    /// caught (not when it is retried).
    pub(super) fn fanout_failed_event(&mut self, f: u32, state: &State) {
        let kind = match &state.kind {
            StateKind::Map(map) => {
                if map.distributed {
                    self.end_map_run(f, MapRunStatus::Failed);
                    self.emit(f, "MapRunFailed", Value::Null);
                }
                "MapStateFailed"
            }
            StateKind::Parallel(_) => "ParallelStateFailed",
            _ => return,
        };
        self.emit(f, kind, Value::Null);
    }
}

/// `MaxConcurrency(Path)` / `ToleratedFailureCount(Path)`.
fn count(
    source: Option<&Count>,
    input: &Value,
    ctx: &super::Context<'_>,
    field: &str,
) -> Result<Option<u64>, Failure> {
    let path = match source {
        None => return Ok(None),
        Some(Count::Fixed(n)) => return Ok(Some(*n)),
        Some(Count::Path(path)) => path,
    };
    let env = Env::new(input, ctx);
    let value = path
        .select(&env)
        .ok_or_else(|| pipeline::missing(path, &env))?;
    // AWS reads a string holding a whole number as that number (Java's `parseInt`).
    let number = value
        .as_i64()
        .or_else(|| value.as_str().and_then(|s| s.parse::<i64>().ok()));
    match number {
        Some(n) if n < 0 => Err(Failure::runtime(format!("{field} cannot be negative."))),
        Some(n) => Ok(Some(n as u64)),
        None => Err(Failure::runtime(format!(
            "The {field}Path field refers to value \"{}\" which is not a valid integer: {}",
            shown(&value),
            path.text()
        ))),
    }
}

/// `ToleratedFailurePercentage(Path)`.
fn percent(
    source: Option<&Percent>,
    input: &Value,
    ctx: &super::Context<'_>,
) -> Result<Option<f64>, Failure> {
    let path = match source {
        None => return Ok(None),
        Some(Percent::Fixed(p)) => return Ok(Some(*p)),
        Some(Percent::Path(path)) => path,
    };
    let env = Env::new(input, ctx);
    let value = path
        .select(&env)
        .ok_or_else(|| pipeline::missing(path, &env))?;
    // A string holding a number counts as that number, as for `count`.
    let number = value
        .as_f64()
        .or_else(|| value.as_str().and_then(|s| s.trim().parse::<f64>().ok()));
    match number {
        Some(p) if !(0.0..=100.0).contains(&p) => Err(Failure::runtime(
            "ToleratedFailurePercentage must be between 0 and 100.".to_owned(),
        )),
        Some(p) => Ok(Some(p)),
        None => Err(Failure::runtime(format!(
            "The ToleratedFailurePercentagePath field refers to value \"{}\" which is not a valid float: {}",
            shown(&value),
            path.text()
        ))),
    }
}
