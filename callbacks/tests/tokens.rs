//! Minting and verifying task tokens.

mod common;

use baton_callbacks::{
    MAX_EXECUTION_ID_BYTES, MAX_STATE_BYTES, MAX_TOKEN_LEN, MIN_TOKEN_LEN, Malformed, TaskClaims,
    TokenError,
};
use common::*;

#[test]
fn round_trip_keeps_claims_key_id_and_nonce() {
    let ring = ring(3, SECRET_A);
    let token = ring.mint_with_nonce(&claims(), [9; 8]).unwrap();
    let verified = ring.verify(&token).unwrap();
    assert_eq!(verified.claims(), &claims());
    assert_eq!(verified.execution_id(), claims().execution_id);
    assert_eq!(verified.state(), "WaitForApproval");
    assert_eq!(verified.attempt(), 2);
    assert_eq!(verified.key_id(), 3);
    assert_eq!(verified.nonce(), [9; 8]);
    assert_eq!(verified.into_claims(), claims());
}

#[test]
fn token_has_prefix_and_only_url_safe_characters() {
    let token = ring(0, SECRET_A).mint(&claims()).unwrap();
    assert!(token.starts_with("bt1_"), "{token}");
    assert!(is_url_safe(&token), "{token}");
    assert!(token.len() <= MAX_TOKEN_LEN);
}

#[test]
fn layout_matches_the_documented_table() {
    let ring = ring(5, SECRET_A);
    let minted = ring
        .mint_with_nonce(&claims(), [1, 2, 3, 4, 5, 6, 7, 8])
        .unwrap();
    let body = body_v1(
        5,
        2,
        claims().execution_id.as_bytes(),
        b"WaitForApproval",
        [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert_eq!(minted, sign(SECRET_A, &body));
}

#[test]
fn same_claims_give_different_tokens() {
    let ring = ring(0, SECRET_A);
    let (a, b) = (ring.mint(&claims()).unwrap(), ring.mint(&claims()).unwrap());
    assert_ne!(a, b);
    assert_eq!(
        ring.verify(&a).unwrap().claims(),
        ring.verify(&b).unwrap().claims()
    );
    let fixed = ring.mint_with_nonce(&claims(), [0; 8]).unwrap();
    assert_eq!(fixed, ring.mint_with_nonce(&claims(), [0; 8]).unwrap());
}

#[test]
fn flipping_any_payload_bit_pattern_is_rejected() {
    let ring = ring(0, SECRET_A);
    let token = ring.mint(&claims()).unwrap();
    let bytes = payload(&token);
    let tag_start = bytes.len() - 16;
    for index in 0..bytes.len() {
        for mask in [0x01, 0x80, 0xff] {
            let mut tampered = bytes.clone();
            tampered[index] ^= mask;
            let err = ring.verify(&text(&tampered)).unwrap_err();
            match index {
                0 => assert!(matches!(err, TokenError::Malformed(Malformed::Version(_)))),
                1 => assert!(matches!(err, TokenError::UnknownKey(_))),
                i if i >= tag_start => assert_eq!(err, TokenError::BadSignature),
                _ => assert!(matches!(
                    err,
                    TokenError::BadSignature | TokenError::Malformed(_)
                )),
            }
        }
    }
}

#[test]
fn changing_any_character_is_rejected() {
    let ring = ring(0, SECRET_A);
    let token = ring.mint(&claims()).unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/.é";
    for (index, original) in token.char_indices() {
        for replacement in alphabet.chars().filter(|&c| c != original) {
            let mut tampered = token.clone();
            tampered.replace_range(index..index + 1, replacement.encode_utf8(&mut [0; 4]));
            assert!(
                ring.verify(&tampered).is_err(),
                "accepted {index}:{replacement}"
            );
        }
    }
}

#[test]
fn truncating_or_extending_is_rejected() {
    let ring = ring(0, SECRET_A);
    let token = ring.mint(&claims()).unwrap();
    for len in 0..token.len() {
        assert!(ring.verify(&token[..len]).is_err(), "prefix of {len}");
    }
    for extra in ["A", "AA", "AAA", "AAAA", "=", "==", " ", "\n"] {
        assert!(
            ring.verify(&format!("{token}{extra}")).is_err(),
            "{extra:?}"
        );
        assert!(
            ring.verify(&format!("{extra}{token}")).is_err(),
            "{extra:?}"
        );
    }
}

#[test]
fn non_canonical_trailing_bits_are_rejected() {
    let ring = ring(0, SECRET_A);
    // 34 + 36 + 15 = 85 bytes: 85 % 3 == 1, so the last character carries 4 unused bits.
    let token = ring.mint(&claims()).unwrap();
    assert_eq!(payload(&token).len() % 3, 1);
    let last = token.chars().last().unwrap();
    let mut variants = 0;
    for sibling in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".chars() {
        let forged = format!("{}{sibling}", &token[..token.len() - 1]);
        if sibling != last && ring.verify(&forged).is_ok() {
            variants += 1;
        }
    }
    assert_eq!(variants, 0);
}

#[test]
fn wrong_secret_is_a_bad_signature() {
    let token = ring(1, SECRET_A).mint(&claims()).unwrap();
    assert_eq!(
        ring(1, SECRET_B).verify(&token),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn unknown_key_id_is_reported_as_such() {
    let token = ring(3, SECRET_A).mint(&claims()).unwrap();
    assert_eq!(
        ring(7, SECRET_A).verify(&token),
        Err(TokenError::UnknownKey(3))
    );
}

#[test]
fn max_size_claims_stay_within_1024_characters() {
    // Four-byte characters: 100 of them fill the execution id, 80 fill the state.
    let id = "\u{1F600}".repeat(100);
    let state = "\u{10348}".repeat(80);
    assert_eq!(
        (id.len(), state.len()),
        (MAX_EXECUTION_ID_BYTES, MAX_STATE_BYTES)
    );
    let ring = ring(255, SECRET_A);
    let claims = TaskClaims::new(id, state, u32::MAX);
    let token = ring.mint(&claims).unwrap();
    assert_eq!(token.len(), MAX_TOKEN_LEN);
    assert_eq!(MAX_TOKEN_LEN, 1010);
    assert!(token.len() <= 1024 && is_url_safe(&token));
    assert_eq!(ring.verify(&token).unwrap().claims(), &claims);

    let ascii = TaskClaims::new("x".repeat(400), "y".repeat(320), 0);
    assert_eq!(ring.mint(&ascii).unwrap().len(), MAX_TOKEN_LEN);
}

#[test]
fn smallest_claims_give_the_shortest_token() {
    let ring = ring(0, SECRET_A);
    let token = ring.mint(&TaskClaims::new("x", "y", 0)).unwrap();
    assert_eq!(token.len(), MIN_TOKEN_LEN);
    assert!(ring.verify(&token).is_ok());
}

#[test]
fn claims_outside_the_limits_are_refused_at_mint() {
    let ring = ring(0, SECRET_A);
    let cases = [
        (TaskClaims::new("", "S", 0), "execution_id", 0),
        (TaskClaims::new("e", "", 0), "state", 0),
        (
            TaskClaims::new("e".repeat(401), "S", 0),
            "execution_id",
            401,
        ),
        (TaskClaims::new("e", "s".repeat(321), 0), "state", 321),
        (
            TaskClaims::new("é".repeat(201), "S", 0),
            "execution_id",
            402,
        ),
    ];
    for (claims, field, len) in cases {
        let err = ring.mint(&claims).unwrap_err();
        assert!(
            matches!(err, TokenError::InvalidClaim { field: f, len: l, min: 1, .. } if f == field && l == len),
            "{err}"
        );
        assert_eq!(claims.validate(), Err(err));
    }
}
