//! AWS's published SigV4 test vectors (the aws-signing-test-suite `v4/*/header-signed-request.txt`
//! cases, credentials `AKIDEXAMPLE` / `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, service
//! `service`, region `us-east-1`, 2015-08-30T12:36:00Z), checked by `verify`.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use chrono::{TimeZone, Utc};

use super::canonical::{self, Signed};
use super::{check_time, parse_authorization, verify};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const AUTH: &str =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";

/// `(name, request line target, extra headers, signed headers, body, signature)`; every
/// request also has `Host:example.amazonaws.com` and `X-Amz-Date:20150830T123600Z`.
type Vector = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    &'static str,
    &'static str,
);

const VECTORS: &[Vector] = &[
    (
        "get-vanilla",
        "GET /",
        &[],
        "host;x-amz-date",
        "",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    (
        "get-vanilla-query-order-key-case",
        "GET /?Param2=value2&Param1=value1",
        &[],
        "host;x-amz-date",
        "",
        "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    ),
    (
        "get-vanilla-query-unreserved",
        "GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        &[],
        "host;x-amz-date",
        "",
        "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
    ),
    (
        "get-vanilla-utf8-query",
        "GET /?\u{1234}=bar",
        &[],
        "host;x-amz-date",
        "",
        "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
    ),
    (
        "post-vanilla-empty-query-value",
        "POST /?Param1=value1",
        &[],
        "host;x-amz-date",
        "",
        "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    ),
    (
        "get-header-value-trim",
        "GET /",
        &[("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
        "host;my-header1;my-header2;x-amz-date",
        "",
        "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    ),
    (
        "get-header-key-duplicate",
        "GET /",
        &[
            ("My-Header1", "value2"),
            ("My-Header1", "value2"),
            ("My-Header1", "value1"),
        ],
        "host;my-header1;x-amz-date",
        "",
        "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    ),
    (
        "post-header-key-sort",
        "POST /",
        &[("My-Header1", "value1")],
        "host;my-header1;x-amz-date",
        "",
        "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
    ),
    (
        "get-vanilla-with-session-token",
        "GET /",
        &[(
            "X-Amz-Security-Token",
            "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
        )],
        "host;x-amz-date;x-amz-security-token",
        "",
        "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    ),
    (
        "get-slashes-normalized",
        "GET //example//",
        &[],
        "host;x-amz-date",
        "",
        "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
    ),
    (
        "get-relative-relative-normalized",
        "GET /example1/example2/../..",
        &[],
        "host;x-amz-date",
        "",
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    (
        "get-space-normalized",
        "GET /example space/",
        &[],
        "host;x-amz-date",
        "",
        "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
    ),
    (
        "get-utf8",
        "GET /\u{1234}",
        &[],
        "host;x-amz-date",
        "",
        "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
    ),
    (
        "get-unreserved",
        "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        &[],
        "host;x-amz-date",
        "",
        "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
    ),
    (
        "post-x-www-form-urlencoded",
        "POST /",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "13"),
            (
                "x-amz-content-sha256",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ),
        ],
        "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
        "Param1=value1",
        "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
    ),
];

fn headers(extra: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    map.append("host", HeaderValue::from_static("example.amazonaws.com"));
    map.append("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
    for (name, value) in extra {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn check(vector: &Vector, secret: &str, body: &str) -> bool {
    let (_, line, extra, signed, _, signature) = *vector;
    let (method, target) = line.split_once(' ').unwrap();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let headers = headers(extra);
    let header = format!("{AUTH}, SignedHeaders={signed}, Signature={signature}");
    let auth = parse_authorization(&header).expect("authorization parses");
    let request = Signed {
        method,
        path,
        query,
        headers: &headers,
        authority: None,
        body: body.as_bytes(),
    };
    verify(&request, &auth, secret, "20150830T123600Z").is_ok()
}

#[test]
fn published_vectors_verify() {
    for vector in VECTORS {
        assert!(check(vector, SECRET, vector.4), "{}", vector.0);
    }
}

#[test]
fn tampering_is_caught() {
    for vector in VECTORS {
        assert!(!check(vector, "wrong-secret", vector.4), "{}", vector.0);
    }
    let form = VECTORS.last().unwrap();
    assert!(!check(form, SECRET, "Param1=value2"), "another body");
}

#[test]
fn the_signing_steps_match_the_suite() {
    // get-vanilla's intermediate results from the suite.
    let headers = headers(&[]);
    let request = Signed {
        method: "GET",
        path: "/",
        query: "",
        headers: &headers,
        authority: None,
        body: b"",
    };
    let empty = canonical::sha256_hex(b"");
    let creq = canonical::canonical_request(&request, "host;x-amz-date", &empty).unwrap();
    assert_eq!(
        creq,
        format!(
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{empty}"
        )
    );
    let sts = canonical::string_to_sign(
        "20150830T123600Z",
        "20150830/us-east-1/service/aws4_request",
        &creq,
    );
    assert!(sts.ends_with("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"));
    let key = canonical::signing_key(SECRET, "20150830", "us-east-1", "service");
    assert_eq!(
        canonical::sign(&key, &sts),
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    );
}

#[test]
fn authorization_headers_parse_strictly() {
    let good = format!("{AUTH}, SignedHeaders=host;x-amz-date, Signature=abcd");
    let auth = parse_authorization(&good).unwrap();
    assert_eq!(
        (auth.key_id, auth.region, auth.service),
        ("AKIDEXAMPLE", "us-east-1", "service")
    );
    for bad in [
        "",
        "Bearer x",
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=AKID/2015/us-east-1/service/aws4_request, SignedHeaders=host, Signature=ab",
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/other, SignedHeaders=host, Signature=ab",
        "AWS4-HMAC-SHA256Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host, Signature=ab",
    ] {
        assert!(parse_authorization(bad).is_none(), "{bad}");
    }
}

#[test]
fn dates_must_be_within_fifteen_minutes() {
    let now = Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap();
    assert!(check_time("20150830T123600Z", now).is_ok());
    assert!(check_time("20150830T122200Z", now).is_ok());
    assert!(check_time("20150830T122000Z", now).is_err());
    assert!(check_time("20150830T125200Z", now).is_err());
    assert!(check_time("2015-08-30", now).is_err());
}
