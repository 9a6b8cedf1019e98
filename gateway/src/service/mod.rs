//! What both APIs (REST and AWS) do, in one place: state machines, executions, history and
//! callbacks over a [`Store`]. The API modules only translate requests and errors.

mod aliases;
mod callback_info;
mod callbacks;
mod ended;
mod errors;
mod executions;
mod listing;
mod machines;
pub mod map_runs;
pub mod names;
pub mod qualified;
mod redrive;
pub mod tags;
pub mod versions;

use std::sync::Arc;

use baton_callbacks::KeyRing;
use baton_engine::http::HttpInvoker;
use baton_engine::machine::Settings;
use baton_engine::mock::MockConfig;
use baton_engine::store::Store;
use baton_engine::worker::DefinitionCache;

pub use callback_info::{CallbackInfo, TokenState};
pub use ended::EndWatch;
pub use errors::ServiceError;
pub use executions::{MAX_PAYLOAD_BYTES, StartOptions};
pub use listing::PinFilter;
pub use machines::MachineKind;
pub use redrive::RedriveRevision;

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// The gateway's view of Baton.
#[derive(Debug)]
pub struct Service<S: Store> {
    pub store: S,
    pub settings: Settings,
    pub keys: Arc<KeyRing>,
    pub definitions: DefinitionCache,
    /// `--mock-config`: the test cases executions may run.
    pub mocks: Option<Arc<MockConfig>>,
    /// The HTTP client TestState calls tasks' endpoints with (none: it refuses them).
    pub http: Option<HttpInvoker>,
    /// Notified when an execution run by this process's workers ends: a synchronous
    /// start wakes at once instead of at its next poll.
    pub ended: Option<Arc<EndWatch>>,
}

impl<S: Store> Service<S> {
    pub fn new(store: S, settings: Settings, keys: Arc<KeyRing>) -> Service<S> {
        Service {
            store,
            settings,
            keys,
            definitions: DefinitionCache::default(),
            mocks: None,
            http: None,
            ended: None,
        }
    }

    /// Woken by `ended` when this process's workers end an execution.
    pub fn with_ended(mut self, ended: Arc<EndWatch>) -> Service<S> {
        self.ended = Some(ended);
        self
    }

    /// With an HTTP client for TestState's tasks.
    pub fn with_http(mut self, http: HttpInvoker) -> Service<S> {
        self.http = Some(http);
        self
    }

    /// With a mock configuration: executions may run its test cases.
    pub fn with_mocks(mut self, mocks: Option<Arc<MockConfig>>) -> Service<S> {
        self.mocks = mocks;
        self
    }
}
