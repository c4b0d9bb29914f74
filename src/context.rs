//! Clinical context: whether a finding is negated, possible, historical,
//! about a relative, or hypothetical — and which cue said so.
//!
//! A ConText-style engine. Cues are rules as data
//! (`dictionaries/context/rules.tsv`, extendable with `--context FILE`):
//!
//! ```text
//! phrase<TAB>category<TAB>direction<TAB>window<TAB>value
//! ```
//!
//! * `category`: `negation`, `possible`, `historical`, `family` (names the
//!   family on its own: "family history of"), `relative` ("mother": family
//!   only inside the family-history section, or when a `family_link` such as
//!   "had", "died of" or ":" follows it at once), `family_link`,
//!   `hypothetical`, `pseudo` (looks like a cue, is not: "no change in") and
//!   `terminate` ("but", "however").
//! * `direction`: `forward` (the cue precedes the finding), `backward` (it
//!   follows: "PE unlikely"), `both`, or `none`.
//! * `window`: the most words between cue and finding (empty: no limit).
//! * `value`: for `possible` the certainty (`provisional`, `differential`,
//!   `unconfirmed`); for `relative` and `family` the v3-RoleCode; for
//!   `historical`, `chronic_current` when a chronic condition after the cue
//!   stays a current problem ("h/o T2DM").
//!
//! Cues are matched like dictionary terms: whole words, ignoring case, the
//! longest cue wins among overlapping ones (so "not excluded", a `possible`
//! cue, hides the negation "excluded"), and a cue that overlaps a finding is
//! dropped. A cue's scope never crosses a sentence or line end, a section
//! end, a terminate cue or a `;`; a backward scope also stops at a `,`.
//! Sentences are bounded ([`crate::section::MAX_SENTENCE_BYTES`]), and each
//! finding reads the cues of its own sentence through indexes built once per
//! note ([`CueIndex`], [`Separators`]), so a note costs time in proportion
//! to its length.
//!
//! Sections add defaults: everything in the family-history section is a
//! relative's (the nearest relative named in the same clause, else an
//! unspecified family member); the differential-diagnosis section makes
//! findings differential; the safety-netting section makes them hypothetical.

use std::ops::Range;

use serde::Serialize;

use crate::dictionary::{leftmost_longest, Folded, Match, PhraseSet};
use crate::error::{Error, ErrorKind};
use crate::section::{Section, Separators};

/// The assertion flags of a finding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Assertion {
    /// The note says the finding is absent.
    pub negated: bool,
    /// The note says the finding is possible, suspected, a differential, or
    /// unlikely.
    pub uncertain: bool,
    /// The finding is past or resolved.
    pub historical: bool,
    /// The finding belongs to a relative, not the patient.
    pub family: bool,
    /// The finding is conditional or a risk ("if chest pain recurs").
    pub hypothetical: bool,
}

/// What a cue does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Category {
    /// Negates a finding.
    Negation,
    /// Makes a finding possible (or differential, or unlikely).
    Possible,
    /// Makes a finding past.
    Historical,
    /// Makes a finding a relative's on its own.
    Family,
    /// Names a relative.
    Relative,
    /// Links a relative to a finding ("had", "died of").
    FamilyLink,
    /// Makes the patient the subject again ("pt has"): no family reading
    /// after it in its sentence.
    Patient,
    /// Marks collateral history ("reports", "says"): a relative after it is
    /// a source, not a subject.
    Collateral,
    /// Makes a finding conditional.
    Hypothetical,
    /// Looks like a cue but is not.
    Pseudo,
    /// Ends a cue's scope.
    Terminate,
}

impl Category {
    fn parse(s: &str) -> Option<Category> {
        Some(match s {
            "negation" => Category::Negation,
            "possible" => Category::Possible,
            "historical" => Category::Historical,
            "family" => Category::Family,
            "relative" => Category::Relative,
            "family_link" => Category::FamilyLink,
            "patient" => Category::Patient,
            "collateral" => Category::Collateral,
            "hypothetical" => Category::Hypothetical,
            "pseudo" => Category::Pseudo,
            "terminate" => Category::Terminate,
            _ => return None,
        })
    }

    /// The category's name in rule files and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Negation => "negation",
            Category::Possible => "possible",
            Category::Historical => "historical",
            Category::Family => "family",
            Category::Relative => "relative",
            Category::FamilyLink => "family_link",
            Category::Patient => "patient",
            Category::Collateral => "collateral",
            Category::Hypothetical => "hypothetical",
            Category::Pseudo => "pseudo",
            Category::Terminate => "terminate",
        }
    }
}

/// Which way a cue's scope runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards the end of the sentence.
    Forward,
    /// Towards its start.
    Backward,
    /// Both ways.
    Both,
    /// No scope.
    None,
}

/// One context rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The cue text.
    pub phrase: String,
    /// What it does.
    pub category: Category,
    /// Which way its scope runs.
    pub direction: Direction,
    /// The most words between cue and finding.
    pub window: Option<usize>,
    /// Certainty, role code or `chronic_current` (see the module docs).
    pub value: String,
    /// Where the rule came from: `file:line`.
    pub source: String,
}

/// The embedded context rules.
pub const EMBEDDED_RULES: &str = include_str!("../dictionaries/context/rules.tsv");

const RULES_HEADER: &str = "phrase\tcategory\tdirection\twindow\tvalue";

/// Certainty of an uncertain finding.
pub const CERTAINTIES: [&str; 3] = ["provisional", "differential", "unconfirmed"];

/// Parse a context rule file.
pub fn parse_rules(name: &str, contents: &str) -> Result<Vec<Rule>, Error> {
    let err = |line: usize, reason: String| {
        Error::new(ErrorKind::Dictionary {
            source_name: name.to_string(),
            line,
            reason,
        })
    };
    let mut rules = Vec::new();
    let mut seen_header = false;
    for (i, raw) in contents.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if !seen_header {
            if line != RULES_HEADER {
                return Err(err(
                    line_no,
                    format!("expected the header `{}`", RULES_HEADER.replace('\t', "<TAB>")),
                ));
            }
            seen_header = true;
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 5 {
            return Err(err(
                line_no,
                format!("expected 5 tab-separated columns, found {}", cols.len()),
            ));
        }
        if cols[0].trim().is_empty() || cols[0].trim() != cols[0] {
            return Err(err(line_no, "the phrase is empty or has spaces around it".into()));
        }
        let category = Category::parse(cols[1])
            .ok_or_else(|| err(line_no, format!("unknown category {:?}", cols[1])))?;
        let direction = match cols[2] {
            "forward" => Direction::Forward,
            "backward" => Direction::Backward,
            "both" => Direction::Both,
            "none" => Direction::None,
            other => return Err(err(line_no, format!("unknown direction {other:?}"))),
        };
        let window = match cols[3] {
            "" => None,
            w => Some(
                w.parse::<usize>()
                    .map_err(|_| err(line_no, format!("window {w:?} is not a whole number")))?,
            ),
        };
        let value = cols[4].to_string();
        match category {
            Category::Possible if !CERTAINTIES.contains(&value.as_str()) => {
                return Err(err(
                    line_no,
                    "a possible cue needs provisional, differential or unconfirmed".into(),
                ))
            }
            Category::Relative | Category::Family if value.is_empty() => {
                return Err(err(
                    line_no,
                    "a family or relative cue needs a v3-RoleCode".into(),
                ))
            }
            Category::Historical if !(value.is_empty() || value == "chronic_current") => {
                return Err(err(
                    line_no,
                    "a historical cue's value is empty or chronic_current".into(),
                ))
            }
            _ => {}
        }
        rules.push(Rule {
            phrase: cols[0].to_string(),
            category,
            direction,
            window,
            value,
            source: format!("{name}:{line_no}"),
        });
    }
    if !seen_header {
        return Err(err(1, "no header".into()));
    }
    Ok(rules)
}

/// The compiled context rules. Build once, share by reference.
#[derive(Debug)]
pub struct ContextRules {
    rules: Vec<Rule>,
    phrases: PhraseSet,
}

/// A cue found in a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cue {
    /// Byte span in the note.
    pub start: usize,
    /// Byte offset one past the end.
    pub end: usize,
    /// Index into [`ContextRules::rules`].
    pub rule: usize,
}

/// A note's cues indexed for [`ContextRules::assess`]: built once per note
/// ([`ContextRules::index`]), so that each finding costs the cues of its own
/// sentence and binary searches, never a scan of the note.
#[derive(Debug, Clone)]
pub struct CueIndex<'c> {
    cues: &'c [Cue],
    /// `terminates[i]`: how many of the first `i` cues end a scope.
    terminates: Vec<usize>,
}

impl CueIndex<'_> {
    /// Whether a terminate cue lies inside `from..to`, among `cues[lo..hi]`.
    fn terminated(&self, lo: usize, hi: usize, from: usize, to: usize) -> bool {
        // Cues are sorted and do not overlap: those inside are consecutive.
        let first = lo + self.cues[lo..hi].partition_point(|c| c.start < from);
        let last = lo + self.cues[lo..hi].partition_point(|c| c.end <= to);
        last > first && self.terminates[last] > self.terminates[first]
    }
}

/// A finding to assess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Its byte span in the note.
    pub span: Range<usize>,
    /// The dictionary marks it chronic: it stays current after "h/o" or a
    /// past year.
    pub chronic: bool,
    /// It is a problem; medications are never hypothetical (conditional
    /// wording around a drug is the medication parser's business).
    pub is_problem: bool,
}

/// The context of one finding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessment<'r> {
    /// The flags.
    pub assertion: Assertion,
    /// `provisional`, `differential` or `unconfirmed` when uncertain.
    pub certainty: Option<&'r str>,
    /// The relative's v3-RoleCode when family.
    pub relation: Option<&'r str>,
    /// The cues (and section headers) that set the flags: (category, byte span).
    pub cues: Vec<(Category, Range<usize>)>,
    /// The byte span of a year that dates a historical finding ("MI 2010").
    pub onset_year: Option<Range<usize>>,
}

impl ContextRules {
    /// Compile rules (later rules with the same phrase replace earlier ones).
    pub fn new(mut rules: Vec<Rule>) -> Result<ContextRules, Error> {
        let mut kept: Vec<Rule> = Vec::with_capacity(rules.len());
        for rule in rules.drain(..) {
            let key = rule.phrase.to_lowercase();
            match kept.iter_mut().find(|r| r.phrase.to_lowercase() == key) {
                Some(existing) => *existing = rule,
                None => kept.push(rule),
            }
        }
        let phrases: Vec<&str> = kept.iter().map(|r| r.phrase.as_str()).collect();
        Ok(ContextRules {
            phrases: PhraseSet::new(&phrases, false)?,
            rules: kept,
        })
    }

    /// The embedded rules.
    pub fn embedded_rules() -> Result<Vec<Rule>, Error> {
        parse_rules("<embedded>/context/rules.tsv", EMBEDDED_RULES)
    }

    /// The rules, indexed by [`Cue::rule`].
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every cue in a note, leftmost-longest, dropping those that overlap a
    /// finding.
    pub fn cues(&self, text: &str, folded: &Folded, findings: &[Match]) -> Vec<Cue> {
        let mut candidates = Vec::new();
        self.phrases.candidates(text, folded, &mut candidates);
        // A list-form cue (": no", "- nil") closes its clause: "Fever: nil."
        // but not "CVS: No chest pain", where the plain "No" must win.
        candidates.retain(|m| {
            let rule = &self.rules[m.entry];
            let list_form = rule.direction == Direction::Backward
                && rule.phrase.starts_with(|c: char| !c.is_alphanumeric());
            !list_form || closes_clause(&text[m.end..])
        });
        let mut cues = Vec::new();
        for m in leftmost_longest(candidates, |_| 0) {
            // Findings are sorted and do not overlap: look only at the ones
            // starting before the cue ends.
            let before_end = findings.partition_point(|f| f.start < m.end);
            let overlaps = findings[..before_end].last().is_some_and(|f| m.start < f.end);
            if !overlaps {
                cues.push(Cue {
                    start: m.start,
                    end: m.end,
                    rule: m.entry,
                });
            }
        }
        cues
    }

    /// Index a note's cues (from [`ContextRules::cues`]) for [`ContextRules::assess`].
    pub fn index<'c>(&self, cues: &'c [Cue]) -> CueIndex<'c> {
        let mut terminates = Vec::with_capacity(cues.len() + 1);
        terminates.push(0);
        for c in cues {
            let t = usize::from(self.rules[c.rule].category == Category::Terminate);
            terminates.push(terminates[terminates.len() - 1] + t);
        }
        CueIndex { cues, terminates }
    }

    /// Assess `finding`, whose sentence is `sentence` and section `section`;
    /// `cues` are the note's cues, `seps` its separators.
    pub fn assess<'r>(
        &'r self,
        text: &str,
        cues: &CueIndex<'_>,
        seps: &Separators,
        sentence: Range<usize>,
        section: Option<&Section<'r>>,
        finding: &Finding,
    ) -> Assessment<'r> {
        let target = finding.span.clone();
        let (chronic, is_problem) = (finding.chronic, finding.is_problem);
        let mut out = Assessment::default();
        let scope = match section {
            Some(s) if s.body.start <= target.start && target.end <= s.body.end => {
                sentence.start.max(s.body.start)..sentence.end.min(s.body.end)
            }
            _ => sentence,
        };
        // The cues starting in scope (sorted, so consecutive).
        let lo = cues.cues.partition_point(|c| c.start < scope.start);
        let hi = lo + cues.cues[lo..].partition_point(|c| c.start < scope.end);
        let in_scope: Vec<&Cue> = cues.cues[lo..hi].iter().collect();
        let gaps = Gaps {
            text,
            seps,
            cues,
            lo,
            hi,
        };
        let mut certainty_rank = 0;
        let mut relation: Option<(&'r str, Range<usize>)> = None;
        // "pt has …": the patient is the subject from here to the finding.
        let patient_from = in_scope
            .iter()
            .filter(|c| c.end <= target.start && self.rules[c.rule].category == Category::Patient)
            .map(|c| c.start)
            .max();
        let collateral_from = in_scope
            .iter()
            .filter(|c| self.rules[c.rule].category == Category::Collateral)
            .map(|c| c.start)
            .min();
        for (i, cue) in in_scope.iter().enumerate() {
            let rule = &self.rules[cue.rule];
            let forward = cue.end <= target.start;
            // Read only for the cues whose category needs it.
            let reaches = || match (rule.direction, forward) {
                (Direction::Forward | Direction::Both, true) => {
                    let stop_at_comma = rule.category == Category::Historical;
                    gaps.open(cue.end, target.start, rule.window, stop_at_comma)
                }
                (Direction::Backward | Direction::Both, false) => {
                    // A cue alone in the clause after a comma ("UTI in 2015,
                    // resolved") still reaches back over that comma.
                    let gap = target.end..cue.start.max(target.end);
                    let comma = match seps.commas(&gap) {
                        [comma] if text[comma + 1..gap.end].trim().is_empty() => Some(*comma),
                        _ => None,
                    };
                    let alone_after_comma = comma.is_some();
                    let from = comma.map_or(target.end, |c| c + 1);
                    let words_before = if alone_after_comma {
                        count_words(&text[target.end..from])
                    } else {
                        0
                    };
                    let window = rule.window.map(|w| w.saturating_sub(words_before));
                    alone_after_comma && gaps.open(target.end, from - 1, window, false)
                        || gaps.open(from, cue.start, window, true)
                }
                _ => false,
            };
            if patient_from.is_some_and(|p| cue.start < p)
                && matches!(rule.category, Category::Relative | Category::Family)
            {
                continue;
            }
            match rule.category {
                Category::Relative if forward => {
                    // A relative counts outside the FH section only when a link
                    // ("had", "died of", ":") follows it at once, and not when
                    // it is the source of collateral history.
                    let linked = in_scope.get(i + 1).is_some_and(|next| {
                        self.rules[next.rule].category == Category::FamilyLink
                            && next.end <= target.start
                            && text[cue.end..next.start].trim().is_empty()
                    }) && collateral_from.is_none_or(|c| c >= cue.start);
                    let in_fh = section.is_some_and(|s| s.name == "family_history");
                    let between = cue.end..target.start.max(cue.end);
                    let same_clause = !seps.has_comma(&between) && !seps.has_semicolon(&between);
                    if (linked && reaches()) || (in_fh && same_clause) {
                        relation = Some((&rule.value, cue.start..cue.end));
                    }
                    continue;
                }
                Category::Relative
                | Category::FamilyLink
                | Category::Patient
                | Category::Collateral
                | Category::Pseudo
                | Category::Terminate => continue,
                _ if !reaches() => continue,
                Category::Negation => out.assertion.negated = true,
                Category::Possible => {
                    out.assertion.uncertain = true;
                    let rank = match rule.value.as_str() {
                        "differential" => 3,
                        "unconfirmed" => 2,
                        _ => 1,
                    };
                    if rank > certainty_rank {
                        certainty_rank = rank;
                        out.certainty = Some(&rule.value);
                    }
                }
                Category::Historical => {
                    if chronic && rule.value == "chronic_current" {
                        continue;
                    }
                    out.assertion.historical = true;
                }
                Category::Family => {
                    out.assertion.family = true;
                    if relation.is_none() {
                        relation = Some((&rule.value, cue.start..cue.end));
                    }
                    out.cues.push((Category::Family, cue.start..cue.end));
                    continue;
                }
                // Conditional wording around a drug is the medication
                // parser's business ("if pain, paracetamol"), not a reason to
                // drop the drug.
                Category::Hypothetical if !is_problem => continue,
                Category::Hypothetical => out.assertion.hypothetical = true,
            }
            out.cues.push((rule.category, cue.start..cue.end));
        }
        if let Some((code, span)) = relation.clone() {
            out.assertion.family = true;
            out.relation = Some(code);
            if !out.cues.iter().any(|(c, s)| *c == Category::Family && *s == span) {
                out.cues.push((Category::Family, span));
            }
        }
        // A past year right after an acute finding ("MI 2010", "DVT in 2018")
        // dates it in the past.
        if !chronic {
            if let Some(year) = year_after(text, target.end, scope.end) {
                if !out.assertion.historical {
                    out.assertion.historical = true;
                    out.cues.push((Category::Historical, year.clone()));
                }
                out.onset_year = Some(year);
            }
        }
        if let Some(s) = section.filter(|s| s.body.start <= target.start && target.end <= s.body.end) {
            match s.name {
                "family_history" if patient_from.is_none() => {
                    out.assertion.family = true;
                    if out.relation.is_none() {
                        out.relation = Some("FAMMEMB");
                        out.cues.push((Category::Family, s.header.clone()));
                    }
                }
                "differential_diagnosis" => {
                    out.assertion.uncertain = true;
                    out.certainty = Some("differential");
                    out.cues.push((Category::Possible, s.header.clone()));
                }
                "safety_netting" if is_problem => {
                    out.assertion.hypothetical = true;
                    out.cues.push((Category::Hypothetical, s.header.clone()));
                }
                _ => {}
            }
        }
        out.cues.sort_by_key(|(_, span)| (span.start, span.end));
        out
    }
}

/// What [`ContextRules::assess`] asks about the text between a cue and a
/// finding, answered from the note's indexes.
struct Gaps<'a> {
    text: &'a str,
    seps: &'a Separators,
    cues: &'a CueIndex<'a>,
    /// The cues in scope: `cues.cues[lo..hi]`.
    lo: usize,
    hi: usize,
}

impl Gaps<'_> {
    /// Whether a scope runs unbroken over `text[from..to]`: no terminate cue,
    /// no `;` or `)` (nor `,` going backward), and at most `window` words.
    fn open(&self, from: usize, to: usize, window: Option<usize>, backward: bool) -> bool {
        if from > to {
            return false;
        }
        let gap = from..to;
        if self.seps.has_semicolon(&gap)
            || self.seps.has_paren(&gap)
            || (backward && self.seps.has_comma(&gap))
        {
            return false;
        }
        if window.is_some_and(|w| more_words_than(&self.text[gap], w)) {
            return false;
        }
        !self.cues.terminated(self.lo, self.hi, from, to)
    }
}

/// Words (tokens with a letter or digit) in `text`.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .filter(|t| t.chars().any(char::is_alphanumeric))
}

/// How many words `text` holds.
fn count_words(text: &str) -> usize {
    words(text).count()
}

/// Whether `text` holds more than `n` words (reading no further than needed).
fn more_words_than(text: &str, n: usize) -> bool {
    words(text).nth(n).is_some()
}

/// The span of a year (1900–2099) that follows `at` within its clause:
/// "MI 2010", "DVT (2018)", "UTI in 2015".
fn year_after(text: &str, at: usize, limit: usize) -> Option<Range<usize>> {
    let rest = text.get(at..limit)?;
    let skipped = rest.len() - rest.trim_start_matches([' ', '(']).len();
    let mut start = at + skipped;
    if text.as_bytes()[start..limit]
        .get(..3)
        .is_some_and(|w| w.eq_ignore_ascii_case(b"in "))
    {
        start += 3;
    }
    let digits = text[start..limit].bytes().take_while(u8::is_ascii_digit).count();
    let year = &text[start..start + digits];
    let next = text[start + digits..limit].chars().next();
    let is_year = digits == 4 && (year.starts_with("19") || year.starts_with("20"));
    let decimal =
        next == Some('.') && text[start + digits + 1..limit].starts_with(|c: char| c.is_ascii_digit());
    (is_year && !decimal && !next.is_some_and(|c| c.is_alphanumeric() || c == '/')).then(|| start..start + 4)
}

/// Whether `rest` starts (after spaces) with the end of a clause.
fn closes_clause(rest: &str) -> bool {
    let rest = rest.trim_start_matches([' ', '\t']);
    rest.is_empty() || rest.starts_with(['.', ',', ';', '\n', '\r', ')', '!'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_rules_parse() {
        let rules = ContextRules::embedded_rules().unwrap();
        assert!(rules.len() > 150);
        assert!(ContextRules::new(rules).is_ok());
    }

    #[test]
    fn refuses_bad_rules() {
        let head = "phrase\tcategory\tdirection\twindow\tvalue\n";
        for (row, reason) in [
            (
                "no\tnegation\tforward\t\n",
                "expected 5 tab-separated columns, found 4",
            ),
            ("no\tnope\tforward\t\t\n", "unknown category \"nope\""),
            (
                "?\tpossible\tforward\t2\tmaybe\n",
                "a possible cue needs provisional, differential or unconfirmed",
            ),
            (
                "mother\trelative\tforward\t\t\n",
                "a family or relative cue needs a v3-RoleCode",
            ),
            (
                "no\tnegation\tforward\tx\t\n",
                "window \"x\" is not a whole number",
            ),
        ] {
            let err = parse_rules("r.tsv", &format!("{head}{row}"))
                .unwrap_err()
                .to_string();
            assert_eq!(err, format!("r.tsv:2: {reason}"));
        }
    }
}
