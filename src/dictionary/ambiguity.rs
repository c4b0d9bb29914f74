//! Ambiguous terms: a neighbouring token can veto a term's dictionary sense.
//!
//! Rules come from `dictionaries/context/ambiguity.tsv` (`term<TAB>side<TAB>token<TAB>`…):
//! for an entry flagged `ambiguous`, the token right before (`before`) or
//! right after (`after`) the match that equals `token` (ignoring case) vetoes
//! the match. "sats 95% on RA": "on" before RA, so not rheumatoid arthritis.
//! A token is a run of letters and digits, or one other non-space character.

use std::collections::BTreeMap;

use super::matcher::Match;
use super::rule::Entry;
use crate::error::{Error, ErrorKind};

/// The embedded ambiguity rules.
pub const EMBEDDED_AMBIGUITY: &str = include_str!("../../dictionaries/context/ambiguity.tsv");

/// Compiled ambiguity rules.
#[derive(Debug, Clone, Default)]
pub struct AmbiguityRules {
    /// Folded term → (before tokens, after tokens), folded.
    rules: BTreeMap<String, (Vec<String>, Vec<String>)>,
}

impl AmbiguityRules {
    /// Parse a rule file.
    pub fn from_tsv(name: &str, contents: &str) -> Result<AmbiguityRules, Error> {
        let err = |line: usize, reason: &str| {
            Error::new(ErrorKind::Dictionary {
                source_name: name.to_string(),
                line,
                reason: reason.to_string(),
            })
        };
        let mut rules: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
        let mut seen_header = false;
        for (i, line) in contents.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if !seen_header {
                if line != "term\tside\ttoken\treason" && line != "term\tside\ttoken" {
                    return Err(err(i + 1, "expected the header `term<TAB>side<TAB>token`"));
                }
                seen_header = true;
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 3 || cols[0].is_empty() || cols[2].is_empty() {
                return Err(err(i + 1, "expected a term, a side and a token"));
            }
            let entry = rules.entry(cols[0].to_lowercase()).or_default();
            match cols[1] {
                "before" => entry.0.push(cols[2].to_lowercase()),
                "after" => entry.1.push(cols[2].to_lowercase()),
                _ => return Err(err(i + 1, "side must be `before` or `after`")),
            }
        }
        Ok(AmbiguityRules { rules })
    }

    /// The embedded rules.
    pub fn embedded() -> Result<AmbiguityRules, Error> {
        AmbiguityRules::from_tsv("<embedded>/context/ambiguity.tsv", EMBEDDED_AMBIGUITY)
    }

    /// Whether the match's neighbours veto it.
    pub fn vetoes(&self, text: &str, m: &Match, entry: &Entry) -> bool {
        if !entry.ambiguous {
            return false;
        }
        let Some((before, after)) = self.rules.get(&entry.term.to_lowercase()) else {
            return false;
        };
        let prev = token_before(&text[..m.start]).to_lowercase();
        let next = token_after(&text[m.end..]).to_lowercase();
        before.contains(&prev) || after.contains(&next)
    }
}

fn token_before(text: &str) -> &str {
    let t = text.trim_end();
    match t.chars().next_back() {
        Some(c) if c.is_alphanumeric() => {
            let start = t
                .char_indices()
                .rev()
                .find(|(_, c)| !c.is_alphanumeric())
                .map_or(0, |(i, c)| i + c.len_utf8());
            &t[start..]
        }
        Some(c) => &t[t.len() - c.len_utf8()..],
        None => "",
    }
}

fn token_after(text: &str) -> &str {
    let t = text.trim_start();
    match t.chars().next() {
        Some(c) if c.is_alphanumeric() => {
            let end = t.find(|c: char| !c.is_alphanumeric()).unwrap_or(t.len());
            &t[..end]
        }
        Some(c) => &t[..c.len_utf8()],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(token_before("sats 95% on "), "on");
        assert_eq!(token_before("95%"), "%");
        assert_eq!(token_before("é café "), "café");
        assert_eq!(token_after(": clear"), ":");
        assert_eq!(token_after("  normal."), "normal");
        assert_eq!(token_after(""), "");
    }
}
