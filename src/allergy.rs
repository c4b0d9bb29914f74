//! Allergies: which drug mentions are allergens, their reactions, and
//! allergy statements ("NKDA").
//!
//! A drug is an allergen, not a medication, when it is named under the
//! allergies section, or in a clause after "allergic to", "intolerant of"…,
//! or right before "allergy", "intolerance"… (the cues are data:
//! `dictionaries/context/allergy_cues.tsv`). A problem named after an
//! allergen in the same list item ("penicillin (rash)", "codeine –
//! vomiting") is its reaction, not a problem of the patient's. An allergy
//! statement ("NKDA", "no known drug allergies") is read without context
//! cues; a real allergy in the same note overrides it.

use std::ops::Range;

use crate::error::{Error, ErrorKind};

/// The embedded allergen cues.
pub const EMBEDDED_CUES: &str = include_str!("../dictionaries/context/allergy_cues.tsv");

/// Compiled allergen cues.
#[derive(Debug, Clone)]
pub struct AllergyCues {
    before: Vec<String>,
    after: Vec<String>,
    /// The longest `after` phrase, in bytes.
    after_chars: usize,
}

impl AllergyCues {
    /// Parse a `phrase<TAB>position` file.
    pub fn from_tsv(name: &str, contents: &str) -> Result<AllergyCues, Error> {
        let (mut before, mut after) = (Vec::new(), Vec::new());
        let mut seen_header = false;
        for (i, line) in contents.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if !seen_header {
                seen_header = line == "phrase\tposition";
                if !seen_header {
                    return Err(Error::new(ErrorKind::Dictionary {
                        source_name: name.into(),
                        line: i + 1,
                        reason: "expected the header `phrase<TAB>position`".into(),
                    }));
                }
                continue;
            }
            match line.split_once('\t') {
                Some((phrase, "before")) => before.push(phrase.to_lowercase()),
                Some((phrase, "after")) => after.push(phrase.to_lowercase()),
                _ => {
                    return Err(Error::new(ErrorKind::Dictionary {
                        source_name: name.into(),
                        line: i + 1,
                        reason: "expected a phrase and `before` or `after`".into(),
                    }))
                }
            }
        }
        let after_chars = after.iter().map(String::len).max().unwrap_or(0);
        Ok(AllergyCues {
            before,
            after,
            after_chars,
        })
    }

    /// The embedded cues.
    pub fn embedded() -> Result<AllergyCues, Error> {
        AllergyCues::from_tsv("<embedded>/context/allergy_cues.tsv", EMBEDDED_CUES)
    }

    /// Whether the drug at `span`, in `clause` and `section`, is named as an
    /// allergen.
    pub fn is_allergen(
        &self,
        text: &str,
        span: &Range<usize>,
        clause: &Range<usize>,
        section: Option<&str>,
    ) -> bool {
        if section == Some("allergies") {
            return true;
        }
        let before = text[clause.start.min(span.start)..span.start].to_lowercase();
        if self.before.iter().any(|p| before.contains(p.as_str())) {
            return true;
        }
        // Only the head of the rest can hold a phrase and the character after
        // it: each character lowers to at least one byte, and one more keeps
        // a final sigma's context.
        let rest = text[span.end..].trim_start();
        let head = rest
            .char_indices()
            .nth(self.after_chars + 2)
            .map_or(rest, |(i, _)| &rest[..i]);
        let after = head.to_lowercase();
        self.after.iter().any(|p| {
            after.starts_with(p.as_str()) && !after[p.len()..].starts_with(|c: char| c.is_alphanumeric())
        })
    }
}

/// Whether the problem at `reaction` is the reaction of the allergen at
/// `allergen`: after it, in the same list item (no `,`, `;` or line break
/// between), and close (within 40 bytes).
pub fn is_reaction(text: &str, allergen: &Range<usize>, reaction: &Range<usize>) -> bool {
    reaction.start >= allergen.end
        && reaction.start - allergen.end <= 40
        && !text[allergen.end..reaction.start].contains([',', ';', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allergen_contexts() {
        let cues = AllergyCues::embedded().unwrap();
        let check = |text: &str, drug: &str, section: Option<&str>| {
            let at = text.find(drug).unwrap();
            cues.is_allergen(text, &(at..at + drug.len()), &(0..text.len()), section)
        };
        assert!(check("Allergic to codeine - vomiting", "codeine", None));
        assert!(check("Penicillin allergy (rash)", "Penicillin", None));
        assert!(check("penicillin (rash)", "penicillin", Some("allergies")));
        assert!(!check("Started codeine 30mg QDS", "codeine", None));
        assert!(!check("Penicillin allergyless", "Penicillin", None));
        let text = "penicillin (rash), codeine - vomiting";
        assert!(is_reaction(text, &(0..10), &(12..16)));
        assert!(!is_reaction(text, &(0..10), &(29..37)));
    }
}
