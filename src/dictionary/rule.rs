//! Dictionary entries and their TSV form.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use serde::Serialize;

use crate::error::{Error, ErrorKind};

/// What a term names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A medication.
    Medication,
    /// A problem: a disorder, finding or symptom.
    Problem,
    /// An allergy statement ("NKDA") or an allergen named only as one
    /// (penicillin, the class).
    Allergy,
    /// A date or time expression: a mention kind, never a dictionary kind.
    Date,
}

impl Kind {
    /// The name used in dictionaries and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Medication => "medication",
            Kind::Problem => "problem",
            Kind::Allergy => "allergy",
            Kind::Date => "date",
        }
    }
}

/// One code in one code system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coding {
    /// The code system URI (shared, not copied, for the common systems).
    pub system: Cow<'static, str>,
    /// The code.
    pub code: String,
}

/// One dictionary row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The term as written in the dictionary.
    pub term: String,
    /// What the term names.
    pub kind: Kind,
    /// The concept's preferred display.
    pub display: String,
    /// The primary coding first, then the `also` codings.
    pub codes: Vec<Coding>,
    /// Whether the term is matched case-sensitively.
    pub case_sensitive: bool,
    /// Whether the condition stays active when listed as past history.
    pub chronic: bool,
    /// Whether the term has other senses; ambiguity rules may veto a match.
    pub ambiguous: bool,
    /// A product with no single open code (co-amoxiclav): its codings are
    /// its ingredients', not its own.
    pub combination: bool,
    /// An allergy statement ("NKDA"): a fact about allergies as a whole,
    /// read without context cues.
    pub statement: bool,
    /// Where the entry came from: `name:line`.
    pub rule: String,
}

/// A set of entries, keyed by term and case mode.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    entries: BTreeMap<(bool, String), Entry>,
}

/// Parsed dictionary rows: each 1-based line number with its entry or why
/// the row is malformed.
pub type Rows = Vec<(usize, Result<Entry, String>)>;

/// The dictionary header. Files without the last column (`flags`) are read
/// too, with no flags.
pub const HEADER: &str = "term\tkind\tdisplay\tsystem\tcode\tcase\tchronic\talso\tflags";
const HEADER_V1: &str = "term\tkind\tdisplay\tsystem\tcode\tcase\tchronic\talso";

impl Dictionary {
    /// An empty dictionary.
    pub fn new() -> Dictionary {
        Dictionary::default()
    }

    /// The dictionaries built into the binary.
    pub fn embedded() -> Result<Dictionary, Error> {
        let sources: Vec<(String, &str)> = super::EMBEDDED
            .iter()
            .map(|(name, contents)| (format!("<embedded>/{name}"), *contents))
            .collect();
        Dictionary::from_sources(&sources)
    }

    /// Layer several dictionaries, in order; they are parsed in parallel.
    /// Then every entry gains the extra codings that other entries of the
    /// same concept (same primary coding) carry, so a curated term inherits
    /// a generated term's second coding.
    pub fn from_sources<S: AsRef<str> + Sync>(sources: &[(String, S)]) -> Result<Dictionary, Error> {
        let parsed: Vec<Result<Rows, Error>> = sources
            .par_iter()
            .map(|(name, contents)| parse_rows(name, contents.as_ref()))
            .collect();
        let mut dict = Dictionary::new();
        for ((name, _), rows) in sources.iter().zip(parsed) {
            dict.add_rows(name, rows?)?;
        }
        dict.share_codings();
        Ok(dict)
    }

    fn share_codings(&mut self) {
        let mut extra: HashMap<(Cow<'static, str>, String), Vec<Coding>> = HashMap::new();
        // A combination's codings are its ingredients': it neither lends nor
        // borrows.
        for e in self.entries.values().filter(|e| !e.combination) {
            let known = extra
                .entry((e.codes[0].system.clone(), e.codes[0].code.clone()))
                .or_default();
            for c in &e.codes[1..] {
                if !known.contains(c) {
                    known.push(c.clone());
                }
            }
        }
        for e in self.entries.values_mut().filter(|e| !e.combination) {
            if let Some(more) = extra.get(&(e.codes[0].system.clone(), e.codes[0].code.clone())) {
                for c in more {
                    if !e.codes.contains(c) {
                        e.codes.push(c.clone());
                    }
                }
            }
        }
    }

    /// The entries, in a stable order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Parse a TSV dictionary and add its rows. A row replaces an earlier
    /// dictionary's row with the same term and case mode; a term given twice
    /// in this file with different codes is an error.
    pub fn add_tsv(&mut self, name: &str, contents: &str) -> Result<(), Error> {
        self.add_rows(name, parse_rows(name, contents)?)
    }

    fn add_rows(&mut self, name: &str, rows: Rows) -> Result<(), Error> {
        let err = |line: usize, reason: String| {
            Error::new(ErrorKind::Dictionary {
                source_name: name.to_string(),
                line,
                reason,
            })
        };
        let mut this_file: HashMap<(bool, String), (usize, Vec<Coding>)> = HashMap::new();
        for (line_no, row) in rows {
            let entry = row.map_err(|r| err(line_no, r))?;
            let key = (entry.case_sensitive, key_text(&entry.term, entry.case_sensitive));
            if let Some((first, codes)) = this_file.get(&key) {
                if *codes != entry.codes {
                    return Err(err(
                        line_no,
                        format!(
                            "term {:?} is also on line {first} with different codes",
                            entry.term
                        ),
                    ));
                }
                continue;
            }
            this_file.insert(key.clone(), (line_no, entry.codes.clone()));
            self.entries.insert(key, entry);
        }
        Ok(())
    }
}

/// Parse a TSV dictionary into rows, each with its 1-based line number and
/// either an entry or why the row is malformed. Only a missing or wrong
/// header is an error for the whole file.
pub fn parse_rows(name: &str, contents: &str) -> Result<Rows, Error> {
    let err = |line: usize, reason: String| {
        Error::new(ErrorKind::Dictionary {
            source_name: name.to_string(),
            line,
            reason,
        })
    };
    let mut columns = None;
    let mut rows = Vec::new();
    for (index, raw) in contents.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let line = if index == 0 {
            line.strip_prefix('\u{feff}').unwrap_or(line)
        } else {
            line
        };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(columns) = columns else {
            columns = match line {
                HEADER => Some(9),
                HEADER_V1 => Some(8),
                _ => {
                    return Err(err(
                        line_no,
                        format!("expected the header `{}`", HEADER.replace('\t', "<TAB>")),
                    ))
                }
            };
            continue;
        };
        rows.push((line_no, parse_row(line, columns, &format!("{name}:{line_no}"))));
    }
    if columns.is_none() {
        return Err(err(1, "no header".into()));
    }
    Ok(rows)
}

/// The text a term is keyed and matched by: folded unless case-sensitive.
pub(crate) fn key_text(term: &str, case_sensitive: bool) -> String {
    if case_sensitive {
        term.to_string()
    } else {
        super::matcher::fold(term).0
    }
}

fn is_uri(s: &str) -> bool {
    (s.starts_with("http://") || s.starts_with("https://") || s.starts_with("urn:"))
        && !s.contains(char::is_whitespace)
}

fn parse_row(line: &str, columns: usize, rule: &str) -> Result<Entry, String> {
    let cols: Vec<&str> = line.split('\t').collect();
    if cols.len() != columns {
        return Err(format!(
            "expected {columns} tab-separated columns, found {}",
            cols.len()
        ));
    }
    let (mut ambiguous, mut combination, mut statement) = (false, false, false);
    for flag in cols
        .get(8)
        .copied()
        .unwrap_or("")
        .split(',')
        .filter(|f| !f.is_empty())
    {
        match flag {
            "ambiguous" => ambiguous = true,
            "combination" => combination = true,
            "statement" => statement = true,
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    for (name, value) in ["term", "kind", "display", "system", "code", "case", "chronic"]
        .iter()
        .zip(&cols)
    {
        if value.is_empty() {
            return Err(format!("column `{name}` is empty"));
        }
        if value.trim() != *value {
            return Err(format!("column `{name}` has leading or trailing spaces"));
        }
    }
    let term = cols[0];
    if !term.starts_with(char::is_alphanumeric) || !term.ends_with(char::is_alphanumeric) {
        return Err("a term must start and end with a letter or digit".into());
    }
    let kind = match cols[1] {
        "problem" => Kind::Problem,
        "medication" => Kind::Medication,
        "allergy" => Kind::Allergy,
        other => {
            return Err(format!(
                "kind must be `problem`, `medication` or `allergy`, not {other:?}"
            ))
        }
    };
    let mut codes = vec![parse_coding(cols[3], cols[4])?];
    let case_sensitive = match cols[5] {
        "s" => true,
        "i" => false,
        other => return Err(format!("case must be `s` or `i`, not {other:?}")),
    };
    let chronic = match cols[6] {
        "yes" => true,
        "no" => false,
        other => return Err(format!("chronic must be `yes` or `no`, not {other:?}")),
    };
    for item in cols[7].split(';').filter(|s| !s.is_empty()) {
        let (system, code) = item
            .split_once('|')
            .ok_or_else(|| format!("`also` item {item:?} is not system|code"))?;
        codes.push(parse_coding(system, code)?);
    }
    Ok(Entry {
        term: term.to_string(),
        kind,
        display: cols[2].to_string(),
        codes,
        case_sensitive,
        chronic,
        ambiguous,
        combination,
        statement,
        rule: rule.to_string(),
    })
}

fn parse_coding(system: &str, code: &str) -> Result<Coding, String> {
    if !is_uri(system) {
        return Err(format!("code system {system:?} is not a URI"));
    }
    if code.is_empty() || code.trim() != code {
        return Err("code is empty or has spaces around it".into());
    }
    const KNOWN: [&str; 5] = [
        "http://snomed.info/sct",
        "http://fdasis.nlm.nih.gov",
        "https://go.drugbank.com/drugs",
        "http://hl7.org/fhir/sid/icd-10-cm",
        "http://loinc.org",
    ];
    let system = match KNOWN.iter().find(|k| **k == system) {
        Some(known) => Cow::Borrowed(*known),
        None => Cow::Owned(system.to_string()),
    };
    Ok(Coding {
        system,
        code: code.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "term\tkind\tdisplay\tsystem\tcode\tcase\tchronic\talso\n";

    fn reason(tsv: &str) -> String {
        Dictionary::new()
            .add_tsv("t.tsv", &format!("{HEAD}{tsv}"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_rows() {
        let mut dict = Dictionary::new();
        dict.add_tsv(
            "t.tsv",
            &format!("# comment\n{HEAD}HTN\tproblem\tHypertension\thttp://snomed.info/sct\t38341003\ts\tyes\t\nApixaban\tmedication\tApixaban\thttp://fdasis.nlm.nih.gov\t3Z9Y7UWC1J\ti\tno\thttps://go.drugbank.com/drugs|DB06605\n"),
        )
        .unwrap();
        assert_eq!(dict.len(), 2);
        let apixaban = dict.entries().find(|e| e.term == "Apixaban").unwrap();
        assert_eq!(apixaban.codes.len(), 2);
        assert_eq!(apixaban.codes[1].code, "DB06605");
        assert_eq!(apixaban.rule, "t.tsv:4");
        let htn = dict.entries().find(|e| e.term == "HTN").unwrap();
        assert!(htn.case_sensitive && htn.chronic);
    }

    #[test]
    fn refuses_bad_rows() {
        assert_eq!(
            reason("a\tproblem\n"),
            "t.tsv:2: expected 8 tab-separated columns, found 2"
        );
        assert_eq!(
            reason("fall\tdrug\tFall\thttp://snomed.info/sct\t1\ti\tno\t\n"),
            "t.tsv:2: kind must be `problem`, `medication` or `allergy`, not \"drug\""
        );
        assert_eq!(
            reason("fall\tproblem\tFall\tsnomed\t1\ti\tno\t\n"),
            "t.tsv:2: code system \"snomed\" is not a URI"
        );
        assert_eq!(
            reason("fall\tproblem\tFall\thttp://snomed.info/sct\t1\ti\tno\t\nFALL\tproblem\tFall\thttp://snomed.info/sct\t2\ti\tno\t\n"),
            "t.tsv:3: term \"FALL\" is also on line 2 with different codes"
        );
        assert!(Dictionary::new()
            .add_tsv("t.tsv", "x\ty\n")
            .unwrap_err()
            .to_string()
            .starts_with("t.tsv:1: expected the header"));
    }

    #[test]
    fn later_dictionary_replaces_earlier() {
        let mut dict = Dictionary::new();
        dict.add_tsv(
            "a",
            &format!("{HEAD}fall\tproblem\tFall\thttp://snomed.info/sct\t1\ti\tno\t\n"),
        )
        .unwrap();
        dict.add_tsv(
            "b",
            &format!("{HEAD}Fall\tproblem\tFall\thttp://snomed.info/sct\t2\ti\tno\t\n"),
        )
        .unwrap();
        assert_eq!(dict.len(), 1);
        assert_eq!(dict.entries().next().unwrap().codes[0].code, "2");
    }
}
