//! Errors of minting, verifying and key handling.
//!
//! None of these messages contains a token's text or a secret: tokens are bearer
//! credentials and end up in logs through these errors.

/// Why a task token could not be minted or verified.
///
/// At the API edge, every variant that [`KeyRing::verify`](crate::KeyRing::verify) returns
/// ([`Malformed`](Self::Malformed), [`UnknownKey`](Self::UnknownKey),
/// [`BadSignature`](Self::BadSignature)) becomes AWS's `InvalidToken`.
/// [`InvalidClaim`](Self::InvalidClaim) only comes from minting and is a bug in the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The text is not a task token of a layout we know: wrong prefix, not base64url,
    /// wrong length, or fields that do not fit the layout.
    #[error("malformed task token: {0}")]
    Malformed(#[from] Malformed),
    /// The token is well formed but signed with a key id this key ring does not hold
    /// (a retired key, or a token from another deployment).
    #[error("task token signed with unknown key id {0}")]
    UnknownKey(u8),
    /// The token is well formed and its key is known, but the tag does not match: it was
    /// altered, or forged.
    #[error("task token signature does not match")]
    BadSignature,
    /// Minting only: a claim is empty or longer than the layout allows.
    #[error("task token claim `{field}` is {len} bytes; allowed {min}..={max}")]
    InvalidClaim {
        /// `execution_id` or `state`.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
        /// Smallest allowed length in bytes.
        min: usize,
        /// Largest allowed length in bytes.
        max: usize,
    },
}

/// What exactly is wrong with a malformed token (for logs; the client sees `InvalidToken`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    /// The text does not start with [`TOKEN_PREFIX`](crate::TOKEN_PREFIX).
    #[error("missing `bt1_` prefix")]
    Prefix,
    /// The text is shorter than any token can be.
    #[error("{len} bytes is shorter than any token")]
    TooShort {
        /// Length of the text in bytes.
        len: usize,
    },
    /// The text is longer than any token can be.
    #[error("{len} bytes is longer than any token")]
    TooLong {
        /// Length of the text in bytes.
        len: usize,
    },
    /// The part after the prefix is not canonical unpadded base64url.
    #[error("not unpadded base64url")]
    Base64,
    /// The layout version byte is not one this build reads.
    #[error("unsupported layout version {0}")]
    Version(u8),
    /// A length field points past the end of the token or outside its limits.
    #[error("field `{0}` has a bad length")]
    FieldLength(&'static str),
    /// The fields do not add up to the token's length.
    #[error("token length does not match its fields")]
    Trailing,
    /// A text field is not UTF-8.
    #[error("field `{0}` is not UTF-8")]
    Utf8(&'static str),
}

/// Why a key ring could not be built or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A secret is shorter than [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes.
    #[error("secret of key {id} is {len} bytes; at least {min} are required", min = crate::MIN_SECRET_LEN)]
    SecretTooShort {
        /// The key id.
        id: u8,
        /// The secret's length in bytes.
        len: usize,
    },
    /// A secret is one byte repeated (all zeros, `aaaa…`): trivially guessed.
    #[error(
        "secret of key {id} is one byte repeated (all zeros or the like); use a random secret, e.g. `hex:` and the output of `openssl rand -hex 32`"
    )]
    SecretOneByteRepeated {
        /// The key id.
        id: u8,
    },
    /// A key id is used twice. Reusing an id for a new secret would silently invalidate
    /// every token signed with the old one, so it is refused.
    #[error("key id {0} is given twice")]
    DuplicateKeyId(u8),
    /// The key id is not in the key ring.
    #[error("key id {0} is not in the key ring")]
    UnknownKeyId(u8),
    /// The active key cannot be retired; rotate to another key first.
    #[error("key id {0} is the active key and cannot be retired")]
    RetireActive(u8),
    /// A key specification string could not be parsed.
    #[error("key spec entry {entry}: {reason}")]
    Spec {
        /// 1-based position of the entry in the comma-separated list (0 for the whole spec).
        entry: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
}
