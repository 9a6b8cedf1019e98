//! Task token claims and the version-1 binary layout (see the crate docs for the table).
//!
//! This module only turns claims into bytes and bytes back into claims; signing and
//! checking the tag is [`KeyRing`](crate::KeyRing)'s job.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::{Malformed, TokenError};

/// Every token starts with this: `bt` for Baton task, `1` for the text encoding generation.
pub const TOKEN_PREFIX: &str = "bt1_";
/// The binary layout version this build writes and reads (the first byte of the payload).
pub const LAYOUT_VERSION: u8 = 1;
/// Largest execution id, in UTF-8 bytes: any 100-character id fits, whatever its script.
pub const MAX_EXECUTION_ID_BYTES: usize = 400;
/// Largest state name or qualified state label, in UTF-8 bytes: any 80-character ASL state
/// name fits, whatever its script, and so does a ~200-byte qualified label.
pub const MAX_STATE_BYTES: usize = 320;
/// Random bytes per token, so two tokens for the same claims differ.
pub const NONCE_LEN: usize = 8;
/// Bytes of HMAC-SHA256 kept as the tag.
///
/// 16 bytes (128 bits) is the left half of the 32-byte HMAC-SHA256 output. RFC 2104 §5
/// recommends keeping at least half of the hash output and no fewer than 80 bits, and NIST
/// SP 800-107 allows truncating to the leftmost bits. A forger who does not know the key
/// succeeds with probability 2^-128 per guess, and every guess is an online request that
/// the gateway sees; birthday bounds do not apply because the attacker cannot compute
/// tags. Keeping 16 bytes instead of 32 saves 22 characters per token.
pub const TAG_LEN: usize = 16;
/// Smallest secret a key ring accepts, in bytes.
pub const MIN_SECRET_LEN: usize = 16;

/// Version, key id and attempt.
const HEADER_LEN: usize = 1 + 1 + 4;
/// Header, two `u16` length fields, nonce and tag.
const FIXED_LEN: usize = HEADER_LEN + 2 + 2 + NONCE_LEN + TAG_LEN;
const MIN_PAYLOAD_LEN: usize = FIXED_LEN + 2;
const MAX_PAYLOAD_LEN: usize = FIXED_LEN + MAX_EXECUTION_ID_BYTES + MAX_STATE_BYTES;

/// Length of a token whose payload is `bytes` long (unpadded base64 plus the prefix).
const fn encoded_len(bytes: usize) -> usize {
    let tail = match bytes % 3 {
        0 => 0,
        1 => 2,
        _ => 3,
    };
    TOKEN_PREFIX.len() + bytes / 3 * 4 + tail
}

/// Length of the shortest token: one-byte execution id and state (52 characters).
pub const MIN_TOKEN_LEN: usize = encoded_len(MIN_PAYLOAD_LEN);
/// Length of the longest token: execution id and state at their limits (1,010 characters).
pub const MAX_TOKEN_LEN: usize = encoded_len(MAX_PAYLOAD_LEN);

const _: () = assert!(
    MAX_TOKEN_LEN <= 1024,
    "tokens must stay within 1,024 characters"
);
const _: () = assert!(MAX_EXECUTION_ID_BYTES <= u16::MAX as usize);
const _: () = assert!(MAX_STATE_BYTES <= u16::MAX as usize);
const _: () = assert!(TAG_LEN <= 32, "HMAC-SHA256 has 32 bytes to keep");

/// What a task token says: which execution waits, in which state, on which attempt.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TaskClaims {
    /// The execution's opaque id: 1 to [`MAX_EXECUTION_ID_BYTES`] bytes of UTF-8.
    pub execution_id: String,
    /// The state name (or a qualified label such as a Map iteration's state): 1 to
    /// [`MAX_STATE_BYTES`] bytes of UTF-8.
    pub state: String,
    /// The attempt of the state the token was issued for (0 for the first).
    pub attempt: u32,
}

impl TaskClaims {
    /// Claims for `execution_id`, `state` and `attempt`; checked when minted.
    pub fn new(execution_id: impl Into<String>, state: impl Into<String>, attempt: u32) -> Self {
        Self {
            execution_id: execution_id.into(),
            state: state.into(),
            attempt,
        }
    }

    /// Checks the claims against the layout's limits, as minting does.
    pub fn validate(&self) -> Result<(), TokenError> {
        check_len("execution_id", &self.execution_id, MAX_EXECUTION_ID_BYTES)?;
        check_len("state", &self.state, MAX_STATE_BYTES)
    }
}

fn check_len(field: &'static str, value: &str, max: usize) -> Result<(), TokenError> {
    let len = value.len();
    if (1..=max).contains(&len) {
        Ok(())
    } else {
        Err(TokenError::InvalidClaim {
            field,
            len,
            min: 1,
            max,
        })
    }
}

/// The claims of a verified task token, with the id of the key that signed it and its
/// nonce. Only [`KeyRing::verify`](crate::KeyRing::verify) makes these, so a `TaskToken`
/// in hand is proof that its tag was checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaskToken {
    claims: TaskClaims,
    key_id: u8,
    nonce: [u8; NONCE_LEN],
}

impl TaskToken {
    /// The claims.
    pub fn claims(&self) -> &TaskClaims {
        &self.claims
    }
    /// The claims, by value.
    pub fn into_claims(self) -> TaskClaims {
        self.claims
    }
    /// The execution id claim.
    pub fn execution_id(&self) -> &str {
        &self.claims.execution_id
    }
    /// The state claim.
    pub fn state(&self) -> &str {
        &self.claims.state
    }
    /// The attempt claim.
    pub fn attempt(&self) -> u32 {
        self.claims.attempt
    }
    /// Id of the key that signed the token (useful to watch a rotation drain).
    pub fn key_id(&self) -> u8 {
        self.key_id
    }
    /// The token's random nonce.
    pub fn nonce(&self) -> [u8; NONCE_LEN] {
        self.nonce
    }
}

/// The bytes the tag covers (everything but the tag), with room left for the tag.
pub(crate) fn signed_bytes(
    claims: &TaskClaims,
    key_id: u8,
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, TokenError> {
    claims.validate()?;
    let id = claims.execution_id.as_bytes();
    let state = claims.state.as_bytes();
    let mut out = Vec::with_capacity(FIXED_LEN + id.len() + state.len());
    out.push(LAYOUT_VERSION);
    out.push(key_id);
    out.extend_from_slice(&claims.attempt.to_be_bytes());
    for field in [id, state] {
        // Lengths fit in u16: validate() bounds them and the const asserts above hold.
        out.extend_from_slice(&(field.len() as u16).to_be_bytes());
        out.extend_from_slice(field);
    }
    out.extend_from_slice(&nonce);
    Ok(out)
}

/// `bt1_` + base64url of the signed bytes followed by the tag.
pub(crate) fn encode(signed: &[u8], tag: &[u8; TAG_LEN]) -> String {
    let mut bytes = Vec::with_capacity(signed.len() + TAG_LEN);
    bytes.extend_from_slice(signed);
    bytes.extend_from_slice(tag);
    let mut text = String::with_capacity(encoded_len(bytes.len()));
    text.push_str(TOKEN_PREFIX);
    URL_SAFE_NO_PAD.encode_string(&bytes, &mut text);
    text
}

/// A well-formed token whose tag has not been checked yet.
#[derive(Debug)]
pub(crate) struct Unverified {
    pub(crate) signed: Vec<u8>,
    pub(crate) tag: [u8; TAG_LEN],
    pub(crate) token: TaskToken,
}

/// Parses token text into its parts. Never panics; allocates at most one buffer of at most
/// [`MAX_TOKEN_LEN`] bytes, whatever the input.
pub(crate) fn decode(text: &str) -> Result<Unverified, Malformed> {
    let len = text.len();
    if len > MAX_TOKEN_LEN {
        return Err(Malformed::TooLong { len });
    }
    let body = text.strip_prefix(TOKEN_PREFIX).ok_or(Malformed::Prefix)?;
    if len < MIN_TOKEN_LEN {
        return Err(Malformed::TooShort { len });
    }
    // The engine is canonical: it rejects padding and non-zero trailing bits, so each
    // payload has exactly one text form and a changed character is a changed payload.
    let mut signed = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| Malformed::Base64)?;
    let (rest, tag) = signed
        .split_last_chunk::<TAG_LEN>()
        .ok_or(Malformed::FieldLength("tag"))?;
    let tag = *tag;
    let token = parse(rest)?;
    signed.truncate(signed.len() - TAG_LEN);
    Ok(Unverified { signed, tag, token })
}

fn parse(bytes: &[u8]) -> Result<TaskToken, Malformed> {
    let mut reader = Reader(bytes);
    let [version] = reader.take::<1>("version")?;
    if version != LAYOUT_VERSION {
        return Err(Malformed::Version(version));
    }
    let [key_id] = reader.take::<1>("key_id")?;
    let attempt = u32::from_be_bytes(reader.take("attempt")?);
    let execution_id = reader.text("execution_id", MAX_EXECUTION_ID_BYTES)?;
    let state = reader.text("state", MAX_STATE_BYTES)?;
    let nonce = reader.take::<NONCE_LEN>("nonce")?;
    if !reader.0.is_empty() {
        return Err(Malformed::Trailing);
    }
    Ok(TaskToken {
        claims: TaskClaims::new(execution_id, state, attempt),
        key_id,
        nonce,
    })
}

/// A cursor over the payload; every read is bounds-checked.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], Malformed> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or(Malformed::FieldLength(field))?;
        self.0 = rest;
        Ok(*head)
    }

    fn text(&mut self, field: &'static str, max: usize) -> Result<&'a str, Malformed> {
        let len = usize::from(u16::from_be_bytes(self.take(field)?));
        if !(1..=max).contains(&len) {
            return Err(Malformed::FieldLength(field));
        }
        let (head, rest) = self
            .0
            .split_at_checked(len)
            .ok_or(Malformed::FieldLength(field))?;
        self.0 = rest;
        std::str::from_utf8(head).map_err(|_| Malformed::Utf8(field))
    }
}
