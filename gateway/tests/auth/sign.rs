//! A small SigV4 signer for raw requests (the AWS SDK always signs `x-amz-target`; these
//! tests also need requests that do not, and signed REST requests).

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use baton_gateway::aws::sigv4::canonical::{self, ALGORITHM, Signed};

pub const REGION: &str = "us-east-1";

/// What to sign.
pub struct ToSign<'a> {
    pub method: &'a str,
    /// `127.0.0.1:port`, as reqwest sends it in `Host`.
    pub host: &'a str,
    pub path: &'a str,
    /// Header names in lowercase, with their values; `host` and `x-amz-date` are added.
    pub headers: &'a [(&'a str, &'a str)],
    /// Which of `headers` to sign (`host` and `x-amz-date` always are).
    pub signed: &'a [&'a str],
    pub body: &'a str,
}

/// The headers to send (`x-amz-date`, `authorization`) for `request`, signed with
/// `key_id`/`secret` now.
pub fn sign(request: &ToSign<'_>, key_id: &str, secret: &str) -> Vec<(String, String)> {
    let amz_date = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let date = &amz_date[..8];
    let mut headers = HeaderMap::new();
    let mut all: Vec<(&str, &str)> = vec![("host", request.host), ("x-amz-date", &amz_date)];
    all.extend_from_slice(request.headers);
    for (name, value) in &all {
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("header name"),
            HeaderValue::from_str(value).expect("header value"),
        );
    }
    let mut signed: Vec<&str> = vec!["host", "x-amz-date"];
    signed.extend_from_slice(request.signed);
    signed.sort_unstable();
    let signed = signed.join(";");
    let (path, query) = request.path.split_once('?').unwrap_or((request.path, ""));
    let to_sign = Signed {
        method: request.method,
        path,
        query,
        headers: &headers,
        authority: None,
        body: request.body.as_bytes(),
    };
    let canonical_request = canonical::canonical_request(
        &to_sign,
        &signed,
        &canonical::sha256_hex(request.body.as_bytes()),
    )
    .expect("every signed header is present");
    let scope = format!("{date}/{REGION}/states/aws4_request");
    let string_to_sign = canonical::string_to_sign(&amz_date, &scope, &canonical_request);
    let key = canonical::signing_key(secret, date, REGION, "states");
    let signature = canonical::sign(&key, &string_to_sign);
    vec![
        ("x-amz-date".to_owned(), amz_date.clone()),
        (
            "authorization".to_owned(),
            format!(
                "{ALGORITHM} Credential={key_id}/{scope}, SignedHeaders={signed}, Signature={signature}"
            ),
        ),
    ]
}
