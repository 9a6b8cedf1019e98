//! JSONPath queries (wildcards, filters, slices, unions, descent) through `jsonpath-rust`.
//!
//! ASL paths follow Jayway's syntax, which is looser than RFC 9535 about member names
//! (`$.foo-bar`). Before compiling, dot-notation names are rewritten into bracket notation;
//! bracket selections are passed through as written.

use jsonpath_rust::parser::model::JpQuery;
use jsonpath_rust::parser::parse_json_path;
use jsonpath_rust::query::js_path_process;
use serde_json::Value;

use super::PathError;

#[derive(Clone, Debug)]
pub(super) struct Query {
    compiled: JpQuery,
}

impl Query {
    /// Compiles what follows the root.
    pub(super) fn compile(rest: &str) -> Result<Query, PathError> {
        let rfc = to_rfc9535(rest)?;
        let compiled = parse_json_path(&rfc).map_err(|e| {
            PathError::new(format!("the path '${rest}' is not a valid JSONPath: {e}"))
        })?;
        Ok(Query { compiled })
    }

    /// Every match, in document order.
    pub(super) fn select(&self, root: &Value) -> Vec<Value> {
        match js_path_process(&self.compiled, root) {
            Ok(matches) => matches.into_iter().map(|m| m.val.clone()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

fn to_rfc9535(rest: &str) -> Result<String, PathError> {
    let chars: Vec<char> = rest.chars().collect();
    let mut out = String::from("$");
    let mut i = 0;
    let bad = |why: &str| PathError::new(format!("the path '${rest}' {why}"));
    while i < chars.len() {
        match chars[i] {
            '.' => {
                i += 1;
                if chars.get(i) == Some(&'.') {
                    out.push_str("..");
                    i += 1;
                    if chars.get(i) == Some(&'[') {
                        continue;
                    }
                } else {
                    out.push('.');
                }
                if chars.get(i) == Some(&'*') {
                    out.push('*');
                    i += 1;
                    continue;
                }
                let mut name = String::new();
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    if let Some(c) = chars.get(i) {
                        name.push(*c);
                    }
                    i += 1;
                }
                if name.is_empty() {
                    return Err(bad("has an empty name"));
                }
                // `.name` → `['name']`; a trailing '.' from the branch above is replaced.
                if out.ends_with('.') && !out.ends_with("..") {
                    out.pop();
                }
                out.push_str("['");
                for c in name.chars() {
                    if c == '\'' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push_str("']");
            }
            '[' => {
                let start = i;
                let mut depth = 0usize;
                let mut quote: Option<char> = None;
                loop {
                    let Some(&c) = chars.get(i) else {
                        return Err(bad("has an unclosed '['"));
                    };
                    match quote {
                        Some(q) => {
                            if c == '\\' {
                                i += 1;
                            } else if c == q {
                                quote = None;
                            }
                        }
                        None => match c {
                            '\'' | '"' => quote = Some(c),
                            '[' => depth += 1,
                            ']' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        },
                    }
                    i += 1;
                }
                out.extend(&chars[start..=i]);
                i += 1;
            }
            c => return Err(bad(&format!("has '{c}' where '.' or '[' was expected"))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_dot_names() {
        assert_eq!(to_rfc9535(".a[*].foo-bar").unwrap(), "$['a'][*]['foo-bar']");
        assert_eq!(to_rfc9535("..x").unwrap(), "$..['x']");
        assert_eq!(to_rfc9535("..*").unwrap(), "$..*");
        assert_eq!(to_rfc9535(".*").unwrap(), "$.*");
        assert_eq!(
            to_rfc9535("[?(@.n > 1)].id").unwrap(),
            "$[?(@.n > 1)]['id']"
        );
        assert_eq!(to_rfc9535(".a['b]']").unwrap(), "$['a']['b]']");
    }

    #[test]
    fn reports_unclosed_brackets() {
        assert!(to_rfc9535("[?(@.a").is_err());
        assert!(to_rfc9535("['a").is_err());
    }
}
