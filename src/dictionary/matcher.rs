//! Finding dictionary terms in a note.
//!
//! Two automata are built once: one over case-sensitive terms (ward
//! abbreviations such as `PE`, `AF`) run on the note as written, and one over
//! folded terms run on a lower-cased copy of the note, with a map from the
//! copy's offsets back to the note's.
//!
//! Matching is whole-word: a match may not start or end inside a word (a word
//! character is any alphanumeric character). All overlapping candidates are
//! collected, the ones that fail the word test are dropped, and then the
//! leftmost-longest survive; so a longer term that fails the word test never
//! hides a shorter one that passes.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::rule::{key_text, Dictionary, Entry};
use crate::error::{Error, ErrorKind};

/// A term found in a note: a byte span and the entry that matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// Index into [`Matcher::entries`].
    pub entry: usize,
}

struct Automaton {
    ac: AhoCorasick,
    /// Pattern id → entry index.
    entries: Vec<usize>,
}

/// The compiled dictionary. Build once, share by reference.
pub struct Matcher {
    entries: Vec<Entry>,
    sensitive: Option<Automaton>,
    insensitive: Option<Automaton>,
}

impl std::fmt::Debug for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Matcher")
            .field("entries", &self.entries.len())
            .finish()
    }
}

impl Matcher {
    /// Compile a dictionary.
    pub fn new(dictionary: &Dictionary) -> Result<Matcher, Error> {
        let entries: Vec<Entry> = dictionary.entries().cloned().collect();
        let build = |case_sensitive: bool| -> Result<Option<Automaton>, Error> {
            let mut patterns = Vec::new();
            let mut ids = Vec::new();
            for (i, e) in entries.iter().enumerate() {
                if e.case_sensitive == case_sensitive {
                    patterns.push(key_text(&e.term, case_sensitive));
                    ids.push(i);
                }
            }
            if patterns.is_empty() {
                return Ok(None);
            }
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::ContiguousNFA))
                .build(&patterns)
                .map_err(|e| Error::new(ErrorKind::Automaton(e.to_string())))?;
            Ok(Some(Automaton { ac, entries: ids }))
        };
        Ok(Matcher {
            sensitive: build(true)?,
            insensitive: build(false)?,
            entries,
        })
    }

    /// The entries, indexed by [`Match::entry`].
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Every whole-word, leftmost-longest, non-overlapping match in `text`,
    /// in order.
    pub fn find(&self, text: &str) -> Vec<Match> {
        // (start, end, case-insensitive?, entry)
        let mut candidates: Vec<(usize, usize, bool, usize)> = Vec::new();
        if let Some(a) = &self.sensitive {
            for m in a.ac.find_overlapping_iter(text) {
                if is_word_bounded(text, m.start(), m.end()) {
                    candidates.push((m.start(), m.end(), false, a.entries[m.pattern().as_usize()]));
                }
            }
        }
        if let Some(a) = &self.insensitive {
            let (folded, map) = fold(text);
            for m in a.ac.find_overlapping_iter(&folded) {
                let span = match &map {
                    None => Some((m.start(), m.end())),
                    Some(map) => original_span(map, m.start(), m.end()),
                };
                if let Some((start, end)) = span {
                    if is_word_bounded(text, start, end) {
                        candidates.push((start, end, true, a.entries[m.pattern().as_usize()]));
                    }
                }
            }
        }
        // Leftmost first, then longest, then case-sensitive before folded.
        candidates.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.cmp(&a.1))
                .then(a.2.cmp(&b.2))
                .then(a.3.cmp(&b.3))
        });
        let mut out = Vec::new();
        let mut last_end = 0;
        for (start, end, _, entry) in candidates {
            if start >= last_end {
                out.push(Match { start, end, entry });
                last_end = end;
            }
        }
        out
    }
}

/// Whether `text[start..end]` neither starts nor ends inside a word.
fn is_word_bounded(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// Map a span of the folded copy back to the note; `None` when it starts or
/// ends inside the expansion of one original character.
fn original_span(map: &[usize], start: usize, end: usize) -> Option<(usize, usize)> {
    let starts_clean = start == 0 || map[start] != map[start - 1];
    let ends_clean = end == map.len() - 1 || map[end] != map[end - 1];
    (starts_clean && ends_clean).then(|| (map[start], map[end]))
}

/// Lower-case `text` for matching. For ASCII text the copy has the same
/// offsets and no map is needed; otherwise the map gives, for every byte of
/// the copy (and one past its end), the byte offset of the original character.
pub(crate) fn fold(text: &str) -> (String, Option<Vec<usize>>) {
    if text.is_ascii() {
        return (text.to_ascii_lowercase(), None);
    }
    let mut folded = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    for (offset, ch) in text.char_indices() {
        for lower in ch.to_lowercase() {
            folded.push(lower);
            map.extend(std::iter::repeat_n(offset, lower.len_utf8()));
        }
    }
    map.push(text.len());
    (folded, Some(map))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "term\tkind\tdisplay\tsystem\tcode\tcase\tchronic\talso\n";

    fn matcher(rows: &[(&str, &str)]) -> Matcher {
        let mut tsv = HEAD.to_string();
        for (i, (term, case)) in rows.iter().enumerate() {
            tsv.push_str(&format!(
                "{term}\tproblem\t{term}\thttp://snomed.info/sct\t{i}\t{case}\tno\t\n"
            ));
        }
        let mut dict = Dictionary::new();
        dict.add_tsv("t", &tsv).unwrap();
        Matcher::new(&dict).unwrap()
    }

    fn found<'a>(m: &Matcher, text: &'a str) -> Vec<&'a str> {
        m.find(text).iter().map(|x| &text[x.start..x.end]).collect()
    }

    #[test]
    fn whole_words_leftmost_longest() {
        let m = matcher(&[
            ("chest pain", "i"),
            ("pain", "i"),
            ("PE", "s"),
            ("MI", "s"),
            ("pain in", "i"),
        ]);
        let table: &[(&str, &[&str])] = &[
            ("No chest pain.", &["chest pain"]),
            ("CHEST PAIN", &["CHEST PAIN"]),
            ("?PE vs MI", &["PE", "MI"]),
            ("PEG tube, NSTEMI, pe", &[]),
            ("pleased after mild pain", &["pain"]),
            // "pain in" fails the word test at its end; "pain" must still be found.
            ("pain inside", &["pain"]),
            ("chest pains", &[]),
        ];
        for (text, want) in table {
            assert_eq!(found(&m, text), *want, "{text:?}");
        }
    }

    #[test]
    fn folds_non_ascii() {
        let m = matcher(&[("anaemia", "i"), ("café", "i"), ("oedème", "i")]);
        let text = "38.5°C – ANAEMIA, CAFÉ, OEDÈME";
        assert_eq!(found(&m, text), ["ANAEMIA", "CAFÉ", "OEDÈME"]);
        // A letter whose lower case is longer than itself (İ → i̇) keeps offsets right.
        let m = matcher(&[("fall", "i")]);
        assert_eq!(found(&m, "İİ FALL İ"), ["FALL"]);
    }
}
