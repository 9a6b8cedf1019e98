//! AWS Signature Version 4 on the AWS endpoint (and on REST routes, see [`crate::auth`]),
//! when `GatewayConfig.aws_credentials` is set.
//!
//! `Authorization: AWS4-HMAC-SHA256 Credential=<key id>/<yyyymmdd>/<region>/states/aws4_request,
//! SignedHeaders=<h1;h2…>, Signature=<hex>` is checked by rebuilding the canonical request
//! (method, normalized and re-encoded path, sorted query, the signed headers, the SHA-256 of
//! the body), the string to sign (with `X-Amz-Date`) and the signing key derived from the
//! secret of that key id, then comparing in constant time. `X-Amz-Date` must be within 15
//! minutes of now. The body is buffered (within the body limit) to hash it and put back.
//!
//! `Host` and `X-Amz-Date` must be signed, and so must `X-Amz-Target` when the request
//! carries it (it names the operation).
//!
//! Failures are HTTP 403 with AWS's exception names: `MissingAuthenticationTokenException`
//! (no `Authorization`), `IncompleteSignatureException` (malformed, or a required header not
//! signed), `UnrecognizedClientException`
//! (unknown key id) and `InvalidSignatureException` (wrong signature, scope or time).

pub mod canonical;
#[cfg(test)]
mod tests;

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

use super::errors::AwsError;
use crate::server::SharedState;
use canonical::{ALGORITHM, Signed};

/// The signing name of Step Functions.
pub const SERVICE: &str = "states";
/// How far `X-Amz-Date` may be from the server's clock.
pub const MAX_SKEW: TimeDelta = TimeDelta::minutes(15);
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// The parsed `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub key_id: &'a str,
    pub date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub signed_headers: &'a str,
    pub signature: &'a str,
}

impl Authorization<'_> {
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
pub fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix(ALGORITHM)?;
    if !rest.starts_with(' ') {
        return None;
    }
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (key, value) = part.trim().split_once('=')?;
        match key {
            "Credential" => credential = Some(value),
            "SignedHeaders" => signed_headers = Some(value),
            "Signature" => signature = Some(value),
            _ => return None,
        }
    }
    let mut scope = credential?.split('/');
    let auth = Authorization {
        key_id: scope.next().filter(|k| !k.is_empty())?,
        date: scope.next().filter(|d| d.len() == 8)?,
        region: scope.next().filter(|r| !r.is_empty())?,
        service: scope.next().filter(|s| !s.is_empty())?,
        signed_headers: signed_headers.filter(|s| !s.is_empty())?,
        signature: signature.filter(|s| !s.is_empty())?,
    };
    (scope.next() == Some("aws4_request") && scope.next().is_none()).then_some(auth)
}

fn invalid_signature() -> AwsError {
    AwsError::forbidden(
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. \
         Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    )
}

fn incomplete(message: &str) -> AwsError {
    AwsError::forbidden("IncompleteSignatureException", message)
}

/// `X-Amz-Date` within [`MAX_SKEW`] of `now`.
pub fn check_time(amz_date: &str, now: DateTime<Utc>) -> Result<(), AwsError> {
    let Ok(when) = NaiveDateTime::parse_from_str(amz_date, AMZ_DATE_FORMAT) else {
        return Err(incomplete(&format!(
            "X-Amz-Date '{amz_date}' is not in the form yyyyMMddTHHmmssZ"
        )));
    };
    let when = when.and_utc();
    let fmt = |t: DateTime<Utc>| t.format(AMZ_DATE_FORMAT).to_string();
    if when < now - MAX_SKEW {
        return Err(AwsError::forbidden(
            "InvalidSignatureException",
            format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
                fmt(now - MAX_SKEW),
                fmt(now)
            ),
        ));
    }
    if when > now + MAX_SKEW {
        return Err(AwsError::forbidden(
            "InvalidSignatureException",
            format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
                fmt(now + MAX_SKEW),
                fmt(now)
            ),
        ));
    }
    Ok(())
}

/// Checks the signature of `request` made with `secret`; no clock or scope checks.
pub fn verify(
    request: &Signed<'_>,
    auth: &Authorization<'_>,
    secret: &str,
    amz_date: &str,
) -> Result<(), AwsError> {
    let payload_hash = canonical::sha256_hex(request.body);
    if let Some(claimed) = request.headers.get("x-amz-content-sha256")
        && claimed.as_bytes() != payload_hash.as_bytes()
    {
        return Err(AwsError::forbidden(
            "InvalidSignatureException",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ));
    }
    let canonical = canonical::canonical_request(request, auth.signed_headers, &payload_hash)
        .ok_or_else(invalid_signature)?;
    let string_to_sign = canonical::string_to_sign(amz_date, &auth.scope(), &canonical);
    let key = canonical::signing_key(secret, auth.date, auth.region, auth.service);
    let signature = canonical::unhex(auth.signature).ok_or_else(invalid_signature)?;
    if canonical::signature_matches(&key, &string_to_sign, &signature) {
        Ok(())
    } else {
        Err(invalid_signature())
    }
}

/// The middleware: lets the request through when its signature is valid.
pub async fn check(state: &SharedState, request: Request, next: Next) -> Response {
    match verified(state, request).await {
        Ok(request) => next.run(request).await,
        Err(e) => {
            let mut response = e.into_response();
            super::with_request_id(&mut response);
            response
        }
    }
}

/// `request` with its body put back when its signature is valid (also used for SigV4-signed
/// REST requests by [`crate::auth`]).
pub(crate) async fn verified(state: &SharedState, request: Request) -> Result<Request, AwsError> {
    let (parts, body) = request.into_parts();
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Err(AwsError::forbidden(
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    let auth = value
        .to_str()
        .ok()
        .and_then(parse_authorization)
        .ok_or_else(|| {
            incomplete("Authorization header is not a valid AWS4-HMAC-SHA256 signature")
        })?;
    if auth.service != SERVICE {
        return Err(AwsError::forbidden(
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{SERVICE}'."),
        ));
    }
    let Some((_, secret)) = state
        .config
        .aws_credentials
        .iter()
        .find(|(key, _)| key == auth.key_id)
    else {
        return Err(AwsError::forbidden(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    };
    let amz_date = parts
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            incomplete("Authorization header requires existence of a 'X-Amz-Date' header.")
        })?;
    if !amz_date.starts_with(auth.date) {
        return Err(AwsError::forbidden(
            "InvalidSignatureException",
            format!(
                "Credential should be scoped to a valid date: '{}'",
                amz_date.get(..8).unwrap_or(amz_date)
            ),
        ));
    }
    let signed: Vec<&str> = auth.signed_headers.split(';').collect();
    if !signed.contains(&"host") || !signed.contains(&"x-amz-date") {
        return Err(incomplete(
            "'Host' and 'X-Amz-Date' must be signed headers in the AWS Authorization.",
        ));
    }
    // The operation is named by a header: unsigned, a captured request could be replayed as
    // another operation with the same body.
    if parts.headers.contains_key("x-amz-target") && !signed.contains(&"x-amz-target") {
        return Err(incomplete(
            "'X-Amz-Target' must be a signed header in the AWS Authorization when the request carries it.",
        ));
    }
    check_time(amz_date, Utc::now())?;
    let limit = state.config.max_body_bytes;
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AwsError::too_large(limit))?;
    let request = Signed {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query().unwrap_or(""),
        headers: &parts.headers,
        authority: parts.uri.authority().map(|a| a.as_str()),
        body: &bytes,
    };
    verify(&request, &auth, secret, amz_date)?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}
