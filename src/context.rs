//! Assertions: whether a finding is negated, uncertain, historical, about a
//! relative, or hypothetical.
//!
//! This is the interim rule: within the finding's sentence, `no`, `denies` or
//! `nil` anywhere before the finding negates it; a `?` (optionally followed
//! by a space) or the word `query` right before it makes it uncertain.
//! Historical, family and hypothetical stay false until the context engine
//! replaces this rule.

use serde::Serialize;

/// The assertion flags of a finding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Assertion {
    /// The note says the finding is absent.
    pub negated: bool,
    /// The note says the finding is possible or suspected.
    pub uncertain: bool,
    /// The finding is past or resolved.
    pub historical: bool,
    /// The finding belongs to a relative, not the patient.
    pub family: bool,
    /// The finding is conditional or planned ("if chest pain recurs").
    pub hypothetical: bool,
}

const NEGATION_CUES: &[&str] = &["no", "denies", "nil"];

/// Assess the finding at `text[start..end]` whose sentence begins at
/// `sentence_start`.
pub fn assess(text: &str, sentence_start: usize, start: usize) -> Assertion {
    let before = &text[sentence_start..start];
    let negated = before
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| NEGATION_CUES.iter().any(|cue| word.eq_ignore_ascii_case(cue)));
    let trimmed = before.trim_end();
    let last_word = trimmed
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("");
    let uncertain = before.ends_with('?')
        || before.ends_with("? ")
        || (last_word.eq_ignore_ascii_case("query") && trimmed.len() < before.len());
    Assertion {
        negated,
        uncertain,
        ..Assertion::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(sentence: &str, term: &str) -> (bool, bool) {
        let start = sentence.find(term).unwrap();
        let a = assess(sentence, 0, start);
        (a.negated, a.uncertain)
    }

    #[test]
    fn interim_rule() {
        let table = [
            ("No chest pain", "chest pain", (true, false)),
            ("Denies fever or cough", "cough", (true, false)),
            ("nil SOB", "SOB", (true, false)),
            ("?PE", "PE", (false, true)),
            ("? PE", "PE", (false, true)),
            ("query sepsis", "sepsis", (false, true)),
            ("Known AF", "AF", (false, false)),
            ("Nothing acute, AF", "AF", (false, false)),
        ];
        for (sentence, term, want) in table {
            assert_eq!(flags(sentence, term), want, "{sentence:?}");
        }
    }
}
