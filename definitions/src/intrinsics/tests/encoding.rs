use serde_json::json;

use super::{fails, ok};

#[test]
fn base64_round_trip() {
    let input = json!({"s": "Data to encode", "u": "héllo ✓", "n": 1});
    assert_eq!(
        ok("States.Base64Encode($.s)", &input),
        json!("RGF0YSB0byBlbmNvZGU=")
    );
    assert_eq!(
        ok("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", &input),
        json!("Data to encode")
    );
    assert_eq!(
        ok("States.Base64Decode(States.Base64Encode($.u))", &input),
        json!("héllo ✓")
    );
    assert_eq!(ok("States.Base64Encode('')", &input), json!(""));
    assert_eq!(ok("States.Base64Decode('')", &input), json!(""));
    // Padding is optional and MIME line breaks are ignored.
    assert_eq!(
        ok("States.Base64Decode('RGF0YSB0byBlbmNvZGU')", &input),
        json!("Data to encode")
    );
    assert_eq!(
        ok("States.Base64Decode('RGF0YSB0\r\nbyBlbmNvZGU=')", &input),
        json!("Data to encode")
    );
    // Bytes that are not UTF-8 become U+FFFD.
    assert_eq!(ok("States.Base64Decode('/w==')", &input), json!("\u{fffd}"));
}

#[test]
fn base64_errors() {
    let long = "a".repeat(10_001);
    let input =
        json!({"long": long, "max": "a".repeat(10_000), "n": 1, "wide": "😀".repeat(5_001)});
    ok("States.Base64Encode($.max)", &input);
    fails(
        "States.Base64Encode($.long)",
        &input,
        "the input of States.Base64Encode has 10001 characters, but at most 10000 are allowed",
    );
    fails(
        "States.Base64Decode($.long)",
        &input,
        "the input of States.Base64Decode has 10001 characters",
    );
    // Characters are counted as Java counts them (UTF-16 units).
    fails(
        "States.Base64Encode($.wide)",
        &input,
        "has 10002 characters",
    );
    fails(
        "States.Base64Decode('not base64!')",
        &input,
        "the input of States.Base64Decode is not valid Base64",
    );
    fails("States.Base64Decode('QQ=x')", &input, "not valid Base64");
    fails(
        "States.Base64Encode($.n)",
        &input,
        "argument 1 of States.Base64Encode must be a string, but it is the number 1",
    );
    fails("States.Base64Decode($.n)", &input, "must be a string");
}

#[test]
fn hash_algorithms() {
    let input = json!({"d": "input data", "alg": "SHA-1", "bad": "sha-1", "o": {"a": 1}, "n": 12});
    let cases = [
        ("MD5", "812f45842bc6d66ee14572ce20db8e86"),
        ("SHA-1", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
        (
            "SHA-256",
            "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3",
        ),
        (
            "SHA-384",
            "d28a7d5cf25a74f11a50a18452b75e04bb3d70c9dd0510d6123aa008c756511b87525bdc835ebb27e1fb9e9374a15562",
        ),
        (
            "SHA-512",
            "6ce4adb348546d4f449c4d25aad9a7c9cb711d9e91982d3f0b29ca2f3f47d4ce2deba23bf2954f0f1d593fc50283731a533d30d425402d4f91316d871303aac4",
        ),
    ];
    for (alg, hex) in cases {
        assert_eq!(
            ok(&format!("States.Hash($.d, '{alg}')"), &input),
            json!(hex),
            "{alg}"
        );
    }
    assert_eq!(
        ok("States.Hash($.d, $.alg)", &input),
        json!("aaff4a450a104cd177d28d18d74485e8cae074b7")
    );
    // Non-string data is hashed as its JSON text.
    assert_eq!(
        ok("States.Hash($.o, 'MD5')", &input),
        ok("States.Hash('{\"a\":1}', 'MD5')", &input)
    );
    assert_eq!(
        ok("States.Hash($.n, 'MD5')", &input),
        ok("States.Hash('12', 'MD5')", &input)
    );
}

#[test]
fn hash_errors() {
    let input = json!({"d": "x", "bad": "sha-1", "n": 5, "long": "b".repeat(10_001)});
    fails(
        "States.Hash($.d, $.bad)",
        &input,
        "unknown hash algorithm 'sha-1': use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512",
    );
    fails(
        "States.Hash($.d, $.n)",
        &input,
        "argument 2 of States.Hash must be a string, but it is the number 5",
    );
    fails(
        "States.Hash($.long, 'MD5')",
        &input,
        "the input of States.Hash has 10001 characters",
    );
    fails("States.Hash($.none, 'MD5')", &input, "could not be found");
}
