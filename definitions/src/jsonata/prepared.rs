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
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use indexmap::IndexMap;
use jsonata_core::evaluator::{Context, Evaluator};
use jsonata_core::value::JValue;
use serde_json::Value;

use super::aws::Rng;
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
    /// Converted plain variables.
    values: HashMap<String, JValue>,
    /// Converted members of object bindings, by (variable, member).
    members: HashMap<(String, &'static str), JValue>,
    cached: Option<Cached>,
}

/// An evaluator whose context binds `names` (those the lookup knows) and, of the object
/// bindings, `members`; for the time and limits it was made with.
struct Cached {
    evaluator: Evaluator,
    rng: Rng,
    now_millis: i64,
    limits: JsonataLimits,
    names: HashSet<String>,
    members: HashSet<(String, &'static str)>,
}

impl Default for Inner {
    fn default() -> Inner {
        Inner {
            data: JValue::Undefined,
            values: HashMap::new(),
            members: HashMap::new(),
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
    /// [`Jsonata::evaluate_with_input`]) does, the bindings taken from
    /// `prepared`, which asks `lookup` for each name the expression mentions and converts
    /// what it has not converted yet. Of a [`Binding::Members`] binding, only the members
    /// for which `wanted` holds are built.
    pub fn evaluate_prepared<'v>(
        &self,
        prepared: &Prepared,
        lookup: &dyn Fn(&str) -> Option<Binding<'v>>,
        wanted: &dyn Fn(&str) -> bool,
        env: &mut JsonataEnv,
    ) -> Result<Evaluated, JsonataError> {
        let mut guard = prepared.inner.borrow_mut();
        let inner = &mut *guard;
        let mut names: Vec<&str> = Vec::new();
        let mut members: Vec<(&str, &'static str)> = Vec::new();
        for name in self.mentioned.iter() {
            names.push(name);
            if let Some(Binding::Members { names: list, .. }) = lookup(name) {
                for member in list {
                    if wanted(member) {
                        members.push((name, member));
                    }
                }
            }
        }
        let reusable = inner.cached.as_ref().is_some_and(|c| {
            c.now_millis == env.now_millis
                && c.limits == env.limits
                && names.iter().all(|n| c.names.contains(*n))
                && members
                    .iter()
                    .all(|(n, m)| c.members.contains(&((*n).to_owned(), *m)))
        });
        if !reusable {
            let (mut all_names, mut all_members) = match inner.cached.take() {
                Some(c) => (c.names, c.members),
                None => Default::default(),
            };
            all_names.extend(names.iter().map(|n| (*n).to_owned()));
            all_members.extend(members.iter().map(|(n, m)| ((*n).to_owned(), *m)));
            let cached = inner.build(all_names, all_members, lookup, env)?;
            inner.cached = Some(cached);
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

impl Inner {
    /// A new evaluator binding `names` and `members`, converting what is not converted yet.
    fn build<'v>(
        &mut self,
        names: HashSet<String>,
        members: HashSet<(String, &'static str)>,
        lookup: &dyn Fn(&str) -> Option<Binding<'v>>,
        env: &JsonataEnv,
    ) -> Result<Cached, JsonataError> {
        let mut context = Context::new();
        for name in &names {
            match lookup(name) {
                None => {}
                Some(Binding::Value(value)) => {
                    let converted = match self.values.get(name) {
                        Some(v) => v.clone(),
                        None => {
                            let v = convert::from_json(value)?;
                            self.values.insert(name.clone(), v.clone());
                            v
                        }
                    };
                    context.bind(name.clone(), converted);
                }
                Some(Binding::Members {
                    names: list,
                    member: get,
                }) => {
                    let mut object = IndexMap::new();
                    for member in list {
                        let key = (name.clone(), member);
                        if !members.contains(&key) {
                            continue;
                        }
                        let converted = match self.members.get(&key) {
                            Some(v) => v.clone(),
                            None => {
                                let Some(value) = get(member) else {
                                    continue;
                                };
                                let v = convert::from_json(value)?;
                                self.members.insert(key, v.clone());
                                v
                            }
                        };
                        object.insert(member.to_owned(), converted);
                    }
                    context.bind(name.clone(), JValue::object(object));
                }
            }
        }
        context.bind(NOW_VAR.to_string(), JValue::Number(env.now_millis as f64));
        let rng = Rng(Rc::new(Cell::new(env.random_state)));
        let evaluator = host::new_evaluator(context, env, &rng)?;
        Ok(Cached {
            evaluator,
            rng,
            now_millis: env.now_millis,
            limits: env.limits,
            names,
            members,
        })
    }
}
