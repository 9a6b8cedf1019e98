//! AWS error responses. Every error is JSON `{"__type": "<namespace>#<Name>", "message": …}`
//! with HTTP 400 (403 for authentication, 500 for internal failures), and the name is also in
//! the `x-amzn-ErrorType` header; SDKs read either and keep what follows the `#`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::service::ServiceError;

/// Step Functions' own exceptions.
const SFN_NAMESPACE: &str = "com.amazonaws.swf.service.v2.model";
/// `ValidationException`.
const VALIDATE_NAMESPACE: &str = "com.amazon.coral.validate";
/// Protocol-level exceptions shared by AWS JSON services (serialization, unknown operation,
/// authentication, internal failure).
const CORAL_NAMESPACE: &str = "com.amazon.coral.service";

/// The content type of every AWS JSON 1.0 response.
pub const AMZ_JSON: &str = "application/x-amz-json-1.0";

/// An AWS exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub status: StatusCode,
    /// The exception name (`__type` without its namespace).
    pub name: &'static str,
    pub message: String,
    /// `ValidationException.reason`.
    pub reason: Option<&'static str>,
}

impl AwsError {
    /// A Step Functions exception (HTTP 400).
    pub fn new(name: &'static str, message: impl Into<String>) -> AwsError {
        AwsError {
            status: StatusCode::BAD_REQUEST,
            name,
            message: message.into(),
            reason: None,
        }
    }

    pub fn validation(message: impl Into<String>) -> AwsError {
        AwsError::new("ValidationException", message)
    }

    /// A required member is absent (or null).
    pub fn missing(member: &str) -> AwsError {
        AwsError {
            reason: Some("MISSING_REQUIRED_PARAMETER"),
            ..AwsError::validation(format!(
                "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
            ))
        }
    }

    /// A member breaks a constraint of the API model (length, range, enum).
    pub fn constraint(member: &str, value: impl std::fmt::Display, rule: &str) -> AwsError {
        AwsError::validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
        ))
    }

    /// The body is not the JSON object the operation needs.
    pub fn serialization(message: impl Into<String>) -> AwsError {
        AwsError::new("SerializationException", message)
    }

    pub fn unknown_operation(target: &str) -> AwsError {
        AwsError::new(
            "UnknownOperationException",
            format!("unknown operation '{target}'"),
        )
    }

    /// The store cannot serve for now (HTTP 503): SDKs retry it.
    pub fn unavailable(message: impl Into<String>) -> AwsError {
        AwsError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            ..AwsError::new("ServiceUnavailableException", message)
        }
    }

    pub fn internal(message: impl Into<String>) -> AwsError {
        AwsError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            ..AwsError::new("InternalFailure", message)
        }
    }

    /// An authentication failure (HTTP 403).
    pub fn forbidden(name: &'static str, message: impl Into<String>) -> AwsError {
        AwsError {
            status: StatusCode::FORBIDDEN,
            ..AwsError::new(name, message)
        }
    }

    fn namespace(&self) -> &'static str {
        match self.name {
            "ValidationException" => VALIDATE_NAMESPACE,
            "SerializationException"
            | "UnknownOperationException"
            | "InternalFailure"
            | "ServiceUnavailableException"
            | "InvalidSignatureException"
            | "IncompleteSignatureException"
            | "UnrecognizedClientException"
            | "MissingAuthenticationTokenException" => CORAL_NAMESPACE,
            _ => SFN_NAMESPACE,
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert(
            "__type".into(),
            Value::from(format!("{}#{}", self.namespace(), self.name)),
        );
        body.insert("message".into(), Value::from(self.message.clone()));
        if let Some(reason) = self.reason {
            body.insert("reason".into(), Value::from(reason));
        }
        Value::Object(body)
    }
}

impl From<ServiceError> for AwsError {
    fn from(e: ServiceError) -> AwsError {
        match e {
            ServiceError::Internal(message) => AwsError::internal(message),
            e @ ServiceError::Unavailable(_) => AwsError::unavailable(e.to_string()),
            ServiceError::Validation(message) => AwsError::validation(message),
            other => AwsError::new(other.code(), other.to_string()),
        }
    }
}

impl IntoResponse for AwsError {
    fn into_response(self) -> Response {
        let error_type = format!(
            "{}:http://internal.amazon.com/coral/{}/",
            self.name,
            self.namespace()
        );
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, AMZ_JSON)],
            self.body().to_string(),
        )
            .into_response();
        if let Ok(value) = HeaderValue::from_str(&error_type) {
            response.headers_mut().insert("x-amzn-errortype", value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_follow_aws() {
        let e = AwsError::from(ServiceError::ExecutionDoesNotExist("arn".into()));
        assert_eq!(
            e.body()["__type"],
            "com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist"
        );
        let v = AwsError::missing("name");
        assert_eq!(
            v.body()["__type"],
            "com.amazon.coral.validate#ValidationException"
        );
        assert_eq!(v.body()["reason"], "MISSING_REQUIRED_PARAMETER");
        let i = AwsError::from(ServiceError::Internal("boom".into()));
        assert_eq!(i.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(i.name, "InternalFailure");
        // No `:` in `__type` (SDKs cut there).
        assert!(!e.body()["__type"].as_str().unwrap().contains(':'));
    }
}
