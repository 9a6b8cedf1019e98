//! Key rings from a configuration string.

use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};

use crate::KeyRing;
use crate::error::KeyError;

impl KeyRing {
    /// Parses a key ring from a configuration string, e.g. the value of an environment
    /// variable:
    ///
    /// ```text
    /// spec   = entry *("," entry)
    /// entry  = ["*"] id ":" secret      ; whitespace around an entry is ignored
    /// id     = decimal 0..=255
    /// secret = "hex:" HEX               ; e.g. the output of `openssl rand -hex 32`
    ///        | "base64:" BASE64         ; standard or URL-safe alphabet, padding optional
    ///        | TEXT                     ; anything else: the UTF-8 bytes, taken as they are
    /// ```
    ///
    /// The entry marked `*` is the active key; with no mark, the first entry is. At most
    /// one entry may be marked, ids must be distinct, and every secret must be at least
    /// [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes after decoding, and not one byte
    /// repeated (all zeros, `aaaa…`: [`KeyError::SecretOneByteRepeated`]). A plain-text secret
    /// cannot contain `,` or start or end with whitespace; use `hex:` or `base64:` then.
    ///
    /// ```
    /// # use baton_callbacks::KeyRing;
    /// let ring = KeyRing::from_spec("1:an-old-secret-0123, *2:hex:00112233445566778899aabbccddeeff")?;
    /// assert_eq!(ring.active_key_id(), 2);
    /// assert_eq!(ring.key_ids().collect::<Vec<_>>(), [1, 2]);
    /// # Ok::<(), baton_callbacks::KeyError>(())
    /// ```
    ///
    /// Errors name the entry by position and never quote a secret.
    pub fn from_spec(spec: &str) -> Result<Self, KeyError> {
        let mut active = None;
        let mut ring: Option<KeyRing> = None;
        for (index, raw) in spec.split(',').enumerate() {
            let entry = index + 1;
            let fail = |reason| KeyError::Spec { entry, reason };
            let text = raw.trim();
            if text.is_empty() {
                return Err(fail("empty entry"));
            }
            let (marked, text) = match text.strip_prefix('*') {
                Some(rest) => (true, rest),
                None => (false, text),
            };
            let (id, secret) = text.split_once(':').ok_or(fail("expected `id:secret`"))?;
            let id: u8 = id
                .trim()
                .parse()
                .map_err(|_| fail("key id is not a number from 0 to 255"))?;
            let secret = decode_secret(secret).map_err(fail)?;
            if marked {
                if active.is_some() {
                    return Err(fail("more than one entry is marked `*`"));
                }
                active = Some(id);
            }
            ring = Some(match ring {
                None => KeyRing::new(id, secret)?,
                Some(ring) => ring.with_key(id, secret)?,
            });
        }
        let mut ring = ring.ok_or(KeyError::Spec {
            entry: 0,
            reason: "no keys",
        })?;
        if let Some(id) = active {
            ring.rotate_to(id)?;
        }
        Ok(ring)
    }
}

impl FromStr for KeyRing {
    type Err = KeyError;

    /// Same as [`KeyRing::from_spec`].
    fn from_str(spec: &str) -> Result<Self, KeyError> {
        Self::from_spec(spec)
    }
}

fn decode_secret(secret: &str) -> Result<Vec<u8>, &'static str> {
    if let Some(hex) = secret.strip_prefix("hex:") {
        decode_hex(hex).ok_or("secret is not valid hex")
    } else if let Some(b64) = secret.strip_prefix("base64:") {
        STANDARD_PAD_INDIFFERENT
            .decode(b64)
            .or_else(|_| URL_SAFE_PAD_INDIFFERENT.decode(b64))
            .map_err(|_| "secret is not valid base64")
    } else {
        Ok(secret.as_bytes().to_vec())
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?))
        .collect()
}

fn nibble(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}
