//! Checking dictionaries: `note2fhir dict lint` and `note2fhir dict stats`.
//!
//! Lint reports, with `file:line`:
//!
//! * errors: malformed rows; a term given twice in one file with different
//!   codes; a term that is an everyday word (the stoplist); a medication term
//!   equal to ward shorthand (a frequency, route, heading or colliding
//!   abbreviation from `dictionaries/context/reserved.txt`, or a
//!   case-sensitive problem abbreviation) — "BD", "CP", "DM", "NAD", "K";
//! * warnings: a term that a later dictionary gives other codes (the later
//!   one wins when matching, by design: it is how local layers override).

use std::collections::{BTreeMap, HashSet};

use super::matcher::fold;
use super::rule::{parse_rows, Coding, Kind};
use crate::error::ErrorKind;

/// The embedded stoplist of everyday words that are never terms.
pub const EMBEDDED_STOPLIST: &str = include_str!("../../dictionaries/build/stoplist.txt");

/// The embedded list of ward shorthand that is never a drug name.
pub const EMBEDDED_RESERVED: &str = include_str!("../../dictionaries/context/reserved.txt");

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintFinding {
    /// The dictionary's name.
    pub source: String,
    /// The 1-based line.
    pub line: usize,
    /// An error (fails the lint) or a warning.
    pub error: bool,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for LintFinding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = if self.error { "error" } else { "warning" };
        write!(f, "{}:{}: {level}: {}", self.source, self.line, self.message)
    }
}

/// Words from a one-per-line list (`#` comments), folded.
pub fn word_list(contents: &str) -> HashSet<String> {
    contents
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| fold(l).0)
        .collect()
}

/// Lint `sources` (name, contents), in the order they are layered.
pub fn lint(
    sources: &[(String, String)],
    stoplist: &HashSet<String>,
    reserved: &HashSet<String>,
) -> Vec<LintFinding> {
    let mut findings = Vec::new();
    // (case-sensitive, key) → (source, line, codes)
    let mut seen: BTreeMap<(bool, String), (String, usize, Vec<Coding>)> = BTreeMap::new();
    let mut rows = Vec::new();
    for (name, contents) in sources {
        let parsed = match parse_rows(name, contents) {
            Ok(parsed) => parsed,
            Err(e) => {
                let (line, message) = match e.kind() {
                    ErrorKind::Dictionary { line, reason, .. } => (*line, reason.clone()),
                    other => (1, other.to_string()),
                };
                findings.push(LintFinding {
                    source: name.clone(),
                    line,
                    error: true,
                    message,
                });
                continue;
            }
        };
        for (line, row) in parsed {
            match row {
                Ok(entry) => rows.push((name.clone(), line, entry)),
                Err(message) => findings.push(LintFinding {
                    source: name.clone(),
                    line,
                    error: true,
                    message,
                }),
            }
        }
    }
    let problem_abbreviations: HashSet<String> = rows
        .iter()
        .filter(|(_, _, e)| e.kind == Kind::Problem && e.case_sensitive)
        .map(|(_, _, e)| fold(&e.term).0)
        .collect();
    for (name, line, entry) in &rows {
        let folded = fold(&entry.term).0;
        let mut error = |message: String| {
            findings.push(LintFinding {
                source: name.clone(),
                line: *line,
                error: true,
                message,
            })
        };
        // A case-sensitive abbreviation ("AF", "PE") is not an everyday word.
        if !entry.case_sensitive && stoplist.contains(&folded) {
            error(format!("term {:?} is an everyday word (stoplist)", entry.term));
        }
        if entry.kind == Kind::Medication {
            if reserved.contains(&folded) {
                error(format!(
                    "drug name {:?} is ward shorthand (frequency, route, heading)",
                    entry.term
                ));
            } else if problem_abbreviations.contains(&folded) {
                error(format!("drug name {:?} is a problem abbreviation", entry.term));
            }
        }
        let key = (
            entry.case_sensitive,
            if entry.case_sensitive {
                entry.term.clone()
            } else {
                folded
            },
        );
        match seen.get(&key) {
            // An override must keep the concept; extra codings may differ.
            Some((other, other_line, codes)) if codes[0] != entry.codes[0] => {
                let same_file = other == name;
                findings.push(LintFinding {
                    source: name.clone(),
                    line: *line,
                    error: same_file,
                    message: if same_file {
                        format!(
                            "term {:?} is also on line {other_line} with different codes",
                            entry.term
                        )
                    } else {
                        format!(
                            "term {:?} overrides {other}:{other_line}, which has different codes",
                            entry.term
                        )
                    },
                });
            }
            _ => {}
        }
        seen.insert(key, (name.clone(), *line, entry.codes.clone()));
    }
    findings.sort_by(|a, b| (&a.source, a.line).cmp(&(&b.source, b.line)));
    findings
}

/// Counts of a layered dictionary: by kind and source, with a total.
pub fn stats(dictionary: &super::Dictionary) -> Vec<(String, String, usize)> {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for e in dictionary.entries() {
        let source = e
            .rule
            .rsplit_once(':')
            .map_or(e.rule.as_str(), |(s, _)| s)
            .to_string();
        *counts.entry((e.kind.as_str().to_string(), source)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((kind, source), n)| (kind, source, n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "term\tkind\tdisplay\tsystem\tcode\tcase\tchronic\talso\tflags\n";

    fn run(rows: &str) -> Vec<String> {
        let stop = word_list("water\nair\n");
        let reserved = word_list(EMBEDDED_RESERVED);
        lint(&[("d.tsv".into(), format!("{HEAD}{rows}"))], &stop, &reserved)
            .iter()
            .map(|f| f.to_string())
            .collect()
    }

    #[test]
    fn shorthand_is_never_a_drug() {
        for term in ["BD", "CP", "DM", "NAD", "K", "bd", "PO"] {
            let got = run(&format!(
                "{term}\tmedication\tX\thttp://fdasis.nlm.nih.gov\tX1\ti\tno\t\t\n"
            ));
            assert_eq!(
                got,
                [format!(
                    "d.tsv:2: error: drug name {term:?} is ward shorthand (frequency, route, heading)"
                )],
                "{term}"
            );
        }
        let got = run(
            "SOB\tproblem\tDyspnea\thttp://snomed.info/sct\t267036007\ts\tno\t\t\nsob\tmedication\tX\thttp://fdasis.nlm.nih.gov\tX1\ti\tno\t\t\n",
        );
        assert_eq!(
            got,
            ["d.tsv:3: error: drug name \"sob\" is a problem abbreviation"]
        );
    }

    #[test]
    fn everyday_words_duplicates_and_malformed_rows() {
        let got = run(concat!(
            "Water\tmedication\tWater\thttp://fdasis.nlm.nih.gov\t059QF0KO0R\ti\tno\t\t\n",
            "fall\tproblem\tFall\thttp://snomed.info/sct\t1\ti\tno\t\t\n",
            "FALL\tproblem\tFall\thttp://snomed.info/sct\t2\ti\tno\t\t\n",
            "broken\tproblem\n",
        ));
        assert_eq!(
            got,
            [
                "d.tsv:2: error: term \"Water\" is an everyday word (stoplist)",
                "d.tsv:4: error: term \"FALL\" is also on line 3 with different codes",
                "d.tsv:5: error: expected 9 tab-separated columns, found 2",
            ]
        );
    }
}
