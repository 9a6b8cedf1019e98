//! Bindings prepared once for the expressions of one step ([`Prepared`]).
//!
//! [`Jsonata::evaluate`] converts every variable it binds from `serde_json` into JSONata's
//! values and builds a new evaluator (host functions included) for each expression. A step
//! evaluates several expressions over the same `$states` and variables, so
//! [`Jsonata::evaluate_prepared`] keeps, per [`Prepared`]:
//!
//! - each variable, and each member of an object binding such as `$states`, converted at
//!   most once, and only when an expression mentions it (values are shared, not copied);
//! - one evaluator, with the host functions installed once, reused while the expressions
//!   need no binding it lacks (it binds the union of what they asked for; a name an
//!   expression does not mention cannot be read by it). An evaluation that fails or panics
//!   drops the evaluator, so no state of a failed run reaches the next one.
//!
//! The results are those of [`Jsonata::evaluate`] with the same values.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use indexmap::IndexMap;
use jsonata_core::evaluator::{Context, Evaluator};
use jsonata_core::value::JValue;
use serde_json::Value;

use super::aws::Rng;
use super::needs::Needs;
use super::refs::NOW_VAR;
use super::{Evaluated, Jsonata, JsonataEnv, JsonataError, JsonataLimits, convert, host};

/// What a variable (name without `$`) is bound to, as the caller's lookup gives it.
#[derive(Clone)]
pub enum Binding<'v> {
    /// A JSON value.
    Value(&'v Value),
    /// An object made of the members `names`, in this order (`$states`: `input`,
    /// `context`, …); only those the evaluation wants are read (with `member`) and built
    /// into it.
    Members {
        names: Vec<&'static str>,
        member: &'v dyn Fn(&str) -> Option<&'v Value>,
    },
}

impl std::fmt::Debug for Binding<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Binding::Value(v) => f.debug_tuple("Value").field(v).finish(),
            Binding::Members { names, .. } => f.debug_tuple("Members").field(names).finish(),
        }
    }
}

/// Converted bindings and a reusable evaluator, shared by the expressions evaluated with
/// it. Use one per set of bindings: the lookup given to
/// [`Jsonata::evaluate_prepared`] must give the same values every time for one `Prepared`.
#[derive(Default)]
pub struct Prepared {
    inner: RefCell<Inner>,
}

struct Inner {
    /// The context value `$` (undefined unless [`Prepared::with_input`]).
    data: JValue,
    cached: Option<Cached>,
}

/// An evaluator whose context binds what `needs` reads (of the variables the lookup
/// knows), for the time and limits it was made with.
struct Cached {
    evaluator: Evaluator,
    rng: Rng,
    now_millis: i64,
    limits: JsonataLimits,
    needs: Needs,
}

impl Default for Inner {
    fn default() -> Inner {
        Inner {
            data: JValue::Undefined,
            cached: None,
        }
    }
}

impl Prepared {
    /// Bindings with no context value (`$` is undefined, as in AWS).
    pub fn new() -> Prepared {
        Prepared::default()
    }

    /// Bindings with a context value `input` (`$` and bare field names read it).
    pub fn with_input(input: &Value) -> Result<Prepared, JsonataError> {
        let prepared = Prepared::default();
        prepared.inner.borrow_mut().data = convert::from_json(input)?;
        Ok(prepared)
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared").finish_non_exhaustive()
    }
}

impl Jsonata {
    /// Evaluates as [`Jsonata::evaluate`] (or, with [`Prepared::with_input`], as
    /// [`Jsonata::evaluate_with_input`]) does, the bindings taken from `prepared`, which
    /// asks `lookup` for the variables and converts only what `needs` reads of them (with
    /// what this expression reads, [`Jsonata::needs`], added). Expressions evaluated
    /// together pass the union of their needs, so they share one conversion and one
    /// evaluator.
    pub fn evaluate_prepared<'v>(
        &self,
        prepared: &Prepared,
        lookup: &dyn Fn(&str) -> Option<Binding<'v>>,
        needs: &Needs,
        env: &mut JsonataEnv,
    ) -> Result<Evaluated, JsonataError> {
        let mut guard = prepared.inner.borrow_mut();
        let inner = &mut *guard;
        let reusable = inner.cached.as_ref().is_some_and(|c| {
            c.now_millis == env.now_millis
                && c.limits == env.limits
                && c.needs.covers(&self.needs)
                && c.needs.covers(needs)
        });
        if !reusable {
            let mut all = match inner.cached.take() {
                Some(c) => c.needs,
                None => Needs::default(),
            };
            all.add(needs);
            all.add(&self.needs);
            inner.cached = Some(build(all, lookup, env)?);
        }
        let Some(cached) = inner.cached.as_mut() else {
            return Err(JsonataError::new("D1001", "no evaluator (internal error)"));
        };
        cached.rng.0.set(env.random_state);
        let result = host::run(&mut cached.evaluator, self, &inner.data);
        env.random_state = cached.rng.0.get();
        if !matches!(result, Some(Ok(_))) {
            inner.cached = None;
        }
        host::outcome(self, result)
    }
}

/// A new evaluator binding what `needs` reads of the variables `lookup` knows.
fn build<'v>(
    needs: Needs,
    lookup: &dyn Fn(&str) -> Option<Binding<'v>>,
    env: &JsonataEnv,
) -> Result<Cached, JsonataError> {
    let mut context = Context::new();
    for (name, need) in needs.iter() {
        match lookup(name) {
            None => {}
            Some(Binding::Value(value)) => context.bind(name.clone(), need.convert(value)?),
            Some(Binding::Members { names, member: get }) => {
                let mut object = IndexMap::new();
                for member in names {
                    // The member is read (the context object built) only when needed.
                    let Some(need) = need.field(member) else {
                        continue;
                    };
                    let Some(value) = get(member) else {
                        continue;
                    };
                    object.insert(member.to_owned(), need.convert(value)?);
                }
                context.bind(name.clone(), JValue::object(object));
            }
        }
    }
    context.bind(NOW_VAR.to_string(), JValue::Number(env.now_millis as f64));
    let rng = Rng(Rc::new(Cell::new(env.random_state)));
    // Host functions are reached by name only: those no expression names are left out.
    let evaluator = host::new_evaluator(context, env, &rng, &|name| needs.reads(name))?;
    Ok(Cached {
        evaluator,
        rng,
        now_millis: env.now_millis,
        limits: env.limits,
        needs,
    })
}
