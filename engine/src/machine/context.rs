//! The context object (`$$`), built only when a path asks for it.

use std::cell::OnceCell;

use serde_json::{Map, Value, json};

use baton_definitions::ContextObject;

use baton_definitions::time::format_timestamp_ms;

use super::{Execution, Settings};

/// `$$` for one state of one execution.
pub struct Context<'a> {
    pub settings: &'a Settings,
    pub exec: &'a Execution,
    pub state: &'a str,
    pub entered_ms: i64,
    pub retry_count: Option<u32>,
    pub token: Option<&'a str>,
    pub item: Option<(u32, &'a Value)>,
    /// The frame whose variables (and its ancestors') `$name` reads; none: no variables.
    pub frame: Option<u32>,
    cell: OnceCell<Value>,
}

impl<'a> Context<'a> {
    pub fn new(
        settings: &'a Settings,
        exec: &'a Execution,
        state: &'a str,
        entered_ms: i64,
    ) -> Context<'a> {
        Context {
            settings,
            exec,
            state,
            entered_ms,
            retry_count: None,
            token: None,
            item: None,
            frame: None,
            cell: OnceCell::new(),
        }
    }

    fn build(&self) -> Value {
        let s = self.settings;
        let mut state = Map::new();
        state.insert("Name".into(), Value::from(self.state));
        state.insert(
            "EnteredTime".into(),
            Value::from(format_timestamp_ms(self.entered_ms)),
        );
        if let Some(n) = self.retry_count {
            state.insert("RetryCount".into(), Value::from(n));
        }
        let mut execution = json!({
            "Id": s.context_execution_arn(self.exec),
            "Input": self.exec.input,
            "Name": self.exec.name,
            "RoleArn": s.role_arn,
            "StartTime": format_timestamp_ms(self.exec.start_ms),
        });
        if self.exec.kind != super::ExecutionKind::ExpressSync {
            execution["RedriveCount"] = json!(self.exec.redrive_count);
            if let Some(at) = self.exec.redrive_ms {
                execution["RedriveTime"] = json!(format_timestamp_ms(at));
            }
        }
        let mut ctx = json!({
            "Execution": execution,
            "StateMachine": {"Id": s.state_machine_arn(&self.exec.state_machine), "Name": self.exec.state_machine},
            "State": state,
        });
        if let Some(token) = self.token {
            ctx["Task"] = json!({"Token": token});
        }
        if let Some((index, value)) = self.item {
            ctx["Map"] = json!({"Item": {"Index": index, "Value": value}});
        }
        if let Some(overlay) = &s.context_overlay {
            overlay_onto(&mut ctx, overlay);
        }
        ctx
    }
}

/// Lays `overlay`'s members over `base`, object members merged, anything else replaced.
fn overlay_onto(base: &mut Value, overlay: &Value) {
    match (base, overlay) {
        (Value::Object(base), Value::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(existing) => overlay_onto(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl ContextObject for Context<'_> {
    fn context_value(&self) -> &Value {
        self.cell.get_or_init(|| self.build())
    }

    fn variable(&self, name: &str) -> Option<&Value> {
        super::variables::lookup(self.exec, self.frame?, name)
    }
}
