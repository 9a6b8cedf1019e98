//! Request extraction with REST errors: definitions in JSON or YAML, lenient JSON bodies,
//! and query and path parameters whose rejections are [`ApiError`] JSON.
//!
//! A definition body is JSON when the `Content-Type` says JSON (`application/json`,
//! `…+json`) and is then kept as given, byte for byte. Otherwise (YAML types, `text/plain`,
//! none) a body that parses as JSON is kept as given too, and anything else is read as YAML
//! and stored as the equivalent JSON. JSON bodies of the other routes ignore the
//! `Content-Type` (so `curl -d` works) and may be empty where the body is optional.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use baton_definitions::parse::check_json;
use baton_definitions::{Code, Diagnostic, Severity};

use super::errors::ApiError;

/// Query parameters; a malformed query is a 400 [`ApiError`].
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters; a malformed path is a 400 [`ApiError`].
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// The raw body; over the size limit it is a 413 [`ApiError`].
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<RawBody, ApiError> {
        Ok(RawBody(Bytes::from_request(request, state).await?))
    }
}

/// A JSON object body, whatever the `Content-Type`; an empty body is `T::default()`.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<JsonBody<T>, ApiError> {
        let RawBody(bytes) = RawBody::from_request(request, state).await?;
        let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
        match first {
            None => return Ok(JsonBody(T::default())),
            // serde reads a struct from an array too (its members by position).
            Some(b'{') => {}
            Some(_) => return Err(ApiError::bad_request("the body must be a JSON object")),
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
    }
}

/// A definition document as JSON text, or why it could not be read (a diagnostic at the
/// document root, reported like any other problem of the definition); and the text as sent
/// when it was not JSON (YAML), to place diagnostics in what the user wrote.
#[derive(Debug)]
pub struct DefinitionBody(pub Result<String, Diagnostic>, pub Option<String>);

/// Gives diagnostics found in the JSON that YAML `source` stands for the line and column of
/// the YAML (the parser placed them in the JSON text, which the user never saw).
pub fn place_in_yaml(source: Option<&str>, diagnostics: &mut [Diagnostic]) {
    if let Some(yaml) = source {
        for d in diagnostics.iter_mut() {
            d.line = None;
            d.column = None;
        }
        baton_definitions::source::locate_yaml(yaml, diagnostics);
    }
}

impl<S: Send + Sync> FromRequest<S> for DefinitionBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<DefinitionBody, ApiError> {
        let json_only = declares_json(request.headers());
        let RawBody(bytes) = RawBody::from_request(request, state).await?;
        let decoded = decode_definition(&bytes, json_only);
        let source = std::str::from_utf8(&bytes).ok();
        let yaml = match (&decoded, source) {
            (Ok(json), Some(text)) if json != text => Some(text.to_owned()),
            (Err(_), Some(text)) if !json_only => Some(text.to_owned()),
            _ => None,
        };
        Ok(DefinitionBody(decoded, yaml))
    }
}

fn declares_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

fn unreadable(message: String) -> Diagnostic {
    Diagnostic::new(Severity::Error, Code::InvalidJson, "", message)
}

/// JSON text for a definition body (see the module docs).
pub fn decode_definition(bytes: &[u8], json_only: bool) -> Result<String, Diagnostic> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| unreadable(format!("the definition is not UTF-8: {e}")))?;
    // JSON as the parser reads it: nested deeper than serde_json's default 128 levels too.
    // JSON nested past the parser's own limit is kept for it to report where.
    let is_json = !matches!(check_json(text), Err(d) if d.code == Code::InvalidJson);
    if json_only || is_json {
        // Kept as given; the parser reports JSON syntax errors with their position.
        return Ok(text.to_owned());
    }
    let value: serde_json::Value = serde_yaml_ng::from_str(text).map_err(|e| {
        let e = e.to_string();
        unreadable(if e.starts_with("recursion limit exceeded") {
            format!(
                "the YAML definition nests more than {YAML_MAX_DEPTH} levels deep, the most \
                 the YAML reader takes ({e}); send deeper definitions as JSON"
            )
        } else {
            format!("the definition is neither JSON nor YAML: {e}")
        })
    })?;
    serde_json::to_string(&value).map_err(|e| unreadable(e.to_string()))
}

/// How deep serde_yaml_ng reads (a fixed recursion limit); JSON definitions may nest to
/// [`baton_definitions::parse::MAX_NESTING_DEPTH`].
const YAML_MAX_DEPTH: usize = 128;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_kept_and_yaml_becomes_json() {
        let json = "{ \"StartAt\" : \"A\" }";
        assert_eq!(decode_definition(json.as_bytes(), false).unwrap(), json);
        assert_eq!(decode_definition(json.as_bytes(), true).unwrap(), json);
        let yaml = "StartAt: A\nStates:\n  A: {Type: Succeed}\n";
        assert_eq!(
            decode_definition(yaml.as_bytes(), false).unwrap(),
            r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#
        );
        // Declared JSON is never read as YAML: the parser reports the syntax error.
        assert_eq!(decode_definition(yaml.as_bytes(), true).unwrap(), yaml);
        let bad = decode_definition(b"a: [", false).unwrap_err();
        assert_eq!(bad.code, Code::InvalidJson);
        assert!(decode_definition(&[0xff, 0xfe], false).is_err());
    }

    #[test]
    fn deep_json_is_kept_whatever_the_content_type() {
        // Deeper than serde_json's default limit (128), and than the parser's (384): both
        // kept, for the parser to accept or to refuse at the value too deep.
        for depth in [200, 1_000] {
            let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            assert_eq!(decode_definition(json.as_bytes(), false).unwrap(), json);
        }
        let yaml = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
        let deep = decode_definition(yaml.as_bytes(), false).unwrap_err();
        assert!(
            deep.message.contains("nests more than 128 levels"),
            "{deep:?}"
        );
    }
}
