//! Gateway settings that handlers need (the CLI in `main.rs` fills them).

use std::time::Duration;

/// What the HTTP layer enforces.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Bearer tokens accepted on API routes; empty means no authentication.
    pub auth_tokens: Vec<String>,
    /// AWS credentials whose SigV4 signatures the AWS endpoint accepts; empty means the
    /// AWS endpoint does not check signatures.
    pub aws_credentials: Vec<(String, String)>,
    /// Largest request body: 256 KiB (bodies above it answer 413).
    pub max_body_bytes: usize,
    /// Every request ends within this time.
    pub request_timeout: Duration,
    /// Longest wait of a synchronous start.
    pub sync_timeout: Duration,
}

impl Default for GatewayConfig {
    fn default() -> GatewayConfig {
        GatewayConfig {
            auth_tokens: Vec::new(),
            aws_credentials: Vec::new(),
            max_body_bytes: 262_144,
            request_timeout: Duration::from_secs(60),
            sync_timeout: Duration::from_secs(30),
        }
    }
}
