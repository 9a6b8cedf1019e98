//! What the client commands read: JSON arguments (`'{"a":1}'`, `@file`, `@-`) and
//! definition files (JSON or YAML).

use std::io::Read;

use serde_json::Value;

use super::error::CliError;

/// The text of `path`, or of standard input for `-`.
pub fn read_text(path: &str) -> Result<Vec<u8>, CliError> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| CliError::Input(format!("cannot read standard input: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| CliError::Input(format!("cannot read {path}: {e}")))
}

/// A JSON argument: the JSON itself, or `@FILE` (`@-` for standard input). `what` names
/// the option in errors (`--input`).
pub fn json_arg(what: &str, arg: &str) -> Result<Value, CliError> {
    let (text, source) = match arg.strip_prefix('@') {
        Some(path) => {
            let bytes = read_text(path)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| CliError::Input(format!("{what}: {path} is not UTF-8 text")))?;
            (text, format!(" (from {path})"))
        }
        None => (arg.to_owned(), String::new()),
    };
    serde_json::from_str(&text).map_err(|e| {
        CliError::Input(format!(
            "{what}{source} is not JSON: {e} (give JSON such as '{{\"n\": 1}}', or @FILE)"
        ))
    })
}

/// A definition file's bytes and the content type to send them with: YAML for `.yaml` and
/// `.yml` files and for text that does not start with `{`; JSON otherwise.
pub fn definition(path: &str) -> Result<(Vec<u8>, &'static str), CliError> {
    let bytes = read_text(path)?;
    let lower = path.to_ascii_lowercase();
    let yaml = if lower.ends_with(".yaml") || lower.ends_with(".yml") {
        true
    } else if lower.ends_with(".json") {
        false
    } else {
        let text = String::from_utf8_lossy(&bytes);
        !text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
    };
    let content_type = if yaml {
        "application/yaml"
    } else {
        "application/json"
    };
    Ok((bytes, content_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_arguments_are_checked_here() {
        assert_eq!(json_arg("--input", r#"{"n": 1}"#).unwrap()["n"], 1);
        let e = json_arg("--input", "{n: 1}").unwrap_err().to_string();
        assert!(
            e.starts_with("--input is not JSON: key must be a string at line 1 column 2"),
            "{e}"
        );
        let e = json_arg("--input", "@/no/such/file")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read /no/such/file"), "{e}");
    }

    #[test]
    fn yaml_is_told_by_extension_or_content() {
        let dir = std::env::temp_dir().join(format!("baton-cli-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            ("a.asl.yaml", "{\"StartAt\": \"A\"}", "application/yaml"),
            ("a.json", "StartAt: A", "application/json"),
            ("a.asl", "  {\"StartAt\": \"A\"}", "application/json"),
            ("b.asl", "StartAt: A\n", "application/yaml"),
        ];
        for (name, text, expected) in cases {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            let (_, content_type) = definition(path.to_str().unwrap()).unwrap();
            assert_eq!(content_type, expected, "{name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
