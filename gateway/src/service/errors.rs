//! Service errors, named as AWS Step Functions names them.

use baton_definitions::Diagnostic;
use baton_engine::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("State Machine Does Not Exist: '{0}'")]
    StateMachineDoesNotExist(String),
    #[error("State Machine Already Exists: '{0}'")]
    StateMachineAlreadyExists(String),
    #[error("Execution Does Not Exist: '{0}'")]
    ExecutionDoesNotExist(String),
    #[error("Execution Already Exists: '{0}'")]
    ExecutionAlreadyExists(String),
    #[error("Invalid State Machine Definition: '{message}'")]
    InvalidDefinition {
        message: String,
        diagnostics: Vec<Diagnostic>,
    },
    #[error("Invalid Name: '{0}'")]
    InvalidName(String),
    #[error("Invalid Arn: '{0}'")]
    InvalidArn(String),
    #[error("Invalid execution input: {0}")]
    InvalidExecutionInput(String),
    #[error("Invalid output: {0}")]
    InvalidOutput(String),
    #[error("Invalid Token: {0}")]
    InvalidToken(String),
    #[error(
        "Task Does Not Exist: the task is no longer open (its execution ended or the attempt was cancelled)"
    )]
    TaskDoesNotExist,
    #[error("Task Timed Out: the task token has expired or the task has already been closed")]
    TaskTimedOut,
    #[error("{0}")]
    ExecutionNotRedrivable(String),
    #[error("{0}")]
    ExecutionLimitExceeded(String),
    /// A redrive onto a revision where a state the execution resumes in is missing (or
    /// no longer the same kind of state): `pointer` locates it in that definition.
    #[error("{message}")]
    RedriveStateMissing {
        message: String,
        pointer: String,
        path: String,
    },
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Resource not found: '{0}'")]
    ResourceNotFound(String),
    #[error("{0}")]
    QuotaExceeded(String),
    /// The store cannot serve for now (unreachable, out of memory, read-only): retry.
    #[error("Service Unavailable: {0}; nothing was changed, try again later")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    /// AWS's exception name (`__type` without the namespace).
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::StateMachineDoesNotExist(_) => "StateMachineDoesNotExist",
            ServiceError::StateMachineAlreadyExists(_) => "StateMachineAlreadyExists",
            ServiceError::ExecutionDoesNotExist(_) => "ExecutionDoesNotExist",
            ServiceError::ExecutionAlreadyExists(_) => "ExecutionAlreadyExists",
            ServiceError::InvalidDefinition { .. } => "InvalidDefinition",
            ServiceError::InvalidName(_) => "InvalidName",
            ServiceError::InvalidArn(_) => "InvalidArn",
            ServiceError::InvalidExecutionInput(_) => "InvalidExecutionInput",
            ServiceError::InvalidOutput(_) => "InvalidOutput",
            ServiceError::InvalidToken(_) => "InvalidToken",
            ServiceError::TaskDoesNotExist => "TaskDoesNotExist",
            ServiceError::TaskTimedOut => "TaskTimedOut",
            ServiceError::ExecutionNotRedrivable(_) => "ExecutionNotRedrivable",
            ServiceError::ExecutionLimitExceeded(_) => "ExecutionLimitExceeded",
            ServiceError::RedriveStateMissing { .. } => "RedriveStateMissing",
            ServiceError::Validation(_) => "ValidationException",
            ServiceError::Conflict(_) => "ConflictException",
            ServiceError::ResourceNotFound(_) => "ResourceNotFound",
            ServiceError::QuotaExceeded(_) => "ServiceQuotaExceededException",
            ServiceError::Unavailable(_) => "ServiceUnavailable",
            ServiceError::Internal(_) => "InternalError",
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> ServiceError {
        if let Some(reason) = e.unavailable() {
            metrics::counter!("baton_store_unavailable_total", "kind" => e.kind()).increment(1);
            return ServiceError::Unavailable(reason.to_owned());
        }
        ServiceError::Internal(without_script_details(&e.to_string()))
    }
}

/// A store error's text without the script hash and Lua line Redis appends
/// (`… script: 5d3b…, on @user_script:12.`): they help nobody calling the API.
fn without_script_details(text: &str) -> String {
    match text.find(" script: ") {
        Some(at) => text[..at].trim_end_matches(['.', ',', ' ']).to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_details_are_cut() {
        assert_eq!(
            without_script_details(
                "redis: ERR user_script:3: bad. script: 6177b59560b640e8f444d44c90df5bec045f507b, on @user_script:3."
            ),
            "redis: ERR user_script:3: bad"
        );
        assert_eq!(without_script_details("plain"), "plain");
    }
}
