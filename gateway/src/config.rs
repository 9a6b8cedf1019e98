//! Gateway settings that handlers need (the CLI in `main.rs` fills them).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use baton_definitions::parse::MAX_DEFINITION_BYTES;

/// Room for everything of a request body but its largest member: the JSON envelope and the
/// other members (an AWS CreateStateMachine's name, role, up to 50 tags, logging and
/// tracing settings come to well under 32 KiB).
pub const ENVELOPE_BYTES: usize = 64 * 1024;

/// The largest request body read: 2 MiB + 64 KiB (2,162,688 bytes). Above it the answer is
/// 413 before the body is read, and the connection is closed.
///
/// The largest member any request carries is a definition of up to 1 MiB
/// ([`MAX_DEFINITION_BYTES`]; inputs and outputs are at most 256 KiB). Through the REST API
/// it is the body itself. Through the AWS API it is a JSON *string* inside the body, so it
/// arrives escaped: a `"` or `\` becomes two bytes, and so do the tab, newline and carriage
/// return that pretty-printed JSON holds between tokens (JSON text has no other control
/// characters). Escaping as JSON requires it — what serde_json, `JSON.stringify`, Jackson
/// and the AWS SDKs for Rust, JavaScript and Java do — therefore at most doubles a
/// definition, and twice 1 MiB plus the envelope reads every definition AWS accepts,
/// however many quotes it holds. The per-member limits (1 MiB definitions, 256 KiB
/// inputs and outputs) are then checked on the decoded values, with AWS's errors.
///
/// AWS itself caps a whole request at 1 MB, so a definition near 1 MiB cannot reach AWS at
/// all; this limit is looser so that every definition of at most 1 MiB can reach Baton.
/// A client that escapes more than JSON requires (boto3 writes non-ASCII characters as
/// `\uXXXX`, six bytes for a two-byte character) can still make a near-1-MiB definition of
/// mostly non-ASCII text exceed it; that request gets the 413 (in the AWS error shape).
pub const MAX_REQUEST_BYTES: usize = 2 * MAX_DEFINITION_BYTES + ENVELOPE_BYTES;

/// What the HTTP layer enforces.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Bearer tokens accepted on the REST API and the AWS endpoint (checked by
    /// [`crate::credentials::auth_tokens`]).
    pub auth_tokens: Vec<String>,
    /// AWS credentials whose SigV4 signatures the REST API and the AWS endpoint accept.
    /// With neither these nor `auth_tokens`, the API is open (see [`crate::auth`]).
    pub aws_credentials: Vec<(String, String)>,
    /// Largest request body, [`MAX_REQUEST_BYTES`] by default (bodies above it answer 413).
    pub max_body_bytes: usize,
    /// Every request ends within this time.
    pub request_timeout: Duration,
    /// Longest wait of a synchronous start.
    pub sync_timeout: Duration,
    /// Cancelled when the server shuts down: long-lived answers (event streams) end then,
    /// so the graceful shutdown does not wait for their clients.
    pub shutdown: CancellationToken,
}

impl GatewayConfig {
    /// True when any credential is configured: then every API route needs one.
    pub fn requires_credentials(&self) -> bool {
        !self.auth_tokens.is_empty() || !self.aws_credentials.is_empty()
    }
}

impl Default for GatewayConfig {
    fn default() -> GatewayConfig {
        GatewayConfig {
            auth_tokens: Vec::new(),
            aws_credentials: Vec::new(),
            max_body_bytes: MAX_REQUEST_BYTES,
            request_timeout: Duration::from_secs(60),
            sync_timeout: Duration::from_secs(30),
            shutdown: CancellationToken::new(),
        }
    }
}
