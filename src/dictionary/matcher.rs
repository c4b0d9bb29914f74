//! Finding phrases in a note: dictionary terms here, context cues and
//! section headers elsewhere, all with the same rules.
//!
//! Case-sensitive phrases (ward abbreviations such as `PE`, `AF`) are
//! searched in the note as written; the others in a lower-cased copy of the
//! note ([`Folded`], made once per note), with a map from the copy's offsets
//! back to the note's.
//!
//! Matching is whole-word: a match may not start or end inside a word (a word
//! character is any alphanumeric character); a phrase whose edge is
//! punctuation (`?`, `: no`) needs no word break at that edge. All
//! overlapping candidates are collected, the ones that fail the word test are
//! dropped, and then the leftmost-longest survive; so a longer phrase that
//! fails the word test never hides a shorter one that passes.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use super::rule::{key_text, Dictionary, Entry, Kind};
use crate::error::{Error, ErrorKind};

/// A term found in a note: a byte span and the entry that matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Match {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// Index into [`Matcher::entries`] (or into the phrase list of a
    /// [`PhraseSet`]).
    pub entry: usize,
}

/// A lower-cased copy of a note for case-insensitive matching.
#[derive(Debug, Clone)]
pub struct Folded {
    text: String,
    /// For non-ASCII notes: for every byte of `text` (and one past its end),
    /// the byte offset of the original character.
    map: Option<Vec<usize>>,
}

impl Folded {
    /// Fold `text`. For ASCII text the copy has the same offsets.
    pub fn new(text: &str) -> Folded {
        let (text, map) = fold(text);
        Folded { text, map }
    }

    /// Map a span of the copy back to the note; `None` when it starts or ends
    /// inside the expansion of one original character.
    fn original_span(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let Some(map) = &self.map else {
            return Some((start, end));
        };
        let starts_clean = start == 0 || map[start] != map[start - 1];
        let ends_clean = end == map.len() - 1 || map[end] != map[end - 1];
        (starts_clean && ends_clean).then(|| (map[start], map[end]))
    }
}

/// A compiled set of phrases, all case-sensitive or all not.
pub struct PhraseSet {
    ac: Option<AhoCorasick>,
    case_sensitive: bool,
    /// Per phrase: whether its first and its last character are word
    /// characters (and so need a word break outside them).
    edges: Vec<(bool, bool)>,
}

impl std::fmt::Debug for PhraseSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhraseSet")
            .field("phrases", &self.edges.len())
            .finish()
    }
}

impl PhraseSet {
    /// Compile `phrases`; pattern ids are their indices.
    pub fn new<S: AsRef<str>>(phrases: &[S], case_sensitive: bool) -> Result<PhraseSet, Error> {
        let keys: Vec<String> = phrases
            .iter()
            .map(|p| key_text(p.as_ref(), case_sensitive))
            .collect();
        let edges = phrases
            .iter()
            .map(|p| {
                let p = p.as_ref();
                (
                    p.chars().next().is_some_and(char::is_alphanumeric),
                    p.chars().next_back().is_some_and(char::is_alphanumeric),
                )
            })
            .collect();
        let ac = if keys.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::Standard)
                    .kind(Some(AhoCorasickKind::ContiguousNFA))
                    .build(&keys)
                    .map_err(|e| Error::new(ErrorKind::Automaton(e.to_string())))?,
            )
        };
        Ok(PhraseSet {
            ac,
            case_sensitive,
            edges,
        })
    }

    /// Push every whole-word occurrence in `text` (overlaps included).
    pub fn candidates(&self, text: &str, folded: &Folded, out: &mut Vec<Match>) {
        let Some(ac) = &self.ac else { return };
        let haystack = if self.case_sensitive { text } else { &folded.text };
        for m in ac.find_overlapping_iter(haystack) {
            let span = if self.case_sensitive {
                Some((m.start(), m.end()))
            } else {
                folded.original_span(m.start(), m.end())
            };
            let Some((start, end)) = span else { continue };
            let entry = m.pattern().as_usize();
            let (word_start, word_end) = self.edges[entry];
            if is_word_bounded(text, start, end, word_start, word_end) {
                out.push(Match { start, end, entry });
            }
        }
    }

    /// Every whole-word, leftmost-longest, non-overlapping occurrence.
    pub fn find(&self, text: &str, folded: &Folded) -> Vec<Match> {
        let mut candidates = Vec::new();
        self.candidates(text, folded, &mut candidates);
        leftmost_longest(candidates, |_| 0)
    }
}

/// Keep the leftmost, then longest, candidates that do not overlap; `rank`
/// breaks ties between equal spans (lower wins), then the entry index.
pub fn leftmost_longest(mut candidates: Vec<Match>, rank: impl Fn(&Match) -> u8) -> Vec<Match> {
    candidates.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(rank(a).cmp(&rank(b)))
            .then(a.entry.cmp(&b.entry))
    });
    let mut out: Vec<Match> = Vec::new();
    for m in candidates {
        if out.last().is_none_or(|last| m.start >= last.end) {
            out.push(m);
        }
    }
    out
}

/// The compiled dictionary. Build once, share by reference.
///
/// The terms are split into three automata — case-sensitive terms, and the
/// other problems and medications — built in parallel.
pub struct Matcher {
    entries: Vec<Entry>,
    /// Each automaton with, per pattern id, the entry index.
    sets: Vec<(PhraseSet, Vec<usize>)>,
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
        // `Some(true)`: medications only; `Some(false)`: everything else.
        let build =
            |case_sensitive: bool, medications: Option<bool>| -> Result<(PhraseSet, Vec<usize>), Error> {
                let (terms, ids): (Vec<&str>, Vec<usize>) = entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| {
                        e.case_sensitive == case_sensitive
                            && medications.is_none_or(|meds| (e.kind == Kind::Medication) == meds)
                    })
                    .map(|(i, e)| (e.term.as_str(), i))
                    .unzip();
                Ok((PhraseSet::new(&terms, case_sensitive)?, ids))
            };
        let (sensitive, (problems, medications)) = rayon::join(
            || build(true, None),
            || rayon::join(|| build(false, Some(false)), || build(false, Some(true))),
        );
        Ok(Matcher {
            sets: vec![sensitive?, problems?, medications?],
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
        self.find_folded(text, &Folded::new(text))
    }

    /// As [`Matcher::find`], with the note's folded copy already made.
    pub fn find_folded(&self, text: &str, folded: &Folded) -> Vec<Match> {
        let mut all: Vec<Match> = Vec::new();
        let mut found = Vec::new();
        for (set, ids) in &self.sets {
            found.clear();
            set.candidates(text, folded, &mut found);
            all.extend(found.iter().map(|m| Match {
                entry: ids[m.entry],
                ..*m
            }));
        }
        // On equal spans a case-sensitive entry wins.
        leftmost_longest(all, |m| u8::from(!self.entries[m.entry].case_sensitive))
    }
}

/// Whether `text[start..end]` neither starts nor ends inside a word, checking
/// only the edges that are word characters in the phrase.
fn is_word_bounded(text: &str, start: usize, end: usize, word_start: bool, word_end: bool) -> bool {
    let before_ok = !word_start
        || !text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
    let after_ok = !word_end || !text[end..].chars().next().is_some_and(char::is_alphanumeric);
    before_ok && after_ok
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

    #[test]
    fn punctuation_edges_need_no_word_break() {
        let set = PhraseSet::new(&["?", ": no", "no"], false).unwrap();
        let text = "?PE. Cough: no. Nothing";
        let folded = Folded::new(text);
        let got: Vec<&str> = set
            .find(text, &folded)
            .iter()
            .map(|m| &text[m.start..m.end])
            .collect();
        assert_eq!(got, ["?", ": no"]);
    }
}
