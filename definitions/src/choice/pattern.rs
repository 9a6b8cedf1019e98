//! `StringMatches` patterns, compiled once when the definition is parsed.
//!
//! Only `*` is special: it matches any run of characters, the empty one included. `\*` is a
//! literal star and `\\` a literal backslash (written `"\\*"` and `"\\\\"` in JSON). A
//! backslash before any other character stands for that character (`\a` is `a`). A
//! backslash at the very end has nothing to escape and is rejected.

/// One step of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    /// One or more consecutive unescaped `*`.
    Star,
}

/// A compiled `StringMatches` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern {
    tokens: Vec<Token>,
}

/// The only way a pattern text can be malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DanglingEscape;

impl Pattern {
    pub(crate) fn compile(text: &str) -> Result<Pattern, DanglingEscape> {
        let mut tokens = Vec::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            let token = match c {
                '\\' => Token::Char(chars.next().ok_or(DanglingEscape)?),
                '*' => Token::Star,
                c => Token::Char(c),
            };
            if !(token == Token::Star && tokens.last() == Some(&Token::Star)) {
                tokens.push(token);
            }
        }
        Ok(Pattern { tokens })
    }

    /// True when the whole of `s` matches.
    ///
    /// Greedy matching that, on a mismatch, retries from the last star with one more
    /// character consumed by it: O(len(s) × len(pattern)) at worst, no recursion.
    pub(crate) fn matches(&self, s: &str) -> bool {
        let s: Vec<char> = s.chars().collect();
        let p = &self.tokens;
        let (mut i, mut j) = (0, 0);
        // (pattern index after the last star, text index that star matched up to)
        let mut backtrack: Option<(usize, usize)> = None;
        while i < s.len() {
            match p.get(j) {
                Some(Token::Char(c)) if *c == s[i] => {
                    i += 1;
                    j += 1;
                }
                Some(Token::Star) => {
                    j += 1;
                    backtrack = Some((j, i));
                }
                _ => match backtrack {
                    Some((after_star, star_end)) => {
                        j = after_star;
                        i = star_end + 1;
                        backtrack = Some((after_star, i));
                    }
                    None => return false,
                },
            }
        }
        p[j.min(p.len())..].iter().all(|t| *t == Token::Star)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, s: &str) -> bool {
        Pattern::compile(pattern).unwrap().matches(s)
    }

    #[test]
    fn spec_examples() {
        assert!(m("foo*.log", "foo23.log"));
        assert!(m("*.log", "zebra.log"));
        assert!(m("foo*.*", "foobar.zebra"));
        assert!(!m("foo*.log", "foo23.txt"));
        assert!(!m("foo*.log", "xfoo23.log"));
    }

    #[test]
    fn stars_and_edges() {
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("*", ""));
        assert!(m("**", "anything"));
        assert!(m("a*b*c", "abc"));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("*a", "aaa"));
        assert!(!m("a", "aa"));
        assert!(m("héllo*", "héllo wörld"));
        assert!(m("?", "?"));
        assert!(!m("?", "x"));
        assert!(m("[a]", "[a]"));
    }

    #[test]
    fn escapes() {
        assert!(m(r"a\*b", "a*b"));
        assert!(!m(r"a\*b", "axb"));
        assert!(m(r"a\\*", r"a\anything"));
        assert!(!m(r"a\\*", "a"));
        assert!(m(r"\a", "a"));
        assert!(m(r"\\", r"\"));
        assert_eq!(Pattern::compile(r"abc\"), Err(DanglingEscape));
        assert_eq!(Pattern::compile(r"\"), Err(DanglingEscape));
        assert!(Pattern::compile(r"\\").is_ok());
    }
}
