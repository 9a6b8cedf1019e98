//! Callbacks: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat. The token is the
//! capability: it is verified (signature, key) before the store is asked anything.

use baton_callbacks::{CallbackOutcome, TaskToken, validate_task_token_text};
use baton_engine::machine::{Outcome, QueuedEvent};
use baton_engine::store::{CallbackError, CallbackMessage, Store};
use baton_engine::worker::now_ms;

use super::{Result, Service, ServiceError};

impl<S: Store> Service<S> {
    pub(super) fn verify(&self, token: &str) -> Result<TaskToken> {
        validate_task_token_text(token).map_err(|e| ServiceError::InvalidToken(e.to_string()))?;
        self.keys
            .verify(token)
            .map_err(|e| ServiceError::InvalidToken(e.to_string()))
    }

    async fn deliver(&self, token: &TaskToken, message: CallbackMessage) -> Result<()> {
        let task = format!("{}/{}", token.state(), token.attempt());
        match self
            .store
            .deliver_callback(token.execution_id(), &task, message, now_ms())
            .await
        {
            Ok(()) => Ok(()),
            Err(CallbackError::Closed) => Err(ServiceError::TaskTimedOut),
            Err(CallbackError::Gone) => Err(ServiceError::TaskDoesNotExist),
            Err(CallbackError::Store(e)) => Err(e.into()),
        }
    }

    /// The task succeeds with `output` (JSON text).
    pub async fn send_task_success(&self, token: &str, output: &str) -> Result<()> {
        let token = self.verify(token)?;
        let outcome = CallbackOutcome::success_from_text(output)
            .map_err(|e| ServiceError::InvalidOutput(e.to_string()))?;
        let CallbackOutcome::Success(output) = outcome else {
            return Err(ServiceError::InvalidOutput("not a success".into()));
        };
        let event = QueuedEvent::Callback {
            state: token.state().to_owned(),
            attempt: token.attempt(),
            outcome: Outcome::Success { output },
        };
        self.deliver(&token, CallbackMessage::Finish(event)).await
    }

    /// The task fails with `error` and `cause`, which Retry and Catch see.
    pub async fn send_task_failure(
        &self,
        token: &str,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<()> {
        let token = self.verify(token)?;
        CallbackOutcome::failure(error.clone(), cause.clone())
            .map_err(|e| ServiceError::Validation(e.to_string()))?;
        let event = QueuedEvent::Callback {
            state: token.state().to_owned(),
            attempt: token.attempt(),
            outcome: Outcome::Failure { error, cause },
        };
        self.deliver(&token, CallbackMessage::Finish(event)).await
    }

    /// Resets the task's heartbeat clock; writes no history.
    pub async fn send_task_heartbeat(&self, token: &str) -> Result<()> {
        let token = self.verify(token)?;
        self.deliver(&token, CallbackMessage::Heartbeat).await
    }
}
