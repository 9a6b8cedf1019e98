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

    /// A member longer than the API model allows. The value is left out of the message, as
    /// AWS leaves out the values of sensitive members (definitions, inputs, outputs, errors,
    /// causes): it may be a megabyte long.
    pub fn too_long(member: &str, max: usize) -> AwsError {
        AwsError::validation(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        ))
    }

    /// The request body is larger than the server reads (HTTP 413, connection closed).
    pub fn too_large(limit: usize) -> AwsError {
        AwsError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            ..AwsError::validation(format!(
                "Request is too large: the request body is larger than {limit} bytes"
            ))
        }
    }

    /// An error made below the handlers (the body limit, the request timeout, a caught
    /// panic, a wrong method, a refused bearer token), in AWS's shape with its status kept,
    /// so that SDKs parse it like any other.
    pub fn edge(status: StatusCode, limit: usize) -> AwsError {
        let base = match status {
            StatusCode::PAYLOAD_TOO_LARGE => return AwsError::too_large(limit),
            StatusCode::REQUEST_TIMEOUT => AwsError::new(
                "RequestTimeoutException",
                "the request took too long; try again",
            ),
            StatusCode::METHOD_NOT_ALLOWED => AwsError::new(
                "UnknownOperationException",
                "the AWS JSON 1.0 endpoint takes POST requests only",
            ),
            StatusCode::UNAUTHORIZED => AwsError::new(
                "MissingAuthenticationTokenException",
                "this server needs Authorization: Bearer <token> (or SigV4 when it has AWS credentials)",
            ),
            s if s.is_server_error() => {
                AwsError::internal(s.canonical_reason().unwrap_or("internal failure"))
            }
            s => AwsError::serialization(s.canonical_reason().unwrap_or("bad request")),
        };
        AwsError { status, ..base }
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
            | "RequestTimeoutException"
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
        // The store unavailable: 503, which the AWS SDKs retry.
        let u = AwsError::from(ServiceError::Unavailable(
            "the store (Redis) is unreachable".into(),
        ));
        assert_eq!(u.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            u.body()["__type"],
            "com.amazon.coral.service#ServiceUnavailableException"
        );
        assert!(u.message.contains("unreachable"), "{}", u.message);
        // No `:` in `__type` (SDKs cut there).
        assert!(!e.body()["__type"].as_str().unwrap().contains(':'));
    }

    #[test]
    fn edge_errors_keep_their_status_in_aws_shape() {
        for (status, name) in [
            (StatusCode::PAYLOAD_TOO_LARGE, "ValidationException"),
            (StatusCode::REQUEST_TIMEOUT, "RequestTimeoutException"),
            (StatusCode::METHOD_NOT_ALLOWED, "UnknownOperationException"),
            (
                StatusCode::UNAUTHORIZED,
                "MissingAuthenticationTokenException",
            ),
            (StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure"),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "SerializationException"),
        ] {
            let e = AwsError::edge(status, 1000);
            assert_eq!((e.status, e.name), (status, name));
        }
        let e = AwsError::edge(StatusCode::PAYLOAD_TOO_LARGE, 1000);
        assert!(
            e.message.contains("larger than 1000 bytes"),
            "{}",
            e.message
        );
    }

    #[test]
    fn too_long_leaves_the_value_out() {
        let e = AwsError::too_long("input", 262_144);
        assert_eq!(
            e.message,
            "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144"
        );
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
    }
}
