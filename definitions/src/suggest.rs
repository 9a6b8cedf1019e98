//! "Did you mean …?": the name nearest to a misspelt one, among the names valid where it
//! was written (the fields of a state type, the states of a scope, the state types).
//!
//! Nearness is the optimal string alignment distance (edits, with a swap of two neighbours
//! as one edit: `Tpye` → `Type` is 1) between the lowercased names. A name is suggested
//! when it is at most a third of the misspelt name's length away (at least 1 edit, as rustc
//! does), and when at least one character survives (`C` never suggests `B`). Ties go to the
//! candidate listed first.

/// Names longer than this are not compared (the distance costs their product).
const MAX_CHARS: usize = 128;

/// The candidate nearest to `word`, if one is near enough (see the module docs).
pub fn nearest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let word_chars = word.chars().count();
    if word_chars == 0 || word_chars > MAX_CHARS {
        return None;
    }
    let limit = word_chars.max(3) / 3;
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &'c str)> = None;
    for candidate in candidates {
        let chars = candidate.chars().count();
        if chars.abs_diff(word_chars) > limit || chars > MAX_CHARS || candidate == word {
            continue;
        }
        let distance = strsim::osa_distance(&lower, &candidate.to_lowercase());
        if distance <= limit
            && distance < word_chars
            && best.is_none_or(|(best_distance, _)| distance < best_distance)
        {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// True when `word` looks like a misspelling of `name` (a different name, near enough).
pub fn is_near(word: &str, name: &str) -> bool {
    nearest(word, [name]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TASK: &[&str] = &["Type", "Next", "End", "Resource", "TimeoutSeconds", "Retry"];

    #[test]
    fn suggests_the_nearest_field() {
        assert_eq!(nearest("Nxt", TASK.iter().copied()), Some("Next"));
        assert_eq!(nearest("Resouce", TASK.iter().copied()), Some("Resource"));
        assert_eq!(
            nearest("TimeoutSecond", TASK.iter().copied()),
            Some("TimeoutSeconds")
        );
        assert_eq!(nearest("Tpye", TASK.iter().copied()), Some("Type"));
        assert_eq!(nearest("next", TASK.iter().copied()), Some("Next"));
        assert_eq!(nearest("NEXT", TASK.iter().copied()), Some("Next"));
    }

    #[test]
    fn does_not_suggest_what_is_far_or_the_same() {
        assert_eq!(nearest("Banana", TASK.iter().copied()), None);
        assert_eq!(nearest("C", ["A", "B"]), None);
        assert_eq!(nearest("Next", ["Next"]), None);
        assert_eq!(nearest("", ["A"]), None);
        assert_eq!(nearest("Not", ["Next"]), None);
        let long = "x".repeat(MAX_CHARS + 1);
        assert_eq!(nearest(&long, [long.as_str()]), None);
    }

    #[test]
    fn ties_go_to_the_first_listed() {
        assert_eq!(nearest("Sten", ["Step", "Stem"]), Some("Step"));
        assert!(is_near("Nxt", "Next"));
        assert!(!is_near("End", "Next"));
    }
}
