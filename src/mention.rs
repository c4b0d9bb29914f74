//! Mentions: what the extractor found, with spans, codes and assertions.
//!
//! # Wire format: `note2fhir.mentions/1`
//!
//! One JSON object per note:
//!
//! ```json
//! {"schema": "note2fhir.mentions/1", "note_id": "a/1", "note_date": "2025-03-12",
//!  "mentions": [{"id": "p53-63", "kind": "problem", "text": "chest pain",
//!                "start": 53, "end": 63,
//!                "concept": {"display": "Chest pain",
//!                            "codes": [{"system": "http://snomed.info/sct", "code": "29857009"}]},
//!                "assertion": {"negated": true, "uncertain": false, "historical": false,
//!                              "family": false, "hypothetical": false},
//!                "fhir": {"type": "Condition", "id": "…"}}]}
//! ```
//!
//! * `start`/`end` are Unicode code-point offsets into the note text, end
//!   exclusive; `text` is exactly the note's text at that span.
//! * `id` is unique within the note: the kind's initial and the span.
//! * `fhir` names the resource the mention became in the Bundle (null if none).
//! * The contract is additive: later versions add kinds and fields; consumers
//!   ignore the ones they do not know. Names never change.

use serde::Serialize;

use crate::context::Assertion;
use crate::dictionary::{Coding, Kind};

/// The schema name written in every mentions line.
pub const SCHEMA: &str = "note2fhir.mentions/1";

/// A coded concept.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Concept<'a> {
    /// The preferred display.
    pub display: &'a str,
    /// Every coding, primary first; for a combination product, its
    /// ingredients' codings.
    pub codes: &'a [Coding],
    /// True for a combination product with no single open code
    /// (co-amoxiclav); absent otherwise.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub combination: bool,
}

/// The resource a mention became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FhirRef {
    /// The resource type.
    #[serde(rename = "type")]
    pub resource_type: &'static str,
    /// The resource id.
    pub id: String,
}

/// One finding in a note.
#[derive(Debug, Clone, Serialize)]
pub struct Mention<'a> {
    /// Unique within the note.
    pub id: String,
    /// What was found.
    pub kind: Kind,
    /// The note's text at the span.
    pub text: &'a str,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset one past the last character.
    pub end: usize,
    /// The coded concept.
    pub concept: Concept<'a>,
    /// Negated, uncertain, historical, family, hypothetical.
    pub assertion: Assertion,
    /// The resource it became, if any.
    pub fhir: Option<FhirRef>,
    /// The section it is in (`past_medical_history`, `plan`, …), if any.
    pub section: Option<&'a str>,
    /// `provisional`, `differential` or `unconfirmed` when uncertain.
    pub certainty: Option<&'a str>,
    /// The relative's v3-RoleCode (`MTH`, `FAMMEMB`, …) when family.
    pub relation: Option<&'a str>,
    /// The id of the date mention attached to it (same clause or list
    /// item), if any.
    pub date_id: Option<String>,
    /// For a medication: its instructions and status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub medication: Option<crate::medication::MedicationOut>,
    /// For an allergy: statement or allergen, reactions, override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allergy: Option<AllergyOut>,
    /// Why it was found and why its flags are set.
    pub explain: Explain<'a>,
    /// The byte span in the note.
    #[serde(skip)]
    pub bytes: std::ops::Range<usize>,
    /// The FHIR dateTime of the attached date, when it dates the finding's
    /// onset.
    #[serde(skip)]
    pub onset: Option<String>,
    /// How the finding ended, when the note says it resolved: the FHIR
    /// dateTime of a date after the resolution cue, else the cue's text.
    #[serde(skip)]
    pub abatement: Option<Abatement<'a>>,
    /// A relative's age at onset ("father MI at 60").
    #[serde(skip)]
    pub onset_age: Option<u32>,
    /// Whether the dictionary marks it chronic.
    #[serde(skip)]
    pub chronic: bool,
}

/// What an allergy mention says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllergyOut {
    /// An allergy statement ("NKDA") rather than an allergen.
    pub statement: bool,
    /// The ids of the problem mentions that are this allergen's reactions.
    pub reactions: Vec<String>,
    /// For a statement: a real allergy in the same note overrides it, so it
    /// becomes no resource.
    pub overridden: bool,
}

/// How a resolved finding ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Abatement<'a> {
    /// A FHIR dateTime ("resolved in 2016").
    DateTime(String),
    /// The resolution cue's text ("resolved").
    Text(&'a str),
}

/// A date, time, duration or day counter found in a note: a mention of
/// kind `date`.
#[derive(Debug, Clone, Serialize)]
pub struct DateOut<'a> {
    /// Unique within the note: `d` and the span.
    pub id: String,
    /// Always `date`.
    pub kind: &'static str,
    /// The note's text at the span.
    pub text: &'a str,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset one past the last character.
    pub end: usize,
    /// The section it is in, if any.
    pub section: Option<&'a str>,
    /// The normalised value.
    pub date: DateValue,
    /// The byte span in the note.
    #[serde(skip)]
    pub bytes: std::ops::Range<usize>,
}

/// The normalised value of a date mention.
#[derive(Debug, Clone, Serialize)]
pub struct DateValue {
    /// ISO 8601: `2019`, `2019-03`, `2025-03-12`, `2025-03-12T14:30:00`,
    /// `P3D` for a duration; `null` when it cannot be worked out.
    pub value: Option<String>,
    /// `year`, `month`, `day`, `minute` or `unknown`.
    pub precision: &'static str,
    /// Whether it was resolved against the note's date ("yesterday").
    pub relative: bool,
    /// The note date it was resolved against: `record`, `note_date`,
    /// `header` or `none`.
    pub anchor: &'static str,
    /// `date`, `time`, `datetime`, `relative`, `duration`, `range` or
    /// `day_counter`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The end of a range.
    pub end: Option<String>,
    /// A length of time: amount and UCUM unit.
    pub duration: Option<DurationValue>,
    /// The number of a day counter ("POD 2" → 2).
    pub day: Option<u32>,
    /// The value as a valid FHIR dateTime (a time carries seconds and the
    /// zone's offset on that date).
    pub fhir: Option<String>,
}

/// A length of time.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DurationValue {
    /// The amount.
    pub value: f64,
    /// The UCUM unit: `min`, `h`, `d`, `wk`, `mo` or `a`.
    pub unit: &'static str,
}

/// Why a mention was found and why its flags are set.
#[derive(Debug, Clone, Serialize)]
pub struct Explain<'a> {
    /// The dictionary entry that matched: `file:line`.
    pub rule: &'a str,
    /// The cues (and section headers) that set its context, in order.
    pub cues: Vec<CueOut<'a>>,
}

/// A cue that set a mention's context.
#[derive(Debug, Clone, Serialize)]
pub struct CueOut<'a> {
    /// `negation`, `possible`, `historical`, `family`, `hypothetical`.
    pub category: &'static str,
    /// The cue's text.
    pub text: &'a str,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset one past the last character.
    pub end: usize,
}

/// Everything extracted from one note.
///
/// Serialised as the `note2fhir.mentions/1` object: `mentions` holds the
/// findings and the date mentions together, ordered by span.
#[derive(Debug, Clone)]
pub struct Extraction<'a> {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The note id.
    pub note_id: &'a str,
    /// The note date, `YYYY-MM-DD`, if known: the record's own, else the
    /// run's default, else a date at the head of the note.
    pub note_date: Option<String>,
    /// Where the note date came from: `record`, `note_date`, `header` or
    /// `none`.
    pub note_date_source: &'static str,
    /// The findings, ordered by span.
    pub mentions: Vec<Mention<'a>>,
    /// The date mentions, ordered by span.
    pub dates: Vec<DateOut<'a>>,
    /// The note text.
    pub text: &'a str,
    /// The patient id from the input, if any.
    pub patient: Option<&'a str>,
}

impl Serialize for Extraction<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};

        struct All<'x, 'a>(&'x Extraction<'a>);
        impl Serialize for All<'_, '_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let (findings, dates) = (&self.0.mentions, &self.0.dates);
                let mut seq = s.serialize_seq(Some(findings.len() + dates.len()))?;
                let (mut f, mut d) = (findings.iter().peekable(), dates.iter().peekable());
                loop {
                    match (f.peek(), d.peek()) {
                        (Some(m), Some(date)) if m.start <= date.start => {
                            seq.serialize_element(f.next().unwrap())?
                        }
                        (_, Some(_)) => seq.serialize_element(d.next().unwrap())?,
                        (Some(_), None) => seq.serialize_element(f.next().unwrap())?,
                        (None, None) => break,
                    }
                }
                seq.end()
            }
        }

        let mut map = s.serialize_map(Some(5))?;
        map.serialize_entry("schema", self.schema)?;
        map.serialize_entry("note_id", self.note_id)?;
        map.serialize_entry("note_date", &self.note_date)?;
        map.serialize_entry("note_date_source", self.note_date_source)?;
        map.serialize_entry("mentions", &All(self))?;
        map.end()
    }
}

/// Converts ascending byte offsets to code-point offsets in one pass.
pub struct CharCounter<'a> {
    text: &'a str,
    ascii: bool,
    byte: usize,
    chars: usize,
}

impl<'a> CharCounter<'a> {
    /// A counter over `text`.
    pub fn new(text: &'a str) -> Self {
        CharCounter {
            text,
            ascii: text.is_ascii(),
            byte: 0,
            chars: 0,
        }
    }

    /// The code-point offset of byte offset `at` (a char boundary). Each
    /// call costs the distance from the previous one.
    pub fn at(&mut self, at: usize) -> usize {
        if self.ascii {
            return at;
        }
        if at < self.byte {
            self.chars -= self.text[at..self.byte].chars().count();
        } else {
            self.chars += self.text[self.byte..at].chars().count();
        }
        self.byte = at;
        self.chars
    }
}

/// Write a readable trace of an extraction: each finding with its section,
/// flags, cues, dictionary rule and resource.
pub fn write_explanation(out: &mut Vec<u8>, ex: &Extraction<'_>) {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "== note {} (date {}; {} mentions)",
        ex.note_id,
        ex.note_date.as_deref().unwrap_or("unknown"),
        ex.mentions.len()
    );
    for m in &ex.mentions {
        let a = &m.assertion;
        let mut flags: Vec<String> = [
            (a.negated, "negated"),
            (a.uncertain, "uncertain"),
            (a.historical, "historical"),
            (a.family, "family"),
            (a.hypothetical, "hypothetical"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name.to_string())
        .collect();
        if let Some(c) = m.certainty {
            flags.push(format!("certainty={c}"));
        }
        if let Some(r) = m.relation {
            flags.push(format!("relation={r}"));
        }
        if flags.is_empty() {
            flags.push("affirmed".into());
        }
        let _ = writeln!(
            s,
            "{:<10} {:?} [{}..{}] section={} {}",
            m.kind.as_str(),
            m.text,
            m.start,
            m.end,
            m.section.unwrap_or("-"),
            flags.join(" ")
        );
        let primary = &m.concept.codes[0];
        let _ = writeln!(
            s,
            "    rule   {} -> {} ({} {})",
            m.explain.rule, m.concept.display, primary.system, primary.code
        );
        for cue in &m.explain.cues {
            let _ = writeln!(
                s,
                "    cue    {} {:?} [{}..{}]",
                cue.category, cue.text, cue.start, cue.end
            );
        }
        match &m.fhir {
            Some(f) => {
                let _ = writeln!(s, "    fhir   {}/{}", f.resource_type, f.id);
            }
            None => {
                let _ = writeln!(s, "    fhir   none");
            }
        }
    }
    s.push('\n');
    out.extend_from_slice(s.as_bytes());
}
