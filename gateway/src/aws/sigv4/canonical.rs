//! The pieces of AWS Signature Version 4: the canonical request, the string to sign and the
//! signing key. Only pure functions here; the middleware is in the parent module.

use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// What a signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub method: &'a str,
    /// The path as received (already percent-encoded once by the client).
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    /// The `Host` to use when the request has no `Host` header (HTTP/2's `:authority`).
    pub authority: Option<&'a str>,
    pub body: &'a [u8],
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    mac(key)
        .chain_update(data.as_bytes())
        .finalize()
        .into_bytes()
        .to_vec()
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k_region = hmac(&k_date, region);
    let k_service = hmac(&k_region, service);
    hmac(&k_service, "aws4_request")
}

/// Whether `signature` (raw bytes) is the HMAC of `string_to_sign`; constant time.
pub fn signature_matches(key: &[u8], string_to_sign: &str, signature: &[u8]) -> bool {
    mac(key)
        .chain_update(string_to_sign.as_bytes())
        .verify_slice(signature)
        .is_ok()
}

/// The signature of `string_to_sign`, hex (for tests and tools).
pub fn sign(key: &[u8], string_to_sign: &str) -> String {
    hex(&hmac(key, string_to_sign))
}

/// RFC 3986 encoding: everything but `A-Z a-z 0-9 - _ . ~` becomes `%XX`.
fn encode(bytes: &[u8], out: &mut String) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = bytes.get(i + 1..i + 3).and_then(|h| {
            std::str::from_utf8(h)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        });
        match (bytes[i], pair) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The canonical URI: the path with `.`/`..` and empty segments removed (every service but
/// S3 normalizes), each segment encoded once more (every service but S3 double-encodes).
pub fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode(segment.as_bytes(), &mut out);
    }
    if !segments.is_empty() && path.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query string: every parameter decoded, re-encoded, sorted by name then value.
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let (mut key, mut value) = (String::new(), String::new());
            encode(&decode(k), &mut key);
            encode(&decode(v), &mut value);
            (key, value)
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A header value with surrounding space trimmed and inner runs of spaces collapsed.
fn trim_value(value: &[u8]) -> String {
    String::from_utf8_lossy(value)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `name:value\n` for each signed header (values of repeated headers joined by `,`); `None`
/// when a signed header is absent.
pub fn canonical_headers(request: &Signed<'_>, signed: &[&str]) -> Option<String> {
    let mut out = String::new();
    for name in signed {
        let values: Vec<String> = request
            .headers
            .get_all(*name)
            .iter()
            .map(|v| trim_value(v.as_bytes()))
            .collect();
        let value = match (values.is_empty(), *name, request.authority) {
            (false, _, _) => values.join(","),
            (true, "host", Some(authority)) => authority.to_owned(),
            _ => return None,
        };
        out.push_str(&format!("{name}:{value}\n"));
    }
    Some(out)
}

/// The canonical request; `None` when a signed header is absent.
pub fn canonical_request(
    request: &Signed<'_>,
    signed_headers: &str,
    payload_hash: &str,
) -> Option<String> {
    let signed: Vec<&str> = signed_headers.split(';').collect();
    Some(format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        request.method,
        canonical_uri(request.path),
        canonical_query(request.query),
        canonical_headers(request, &signed)?,
        signed_headers,
        payload_hash
    ))
}

/// `AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of the canonical request>`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}
