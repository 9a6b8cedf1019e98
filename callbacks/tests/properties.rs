//! Property tests: the decoder never panics, minting round-trips, and no edit of a valid
//! token is accepted.

mod common;

use baton_callbacks::{
    CallbackOutcome, KeyRing, MAX_TOKEN_LEN, TaskClaims, TokenError, parse_success_output,
};
use common::*;
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

/// Claims within the limits: any 1..=100 / 1..=80 Unicode characters always fit, and ASCII
/// reaches the byte limits exactly.
fn any_claims() -> impl Strategy<Value = TaskClaims> {
    prop_oneof![
        ("(?s:.){1,100}", "(?s:.){1,80}", any::<u32>()),
        ("[ -~]{1,400}", "[ -~]{1,320}", any::<u32>()),
        ("[0-9a-f-]{36}", "[A-Za-z ]{1,80}", 0u32..5),
    ]
    .prop_map(|(id, state, attempt)| TaskClaims::new(id, state, attempt))
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(Index, char),
    /// The last character carries the unused bits of base64's final group.
    ReplaceLast(char),
    Insert(Index, char),
    Delete(Index),
    SwapWithNext(Index),
    Truncate(Index),
}

fn any_edit() -> impl Strategy<Value = Edit> {
    let ch = prop_oneof![
        4 => proptest::char::range('A', 'Z'),
        4 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('0', '9'),
        1 => Just('-'),
        1 => Just('_'),
        1 => any::<char>(),
    ];
    prop_oneof![
        (any::<Index>(), ch.clone()).prop_map(|(i, c)| Edit::Replace(i, c)),
        ch.clone().prop_map(Edit::ReplaceLast),
        (any::<Index>(), ch).prop_map(|(i, c)| Edit::Insert(i, c)),
        any::<Index>().prop_map(Edit::Delete),
        any::<Index>().prop_map(Edit::SwapWithNext),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

/// Applies an edit to ASCII token text.
fn apply(token: &str, edit: &Edit) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    match *edit {
        Edit::Replace(i, c) => {
            let i = i.index(chars.len());
            chars[i] = c;
        }
        Edit::ReplaceLast(c) => {
            let last = chars.len() - 1;
            chars[last] = c;
        }
        Edit::Insert(i, c) => chars.insert(i.index(chars.len() + 1), c),
        Edit::Delete(i) => {
            chars.remove(i.index(chars.len()));
        }
        Edit::SwapWithNext(i) => {
            let i = i.index(chars.len() - 1);
            chars.swap(i, i + 1);
        }
        Edit::Truncate(i) => chars.truncate(i.index(chars.len())),
    }
    chars.into_iter().collect()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        "(?s:.){0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
            prop::collection::vec(("(?s:.){0,8}", inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn verify_never_panics_on_arbitrary_strings(text in any::<String>()) {
        prop_assert!(ring(0, SECRET_A).verify(&text).is_err());
    }

    #[test]
    fn verify_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        prop_assert!(ring(0, SECRET_A).verify(&text).is_err());
        let prefixed = format!("bt1_{text}");
        prop_assert!(ring(0, SECRET_A).verify(&prefixed).is_err());
    }

    #[test]
    fn verify_never_panics_on_prefixed_base64url(body in "[A-Za-z0-9_-]{0,1100}") {
        let token = format!("bt1_{body}");
        prop_assert!(ring(0, SECRET_A).verify(&token).is_err());
    }

    #[test]
    fn verify_rejects_unsigned_payloads_that_look_like_v1(
        rest in prop::collection::vec(any::<u8>(), 0..800),
    ) {
        let mut bytes = vec![1, 0];
        bytes.extend(rest);
        let result = ring(0, SECRET_A).verify(&text(&bytes));
        prop_assert!(matches!(result, Err(TokenError::Malformed(_) | TokenError::BadSignature)));
    }

    /// Whatever bytes carry a valid tag, the ring accepts them only if minting the decoded
    /// claims gives back the very same text: the layout has one encoding per token.
    #[test]
    fn signed_arbitrary_bytes_are_accepted_only_in_canonical_form(
        rest in prop::collection::vec(any::<u8>(), 0..800),
        mode in 0..3,
    ) {
        let ring = ring(0, SECRET_A);
        let body = if mode > 0 && rest.len() >= 8 {
            // Mode 2 maps the claim bytes to printable ASCII, so most bodies are valid.
            let text: Vec<u8> = rest[8..]
                .iter()
                .map(|b| if mode == 2 { b' ' + b % 95 } else { *b })
                .collect();
            let (id, state) = text.split_at(text.len() / 2);
            body_v1(0, 7, id, state, rest[..8].try_into().unwrap())
        } else {
            let mut body = vec![1, 0];
            body.extend(&rest);
            body
        };
        let token = sign(SECRET_A, &body);
        if let Ok(verified) = ring.verify(&token) {
            let again = ring.mint_with_nonce(verified.claims(), verified.nonce()).unwrap();
            prop_assert_eq!(again, token);
        }
    }

    #[test]
    fn mint_then_verify_round_trips(claims in any_claims(), key_id in any::<u8>()) {
        let ring = KeyRing::new(key_id, SECRET_A).unwrap();
        let token = ring.mint(&claims).unwrap();
        prop_assert!(token.len() <= MAX_TOKEN_LEN && token.len() <= 1024);
        prop_assert!(token.starts_with("bt1_") && is_url_safe(&token));
        let verified = ring.verify(&token).unwrap();
        prop_assert_eq!(verified.claims(), &claims);
        prop_assert_eq!(verified.key_id(), key_id);
    }

    #[test]
    fn any_edit_of_a_valid_token_is_rejected(claims in any_claims(), edit in any_edit()) {
        let ring = ring(0, SECRET_A);
        let token = ring.mint(&claims).unwrap();
        let edited = apply(&token, &edit);
        if edited != token {
            prop_assert!(ring.verify(&edited).is_err(), "accepted {:?}", edit);
        }
    }

    #[test]
    fn key_specs_never_panic(spec in any::<String>()) {
        let _ = KeyRing::from_spec(&spec);
    }

    #[test]
    fn key_specs_of_valid_shape_parse(
        ids in prop::collection::btree_set(any::<u8>(), 1..6),
        secret in "[A-Za-z0-9]{16,40}",
    ) {
        let spec: Vec<String> = ids.iter().map(|id| format!("{id}:{secret}")).collect();
        let ring = KeyRing::from_spec(&spec.join(",")).unwrap();
        prop_assert_eq!(ring.key_ids().collect::<std::collections::BTreeSet<_>>(), ids);
    }

    #[test]
    fn success_output_parsing_never_panics(text in any::<String>()) {
        let _ = parse_success_output(&text);
    }

    #[test]
    fn outcomes_round_trip_through_storage(value in json_value(), error in proptest::option::of(".{0,20}")) {
        let outcomes = [
            CallbackOutcome::Success(value.clone()),
            CallbackOutcome::Failure { error: error.clone(), cause: error },
            CallbackOutcome::Heartbeat,
        ];
        for outcome in outcomes {
            let stored = serde_json::to_string(&outcome).unwrap();
            prop_assert_eq!(serde_json::from_str::<CallbackOutcome>(&stored).unwrap(), outcome);
        }
        let text = value.to_string();
        prop_assert_eq!(parse_success_output(&text).unwrap(), value);
    }
}
