//! Values the stepper needs from its configuration, and the token minter it is given.

use std::fmt;

/// Configuration read by the pure core.
#[derive(Debug, Clone)]
pub struct Settings {
    /// AWS region and account shown in ARNs.
    pub region: String,
    pub account: String,
    /// `$$.Execution.RoleArn`.
    pub role_arn: String,
    /// Largest state input, output or task result, in bytes (AWS: 256 KiB).
    pub max_payload_bytes: usize,
    /// Most history events one execution may write (AWS: 25,000).
    pub max_history_events: u64,
    /// Concurrency of an inline Map whose MaxConcurrency is 0 (AWS: up to 40).
    pub inline_map_concurrency: u32,
    /// How long a finished execution is kept (AWS: 90 days); it sets the record's
    /// `expires_ms`.
    pub retention_ms: u64,
    /// TestState's `context`: members laid over the Context object (`$$`) the core builds.
    pub context_overlay: Option<serde_json::Value>,
}

/// AWS keeps closed executions 90 days.
pub const DEFAULT_RETENTION_MS: u64 = 90 * 24 * 3600 * 1000;

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            region: "us-east-1".into(),
            account: "123456789012".into(),
            role_arn: "arn:aws:iam::123456789012:role/baton".into(),
            max_payload_bytes: 262_144,
            max_history_events: 25_000,
            inline_map_concurrency: 40,
            retention_ms: DEFAULT_RETENTION_MS,
            context_overlay: None,
        }
    }
}

impl Settings {
    pub fn state_machine_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:stateMachine:{name}",
            self.region, self.account
        )
    }

    /// The ARN of execution `id` (`<state machine>:<name>`).
    pub fn execution_arn(&self, id: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:execution:{id}",
            self.region, self.account
        )
    }

    /// The ARN `$$.Execution.Id` shows: express executions have their own form.
    pub fn context_execution_arn(&self, exec: &super::Execution) -> String {
        match exec.kind {
            super::ExecutionKind::Standard => self.execution_arn(&exec.id),
            _ => format!(
                "arn:aws:states:{}:{}:express:{}:{:x}",
                self.region, self.account, exec.id, exec.start_ms
            ),
        }
    }
}

/// Mints task tokens bound to an execution, a state and an attempt.
pub trait TokenMinter: Send + Sync {
    fn mint(&self, execution: &str, state: &str, attempt: u32) -> String;
}

/// Mints readable, unsigned tokens; for tests of the pure core only.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainTokens;

impl TokenMinter for PlainTokens {
    fn mint(&self, execution: &str, state: &str, attempt: u32) -> String {
        format!("{execution}/{state}/{attempt}")
    }
}

impl fmt::Debug for dyn TokenMinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenMinter")
    }
}
