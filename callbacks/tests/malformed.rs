//! Text that is not a token we minted: every way it can be malformed, and what the
//! errors say (never the token text, never a secret).

mod common;

use baton_callbacks::{MAX_TOKEN_LEN, Malformed, TokenError};
use common::*;

#[test]
fn malformed_text_is_reported_as_malformed() {
    let ring = ring(0, SECRET_A);
    let valid = ring.mint(&claims()).unwrap();
    let huge = "A".repeat(10 << 20);
    let cases: Vec<(String, Malformed)> = vec![
        (String::new(), Malformed::Prefix),
        ("bt1_".into(), Malformed::TooShort { len: 4 }),
        (valid.replacen("bt1_", "BT1_", 1), Malformed::Prefix),
        (valid.replacen("bt1_", "bt2_", 1), Malformed::Prefix),
        (valid[4..].to_string(), Malformed::Prefix),
        (format!("bt1_{}", "é".repeat(40)), Malformed::Base64),
        (format!("{valid}="), Malformed::Base64),
        (
            format!("bt1_{huge}"),
            Malformed::TooLong {
                len: 4 + huge.len(),
            },
        ),
        (
            "x".repeat(MAX_TOKEN_LEN + 1),
            Malformed::TooLong {
                len: MAX_TOKEN_LEN + 1,
            },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(ring.verify(&text), Err(TokenError::Malformed(expected)));
    }
}

#[test]
fn validly_signed_but_inconsistent_layouts_are_malformed() {
    let ring = ring(1, SECRET_A);
    let body = body_v1(1, 0, b"exec", b"State", [0; 8]);
    assert!(ring.verify(&sign(SECRET_A, &body)).is_ok());

    let mut trailing = body.clone();
    trailing.push(0);
    let mut version = body.clone();
    version[0] = 2;
    let mut overlong = body.clone();
    overlong[6..8].copy_from_slice(&500u16.to_be_bytes());
    let cases = [
        (trailing, Malformed::Trailing),
        (version, Malformed::Version(2)),
        (overlong, Malformed::FieldLength("execution_id")),
        (
            body_v1(1, 0, b"\xff\xfe", b"State", [0; 8]),
            Malformed::Utf8("execution_id"),
        ),
        (
            body_v1(1, 0, b"exec", b"\xc3", [0; 8]),
            Malformed::Utf8("state"),
        ),
        (
            body_v1(1, 0, b"exec", b"", [0; 8]),
            Malformed::FieldLength("state"),
        ),
        (
            body_v1(1, 0, &[b'x'; 401], b"S", [0; 8]),
            Malformed::FieldLength("execution_id"),
        ),
        (
            body[..body.len() - 1].to_vec(),
            Malformed::FieldLength("nonce"),
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(
            ring.verify(&sign(SECRET_A, &bytes)),
            Err(TokenError::Malformed(expected))
        );
    }
}

#[test]
fn error_messages_quote_neither_token_nor_secret() {
    let ring = ring(0, SECRET_A);
    let token = ring.mint(&claims()).unwrap();
    let body = &token[4..];
    let mut tampered = payload(&token);
    *tampered.last_mut().unwrap() ^= 1;
    let errors = [
        ring.verify(&text(&tampered)).unwrap_err(),
        ring.verify(&token[..30]).unwrap_err(),
        ring.verify(&format!("{token}A")).unwrap_err(),
        ring.verify(&token.replacen('b', "c", 1)).unwrap_err(),
    ];
    for err in errors {
        for shown in [format!("{err}"), format!("{err:?}")] {
            assert!(!shown.contains(&body[..12]), "{shown}");
            assert!(!shown.contains("secret-a"), "{shown}");
        }
    }
}
