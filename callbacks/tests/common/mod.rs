//! Helpers shared by the integration tests: an independent implementation of the
//! documented v1 layout, so the tests check the documentation and not just the code.
#![allow(dead_code)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use baton_callbacks::{KeyRing, TaskClaims};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const SECRET_A: &[u8] = b"secret-a-0123456789abcdef";
pub const SECRET_B: &[u8] = b"secret-b-0123456789abcdef";

pub fn ring(id: u8, secret: &[u8]) -> KeyRing {
    KeyRing::new(id, secret).expect("valid key")
}

pub fn claims() -> TaskClaims {
    TaskClaims::new("0199a5a0-7b7c-7d4e-9f00-3c2b1a000001", "WaitForApproval", 2)
}

/// Token text -> payload bytes (panics on non-token text: tests only).
pub fn payload(token: &str) -> Vec<u8> {
    let body = token.strip_prefix("bt1_").expect("prefix");
    URL_SAFE_NO_PAD.decode(body).expect("base64url")
}

/// Payload bytes -> token text.
pub fn text(payload: &[u8]) -> String {
    format!("bt1_{}", URL_SAFE_NO_PAD.encode(payload))
}

/// The v1 body (everything before the tag) built field by field from the crate docs.
pub fn body_v1(key_id: u8, attempt: u32, id: &[u8], state: &[u8], nonce: [u8; 8]) -> Vec<u8> {
    let mut out = vec![1, key_id];
    out.extend_from_slice(&attempt.to_be_bytes());
    out.extend_from_slice(&u16::try_from(id.len()).unwrap().to_be_bytes());
    out.extend_from_slice(id);
    out.extend_from_slice(&u16::try_from(state.len()).unwrap().to_be_bytes());
    out.extend_from_slice(state);
    out.extend_from_slice(&nonce);
    out
}

/// Appends HMAC-SHA256(secret, "baton/task-token\0" || body)[..16] and encodes.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).unwrap();
    mac.update(b"baton/task-token\0");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut bytes = body.to_vec();
    bytes.extend_from_slice(&tag[..16]);
    text(&bytes)
}

pub fn is_url_safe(token: &str) -> bool {
    token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}
