//! `States.Base64Encode`, `States.Base64Decode` and `States.Hash`.
//!
//! Lengths are counted as Java counts them (UTF-16 code units), and each input may have at
//! most 10,000 characters.

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use md5::Md5;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::args::{Args, Detail};
use super::java::to_json_text;

/// The longest input, in characters, that the encoding and hash functions accept.
pub(super) const MAX_INPUT_CHARS: usize = 10_000;

/// Decodes with or without `=` padding, as Java's decoder does.
const DECODER: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn check_length(args: &Args<'_>, text: &str) -> Result<(), Detail> {
    let len = text.encode_utf16().count();
    if len > MAX_INPUT_CHARS {
        return Err(format!(
            "the input of {} has {len} characters, but at most {MAX_INPUT_CHARS} are allowed",
            args.name()
        ));
    }
    Ok(())
}

/// `States.Base64Encode(string)`: standard alphabet, with padding, no line breaks.
pub(super) fn encode(args: &Args<'_>) -> Result<Value, Detail> {
    let text = args.string(0)?;
    check_length(args, text)?;
    Ok(Value::String(STANDARD.encode(text.as_bytes())))
}

/// `States.Base64Decode(string)`: whitespace (MIME line breaks) is ignored, padding is
/// optional; bytes that are not UTF-8 become U+FFFD, as in Java's `new String(bytes, UTF_8)`.
pub(super) fn decode(args: &Args<'_>) -> Result<Value, Detail> {
    let text = args.string(0)?;
    check_length(args, text)?;
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = DECODER
        .decode(compact.as_bytes())
        .map_err(|e| format!("the input of {} is not valid Base64: {e}", args.name()))?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The algorithms `States.Hash` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HashAlgorithm {
    Md5,
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    pub(super) fn parse(name: &str) -> Result<HashAlgorithm, Detail> {
        match name {
            "MD5" => Ok(HashAlgorithm::Md5),
            "SHA-1" => Ok(HashAlgorithm::Sha1),
            "SHA-256" => Ok(HashAlgorithm::Sha256),
            "SHA-384" => Ok(HashAlgorithm::Sha384),
            "SHA-512" => Ok(HashAlgorithm::Sha512),
            _ => Err(format!(
                "unknown hash algorithm '{name}': use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
            )),
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Md5 => Md5::digest(data).to_vec(),
            HashAlgorithm::Sha1 => Sha1::digest(data).to_vec(),
            HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
            HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
            HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// `States.Hash(data, algorithm)`: lowercase hex of the digest of the UTF-8 data. A string
/// is hashed as it is; any other value as its compact JSON text.
pub(super) fn hash(args: &Args<'_>) -> Result<Value, Detail> {
    let data = args.get(0)?;
    let text = match data {
        Value::String(s) => s.clone(),
        other => to_json_text(other),
    };
    check_length(args, &text)?;
    let algorithm = HashAlgorithm::parse(args.string(1)?)?;
    let hex: String = algorithm
        .digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Value::String(hex))
}
