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

use std::ops::Range;

use regex::Regex;

use crate::error::{Error, ErrorKind};

/// The sentences of a note, as byte ranges in order.
#[derive(Debug, Clone)]
pub struct Sentences {
    /// Byte offsets where a sentence starts, ascending, starting with 0.
    starts: Vec<usize>,
    len: usize,
}

impl Sentences {
    /// Split `text`.
    pub fn new(text: &str) -> Sentences {
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
                starts.push(i + 1);
            }
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
        let mut at = 0;
        while let Some(caps) = self.regex.captures_at(text, at) {
            let m = caps.get(1).expect("group 1 always takes part");
            at = m.end().max(at + 1);
            if let Some(body_start) = header_context(text, m.start(), m.end()) {
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

/// If the header candidate at `start..end` stands where a header may, the
/// byte offset where its section's body starts.
fn header_context(text: &str, start: usize, end: usize) -> Option<usize> {
    if text[end..].chars().next().is_some_and(char::is_alphanumeric) {
        return None;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let prefix = &text[line_start..start];
    let at_line_start = prefix
        .chars()
        .all(|c| c.is_whitespace() || matches!(c, '-' | '*' | '•' | '#' | '>'));
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
    let line_rest = next.split('\n').next().unwrap_or("");
    line_rest.trim().is_empty().then_some(end)
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
