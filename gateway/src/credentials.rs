//! Checks the credentials given on the command line (`--auth-token`, `--aws-credentials`)
//! before anything starts: a malformed or trivially weak value stops `baton serve` with a
//! message naming the flag and the entry, never the secret itself.
//!
//! | flag | each entry must be |
//! |---|---|
//! | `--auth-token` (`BATON_AUTH_TOKENS`) | a [strong secret](check_strength), visible ASCII |
//! | `--aws-credentials` (`BATON_AWS_CREDENTIALS`) | `KEY_ID:SECRET`: a key id of visible ASCII without `/`, `,` or `:`, given once; a [strong secret](check_strength) |

/// The fewest characters a bearer token or AWS secret may have.
pub const MIN_SECRET_CHARS: usize = 16;
/// The fewest different characters a bearer token or AWS secret may have (refuses
/// `aaaaaaaaaaaaaaaa`, `0000000000000000`, `abababababababab`…).
pub const MIN_DISTINCT_CHARS: usize = 6;

/// Why a credential flag was refused. The messages name the flag and the entry (1-based),
/// and the AWS key id, but never a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("{flag}: entry {entry} is empty")]
    Empty { flag: &'static str, entry: usize },
    #[error("{flag}: entry {entry} is not KEY_ID:SECRET (no ':' found)")]
    NotAPair { flag: &'static str, entry: usize },
    #[error(
        "{flag}: entry {entry} has a key id that is empty or holds a character other than visible ASCII, or '/', ',', ':'"
    )]
    BadKeyId { flag: &'static str, entry: usize },
    #[error("{flag}: key id {key_id} is given twice")]
    DuplicateKeyId { flag: &'static str, key_id: String },
    #[error("{flag}: entry {entry} {why}; use a random value, e.g. `openssl rand -hex 32`")]
    Weak {
        flag: &'static str,
        entry: usize,
        why: String,
    },
}

const AUTH_TOKEN: &str = "--auth-token (BATON_AUTH_TOKENS)";
const AWS_CREDENTIALS: &str = "--aws-credentials (BATON_AWS_CREDENTIALS)";

/// Why `secret` is too weak to guard an API, or `Ok` when it is fine: at least
/// [`MIN_SECRET_CHARS`] characters, only visible ASCII (what a header carries unchanged),
/// and at least [`MIN_DISTINCT_CHARS`] different ones.
pub fn check_strength(secret: &str) -> Result<(), String> {
    if !secret.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("holds a space, a control character or non-ASCII text".to_owned());
    }
    if secret.len() < MIN_SECRET_CHARS {
        return Err(format!(
            "is {} characters; at least {MIN_SECRET_CHARS} are required",
            secret.len()
        ));
    }
    let mut seen = [false; 128];
    for b in secret.bytes() {
        seen[usize::from(b & 0x7f)] = true;
    }
    let distinct = seen.iter().filter(|s| **s).count();
    if distinct < MIN_DISTINCT_CHARS {
        return Err(format!(
            "has only {distinct} different characters; at least {MIN_DISTINCT_CHARS} are required"
        ));
    }
    Ok(())
}

/// The `--auth-token` values, checked.
pub fn auth_tokens(values: &[String]) -> Result<Vec<String>, CredentialError> {
    for (i, token) in values.iter().enumerate() {
        let entry = i + 1;
        if token.is_empty() {
            return Err(CredentialError::Empty {
                flag: AUTH_TOKEN,
                entry,
            });
        }
        check_strength(token).map_err(|why| CredentialError::Weak {
            flag: AUTH_TOKEN,
            entry,
            why,
        })?;
    }
    Ok(values.to_vec())
}

/// The `--aws-credentials` values as `(key id, secret)` pairs, checked.
pub fn aws_credentials(values: &[String]) -> Result<Vec<(String, String)>, CredentialError> {
    let flag = AWS_CREDENTIALS;
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let entry = i + 1;
        if value.is_empty() {
            return Err(CredentialError::Empty { flag, entry });
        }
        let Some((key_id, secret)) = value.split_once(':') else {
            return Err(CredentialError::NotAPair { flag, entry });
        };
        let key_id_ok = !key_id.is_empty()
            && key_id
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"/,:".contains(&b));
        if !key_id_ok {
            return Err(CredentialError::BadKeyId { flag, entry });
        }
        if pairs.iter().any(|(known, _)| known == key_id) {
            return Err(CredentialError::DuplicateKeyId {
                flag,
                key_id: key_id.to_owned(),
            });
        }
        check_strength(secret).map_err(|why| CredentialError::Weak {
            flag,
            entry,
            why: format!("(key id {key_id}): the secret {why}"),
        })?;
        pairs.push((key_id.to_owned(), secret.to_owned()));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRONG: &str = "9f2c4e1a7b3d8c60";

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn strength_table() {
        let cases: [(&str, bool); 9] = [
            (STRONG, true),
            ("correct-horse-battery-staple", true),
            ("0000000000000000", false),
            ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
            ("abababababababababab", false),
            ("abcde-abcde-abcde", true),
            ("short-1234", false),
            ("has a space in it 123", false),
            ("ünïcödé-sécrêt-1234", false),
        ];
        for (secret, strong) in cases {
            assert_eq!(check_strength(secret).is_ok(), strong, "{secret}");
        }
    }

    #[test]
    fn auth_tokens_are_checked_and_errors_never_show_them() {
        assert_eq!(
            auth_tokens(&strings(&[STRONG])).expect("strong"),
            vec![STRONG]
        );
        let err = auth_tokens(&strings(&[STRONG, "s3cret"])).expect_err("weak");
        let text = err.to_string();
        assert!(text.starts_with("--auth-token (BATON_AUTH_TOKENS): entry 2 is 6 characters"));
        assert!(!text.contains("s3cret"), "{text}");
        assert_eq!(
            auth_tokens(&strings(&[""])),
            Err(CredentialError::Empty {
                flag: AUTH_TOKEN,
                entry: 1
            })
        );
    }

    #[test]
    fn aws_credentials_must_be_pairs_of_a_key_id_and_a_strong_secret() {
        let good = aws_credentials(&strings(&["AKID:abc:def-0123456789"])).expect("good");
        assert_eq!(good, vec![("AKID".into(), "abc:def-0123456789".into())]);
        for (value, starts) in [
            (
                "AKIDSECRET",
                "--aws-credentials (BATON_AWS_CREDENTIALS): entry 1 is not KEY_ID:SECRET",
            ),
            (
                ":0123456789abcdef",
                "--aws-credentials (BATON_AWS_CREDENTIALS): entry 1 has a key id",
            ),
            (
                "AK/ID:0123456789abcdef",
                "--aws-credentials (BATON_AWS_CREDENTIALS): entry 1 has a key id",
            ),
            (
                "AKID:",
                "--aws-credentials (BATON_AWS_CREDENTIALS): entry 1 (key id AKID): the secret is 0 characters",
            ),
            (
                "AKID:0000000000000000000000",
                "--aws-credentials (BATON_AWS_CREDENTIALS): entry 1 (key id AKID): the secret has only 1 different",
            ),
            (
                "",
                "--aws-credentials (BATON_AWS_CREDENTIALS): entry 1 is empty",
            ),
        ] {
            let err = aws_credentials(&strings(&[value]))
                .expect_err(value)
                .to_string();
            assert!(err.starts_with(starts), "{value}: {err}");
        }
        let err = aws_credentials(&strings(&[
            "AKID:0123456789abcdef",
            "AKID:fedcba9876543210",
        ]))
        .expect_err("duplicate");
        assert_eq!(
            err.to_string(),
            "--aws-credentials (BATON_AWS_CREDENTIALS): key id AKID is given twice"
        );
    }
}
