//! Key rings: rotation, retirement, configuration strings, generated keys, Debug.

mod common;

use baton_callbacks::{KeyError, KeyRing, TokenError};
use common::*;

#[test]
fn rotated_out_key_still_verifies_until_retired() {
    let mut ring = ring(1, SECRET_A);
    let old = ring.mint(&claims()).unwrap();
    ring.add_key(2, SECRET_B).unwrap();
    assert_eq!(ring.active_key_id(), 1, "adding a key does not activate it");
    ring.rotate_to(2).unwrap();
    let new = ring.mint(&claims()).unwrap();

    assert_eq!(ring.verify(&old).unwrap().key_id(), 1);
    assert_eq!(ring.verify(&new).unwrap().key_id(), 2);

    ring.retire(1).unwrap();
    assert_eq!(ring.verify(&old), Err(TokenError::UnknownKey(1)));
    assert!(ring.verify(&new).is_ok());
}

#[test]
fn a_process_that_only_knows_the_new_key_rejects_old_tokens() {
    let old = ring(1, SECRET_A).mint(&claims()).unwrap();
    let ring = ring(2, SECRET_B).with_key(3, SECRET_A).unwrap();
    assert_eq!(ring.verify(&old), Err(TokenError::UnknownKey(1)));
}

#[test]
fn key_ring_changes_are_checked() {
    let mut ring = ring(1, SECRET_A);
    assert_eq!(ring.add_key(1, SECRET_B), Err(KeyError::DuplicateKeyId(1)));
    assert_eq!(ring.rotate_to(9), Err(KeyError::UnknownKeyId(9)));
    assert_eq!(ring.retire(1), Err(KeyError::RetireActive(1)));
    assert_eq!(ring.retire(9), Err(KeyError::UnknownKeyId(9)));
    assert!(ring.contains(1) && !ring.contains(2));
    assert_eq!(ring.key_ids().collect::<Vec<_>>(), [1]);
}

#[test]
fn short_secrets_are_refused() {
    assert_eq!(
        KeyRing::new(4, b"fifteen-bytes!!").unwrap_err(),
        KeyError::SecretTooShort { id: 4, len: 15 }
    );
    assert!(KeyRing::new(4, b"sixteen-bytes!!!").is_ok());
    assert!(ring(1, SECRET_A).with_key(2, "short").is_err());
}

#[test]
fn secrets_of_one_repeated_byte_are_refused() {
    for secret in [
        vec![0u8; 32],
        vec![0xff; 16],
        b"aaaaaaaaaaaaaaaaaaaa".to_vec(),
    ] {
        assert_eq!(
            KeyRing::new(3, &secret).unwrap_err(),
            KeyError::SecretOneByteRepeated { id: 3 }
        );
    }
    let zeros = format!("*1:hex:{}", "00".repeat(32));
    let err = KeyRing::from_spec(&zeros).unwrap_err();
    assert_eq!(err, KeyError::SecretOneByteRepeated { id: 1 });
    assert!(err.to_string().contains("one byte repeated"), "{err}");
    assert!(ring(1, SECRET_A).with_key(2, [7u8; 40]).is_err());
    // Two different bytes are enough not to be refused as trivial.
    assert!(KeyRing::new(3, b"aaaaaaaaaaaaaaab").is_ok());
}

#[test]
fn spec_first_entry_is_active_unless_one_is_marked() {
    let ring = KeyRing::from_spec("1:secret-one-0123456789,2:secret-two-0123456789").unwrap();
    assert_eq!(ring.active_key_id(), 1);
    assert_eq!(ring.key_ids().collect::<Vec<_>>(), [1, 2]);

    let ring: KeyRing = " 1:secret-one-0123456789 , *2:secret-two-0123456789 "
        .parse()
        .unwrap();
    assert_eq!(ring.active_key_id(), 2);
}

#[test]
fn spec_secrets_can_be_hex_base64_or_text() {
    let hex = "000102030405060708090a0b0c0d0e0f";
    let raw: Vec<u8> = (0u8..16).collect();
    let cases = [
        format!("7:hex:{hex}"),
        format!("7:hex:{}", hex.to_uppercase()),
        "7:base64:AAECAwQFBgcICQoLDA0ODw==".to_string(),
        "7:base64:AAECAwQFBgcICQoLDA0ODw".to_string(),
    ];
    let reference = KeyRing::new(7, &raw).unwrap();
    let token = reference.mint(&claims()).unwrap();
    for spec in cases {
        let ring = KeyRing::from_spec(&spec).unwrap();
        assert!(ring.verify(&token).is_ok(), "{spec}");
    }
    // URL-safe alphabet too; and text secrets are their UTF-8 bytes.
    let bytes = [0xfb, 0xff, 0xbf].repeat(6);
    let token = KeyRing::new(1, bytes).unwrap().mint(&claims()).unwrap();
    assert!(
        KeyRing::from_spec("1:base64:-_-_-_-_-_-_-_-_-_-_-_-_")
            .unwrap()
            .verify(&token)
            .is_ok()
    );
    let token = ring(1, SECRET_A).mint(&claims()).unwrap();
    let spec = format!("1:{}", std::str::from_utf8(SECRET_A).unwrap());
    assert!(KeyRing::from_spec(&spec).unwrap().verify(&token).is_ok());
}

#[test]
fn bad_specs_name_the_entry_and_never_the_secret() {
    let spec_err = |entry, reason| KeyError::Spec { entry, reason };
    let cases = [
        ("", spec_err(1, "empty entry")),
        ("1:secret-one-0123456789,", spec_err(2, "empty entry")),
        ("secret-one-0123456789", spec_err(1, "expected `id:secret`")),
        (
            "256:secret-one-0123456789",
            spec_err(1, "key id is not a number from 0 to 255"),
        ),
        (
            "-1:secret-one-0123456789",
            spec_err(1, "key id is not a number from 0 to 255"),
        ),
        (
            "1:hex:0g112233445566778899aabbccddeeff",
            spec_err(1, "secret is not valid hex"),
        ),
        (
            "1:hex:0011223344556677889",
            spec_err(1, "secret is not valid hex"),
        ),
        (
            "1:hex:ééééééééééééééééé",
            spec_err(1, "secret is not valid hex"),
        ),
        ("1:base64:!!!!", spec_err(1, "secret is not valid base64")),
        (
            "*1:secret-one-0123456789,*2:secret-two-0123456789",
            spec_err(2, "more than one entry is marked `*`"),
        ),
        (
            "1:tooshort-secret",
            KeyError::SecretTooShort { id: 1, len: 15 },
        ),
        ("1:hex:00", KeyError::SecretTooShort { id: 1, len: 1 }),
        (
            "1:secret-one-0123456789,1:secret-two-0123456789",
            KeyError::DuplicateKeyId(1),
        ),
    ];
    for (spec, expected) in cases {
        let err = KeyRing::from_spec(spec).unwrap_err();
        assert_eq!(err, expected, "{spec:?}");
        assert!(!err.to_string().contains("secret-"), "{err}");
    }
}

#[test]
fn generated_rings_are_independent() {
    let (a, b) = (KeyRing::generate(), KeyRing::generate());
    let token = a.mint(&claims()).unwrap();
    assert_eq!(a.verify(&token).unwrap().claims(), &claims());
    assert_eq!(b.verify(&token), Err(TokenError::BadSignature));
    assert_eq!(a.active_key_id(), 0);
}

#[test]
fn debug_shows_ids_but_no_secret() {
    let ring =
        KeyRing::from_spec("1:hex:00112233445566778899aabbccddeeff,*2:plain-text-secret-xyz")
            .unwrap();
    let shown = format!("{ring:?} {ring:#?}");
    assert!(shown.contains("active: 2"), "{shown}");
    for secret in ["plain-text", "00112233", "\\0\\x11", "[0, 17"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[test]
fn key_rings_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<KeyRing>();
}
