//! A token in the few bytes its claims do not give, for storing it beside those claims.
//!
//! An engine keeps each open task token with the execution, state and attempt it was minted
//! for; of the token's text (82 characters and up) only the key id, the nonce and the tag
//! (25 bytes, 34 characters of base64url) are not already there. [`compact`] keeps those,
//! and [`expand`] gives the very same text back from them and the claims — no key is
//! needed, so a token minted before a key rotation comes back as it was handed out.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::token::{NONCE_LEN, TAG_LEN, TaskClaims, decode, encode, signed_bytes};

/// Key id, nonce and tag.
const COMPACT_BYTES: usize = 1 + NONCE_LEN + TAG_LEN;

/// The compact form of `text`, a token minted for `claims`: `None` when `text` is not a
/// well-formed token of this layout for exactly those claims (then store the text whole).
/// The tag is not checked here: verifying is [`KeyRing::verify`](crate::KeyRing::verify)'s
/// job, and [`expand`] gives back the same text whether it would verify or not.
pub fn compact(text: &str, claims: &TaskClaims) -> Option<String> {
    let parsed = decode(text).ok()?;
    if parsed.token.claims() != claims {
        return None;
    }
    let mut bytes = Vec::with_capacity(COMPACT_BYTES);
    bytes.push(parsed.token.key_id());
    bytes.extend_from_slice(&parsed.token.nonce());
    bytes.extend_from_slice(&parsed.tag);
    let short = URL_SAFE_NO_PAD.encode(bytes);
    // The layout has one encoding per token; checked anyway, so a stored form never loses
    // what the text said.
    (expand(claims, &short).as_deref() == Some(text)).then_some(short)
}

/// The token text of `claims` and a [`compact`] form; `None` when `short` is not one, or
/// the claims are out of bounds.
pub fn expand(claims: &TaskClaims, short: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(short).ok()?;
    let bytes: [u8; COMPACT_BYTES] = bytes.try_into().ok()?;
    let (key_id, rest) = bytes.split_first()?;
    let (nonce, tag) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
    let tag: [u8; TAG_LEN] = tag.try_into().ok()?;
    let signed = signed_bytes(claims, *key_id, nonce).ok()?;
    Some(encode(&signed, &tag))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::KeyRing;

    fn ring(id: u8) -> KeyRing {
        KeyRing::new(id, *b"a test secret of thirty-two byte").expect("a key ring")
    }

    #[test]
    fn a_minted_token_keeps_34_characters_and_comes_back_whole() {
        let claims = TaskClaims::new("orders:o-1", "Wait for approval", 1);
        let text = ring(3).mint(&claims).unwrap();
        let short = compact(&text, &claims).expect("a token of these claims");
        assert_eq!(short.len(), 34);
        assert_eq!(expand(&claims, &short).as_deref(), Some(text.as_str()));
        let verified = ring(3).verify(&expand(&claims, &short).unwrap()).unwrap();
        assert_eq!(verified.claims(), &claims);
    }

    #[test]
    fn other_claims_or_other_text_do_not_compact() {
        let claims = TaskClaims::new("orders:o-1", "Wait", 0);
        let text = ring(1).mint(&claims).unwrap();
        for other in [
            TaskClaims::new("orders:o-2", "Wait", 0),
            TaskClaims::new("orders:o-1", "Wai", 0),
            TaskClaims::new("orders:o-1", "Wait", 1),
        ] {
            assert_eq!(compact(&text, &other), None, "{other:?}");
        }
        for text in ["", "bt1_", "plain-token", &text[..text.len() - 1]] {
            assert_eq!(compact(text, &claims), None, "{text:?}");
        }
        for short in ["", "AAAA", &"A".repeat(33), &"A".repeat(35), "!!!!"] {
            assert_eq!(expand(&claims, short), None, "{short:?}");
        }
        let empty = TaskClaims::new("", "Wait", 0);
        let short = compact(&text, &claims).unwrap();
        assert_eq!(expand(&empty, &short), None, "claims out of bounds");
    }

    proptest! {
        #[test]
        fn compact_then_expand_gives_the_token_back(
            id in "[a-z0-9:-]{1,60}",
            state in "\\PC{1,40}",
            attempt in any::<u32>(),
            key in any::<u8>(),
        ) {
            let claims = TaskClaims::new(id, state, attempt);
            let text = ring(key).mint(&claims).unwrap();
            let short = compact(&text, &claims).expect("compacts");
            prop_assert_eq!(short.len(), 34);
            prop_assert_eq!(expand(&claims, &short), Some(text));
        }

        #[test]
        fn expand_never_panics(short in "\\PC{0,64}", attempt in any::<u32>()) {
            let claims = TaskClaims::new("sm:e", "S", attempt);
            let _ = expand(&claims, &short);
        }
    }
}
