//! The medication sig: the dose instructions written after a drug name.
//!
//! [`SigParser::parse`] reads elements left to right from the start of its
//! text: amounts, rate, route, frequency, "as needed" and its reason,
//! maximum per period, duration, form, indication. It stops at the first
//! thing that is not sig vocabulary (another drug's name, a new sentence, a
//! bare number with no unit) or that conflicts with what it already has (a
//! second route, a second dose after a frequency). Connecting words ("to be
//! taken", "and", ",", "(") are skipped but never end a sig, so
//! [`Sig::span_end`] is the end of the last real element.
//!
//! # Representation
//!
//! * Units are UCUM codes: `mg`, `g`, `ug` (for mcg, µg, micrograms), `ng`,
//!   `mL`, `L`, `mmol`, `[iU]` (units, U, IU), `%`, and the annotations
//!   `{tablet}`, `{capsule}`, `{puff}`, `{drop}`, `{sachet}`, `{patch}`,
//!   `{spray}`, `{application}`, `{nebule}`, `{suppository}`, `{pessary}`,
//!   `{actuation}` for countable forms. A count written without a form ("one
//!   to be taken", "2 x 500mg") takes the sig's form when it has one ("two
//!   tablets" / "2 x 500mg tablets" → `{tablet}`), and otherwise the UCUM
//!   unity `1` with an empty `unit_text`.
//! * A strength written as a ratio ("40mg/5ml", "10mg in 1ml") keeps the
//!   numerator in `value`/`unit` and the denominator in [`Amount::per`], so
//!   it maps to a FHIR `Ratio` as is; [`Amount::ucum`] gives the single UCUM
//!   string `mg/(5.mL)` if one is wanted. Compound units with an implicit 1
//!   are flat: a weight-based dose "1mg/kg" is `mg/kg`, a rate "125ml/hr" is
//!   `mL/h`, "10mg/24h" is `mg/d`.
//! * A range ("1-2 tablets", "500mg-1g") sets `low` and `high` in the unit of
//!   the low end (mass and volume are converted), and `value` = `low`.
//! * Dose versus strength: a lone amount ("ramipril 5mg OD") is the dose and
//!   the strength is empty. With a count and an amount ("2 x 500mg tablets",
//!   "1 tab 500mg", "500mg tablets, 2 tablets") the count is the dose and the
//!   amount the strength. A ratio or a percentage is always the strength.
//!   Two masses ("500mg 1g") are strength then dose, unless the second is in
//!   brackets ("1g (2 x 500mg)" style), which makes it the strength.
//! * A loading dose followed by "then" and a new dose or frequency ("300mg
//!   STAT then 75mg OD") gives a second sig in [`Sig::then`].

use std::collections::BTreeMap;
use std::ops::Range;

use regex::{Captures, Regex};
use serde::Serialize;

use super::vocab::{self, Dim, FreqDef, UnitDef};

/// A value with the byte range, relative to the parsed text, it was read from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attr<T> {
    /// Byte range in the text given to [`SigParser::parse`].
    pub span: Range<usize>,
    /// The value.
    pub value: T,
}

/// The denominator of a ratio: "5ml" in "40mg/5ml".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Per {
    /// The denominator's number (1 when none is written: "10mg/ml").
    pub value: f64,
    /// UCUM code of the denominator's unit.
    pub unit: String,
    /// The denominator's unit as written.
    pub unit_text: String,
}

/// A quantity: a dose, a strength or a rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amount {
    /// The number; for a range, the low end.
    pub value: f64,
    /// UCUM code of the unit (of the numerator when [`Amount::per`] is set).
    pub unit: String,
    /// The unit as written ("mcg", "tabs"); empty for a bare count.
    pub unit_text: String,
    /// Low end of a range ("1-2 tablets" → 1).
    pub low: Option<f64>,
    /// High end of a range ("1-2 tablets" → 2).
    pub high: Option<f64>,
    /// Denominator of a strength ratio ("40mg/5ml").
    pub per: Option<Per>,
    /// For a combination strength ("30mg/500mg", co-codamol), every
    /// ingredient's amount in the order written; `value` and `unit` are the
    /// first one's. Empty otherwise.
    pub components: Vec<Amount>,
}

impl Amount {
    /// The whole unit as one UCUM string: `unit` alone, or `unit/per` for a
    /// ratio ("mg/mL", "mg/(5.mL)").
    pub fn ucum(&self) -> String {
        match &self.per {
            None => self.unit.clone(),
            Some(p) if p.value == 1.0 => format!("{}/{}", self.unit, p.unit),
            Some(p) => format!("{}/({}.{})", self.unit, number_text(p.value), p.unit),
        }
    }

    /// Whether the unit is a countable form (`{tablet}`) or a bare count (`1`).
    pub fn is_count(&self) -> bool {
        self.unit == "1" || self.unit.starts_with('{')
    }
}

/// A route of administration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    /// The ward code: PO, IV, IM, SC, SL, PR, PV, INH, NEB, NG, PEG, TOP, TD,
    /// OPH, NAS, BUC.
    pub code: &'static str,
    /// The route as written.
    pub text: String,
    /// Further routes offered as alternatives ("IV/PO" → `["PO"]`).
    pub alternatives: Vec<&'static str>,
}

impl Route {
    /// The SNOMED CT concept for this route, if [`route_snomed`] has one.
    pub fn snomed(&self) -> Option<SnomedRoute> {
        route_snomed(self.code)
    }
}

/// A SNOMED CT route concept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SnomedRoute {
    /// The concept id.
    pub code: &'static str,
    /// The preferred term.
    pub display: &'static str,
}

/// Ward route codes with a SNOMED CT concept in the open Global Patient Set.
/// The other routes have text only: no code is invented for them.
pub const ROUTE_SNOMED: &[(&str, SnomedRoute)] = &[
    (
        "PO",
        SnomedRoute {
            code: "26643006",
            display: "Oral route",
        },
    ),
    (
        "IV",
        SnomedRoute {
            code: "47625008",
            display: "Intravenous route",
        },
    ),
    (
        "SC",
        SnomedRoute {
            code: "34206005",
            display: "Subcutaneous route",
        },
    ),
    (
        "IM",
        SnomedRoute {
            code: "78421000",
            display: "Intramuscular route",
        },
    ),
    (
        "PR",
        SnomedRoute {
            code: "37161004",
            display: "Rectal route",
        },
    ),
    (
        "TOP",
        SnomedRoute {
            code: "6064005",
            display: "Topical route",
        },
    ),
];

/// The SNOMED CT concept for a ward route code, from [`ROUTE_SNOMED`].
pub fn route_snomed(code: &str) -> Option<SnomedRoute> {
    ROUTE_SNOMED.iter().find(|(c, _)| *c == code).map(|(_, s)| *s)
}

/// How often: `frequency` times per `period` `period_unit`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frequency {
    /// Doses per day when the schedule is daily or hourly; `None` for weekly,
    /// monthly and STAT, so "weekly" can never read as once a day. For a
    /// range of intervals ("every 4-6 hours") it uses the shorter one.
    pub per_day: Option<f64>,
    /// Doses per period (FHIR `Timing.repeat.frequency`).
    pub frequency: u32,
    /// The period (FHIR `Timing.repeat.period`); 0 for STAT.
    pub period: f64,
    /// The longer period of a range ("every 4-6 hours" → 6).
    pub period_max: Option<f64>,
    /// UCUM unit of the period: `h`, `d`, `wk` or `mo`.
    pub period_unit: &'static str,
    /// FHIR event timings: `MORN`, `NOON`, `EVE`, `NIGHT`, `HS`, `C`, `AC`, `PC`…
    pub when: Vec<&'static str>,
    /// HL7 v3 GTSAbbreviation code: QD, BID, TID, QID, AM, QOD, Q1H…Q8H,
    /// BED, WK, MO; only where the schedule is exactly that code.
    pub code: Option<&'static str>,
    /// One dose now (FHIR `Timing.repeat.count` = 1); `frequency` is 1 and
    /// `period` 0.
    pub stat: bool,
    /// The frequency as written.
    pub text: String,
}

/// A maximum amount in a period ("max 8 tablets/24h").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MaxDose {
    /// The maximum.
    pub value: f64,
    /// UCUM unit: a written unit, `{dose}` for "doses"/"times", or, when no
    /// unit is written ("max 8/24h"), the dose's unit if the dose is a
    /// count, else `{dose}`.
    pub unit: String,
    /// The unit as written; empty when none was.
    pub unit_text: String,
    /// The period ("24" in "in 24 hours").
    pub period: f64,
    /// UCUM unit of the period: `h`, `d` or `wk`.
    pub period_unit: &'static str,
}

/// How long to keep going.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duration {
    /// The number ("5" in "for 5 days", "x5/7"); `None` for "until review".
    pub value: Option<f64>,
    /// UCUM unit: `h`, `d`, `wk` or `mo`.
    pub unit: Option<&'static str>,
    /// The duration as written.
    pub text: String,
}

/// A dose form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Form {
    /// Canonical name: tablet, capsule, liquid, oral solution, suspension,
    /// inhaler, patch, cream, ointment, gel, injection, suppository, eye
    /// drops, nebules, spray, sachet…
    pub name: &'static str,
    /// The form as written.
    pub text: String,
}

/// The parsed sig. Every span is a byte range in the text that was parsed.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Sig {
    /// Strength of the product ("500mg" in "2 x 500mg tablets", "40mg/5ml").
    pub strength: Option<Attr<Amount>>,
    /// The amount per administration.
    pub dose: Option<Attr<Amount>>,
    /// Route of administration.
    pub route: Option<Attr<Route>>,
    /// Timing.
    pub frequency: Option<Attr<Frequency>>,
    /// Maximum amount per period.
    pub max_per_period: Option<Attr<MaxDose>>,
    /// PRN / as required.
    pub as_needed: bool,
    /// Where "PRN" (or "as required"…) was written.
    pub as_needed_span: Option<Range<usize>>,
    /// The reason after "PRN for" ("pain").
    pub as_needed_reason: Option<Attr<String>>,
    /// Course length.
    pub duration: Option<Attr<Duration>>,
    /// Dose form.
    pub form: Option<Attr<Form>>,
    /// Release or formulation modifier as written ("MR", "dispersible").
    pub form_modifier: Option<Attr<String>>,
    /// Infusion or administration rate ("125ml/hr" → 125 `mL/h`).
    pub rate: Option<Attr<Amount>>,
    /// "for AF": the reason for the drug, as written (coded elsewhere).
    pub indication: Option<Attr<String>>,
    /// Written instructions with no coded value ("as directed", "as per INR").
    pub instructions: Vec<Attr<String>>,
    /// The next phase after "then" ("300mg STAT then 75mg OD").
    pub then: Option<Box<Sig>>,
    /// Byte offset where the sig ends: the end of its last element, or the
    /// offset parsing started at when nothing was found.
    pub span_end: usize,
}

impl Sig {
    /// Whether the sig states any amount (dose, strength or rate).
    ///
    /// The parser reads "OD" as once daily wherever it is. A caller finding
    /// "paracetamol OD" with no amount in a presenting complaint should use
    /// this to decide whether "OD" is an overdose instead.
    pub fn has_amount(&self) -> bool {
        self.dose.is_some() || self.strength.is_some() || self.rate.is_some()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.dose.is_none()
            && self.strength.is_none()
            && self.route.is_none()
            && self.frequency.is_none()
            && self.max_per_period.is_none()
            && !self.as_needed
            && self.duration.is_none()
            && self.form.is_none()
            && self.form_modifier.is_none()
            && self.rate.is_none()
            && self.indication.is_none()
            && self.instructions.is_empty()
    }
}

/// The compiled sig grammar. Build once, share by reference.
pub struct SigParser {
    amount: Regex,
    range: Regex,
    combination: Regex,
    count_times: Regex,
    word_count: Regex,
    count_taken: Regex,
    rate: Regex,
    max: Regex,
    max_prefix: Regex,
    duration: Regex,
    duration_fraction: Regex,
    duration_open: Regex,
    freq_any_case: Regex,
    freq_cased: Regex,
    freq_every_hours: Regex,
    freq_hourly: Regex,
    freq_times: Regex,
    freq_every_n: Regex,
    frequencies: BTreeMap<String, FreqDef>,
    as_needed: Regex,
    route: Regex,
    route_joiner: Regex,
    routes: BTreeMap<String, &'static str>,
    form: Regex,
    forms: BTreeMap<String, &'static str>,
    modifier: Regex,
    instruction: Regex,
    for_word: Regex,
    reason_word: Regex,
    then: Regex,
    filler: Regex,
}

impl std::fmt::Debug for SigParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigParser").finish_non_exhaustive()
    }
}

impl Default for SigParser {
    fn default() -> Self {
        SigParser::new()
    }
}

// ---------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------

/// Digits with optional thousands commas ("5,000") and decimals; a leading
/// dot (".5") is a number; "½" is a half.
const NUM: &str = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+|\d*½)";

pub(super) fn compile(pattern: &str) -> Regex {
    // The patterns are built from constant tables; the unit tests compile
    // every one, so this cannot fail at run time.
    Regex::new(pattern).unwrap_or_else(|e| panic!("sig pattern does not compile: {e}"))
}

/// Lower case, spaces and hyphens collapsed to one space, final dot dropped.
pub(super) fn normalize(s: &str) -> String {
    let lower = s.to_lowercase();
    let joined = lower
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    joined.strip_suffix('.').map(str::to_string).unwrap_or(joined)
}

/// A regex fragment for one phrase: spaces match runs of spaces or hyphens,
/// a final dot is optional, a final letter must end a word.
pub(super) fn phrase_fragment(phrase: &str) -> String {
    let (body, dot) = match phrase.strip_suffix('.') {
        Some(b) => (b, true),
        None => (phrase, false),
    };
    let mut s = body
        .split(' ')
        .map(regex::escape)
        .collect::<Vec<_>>()
        .join(r"[\s\-]+");
    if dot {
        s.push_str(r"(?:\.|\b)");
    } else if body.ends_with(|c: char| c.is_alphanumeric()) {
        s.push_str(r"\b");
    }
    s
}

/// An alternation of phrases, longest first.
pub(super) fn alternation<'a>(phrases: impl IntoIterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = phrases.into_iter().collect();
    v.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    v.dedup();
    v.iter().map(|p| phrase_fragment(p)).collect::<Vec<_>>().join("|")
}

fn unit_pattern() -> String {
    let words = alternation(vocab::UNITS.iter().filter(|u| u.text != "%").map(|u| u.text));
    format!(r"(?:(?i:{words})|{}\b|%)", vocab::NANOGRAM_ABBREVIATION.text)
}

fn route_phrases() -> Vec<(String, &'static str)> {
    let mut v: Vec<(String, &'static str)> = vocab::ROUTES.iter().map(|(p, c)| (p.to_string(), *c)).collect();
    for prep in vocab::EYE_PREPOSITIONS {
        for the in ["", "the "] {
            for side in vocab::EYE_SIDES {
                for eye in ["eye", "eyes"] {
                    v.push((format!("{prep}{the}{side} {eye}"), "OPH"));
                }
            }
            for side in vocab::NOSTRIL_SIDES {
                for nostril in ["nostril", "nostrils"] {
                    v.push((format!("{prep}{the}{side} {nostril}"), "NAS"));
                }
            }
        }
    }
    v
}

impl SigParser {
    /// Compile the sig grammar from the tables in the `vocab` module.
    pub fn new() -> SigParser {
        let unit = unit_pattern();
        let words = alternation(vocab::NUMBER_WORDS.iter().map(|(w, _)| *w));
        let qty = format!(r"(?:{NUM}|(?i:{words}))");
        let denom = alternation(vocab::DENOMINATORS.iter().map(|(d, _)| *d));
        let then_stop = r"(?P<stop>\s*,?\s*(?:then|and\s+then|and)\s+(?:stop|review|discontinue)\b)?";

        let mut frequencies = BTreeMap::new();
        for (p, d) in vocab::FREQUENCIES.iter().chain(vocab::FREQUENCIES_CASED) {
            frequencies.insert(normalize(p), *d);
        }
        let routes_list = route_phrases();
        let routes = routes_list.iter().map(|(p, c)| (normalize(p), *c)).collect();
        let forms = vocab::FORMS.iter().map(|(p, n)| (normalize(p), *n)).collect();

        SigParser {
            amount: compile(&format!(
                r"^(?P<n>{qty})\s*(?P<u>{unit})(?:\s*(?:/|\bin\b|\bper\b)\s*(?P<dn>{NUM})?\s*(?P<du>(?i:{denom})))?"
            )),
            range: compile(&format!(
                r"^(?P<n1>{qty})(?:\s*(?P<u1>{unit}))?\s*(?:-|–|(?i:to|or)\b)\s*(?P<n2>{qty})\s*(?P<u2>{unit})"
            )),
            combination: compile(&format!(
                r"^(?P<n1>{NUM})\s*(?P<u1>{unit})\s*/\s*(?P<n2>{NUM})\s*(?P<u2>{unit})(?:\s*/\s*(?P<n3>{NUM})\s*(?P<u3>{unit}))?"
            )),
            count_times: compile(&format!(r"^(?P<n>{qty})\s*[x×]\s*")),
            word_count: compile(&format!(r"^(?i:{words})")),
            count_taken: compile(&format!(
                r"^(?P<n>{NUM})\s+(?i:to\s+be\s+(?:taken|given|applied|inhaled|used|instilled))\b"
            )),
            rate: compile(&format!(
                r"^(?i:at\s+(?:a\s+rate\s+of\s+)?|rate\s*:?\s*)?(?P<n>{NUM})\s*(?P<u>{unit})\s*(?P<kg>/\s*(?i:kg)\s*)?(?:/|(?i:per)\s+)\s*(?P<pn>\d+)?\s*(?P<pu>(?i:hours?|hrs?|h|minutes?|mins?|days?|d))\b"
            )),
            max: compile(&format!(
                r"^(?i:max(?:imum)?\.?|not\s+more\s+than|no\s+more\s+than|do\s+not\s+exceed|up\s+to)\s*(?i:(?:daily\s+)?dose\s*)?(?i:of\s+)?[:=]?\s*(?P<n>{qty})\s*(?P<u>{unit}|(?i:doses?|times)\b)?\s*(?:/\s*|(?i:in|per|within|every|a|each|over)\s+(?i:any\s+)?)?(?:(?P<pn>\d+)\s*(?P<pu>(?i:hours?|hrs?|h|days?|d|weeks?|wks?))|(?P<pw>(?i:day|daily|d|week|wk)))\b"
            )),
            max_prefix: compile(r"^(?i:max(?:imum)?\.?|up\s+to)\s*"),
            duration: compile(&format!(
                r"^(?i:(?:for|x|×)\s*)?(?i:(?:a\s+)?(?:further|another|more|total\s+of)\s+)?(?P<n>{qty}|(?i:an?\b))\s*(?P<u>(?i:days?|d|weeks?|wks?|w|months?|mo|mths?|hours?|hrs?|h))\b{then_stop}"
            )),
            duration_fraction: compile(&format!(
                r"^(?i:(?:for|x|×)\s*)?(?P<n>\d+)\s*/\s*(?P<d>7|52|12)\b{then_stop}"
            )),
            duration_open: compile(
                r"^(?i:until\s+(?:(?:the\s+)?(?:next|clinic|gp|medical|team|consultant|further|outpatient|opd|ward|specialist)\s+)*(?:review(?:ed)?|seen|notice|discharge|instructed|advised|otherwise\s+(?:advised|instructed|directed))|ongoing|long[\s\-]?term|life[\s\-]?long|indefinitely)\b",
            ),
            freq_any_case: compile(&format!(
                r"^(?i:{})",
                alternation(vocab::FREQUENCIES.iter().map(|(p, _)| *p))
            )),
            freq_cased: compile(&format!(
                r"^(?:{})",
                alternation(vocab::FREQUENCIES_CASED.iter().map(|(p, _)| *p))
            )),
            freq_every_hours: compile(
                r"^(?i:(?:every|each|q)\s*(?P<a>\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(?P<b>\d+(?:\.\d+)?))?\s*(?:hours?|hrs?|hourly|h)\b)",
            ),
            freq_hourly: compile(
                r"^(?i:(?P<a>\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(?P<b>\d+(?:\.\d+)?))?\s*-?\s*(?:hourly|hrly|hly)\b)",
            ),
            freq_times: compile(
                r"^(?i:(?:(?P<w>once|twice|thrice)|(?P<n>\d+|one|two|three|four|five|six)\s*(?:times|x))\s*(?:a\b|per\b|each\b|every\b|/|in\s+a\b)?\s*(?P<p>daily|day|d|24\s*h(?:ours|rs|r)?|weekly|week|wk|monthly|month))\b",
            ),
            freq_every_n: compile(
                r"^(?i:every\s+(?P<n>\d+|other|second|2nd|third|3rd|two|three|four)\s*(?P<p>days?|weeks?|months?))\b",
            ),
            frequencies,
            as_needed: compile(&format!(
                r"^(?i:{})",
                alternation(vocab::AS_NEEDED.iter().copied())
            )),
            route: compile(&format!(
                r"^(?i:(?:via\s+(?:the\s+|an?\s+)?|by\s+)?(?P<r>{}))",
                alternation(routes_list.iter().map(|(p, _)| p.as_str()))
            )),
            route_joiner: compile(r"^\s*(?:/|(?i:or)\b)\s*"),
            routes,
            form: compile(&format!(
                r"^(?i:{})",
                alternation(vocab::FORMS.iter().map(|(p, _)| *p))
            )),
            forms,
            modifier: compile(&format!(
                r"^(?i:{})",
                alternation(vocab::FORM_MODIFIERS.iter().copied())
            )),
            instruction: compile(&format!(
                r"^(?i:{})",
                alternation(vocab::INSTRUCTIONS.iter().copied())
            )),
            for_word: compile(r"^(?i:for)\s+"),
            reason_word: compile(r"^[A-Za-z][A-Za-z0-9'’/\-]*"),
            then: compile(r"^(?i:and\s+then|then|followed\s+by)\b"),
            filler: compile(&format!(
                r"^(?:(?i:{})|[(),;:+&\[\]/]|-|–)",
                alternation(vocab::FILLERS.iter().copied())
            )),
        }
    }
}

// ---------------------------------------------------------------------------
// Elements
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Mass, volume, units, mmol, or a weight-based dose.
    Measure(Dim),
    /// A countable form or a bare count.
    Count,
    /// A ratio or a percentage.
    Strength,
}

#[derive(Debug, Clone)]
struct AmountTok {
    amount: Amount,
    span: Range<usize>,
    kind: Kind,
    /// Where the countable unit was written, and the form it names.
    form: Option<(Range<usize>, &'static str)>,
    in_brackets: bool,
}

#[derive(Debug)]
enum Elem {
    Amount(AmountTok),
    Rate(Attr<Amount>),
    Max(Attr<MaxDose>),
    Duration(Attr<Duration>),
    Freq(Range<usize>, FreqDef),
    AsNeeded(Range<usize>),
    Route(Attr<Route>),
    Form(Attr<Form>),
    Modifier(Attr<String>),
    Instruction(Attr<String>),
    For(Attr<String>),
    Then,
    Filler(Option<char>),
}

/// Whether a match ending at `end` ends a word: no letter or digit on both
/// sides of `end`.
fn ends_word(text: &str, end: usize) -> bool {
    let before = text[..end].chars().next_back();
    let after = text[end..].chars().next();
    !matches!((before, after), (Some(b), Some(a)) if b.is_alphanumeric() && a.is_alphanumeric())
}

/// Run an anchored regex at `pos`; the match must end a word.
fn at<'t>(re: &Regex, text: &'t str, pos: usize) -> Option<Captures<'t>> {
    let caps = re.captures(&text[pos..])?;
    let m = caps.get(0)?;
    if m.is_empty() || !ends_word(text, pos + m.end()) {
        return None;
    }
    Some(caps)
}

fn whole(caps: &Captures<'_>, pos: usize) -> Range<usize> {
    caps.get(0)
        .map(|m| pos + m.start()..pos + m.end())
        .unwrap_or(pos..pos)
}

/// Parse a number or number word.
fn quantity(s: &str) -> Option<f64> {
    let t = s.trim();
    if let Some((a, b)) = t.split_once('/') {
        let (a, b) = (a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?);
        return (b > 0.0).then(|| a / b);
    }
    if let Some(first) = t.chars().next() {
        if first.is_ascii_digit() || first == '.' || first == '½' {
            let digits: String = t.chars().filter(|c| *c != ',').collect();
            if let Some(whole) = digits.strip_suffix('½') {
                let w = if whole.is_empty() {
                    0.0
                } else {
                    whole.parse::<f64>().ok()?
                };
                return Some(w + 0.5);
            }
            return digits.parse::<f64>().ok();
        }
    }
    let n = normalize(t);
    if n == "a" || n == "an" {
        return Some(1.0);
    }
    vocab::NUMBER_WORDS.iter().find(|(w, _)| *w == n).map(|(_, v)| *v)
}

fn lookup_unit(s: &str) -> Option<UnitDef> {
    if s == vocab::NANOGRAM_ABBREVIATION.text {
        return Some(vocab::NANOGRAM_ABBREVIATION);
    }
    let n = normalize(s);
    vocab::UNITS.iter().find(|u| u.text == n).copied()
}

fn lookup_denominator(s: &str) -> Option<&'static str> {
    let n = normalize(s);
    vocab::DENOMINATORS.iter().find(|(d, _)| *d == n).map(|(_, u)| *u)
}

fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn period_unit(s: &str) -> Option<&'static str> {
    let n = normalize(s);
    Some(match n.as_str() {
        "h" | "hr" | "hrs" | "hour" | "hours" => "h",
        "min" | "mins" | "minute" | "minutes" => "min",
        "d" | "day" | "days" | "daily" => "d",
        "w" | "wk" | "wks" | "week" | "weeks" | "weekly" => "wk",
        "mo" | "mth" | "mths" | "month" | "months" | "monthly" => "mo",
        _ => return None,
    })
}

fn per_day(f: &FreqDef) -> Option<f64> {
    if f.stat || f.when_only || f.period <= 0.0 {
        return None;
    }
    match f.unit {
        "h" => Some(f64::from(f.frequency) * 24.0 / f.period),
        "d" => Some(f64::from(f.frequency) / f.period),
        _ => None,
    }
}

fn daily_code(n: u32) -> Option<&'static str> {
    match n {
        1 => Some("QD"),
        2 => Some("BID"),
        3 => Some("TID"),
        4 => Some("QID"),
        _ => None,
    }
}

fn hourly_code(h: f64) -> Option<&'static str> {
    match h as u32 {
        1 if h == 1.0 => Some("Q1H"),
        2 if h == 2.0 => Some("Q2H"),
        3 if h == 3.0 => Some("Q3H"),
        4 if h == 4.0 => Some("Q4H"),
        6 if h == 6.0 => Some("Q6H"),
        8 if h == 8.0 => Some("Q8H"),
        _ => None,
    }
}

impl SigParser {
    /// Parse the instructions that follow a drug name.
    ///
    /// `text` is the text after the drug name up to the end of its line or
    /// list item. Parsing stops at a newline, at a sentence end, at the first
    /// word that is not sig vocabulary (so at the next drug's name), and at
    /// an element that conflicts with one already read. Spans are byte
    /// ranges in `text`.
    pub fn parse(&self, text: &str) -> Sig {
        self.parse_from(text, 0)
    }

    /// Parse starting at byte `start` of `text`; spans stay relative to
    /// `text`. `start` must be on a character boundary (it is clamped to
    /// the text and otherwise yields an empty sig).
    pub fn parse_from(&self, text: &str, start: usize) -> Sig {
        let start = start.min(text.len());
        if !text.is_char_boundary(start) {
            return Sig {
                span_end: start,
                ..Sig::default()
            };
        }
        let mut phase = Phase::new(start);
        let mut pos = start;
        loop {
            pos = skip_blanks(text, pos);
            if pos >= text.len() {
                break;
            }
            let Some((elem, end)) = self.element(text, pos) else {
                break;
            };
            if phase.apply(elem, text).is_err() {
                if phase.pending_then {
                    let next = self.parse_from(text, pos);
                    if !next.is_empty() {
                        phase.then = Some(Box::new(next));
                    }
                }
                break;
            }
            pos = end;
        }
        phase.finish(text)
    }

    /// Whether a sig element (other than a connecting word) starts at `pos`.
    fn is_sig_start(&self, text: &str, pos: usize) -> bool {
        self.element_core(text, pos).is_some()
    }

    fn element(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        if let Some(found) = self.element_core(text, pos) {
            return Some(found);
        }
        if let Some(found) = self.word_count_at(text, pos) {
            return Some(found);
        }
        if let Some(found) = self.reason_at(text, pos) {
            return Some(found);
        }
        if let Some(c) = at(&self.then, text, pos) {
            return Some((Elem::Then, whole(&c, pos).end));
        }
        let c = at(&self.filler, text, pos)?;
        let r = whole(&c, pos);
        let ch = text[r.clone()]
            .chars()
            .next()
            .filter(|c| matches!(c, '(' | ')' | '[' | ']'));
        Some((Elem::Filler(ch), r.end))
    }

    /// Elements with a value, in priority order.
    fn element_core(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        self.duration_at(text, pos)
            .or_else(|| self.max_at(text, pos))
            .or_else(|| self.rate_at(text, pos))
            .or_else(|| self.count_times_at(text, pos))
            .or_else(|| self.amount_at(text, pos))
            .or_else(|| {
                self.freq_at(text, pos)
                    .map(|(r, d)| (Elem::Freq(r.clone(), d), r.end))
            })
            .or_else(|| self.as_needed_at(text, pos))
            .or_else(|| {
                // "oral solution" is a form, "oral" a route: the longer wins.
                match (self.route_at(text, pos), self.form_at(text, pos)) {
                    (Some(r), Some(f)) if f.1 > r.1 => Some(f),
                    (Some(r), _) => Some(r),
                    (None, f) => f,
                }
            })
            .or_else(|| {
                let a = self.simple_at(&self.modifier, text, pos)?;
                let end = a.span.end;
                Some((Elem::Modifier(a), end))
            })
            .or_else(|| {
                let a = self.simple_at(&self.instruction, text, pos)?;
                let end = a.span.end;
                Some((Elem::Instruction(a), end))
            })
    }

    fn simple_at(&self, re: &Regex, text: &str, pos: usize) -> Option<Attr<String>> {
        let c = at(re, text, pos)?;
        let span = whole(&c, pos);
        Some(Attr {
            value: text[span.clone()].to_string(),
            span,
        })
    }

    fn duration_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        if let Some(c) = at(&self.duration_fraction, text, pos) {
            let n = quantity(c.name("n")?.as_str())?;
            let unit = match c.name("d")?.as_str() {
                "7" => "d",
                "52" => "wk",
                _ => "mo",
            };
            let span = whole(&c, pos);
            let value = Duration {
                value: Some(n),
                unit: Some(unit),
                text: text[span.clone()].to_string(),
            };
            return Some((
                Elem::Duration(Attr {
                    span: span.clone(),
                    value,
                }),
                span.end,
            ));
        }
        if let Some(c) = at(&self.duration, text, pos) {
            let n = quantity(c.name("n")?.as_str())?;
            let unit = period_unit(c.name("u")?.as_str())?;
            let span = whole(&c, pos);
            let value = Duration {
                value: Some(n),
                unit: Some(unit),
                text: text[span.clone()].to_string(),
            };
            return Some((
                Elem::Duration(Attr {
                    span: span.clone(),
                    value,
                }),
                span.end,
            ));
        }
        let c = at(&self.duration_open, text, pos)?;
        let span = whole(&c, pos);
        let value = Duration {
            value: None,
            unit: None,
            text: text[span.clone()].to_string(),
        };
        Some((
            Elem::Duration(Attr {
                span: span.clone(),
                value,
            }),
            span.end,
        ))
    }

    fn max_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        if let Some(c) = at(&self.max, text, pos) {
            let value = quantity(c.name("n")?.as_str())?;
            let (unit, unit_text) = match c.name("u") {
                None => (String::new(), String::new()),
                Some(m) => {
                    let t = m.as_str();
                    let n = normalize(t);
                    let u = if n.starts_with("dose") || n == "times" {
                        "{dose}".to_string()
                    } else {
                        lookup_unit(t)?.ucum.to_string()
                    };
                    (u, t.to_string())
                }
            };
            let (period, period_unit) = match (c.name("pn"), c.name("pu"), c.name("pw")) {
                (Some(n), Some(u), _) => (n.as_str().parse::<f64>().ok()?, period_unit(u.as_str())?),
                (_, _, Some(w)) => (1.0, period_unit(w.as_str())?),
                _ => return None,
            };
            let span = whole(&c, pos);
            let value = MaxDose {
                value,
                unit,
                unit_text,
                period,
                period_unit,
            };
            return Some((
                Elem::Max(Attr {
                    span: span.clone(),
                    value,
                }),
                span.end,
            ));
        }
        // "max QDS", "up to four times a day" (the latter also fits above).
        let c = at(&self.max_prefix, text, pos)?;
        let after = pos + c.get(0)?.end();
        let (fspan, def) = self.freq_at(text, after)?;
        if def.stat || def.when_only || !def.when.is_empty() || def.unit != "d" {
            return None;
        }
        let span = pos..fspan.end;
        let value = MaxDose {
            value: f64::from(def.frequency),
            unit: "{dose}".to_string(),
            unit_text: String::new(),
            period: def.period,
            period_unit: "d",
        };
        Some((
            Elem::Max(Attr {
                span: span.clone(),
                value,
            }),
            span.end,
        ))
    }

    fn rate_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        let c = at(&self.rate, text, pos)?;
        let value = quantity(c.name("n")?.as_str())?;
        let u = c.name("u")?;
        let def = lookup_unit(u.as_str())?;
        if def.dim == Dim::Percent {
            return None;
        }
        let per_n = match c.name("pn") {
            Some(m) => m.as_str().parse::<f64>().ok()?,
            None => 1.0,
        };
        let pu = period_unit(c.name("pu")?.as_str())?;
        let per = if per_n == 1.0 {
            pu.to_string()
        } else if pu == "h" && per_n == 24.0 {
            "d".to_string()
        } else {
            format!("({}.{})", number_text(per_n), pu)
        };
        let kg = if c.name("kg").is_some() { "/kg" } else { "" };
        let span = whole(&c, pos);
        let value = Amount {
            value,
            unit: format!("{}{kg}/{per}", def.ucum),
            unit_text: text[pos + u.start()..span.end].trim().to_string(),
            low: None,
            high: None,
            per: None,
            components: Vec::new(),
        };
        Some((
            Elem::Rate(Attr {
                span: span.clone(),
                value,
            }),
            span.end,
        ))
    }

    /// "2 x 500mg": a bare count, when an amount follows the "x".
    fn count_times_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        // No word-end test: "2x500mg" is one word.
        let c = self.count_times.captures(&text[pos..])?;
        let after = pos + c.get(0)?.end();
        // Only a strength may follow: "2 x 500mg", not "2 x 5ml spoonfuls".
        match self.amount_at(text, after)? {
            (
                Elem::Amount(AmountTok {
                    kind: Kind::Measure(Dim::Mass | Dim::Intl | Dim::Substance),
                    ..
                }),
                _,
            ) => {}
            _ => return None,
        }
        let n = c.name("n")?;
        let value = quantity(n.as_str())?;
        let span = pos + n.start()..pos + n.end();
        let tok = AmountTok {
            amount: bare_count(value),
            span,
            kind: Kind::Count,
            form: None,
            in_brackets: false,
        };
        Some((Elem::Amount(tok), after))
    }

    /// "one to be taken", "half a tablet" handled by `amount_at`; this is the
    /// count word alone.
    fn word_count_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        let span = match at(&self.word_count, text, pos) {
            Some(c) => whole(&c, pos),
            // "1 to be taken": digits are a count only before these words.
            None => {
                let c = at(&self.count_taken, text, pos)?;
                let n = c.name("n")?;
                pos + n.start()..pos + n.end()
            }
        };
        let value = quantity(&text[span.clone()])?;
        let tok = AmountTok {
            amount: bare_count(value),
            span: span.clone(),
            kind: Kind::Count,
            form: None,
            in_brackets: false,
        };
        Some((Elem::Amount(tok), span.end))
    }

    fn amount_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        if let Some(found) = self.combination_at(text, pos) {
            return Some(found);
        }
        if let Some(found) = self.range_at(text, pos) {
            return Some(found);
        }
        let c = at(&self.amount, text, pos)?;
        let n = c.name("n")?;
        let u = c.name("u")?;
        let def = lookup_unit(u.as_str())?;
        if def.text == vocab::NANOGRAM_ABBREVIATION.text && u.start() != n.end() {
            return None;
        }
        let value = quantity(n.as_str())?;
        let span = whole(&c, pos);
        let mut amount = Amount {
            value,
            unit: def.ucum.to_string(),
            unit_text: u.as_str().to_string(),
            low: None,
            high: None,
            per: None,
            components: Vec::new(),
        };
        let mut kind = match def.dim {
            Dim::Count => Kind::Count,
            Dim::Percent => Kind::Strength,
            d => Kind::Measure(d),
        };
        if let Some(du) = c.name("du") {
            let dunit = lookup_denominator(du.as_str())?;
            let dval = match c.name("dn") {
                Some(m) => quantity(m.as_str())?,
                None => 1.0,
            };
            if dunit == "kg" {
                if dval != 1.0 {
                    return None;
                }
                amount.unit = format!("{}/kg", def.ucum);
                amount.unit_text = text[pos + u.start()..span.end].to_string();
            } else {
                amount.per = Some(Per {
                    value: dval,
                    unit: dunit.to_string(),
                    unit_text: du.as_str().to_string(),
                });
                kind = Kind::Strength;
            }
        }
        let form = def.form.map(|f| (pos + u.start()..pos + u.end(), f));
        let tok = AmountTok {
            amount,
            span: span.clone(),
            kind,
            form,
            in_brackets: false,
        };
        Some((Elem::Amount(tok), span.end))
    }

    /// "30mg/500mg", "8mg/500mg", "250mg/62.5mg": a combination strength.
    fn combination_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        let c = at(&self.combination, text, pos)?;
        let mut components = Vec::new();
        for (n, u) in [("n1", "u1"), ("n2", "u2"), ("n3", "u3")] {
            let (Some(n), Some(u)) = (c.name(n), c.name(u)) else {
                continue;
            };
            let def = lookup_unit(u.as_str())?;
            if !matches!(def.dim, Dim::Mass | Dim::Intl | Dim::Substance)
                || u.start() != n.end() && def.text == "ng"
            {
                return None;
            }
            components.push(Amount {
                value: quantity(n.as_str())?,
                unit: def.ucum.to_string(),
                unit_text: u.as_str().to_string(),
                low: None,
                high: None,
                per: None,
                components: Vec::new(),
            });
        }
        let first = components.first()?.clone();
        let span = whole(&c, pos);
        let amount = Amount { components, ..first };
        let tok = AmountTok {
            amount,
            span: span.clone(),
            kind: Kind::Strength,
            form: None,
            in_brackets: false,
        };
        Some((Elem::Amount(tok), span.end))
    }

    fn range_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        let c = at(&self.range, text, pos)?;
        let u2 = c.name("u2")?;
        let hi_def = lookup_unit(u2.as_str())?;
        let n2 = c.name("n2")?;
        if hi_def.text == vocab::NANOGRAM_ABBREVIATION.text && u2.start() != n2.end() {
            return None;
        }
        let mut low = quantity(c.name("n1")?.as_str())?;
        let mut high = quantity(n2.as_str())?;
        let (def, unit_text) = match c.name("u1") {
            None => (hi_def, u2.as_str()),
            Some(u1) => {
                let lo_def = lookup_unit(u1.as_str())?;
                if lo_def.ucum != hi_def.ucum {
                    let convertible =
                        lo_def.dim == hi_def.dim && matches!(lo_def.dim, Dim::Mass | Dim::Volume);
                    if !convertible {
                        return None;
                    }
                    high = high * hi_def.factor / lo_def.factor;
                }
                (lo_def, u1.as_str())
            }
        };
        if high < low {
            std::mem::swap(&mut low, &mut high);
        }
        let span = whole(&c, pos);
        let kind = match def.dim {
            Dim::Count => Kind::Count,
            Dim::Percent => Kind::Strength,
            d => Kind::Measure(d),
        };
        let amount = Amount {
            value: low,
            unit: def.ucum.to_string(),
            unit_text: unit_text.to_string(),
            low: Some(low),
            high: Some(high),
            per: None,
            components: Vec::new(),
        };
        let form = hi_def.form.map(|f| (pos + u2.start()..pos + u2.end(), f));
        let tok = AmountTok {
            amount,
            span: span.clone(),
            kind,
            form,
            in_brackets: false,
        };
        Some((Elem::Amount(tok), span.end))
    }

    /// The longest frequency at `pos`.
    fn freq_at(&self, text: &str, pos: usize) -> Option<(Range<usize>, FreqDef)> {
        let mut best: Option<(Range<usize>, FreqDef)> = None;
        let mut offer = |span: Range<usize>, def: FreqDef| {
            if best.as_ref().is_none_or(|(b, _)| span.end > b.end) {
                best = Some((span, def));
            }
        };
        for re in [&self.freq_cased, &self.freq_any_case] {
            if let Some(c) = at(re, text, pos) {
                let span = whole(&c, pos);
                if let Some(def) = self.frequencies.get(&normalize(&text[span.clone()])) {
                    offer(span, *def);
                }
            }
        }
        for re in [&self.freq_every_hours, &self.freq_hourly] {
            if let Some(c) = at(re, text, pos) {
                let a = c.name("a").and_then(|m| m.as_str().parse::<f64>().ok());
                let b = c.name("b").and_then(|m| m.as_str().parse::<f64>().ok());
                if let Some(a) = a.filter(|a| *a > 0.0) {
                    let (period, period_max) = match b {
                        Some(b) if b > a => (a, Some(b)),
                        Some(b) if b < a && b > 0.0 => (b, Some(a)),
                        _ => (a, None),
                    };
                    let code = if period_max.is_none() {
                        hourly_code(period)
                    } else {
                        None
                    };
                    offer(
                        whole(&c, pos),
                        FreqDef {
                            frequency: 1,
                            period,
                            period_max,
                            unit: "h",
                            when: &[],
                            code,
                            stat: false,
                            when_only: false,
                        },
                    );
                }
            }
        }
        if let Some(c) = at(&self.freq_times, text, pos) {
            let n = match (c.name("w"), c.name("n")) {
                (Some(w), _) => match w.as_str().to_lowercase().as_str() {
                    "once" => Some(1),
                    "twice" => Some(2),
                    _ => Some(3),
                },
                (_, Some(n)) => quantity(n.as_str()).map(|v| v as u32),
                _ => None,
            };
            let p = c.name("p").map(|m| normalize(m.as_str()));
            let unit = p.as_deref().and_then(|p| {
                if p.starts_with("24") {
                    Some("d")
                } else {
                    period_unit(p)
                }
            });
            if let (Some(n), Some(unit)) = (n.filter(|n| *n > 0), unit) {
                let code = match unit {
                    "d" => daily_code(n),
                    "wk" if n == 1 => Some("WK"),
                    "mo" if n == 1 => Some("MO"),
                    _ => None,
                };
                let def = FreqDef {
                    frequency: n,
                    period: 1.0,
                    period_max: None,
                    unit,
                    when: &[],
                    code,
                    stat: false,
                    when_only: false,
                };
                offer(whole(&c, pos), def);
            }
        }
        if let Some(c) = at(&self.freq_every_n, text, pos) {
            let n = match normalize(c.name("n")?.as_str()).as_str() {
                "other" | "second" | "2nd" | "two" => Some(2.0),
                "third" | "3rd" | "three" => Some(3.0),
                "four" => Some(4.0),
                d => d.parse::<f64>().ok(),
            };
            let unit = c.name("p").and_then(|m| period_unit(m.as_str()));
            if let (Some(n), Some(unit)) = (n.filter(|n| *n > 0.0), unit) {
                let code = match (unit, n) {
                    ("d", 1.0) => Some("QD"),
                    ("d", 2.0) => Some("QOD"),
                    ("wk", 1.0) => Some("WK"),
                    ("mo", 1.0) => Some("MO"),
                    _ => None,
                };
                let def = FreqDef {
                    frequency: 1,
                    period: n,
                    period_max: None,
                    unit,
                    when: &[],
                    code,
                    stat: false,
                    when_only: false,
                };
                offer(whole(&c, pos), def);
            }
        }
        best
    }

    fn as_needed_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        let c = at(&self.as_needed, text, pos)?;
        let span = whole(&c, pos);
        Some((Elem::AsNeeded(span.clone()), span.end))
    }

    fn route_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        let (code, mut span) = self.one_route(text, pos)?;
        let mut alternatives = Vec::new();
        while let Some(j) = at(&self.route_joiner, text, span.end) {
            let next = span.end + j.get(0).map_or(0, |m| m.end());
            let Some((alt, alt_span)) = self.one_route(text, next) else {
                break;
            };
            if alt != code && !alternatives.contains(&alt) {
                alternatives.push(alt);
            }
            span.end = alt_span.end;
        }
        let value = Route {
            code,
            text: text[span.clone()].to_string(),
            alternatives,
        };
        Some((
            Elem::Route(Attr {
                span: span.clone(),
                value,
            }),
            span.end,
        ))
    }

    fn one_route(&self, text: &str, pos: usize) -> Option<(&'static str, Range<usize>)> {
        let c = at(&self.route, text, pos)?;
        let r = c.name("r")?;
        let code = self.routes.get(&normalize(r.as_str()))?;
        Some((code, whole(&c, pos)))
    }

    fn form_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        let c = at(&self.form, text, pos)?;
        let span = whole(&c, pos);
        let name = self.forms.get(&normalize(&text[span.clone()]))?;
        let value = Form {
            name,
            text: text[span.clone()].to_string(),
        };
        Some((
            Elem::Form(Attr {
                span: span.clone(),
                value,
            }),
            span.end,
        ))
    }

    /// "for pain": up to six words, ending before punctuation or any sig
    /// element.
    fn reason_at(&self, text: &str, pos: usize) -> Option<(Elem, usize)> {
        let c = at(&self.for_word, text, pos)?;
        let mut p = pos + c.get(0)?.end();
        let mut first: Option<usize> = None;
        let mut last_end: Option<usize> = None;
        for _ in 0..6 {
            p = skip_blanks(text, p);
            if p >= text.len() || self.is_sig_start(text, p) || at(&self.then, text, p).is_some() {
                break;
            }
            let Some(w) = self.reason_word.find(&text[p..]) else {
                break;
            };
            let word = w.as_str();
            let end = p + w.end();
            if !ends_word(text, end) {
                break;
            }
            let joiner = vocab::REASON_JOINERS.iter().any(|j| word.eq_ignore_ascii_case(j));
            if first.is_none() {
                if joiner {
                    break;
                }
                first = Some(p);
            }
            if !joiner {
                last_end = Some(end);
            }
            p = end;
        }
        let span = first?..last_end?;
        let value = text[span.clone()].to_string();
        Some((
            Elem::For(Attr {
                span: span.clone(),
                value,
            }),
            span.end,
        ))
    }
}

fn bare_count(value: f64) -> Amount {
    Amount {
        value,
        unit: "1".to_string(),
        unit_text: String::new(),
        low: None,
        high: None,
        per: None,
        components: Vec::new(),
    }
}

/// Skip spaces and tabs, not newlines: a sig ends with its line.
fn skip_blanks(text: &str, mut pos: usize) -> usize {
    while let Some(c) = text[pos..].chars().next() {
        if c == '\n' || c == '\r' || !c.is_whitespace() {
            break;
        }
        pos += c.len_utf8();
    }
    pos
}

// ---------------------------------------------------------------------------
// Assembling
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    Nothing,
    AsNeeded,
    Indication,
    Other,
}

/// An element that cannot join the sig read so far.
struct Conflict;

struct Phase {
    last_end: usize,
    amounts: Vec<AmountTok>,
    rate: Option<Attr<Amount>>,
    max: Option<Attr<MaxDose>>,
    duration: Option<Attr<Duration>>,
    frequency: Option<Attr<Frequency>>,
    /// A frequency was read after an amount: a further amount is a new dose.
    closed: bool,
    pending_when: Vec<(Range<usize>, &'static [&'static str])>,
    as_needed: Option<Range<usize>>,
    reason: Option<Attr<String>>,
    indication: Option<Attr<String>>,
    route: Option<Attr<Route>>,
    form: Option<Attr<Form>>,
    modifier: Option<Attr<String>>,
    instructions: Vec<Attr<String>>,
    then: Option<Box<Sig>>,
    pending_then: bool,
    brackets: u32,
    last: Last,
}

fn frequency_value(def: &FreqDef, text: &str) -> Frequency {
    Frequency {
        per_day: per_day(def),
        frequency: def.frequency,
        period: def.period,
        period_max: def.period_max,
        period_unit: def.unit,
        when: def.when.to_vec(),
        code: def.code,
        stat: def.stat,
        text: text.to_string(),
    }
}

/// Add a time of day to an existing daily frequency ("OD mane", "BD mane
/// and nocte", "mane and nocte"). False when the two cannot be one schedule.
fn merge_frequency(f: &mut Frequency, def: &FreqDef) -> bool {
    if f.stat || def.stat || f.period_unit != "d" || f.period != 1.0 || def.unit != "d" || def.period != 1.0 {
        return false;
    }
    if def.frequency == f.frequency && def.when.iter().all(|w| f.when.contains(w)) {
        return true; // "nocte at night", "mane OD"
    }
    if def.frequency == 1 && def.when.len() == 1 {
        let w = def.when[0];
        if f.when.contains(&w) {
            return true;
        }
        if f.when.is_empty() && f.frequency == 1 {
            f.when.push(w); // "OD mane"
            return true;
        }
        if (f.when.len() as u32) < f.frequency {
            f.when.push(w); // "BD mane and nocte"
            return true;
        }
        if f.when.len() as u32 == f.frequency {
            f.when.push(w); // "mane and nocte"
            f.frequency += 1;
            f.per_day = Some(f64::from(f.frequency));
            f.code = daily_code(f.frequency);
            return true;
        }
    }
    false
}

impl Phase {
    fn new(start: usize) -> Phase {
        Phase {
            last_end: start,
            amounts: Vec::new(),
            rate: None,
            max: None,
            duration: None,
            frequency: None,
            closed: false,
            pending_when: Vec::new(),
            as_needed: None,
            reason: None,
            indication: None,
            route: None,
            form: None,
            modifier: None,
            instructions: Vec::new(),
            then: None,
            pending_then: false,
            brackets: 0,
            last: Last::Nothing,
        }
    }

    fn count_of(&self, pred: impl Fn(&AmountTok) -> bool) -> usize {
        self.amounts.iter().filter(|a| pred(a)).count()
    }

    fn accept_amount(&self, tok: &AmountTok) -> Result<(), Conflict> {
        if self.closed {
            return Err(Conflict);
        }
        let counts = self.count_of(|a| a.kind == Kind::Count);
        let strengths = self.count_of(|a| a.kind == Kind::Strength);
        let measures: Vec<&AmountTok> = self
            .amounts
            .iter()
            .filter(|a| matches!(a.kind, Kind::Measure(_)))
            .collect();
        let ok = match tok.kind {
            // A bare count after an amount ("2.5mg (half a 5mg tablet)") is
            // not this sig's dose.
            Kind::Count if tok.amount.unit == "1" => counts == 0 && measures.is_empty() && strengths == 0,
            Kind::Count => counts == 0 && measures.len() <= 1,
            Kind::Strength => strengths == 0 && measures.len() <= 1,
            Kind::Measure(dim) => match measures.len() {
                0 => true,
                // Two amounts of one dimension: strength and dose.
                1 => {
                    counts == 0 && strengths == 0 && matches!(measures[0].kind, Kind::Measure(d) if d == dim)
                }
                _ => false,
            },
        };
        if ok {
            Ok(())
        } else {
            Err(Conflict)
        }
    }

    fn apply(&mut self, elem: Elem, text: &str) -> Result<(), Conflict> {
        let (end, last) = match elem {
            Elem::Filler(bracket) => {
                match bracket {
                    Some('(' | '[') => self.brackets += 1,
                    Some(')' | ']') => self.brackets = self.brackets.saturating_sub(1),
                    _ => {}
                }
                return Ok(());
            }
            Elem::Then => {
                self.pending_then = true;
                return Ok(());
            }
            Elem::Amount(mut tok) => {
                self.accept_amount(&tok)?;
                tok.in_brackets = self.brackets > 0;
                let end = tok.span.end;
                self.amounts.push(tok);
                (end, Last::Other)
            }
            Elem::Rate(r) => {
                if self.rate.is_some() {
                    return Err(Conflict);
                }
                let end = r.span.end;
                self.rate = Some(r);
                (end, Last::Other)
            }
            Elem::Max(m) => {
                if self.max.is_some() {
                    return Err(Conflict);
                }
                let end = m.span.end;
                self.max = Some(m);
                (end, Last::Other)
            }
            Elem::Duration(d) => {
                if self.duration.is_some() {
                    return Err(Conflict);
                }
                let end = d.span.end;
                self.duration = Some(d);
                (end, Last::Other)
            }
            Elem::Freq(span, def) => {
                self.apply_frequency(span.clone(), &def, text)?;
                (span.end, Last::Other)
            }
            Elem::AsNeeded(span) => {
                if self.as_needed.is_none() {
                    self.as_needed = Some(span.clone());
                }
                if self.last == Last::Indication && self.reason.is_none() {
                    self.reason = self.indication.take(); // "for pain PRN"
                }
                (span.end, Last::AsNeeded)
            }
            Elem::Route(r) => {
                let end = r.span.end;
                if let Some(have) = &self.route {
                    if have.value.code != r.value.code {
                        return Err(Conflict);
                    }
                } else {
                    self.route = Some(r);
                }
                (end, Last::Other)
            }
            Elem::Form(f) => {
                let end = f.span.end;
                if let Some(have) = &self.form {
                    if have.value.name != f.value.name {
                        return Err(Conflict);
                    }
                } else {
                    self.form = Some(f);
                }
                (end, Last::Other)
            }
            Elem::Modifier(m) => {
                let end = m.span.end;
                if self.modifier.is_none() {
                    self.modifier = Some(m);
                }
                (end, Last::Other)
            }
            Elem::Instruction(i) => {
                let end = i.span.end;
                self.instructions.push(i);
                (end, Last::Other)
            }
            Elem::For(f) => {
                let end = f.span.end;
                if self.last == Last::AsNeeded && self.reason.is_none() {
                    self.reason = Some(f);
                    (end, Last::Other)
                } else if self.indication.is_none() && self.reason.is_none() {
                    self.indication = Some(f);
                    (end, Last::Indication)
                } else {
                    return Err(Conflict);
                }
            }
        };
        self.last_end = self.last_end.max(end);
        self.last = last;
        self.pending_then = false;
        Ok(())
    }

    fn apply_frequency(&mut self, span: Range<usize>, def: &FreqDef, text: &str) -> Result<(), Conflict> {
        if def.when_only {
            match &mut self.frequency {
                Some(f) if !f.value.stat => {
                    for w in def.when {
                        if !f.value.when.contains(w) {
                            f.value.when.push(w);
                        }
                    }
                }
                _ => self.pending_when.push((span, def.when)),
            }
            return Ok(());
        }
        match &mut self.frequency {
            None => {
                let mut value = frequency_value(def, &text[span.clone()]);
                for (_, ws) in self.pending_when.drain(..) {
                    value
                        .when
                        .extend(ws.iter().copied().filter(|w| !def.when.contains(w)));
                }
                self.frequency = Some(Attr { span, value });
            }
            Some(f) => {
                if !merge_frequency(&mut f.value, def) {
                    return Err(Conflict);
                }
                f.span.end = f.span.end.max(span.end);
                f.value.text = text[f.span.clone()].to_string();
            }
        }
        if !self.amounts.is_empty() {
            self.closed = true;
        }
        Ok(())
    }

    fn finish(mut self, text: &str) -> Sig {
        let mut sig = Sig::default();
        let count = self.amounts.iter().position(|a| a.kind == Kind::Count);
        let ratio = self.amounts.iter().position(|a| a.kind == Kind::Strength);
        let measures: Vec<usize> = (0..self.amounts.len())
            .filter(|i| matches!(self.amounts[*i].kind, Kind::Measure(_)))
            .collect();
        let attr = |i: usize, amounts: &[AmountTok]| Attr {
            span: amounts[i].span.clone(),
            value: amounts[i].amount.clone(),
        };
        let (dose, strength) = match (count, measures.as_slice(), ratio) {
            (Some(c), [], r) => (Some(c), r),
            (Some(c), [m], None) => (Some(c), Some(*m)),
            (Some(c), [_], Some(r)) => (Some(c), Some(r)),
            (None, [m], r) => (Some(*m), r),
            (None, [a, b], None) if self.amounts[*b].in_brackets && !self.amounts[*a].in_brackets => {
                (Some(*a), Some(*b))
            }
            (None, [a, b], None) => (Some(*b), Some(*a)),
            (None, [], r) => (None, r),
            _ => (None, None), // not reachable: `accept_amount` keeps the slots
        };
        sig.dose = dose.map(|i| attr(i, &self.amounts));
        sig.strength = strength.map(|i| attr(i, &self.amounts));

        // A count's form ("2 tabs") is the sig's form when none is written.
        if self.form.is_none() {
            if let Some((span, name)) = self.amounts.iter().find_map(|a| a.form.clone()) {
                self.form = Some(Attr {
                    value: Form {
                        name,
                        text: text[span.clone()].to_string(),
                    },
                    span,
                });
            }
        }
        // A bare count takes the form's unit ("one to be taken" + "tablets").
        if let (Some(d), Some(f)) = (&mut sig.dose, &self.form) {
            if d.value.unit == "1" {
                if let Some(u) = vocab::UNITS
                    .iter()
                    .find(|u| u.dim == Dim::Count && u.form == Some(f.value.name))
                {
                    d.value.unit = u.ucum.to_string();
                } else if f.value.name == "eye drops" || f.value.name == "ear drops" {
                    d.value.unit = "{drop}".to_string();
                }
            }
        }
        // "max 8/24h": the dose's count unit, else doses.
        if let Some(m) = &mut self.max {
            if m.value.unit.is_empty() {
                m.value.unit = match &sig.dose {
                    Some(d) if d.value.is_count() && d.value.unit != "1" => d.value.unit.clone(),
                    _ => "{dose}".to_string(),
                };
            }
        }
        // Patches are transdermal and eye drops ophthalmic when no route is written.
        if self.route.is_none() {
            if let Some(f) = &self.form {
                let code = match f.value.name {
                    "patch" => Some("TD"),
                    "eye drops" => Some("OPH"),
                    _ => None,
                };
                if let Some(code) = code {
                    let value = Route {
                        code,
                        text: f.value.text.clone(),
                        alternatives: Vec::new(),
                    };
                    self.route = Some(Attr {
                        span: f.span.clone(),
                        value,
                    });
                }
            }
        }
        for (span, _) in self.pending_when.drain(..) {
            self.instructions.push(Attr {
                value: text[span.clone()].to_string(),
                span,
            });
        }
        self.instructions.sort_by_key(|i| i.span.start);

        sig.route = self.route;
        sig.frequency = self.frequency;
        sig.max_per_period = self.max;
        sig.as_needed = self.as_needed.is_some();
        sig.as_needed_span = self.as_needed;
        sig.as_needed_reason = self.reason;
        sig.duration = self.duration;
        sig.form = self.form;
        sig.form_modifier = self.modifier;
        sig.rate = self.rate;
        sig.indication = self.indication;
        sig.instructions = self.instructions;
        sig.span_end = self
            .then
            .as_ref()
            .map_or(self.last_end, |t| t.span_end.max(self.last_end));
        sig.then = self.then;
        sig
    }
}
