//! Sections and sentences: the regions a finding's context is read within.
//!
//! # Sections
//!
//! Section headers come from a rule file (`dictionaries/context/sections.tsv`,
//! columns `header` and `section`). A header counts when, ignoring case:
//!
//! * it starts a line (after white space or a bullet) and is followed by `:`,
//!   by ` - `, or by nothing else on its line (`PLAN` alone);
//! * or it follows a sentence end (`. Plan: …`) and is followed by `:`.
//!
//! A section runs from its header to the next header, and ends sooner: a
//! header with content on its own line ("FH: mother breast ca") heads that
//! line and the list lines right below it (bullets, numbers, indentation); a
//! header alone on its line heads everything up to the first blank line after
//! some content.
//!
//! # Sentences
//!
//! Ward notes are line-oriented, so a line break always ends a sentence. A
//! `.` or `!` ends one when followed by white space or the end of the note (so
//! `2.5mg` and `38.5` do not); a `?` ends one only when it follows a word and
//! precedes white space (so `?PE` and `? PE` are cues, not ends). An end
//! inside a finding ("C. diff", "Anh. dasatinib") is dropped
//! ([`Sentences::keep_whole`]): a finding always lies within one sentence.
//!
//! A sentence longer than [`MAX_SENTENCE_BYTES`] is cut after the first white
//! space once that length is reached (or, in text without white space, after
//! any character that is not a letter or digit), never inside a finding; so
//! a megabyte without punctuation is a run of bounded sentences, and every
//! scope read within one stays bounded. No sentence of ordinary clinical
//! prose comes near the limit.

use std::ops::Range;

use regex::Regex;

use crate::dictionary::Match;
use crate::error::{Error, ErrorKind};

/// The longest sentence, in bytes, before it is cut (see the module docs).
pub const MAX_SENTENCE_BYTES: usize = 2048;

/// The sentences of a note, as byte ranges in order.
#[derive(Debug, Clone)]
pub struct Sentences {
    /// Byte offsets where a sentence starts, ascending, starting with 0.
    starts: Vec<usize>,
    len: usize,
}

impl Sentences {
    /// Split `text` (cutting sentences over [`MAX_SENTENCE_BYTES`]).
    pub fn new(text: &str) -> Sentences {
        Sentences::avoiding(text, &[])
    }

    /// Split `text`, never cutting an over-long sentence inside one of
    /// `spans` (the findings, sorted by start).
    pub fn avoiding(text: &str, spans: &[Match]) -> Sentences {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let next_is_space = bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
            let ends = match b {
                b'\n' => true,
                b'.' | b'!' => next_is_space,
                b'?' => next_is_space && i > 0 && bytes[i - 1].is_ascii_alphanumeric(),
                _ => false,
            };
            if ends && i + 1 < bytes.len() {
                if i + 1 - starts[starts.len() - 1] > MAX_SENTENCE_BYTES {
                    cut_long(text, spans, &mut starts, i + 1);
                }
                starts.push(i + 1);
            }
        }
        if bytes.len() - starts[starts.len() - 1] > MAX_SENTENCE_BYTES {
            cut_long(text, spans, &mut starts, bytes.len());
        }
        starts.dedup();
        Sentences {
            starts,
            len: text.len(),
        }
    }

    /// Drop the sentence ends that fall inside any of `spans`: a finding
    /// such as "C. diff" or "Anh. dasatinib" is never cut in two, so the
    /// sentence holding a finding's start holds all of it.
    pub fn keep_whole(&mut self, spans: impl IntoIterator<Item = Range<usize>>) {
        let mut spans: Vec<Range<usize>> = spans.into_iter().filter(|s| s.start + 1 < s.end).collect();
        spans.sort_unstable_by_key(|s| s.start);
        let mut next = 0;
        // The furthest end of the spans starting before the sentence start.
        let mut reach = 0;
        self.starts.retain(|&at| {
            while next < spans.len() && spans[next].start < at {
                reach = reach.max(spans[next].end);
                next += 1;
            }
            at == 0 || at >= reach
        });
    }

    /// The sentence holding byte offset `at`.
    pub fn around(&self, at: usize) -> Range<usize> {
        let i = self.starts.partition_point(|&s| s <= at).saturating_sub(1);
        let end = self.starts.get(i + 1).copied().unwrap_or(self.len);
        self.starts[i]..end
    }
}

/// Cut the sentence from the last of `starts` to `end` into pieces of at
/// least [`MAX_SENTENCE_BYTES`]: each piece ends after the first white space
/// once it is long enough, or with no white space in another
/// [`MAX_SENTENCE_BYTES`], after the first character that is not a letter or
/// digit; never inside a span.
fn cut_long(text: &str, spans: &[Match], starts: &mut Vec<usize>, end: usize) {
    let mut start = starts[starts.len() - 1];
    let mut at = start + MAX_SENTENCE_BYTES;
    while at < end {
        // Inside a span: move to its end.
        let i = spans.partition_point(|m| m.start < at);
        if let Some(m) = i.checked_sub(1).map(|i| spans[i]).filter(|m| m.end > at) {
            at = m.end;
            continue;
        }
        let prev = text.get(..at).and_then(|t| t.chars().next_back());
        let desperate = at - start >= 2 * MAX_SENTENCE_BYTES;
        if prev.is_some_and(|c| c.is_whitespace() || desperate && !c.is_alphanumeric()) {
            starts.push(at);
            start = at;
            at += MAX_SENTENCE_BYTES;
        } else {
            at += 1;
        }
    }
}

/// Where a note's `,`, `;` and `)` stand, so that asking whether a span
/// holds one costs a binary search, not a scan of the span.
#[derive(Debug, Clone, Default)]
pub struct Separators {
    commas: Vec<usize>,
    semicolons: Vec<usize>,
    parens: Vec<usize>,
}

/// The positions in `list` (ascending) that fall in `range`.
fn within<'a>(list: &'a [usize], range: &Range<usize>) -> &'a [usize] {
    let from = list.partition_point(|&p| p < range.start);
    let to = list.partition_point(|&p| p < range.end);
    &list[from..to.max(from)]
}

impl Separators {
    /// Index `text`.
    pub fn new(text: &str) -> Separators {
        let mut out = Separators::default();
        for (i, b) in text.bytes().enumerate() {
            match b {
                b',' => out.commas.push(i),
                b';' => out.semicolons.push(i),
                b')' => out.parens.push(i),
                _ => {}
            }
        }
        out
    }

    /// The commas in `range`, in order.
    pub fn commas(&self, range: &Range<usize>) -> &[usize] {
        within(&self.commas, range)
    }

    /// Whether `range` holds a `,`.
    pub fn has_comma(&self, range: &Range<usize>) -> bool {
        !self.commas(range).is_empty()
    }

    /// Whether `range` holds a `;`.
    pub fn has_semicolon(&self, range: &Range<usize>) -> bool {
        !within(&self.semicolons, range).is_empty()
    }

    /// Whether `range` holds a `)`.
    pub fn has_paren(&self, range: &Range<usize>) -> bool {
        !within(&self.parens, range).is_empty()
    }

    /// The clause around `span` in `sentence`: from after the last `,` or
    /// `;` before the span to before the first one after it. It always
    /// holds the span.
    pub fn clause(&self, sentence: &Range<usize>, span: &Range<usize>) -> Range<usize> {
        let before = sentence.start..span.start.max(sentence.start);
        let last = |list: &[usize]| within(list, &before).last().copied();
        let start = match (last(&self.commas), last(&self.semicolons)) {
            (Some(a), Some(b)) => a.max(b) + 1,
            (Some(p), None) | (None, Some(p)) => p + 1,
            (None, None) => sentence.start,
        };
        let after = span.end..sentence.end.max(span.end);
        let first = |list: &[usize]| within(list, &after).first().copied();
        let end = match (first(&self.commas), first(&self.semicolons)) {
            (Some(a), Some(b)) => a.min(b),
            (Some(p), None) | (None, Some(p)) => p,
            (None, None) => sentence.end,
        };
        start.min(span.start)..end.max(span.end)
    }
}

/// A section found in a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'r> {
    /// The canonical section name (`past_medical_history`, `plan`, …).
    pub name: &'r str,
    /// The header's byte span (`PMH`).
    pub header: Range<usize>,
    /// The section's byte span: from the end of the header (and its `:`) to
    /// the next header or blank line.
    pub body: Range<usize>,
}

/// The compiled section headers. Build once, share by reference.
#[derive(Debug, Clone)]
pub struct SectionRules {
    /// Folded header → section name.
    headers: Vec<(String, String)>,
    regex: Regex,
}

/// The embedded section rules.
pub const EMBEDDED_SECTIONS: &str = include_str!("../dictionaries/context/sections.tsv");

impl SectionRules {
    /// Parse a `header<TAB>section` rule file.
    pub fn from_tsv(name: &str, contents: &str) -> Result<SectionRules, Error> {
        let err = |line: usize, reason: &str| {
            Error::new(ErrorKind::Dictionary {
                source_name: name.to_string(),
                line,
                reason: reason.to_string(),
            })
        };
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut seen_header = false;
        for (i, line) in contents.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            if !seen_header {
                if line != "header\tsection" {
                    return Err(err(i + 1, "expected the header `header<TAB>section`"));
                }
                seen_header = true;
                continue;
            }
            let Some((header, section)) = line.split_once('\t') else {
                return Err(err(i + 1, "expected 2 tab-separated columns"));
            };
            if header.trim().is_empty() || section.trim().is_empty() || section.contains('\t') {
                return Err(err(i + 1, "expected a header and a section name"));
            }
            headers.push((header.to_lowercase(), section.to_string()));
        }
        // Longest first: the regex alternation is leftmost-first.
        let mut alternatives: Vec<&str> = headers.iter().map(|(h, _)| h.as_str()).collect();
        alternatives.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let pattern = format!(
            r"(?i)(?:^|[^\p{{Alphabetic}}\p{{N}}])({})",
            alternatives
                .iter()
                .map(|h| regex::escape(h))
                .collect::<Vec<_>>()
                .join("|")
        );
        let regex = Regex::new(&pattern).map_err(|e| Error::new(ErrorKind::Automaton(e.to_string())))?;
        Ok(SectionRules { headers, regex })
    }

    /// The embedded rules.
    pub fn embedded() -> Result<SectionRules, Error> {
        SectionRules::from_tsv("<embedded>/context/sections.tsv", EMBEDDED_SECTIONS)
    }

    fn section_of(&self, header: &str) -> Option<&str> {
        let folded = header.to_lowercase();
        self.headers
            .iter()
            .find(|(h, _)| *h == folded)
            .map(|(_, s)| s.as_str())
    }

    /// The sections of `text`, in order.
    pub fn find<'r>(&'r self, text: &str) -> Vec<Section<'r>> {
        let mut found: Vec<(Range<usize>, usize, &'r str)> = Vec::new();
        let mut line = LineCursor::default();
        let mut at = 0;
        while let Some(caps) = self.regex.captures_at(text, at) {
            let m = caps.get(1).expect("group 1 always takes part");
            at = m.end().max(at + 1);
            if let Some(body_start) = header_context(text, &mut line, m.start(), m.end()) {
                if let Some(name) = self.section_of(m.as_str()) {
                    found.push((m.start()..m.end(), body_start, name));
                }
            }
        }
        let mut sections = Vec::with_capacity(found.len());
        for (i, (header, body_start, name)) in found.iter().enumerate() {
            let next = found.get(i + 1).map_or(text.len(), |(h, _, _)| h.start);
            let end = section_end(text, *body_start, next);
            sections.push(Section {
                name,
                header: header.clone(),
                body: *body_start..end.max(*body_start),
            });
        }
        sections
    }
}

/// The line of the last header candidate, so that candidates met in order
/// cost the text between them, not the length of their line.
#[derive(Debug, Default)]
struct LineCursor {
    /// How far the text has been looked at.
    seen: usize,
    /// Where the current line starts.
    start: usize,
    /// Where its content starts: its first character that is neither white
    /// space nor a bullet (or its end), once known.
    content: Option<usize>,
}

impl LineCursor {
    /// Move to the line holding `at` (not before the last position asked).
    fn seek(&mut self, text: &str, at: usize) {
        if let Some(i) = text[self.seen.min(at)..at].rfind('\n') {
            self.start = self.seen.min(at) + i + 1;
            self.content = None;
        }
        self.seen = self.seen.max(at);
    }

    /// Whether only white space and bullets stand between the line start
    /// and `at`.
    fn at_line_start(&mut self, text: &str, at: usize) -> bool {
        let start = self.start;
        let content = *self.content.get_or_insert_with(|| {
            let line = &text[start..];
            start
                + line
                    .find(|c: char| {
                        c == '\n' || !(c.is_whitespace() || matches!(c, '-' | '*' | '•' | '#' | '>'))
                    })
                    .unwrap_or(line.len())
        });
        content >= at
    }
}

/// If the header candidate at `start..end` stands where a header may, the
/// byte offset where its section's body starts. Candidates come in order.
fn header_context(text: &str, line: &mut LineCursor, start: usize, end: usize) -> Option<usize> {
    if text[end..].chars().next().is_some_and(char::is_alphanumeric) {
        return None;
    }
    line.seek(text, start);
    let at_line_start = line.at_line_start(text, start);
    let prefix = &text[line.start..start];
    let after_sentence = {
        let p = prefix.trim_end();
        p.len() < prefix.len() && (p.ends_with('.') || p.ends_with('!'))
    };
    let rest = &text[end..];
    let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let next = &rest[gap..];
    if next.starts_with(':') {
        return (at_line_start || after_sentence).then_some(end + gap + 1);
    }
    if !at_line_start {
        return None;
    }
    for dash in ["- ", "– ", "— "] {
        if gap > 0 && next.starts_with(dash) {
            return Some(end + gap + dash.len());
        }
    }
    // Nothing else on its line: only white space up to the line end.
    next.find(|c: char| c == '\n' || !c.is_whitespace())
        .is_none_or(|i| next[i..].starts_with('\n'))
        .then_some(end)
}

/// Where a section whose body starts at `from` ends, at `to` at the latest.
///
/// A header with content on its own line ("FH: mother breast ca") heads that
/// line and any list lines right below it (starting with a bullet, a number
/// or indentation). A header alone on its line heads everything up to the
/// first blank line after some content.
fn section_end(text: &str, from: usize, to: usize) -> usize {
    let body = &text[from..to];
    let mut lines = body.split_inclusive('\n');
    let first = lines.next().unwrap_or("");
    let inline = !first.trim().is_empty();
    let mut offset = first.len();
    let mut seen_content = inline;
    for line in lines {
        let blank = line.trim().is_empty();
        if blank && seen_content {
            return from + offset;
        }
        if inline && !blank && !is_list_line(line) {
            return from + offset;
        }
        seen_content |= !blank;
        offset += line.len();
    }
    to
}

/// Whether a line continues a list: it starts with a bullet, a number
/// followed by `.` or `)`, or indentation.
fn is_list_line(line: &str) -> bool {
    if line.starts_with([' ', '\t']) {
        return true;
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    line.starts_with(['-', '*', '•', '+']) || (digits > 0 && line[digits..].starts_with(['.', ')']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_ends() {
        let text = "No chest pain. ?PE vs pneumonia. Temp 38.5 today\nAny SOB? No.";
        let s = Sentences::new(text);
        let pieces: Vec<&str> = s.starts.iter().map(|&st| &text[s.around(st)]).collect();
        assert_eq!(
            pieces,
            [
                "No chest pain.",
                " ?PE vs pneumonia.",
                " Temp 38.5 today\n",
                "Any SOB?",
                " No."
            ]
        );
        assert_eq!(Sentences::new("").around(0), 0..0);
    }

    #[test]
    fn findings_are_never_cut() {
        let text = "diarrhea   from C. diff. Hx C. diff\nAnh. dasatinib. Well.";
        let at = |needle: &str| text.find(needle).unwrap();
        let mut s = Sentences::new(text);
        let c_diff = at("C. diff.")..at("C. diff.") + 7;
        // The splitter alone ends a sentence inside the finding.
        assert_eq!(s.around(c_diff.start), 0..c_diff.start + 2);
        let second = at("C. diff\n")..at("C. diff\n") + 7;
        let drug = at("Anh.")..at("Anh.") + 14;
        s.keep_whole([second.clone(), c_diff.clone(), drug.clone()]);
        for span in [c_diff, second, drug] {
            let sentence = s.around(span.start);
            assert!(
                sentence.start <= span.start && span.end <= sentence.end,
                "{span:?} in {sentence:?}"
            );
        }
        let pieces: Vec<&str> = s.starts.iter().map(|&st| &text[s.around(st)]).collect();
        assert_eq!(
            pieces,
            [
                "diarrhea   from C. diff.",
                " Hx C. diff\n",
                "Anh. dasatinib.",
                " Well."
            ]
        );
        // Empty and one-byte spans, overlapping spans, spans past the end.
        let mut s = Sentences::new("a. b. c. d.");
        s.keep_whole([5..5, 0..4, 2..7, 9..40]);
        assert_eq!(s.starts, [0, 8]);
    }

    #[test]
    fn long_sentences_are_cut_outside_findings() {
        // 11 KB with no sentence end; "chest pain" is a finding each time.
        let text = "chest pain ".repeat(1000);
        let spans: Vec<Match> = text
            .match_indices("chest pain")
            .map(|(start, m)| Match {
                start,
                end: start + m.len(),
                entry: 0,
            })
            .collect();
        let s = Sentences::avoiding(&text, &spans);
        assert_eq!(s.starts.len(), 6, "{:?}", s.starts);
        for pair in s.starts.windows(2) {
            let len = pair[1] - pair[0];
            assert!(
                (MAX_SENTENCE_BYTES..MAX_SENTENCE_BYTES + 16).contains(&len),
                "{len}"
            );
        }
        for &cut in &s.starts[1..] {
            // Never inside "chest pain": each piece starts with a finding.
            assert!(text[cut..].starts_with("chest pain"), "{cut}");
        }
        // Without findings to avoid, the cut follows the first space.
        let s = Sentences::new(&text);
        assert_eq!(s.starts[1], 2052);
        assert!(text[..2052].ends_with("chest ") && text[2052..].starts_with("pain"));
        // A note of letters only cannot be cut; text that is not ASCII can.
        assert_eq!(Sentences::new(&"x".repeat(5000)).starts, [0]);
        let dashes = "é—".repeat(1000);
        let s = Sentences::new(&dashes);
        assert!(s.starts.len() > 1 && s.starts.iter().all(|&c| dashes.is_char_boundary(c)));
        // Natural ends stay where they were.
        let text = format!("{}. No chest pain.", "x ".repeat(1500));
        let s = Sentences::new(&text);
        assert_eq!(s.starts, [0, 2048, 3001]);
    }

    #[test]
    fn clauses_from_separators() {
        let text = "Plan: aspirin, stop ramipril; ok (held) ";
        let seps = Separators::new(text);
        let all = 0..text.len();
        let span = |w: &str| {
            let at = text.find(w).unwrap();
            at..at + w.len()
        };
        let clause = |w: &str| &text[seps.clause(&all, &span(w))];
        assert_eq!(clause("aspirin"), "Plan: aspirin");
        assert_eq!(clause("ramipril"), " stop ramipril");
        assert_eq!(clause("held"), " ok (held) ");
        // The sentence bounds the clause, which always holds the span.
        assert_eq!(&text[seps.clause(&(15..26), &span("stop"))], "stop ramipr");
        assert_eq!(&text[seps.clause(&(15..25), &span("ramipril"))], "stop ramipril");
        assert!(seps.has_comma(&(0..14)) && !seps.has_comma(&(14..40)));
        assert!(seps.has_semicolon(&(20..30)) && seps.has_paren(&(30..40)) && !seps.has_paren(&(0..38)));
        assert_eq!(seps.commas(&(0..40)), [13]);
    }

    fn names(text: &str) -> Vec<(String, String, String)> {
        let rules = SectionRules::embedded().unwrap();
        rules
            .find(text)
            .iter()
            .map(|s| {
                (
                    s.name.to_string(),
                    text[s.header.clone()].to_string(),
                    text[s.body.clone()].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn headers() {
        let got = names("PC: chest pain\nPMHx:\n- T2DM\n- HTN\n\nSH: lives alone\n");
        assert_eq!(
            got,
            [
                ("presenting_complaint".into(), "PC".into(), " chest pain\n".into()),
                (
                    "past_medical_history".into(),
                    "PMHx".into(),
                    "\n- T2DM\n- HTN\n".into()
                ),
                ("social_history".into(), "SH".into(), " lives alone\n".into()),
            ]
        );
        // Free-standing, dashed, inline after a sentence, and case variants.
        let got = names("IMPRESSION\n1. ?PE\nplan - CTPA. Jobs: bloods\r\nO/E: alert");
        let summary: Vec<(&str, &str)> = got.iter().map(|(n, h, _)| (n.as_str(), h.as_str())).collect();
        assert_eq!(
            summary,
            [
                ("impression", "IMPRESSION"),
                ("plan", "plan"),
                ("jobs", "Jobs"),
                ("examination", "O/E")
            ]
        );
        assert_eq!(got[0].2, "\n1. ?PE\n");
        assert_eq!(got[2].2, " bloods\r\n");
    }

    #[test]
    fn headers_on_one_long_line() {
        // Only the first "PMH" starts the line; the others are not headers.
        let text = format!("{}MI", "PMH: ".repeat(2000));
        let got = names(&text);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].0.as_str(), got[0].2.len()),
            ("past_medical_history", text.len() - 4)
        );
        // Bullets and spaces before a header; anything else after them.
        let got = names("  - * PMH: T2DM\n x - FH: mother\n- -\tPlan\n");
        let summary: Vec<&str> = got.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(summary, ["past_medical_history", "plan"]);
        // A header alone on its line, with white space to its end.
        assert_eq!(names("PLAN  \t\r\nstart aspirin")[0].2, "  \t\r\nstart aspirin");
        assert_eq!(names("PLAN  x\n"), []);
    }

    #[test]
    fn not_headers() {
        for text in [
            "Plan to start bisoprolol",
            "Obs stable overnight",
            "Seen by the family history team",
            "Discussed plan with wife: agrees",
            "Exam findings below",
        ] {
            assert_eq!(names(text), [], "{text:?}");
        }
    }
}
