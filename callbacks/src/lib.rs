//! Baton's callback protocol: task tokens and callback outcomes.
//!
//! Dependency rule: this crate is a leaf. It does no I/O, has no async code, does not use
//! tokio and depends on no other Baton crate (`definitions` and `callbacks` know nothing of
//! each other; `engine` depends on both). Its only external dependencies are serde,
//! serde_json, thiserror, base64, hmac, sha2 and rand. The one impure input is randomness:
//! [`KeyRing::mint`] and [`KeyRing::generate`] draw from the thread-local CSPRNG, and
//! [`KeyRing::mint_with_nonce`] takes the nonce as an argument for callers (and tests) that
//! want a pure function.
//!
//! # What lives here
//!
//! - [`TaskClaims`]: what a task token says (execution id, state, attempt).
//! - [`KeyRing`]: signing keys with ids; mints tokens with the active key and verifies
//!   tokens signed by any key it holds, so keys can be rotated without breaking tokens
//!   that are already out.
//! - [`TaskToken`]: the verified claims of a token, plus the key id and nonce. A value of
//!   this type only comes out of [`KeyRing::verify`], so holding one means "verified".
//! - [`CallbackOutcome`]: what an external system posted back (success, failure,
//!   heartbeat), with validators for the AWS `SendTask*` limits.
//!
//! Storing token → execution, expiring tokens and heartbeat timeouts are the engine's job.
//!
//! # Token format (layout version 1)
//!
//! A token is `bt1_` followed by the unpadded base64url encoding of these bytes (integers
//! big-endian):
//!
//! | offset        | size | field                                       |
//! |---------------|------|---------------------------------------------|
//! | 0             | 1    | layout version, `1`                         |
//! | 1             | 1    | key id                                      |
//! | 2             | 4    | attempt (`u32`)                             |
//! | 6             | 2    | `n` = execution id length in bytes (`u16`)  |
//! | 8             | n    | execution id, UTF-8                         |
//! | 8+n           | 2    | `m` = state length in bytes (`u16`)         |
//! | 10+n          | m    | state, UTF-8                                |
//! | 10+n+m        | 8    | nonce (random)                              |
//! | 18+n+m        | 16   | tag: HMAC-SHA256 truncated to its left half |
//!
//! The tag covers a domain-separation string and every byte before it. With the limits
//! [`MAX_EXECUTION_ID_BYTES`] and [`MAX_STATE_BYTES`] a token is at most
//! [`MAX_TOKEN_LEN`] (1,010) characters, checked at compile time to be ≤ 1,024, and uses
//! only `[A-Za-z0-9_-]`.
//!
//! # Errors at the API edge
//!
//! Every [`TokenError`] that [`KeyRing::verify`] returns maps to AWS's `InvalidToken`. The
//! variants stay distinct so logs can tell a garbled token from a rotated-out key or a
//! forgery. No error message contains the token text or any secret.

mod compact;
mod error;
mod keys;
mod outcome;
mod spec;
mod token;

pub use compact::{compact, expand};
pub use error::{KeyError, Malformed, TokenError};
pub use keys::KeyRing;
pub use outcome::{
    CallbackOutcome, MAX_CAUSE_CHARS, MAX_ERROR_CHARS, MAX_OUTPUT_BYTES, MAX_TOKEN_CHARS,
    MIN_TOKEN_CHARS, OutcomeError, parse_success_output, validate_cause, validate_error,
    validate_task_token_text,
};
pub use token::{
    LAYOUT_VERSION, MAX_EXECUTION_ID_BYTES, MAX_STATE_BYTES, MAX_TOKEN_LEN, MIN_SECRET_LEN,
    MIN_TOKEN_LEN, NONCE_LEN, TAG_LEN, TOKEN_PREFIX, TaskClaims, TaskToken,
};
