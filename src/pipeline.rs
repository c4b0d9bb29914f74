//! The pipeline: dictionaries compiled once, then applied to any number of
//! notes from any number of threads.

use std::path::Path;

use crate::context::{ContextRules, Finding, Rule};

use crate::allergy::AllergyCues;
use crate::date::{Anchor, AnchorSource, DateFinder, DateOptions};
use crate::dictionary::{AmbiguityRules, Dictionary, Folded, Matcher};
use crate::dictionary::{Kind, Match};
use crate::error::{Error, ErrorKind};
use crate::fhir;
use crate::medication::{MedicationContext, MedicationRules};
use crate::mention::{
    Abatement, AllergyOut, CharCounter, Concept, CueOut, DateOut, DateValue, DurationValue, Explain,
    Extraction, FhirRef, Mention, SCHEMA,
};
use crate::note::{parse_note_date, Note};
use crate::output::Rendered;
use crate::section::{SectionRules, Sentences, Separators};
use chrono::NaiveDate;

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One FHIR R4 Bundle (type collection) per note.
    Bundle,
    /// One `note2fhir.mentions/1` object per note.
    Mentions,
    /// A readable trace per note (finding, section, cues, rule), for people
    /// tuning rules. Not a stable format.
    Explain,
    /// Each resource on its own NDJSON line with `Type/id` references, for
    /// the Bulk Data layout ([`crate::output::BulkOutput`]).
    Bulk,
    /// One CSV row per mention ([`crate::output::CSV_HEADER`]), with cells
    /// a spreadsheet would run as formulas neutralised
    /// ([`crate::output::neutralise`]).
    Csv,
    /// [`Format::Csv`] with every cell exactly as extracted.
    CsvRaw,
    /// One JSON line per note with both views, for the report and the demo
    /// server: `{"note_id", "text", "mentions": {…}, "bundle": {…}}`.
    Both,
}

/// Configures and builds a [`Pipeline`].
#[derive(Debug, Clone)]
pub struct Builder {
    embedded: bool,
    dictionaries: Vec<(String, String)>,
    context: Vec<(String, String)>,
    recorded: Option<String>,
    note_date: Option<NaiveDate>,
    date_options: DateOptions,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// A builder with the embedded dictionaries.
    pub fn new() -> Builder {
        Builder {
            embedded: true,
            dictionaries: Vec::new(),
            context: Vec::new(),
            recorded: None,
            note_date: None,
            date_options: DateOptions::default(),
        }
    }

    /// The date of notes whose record gives none (`YYYY-MM-DD`, or an ISO
    /// 8601 date-time whose calendar date is used).
    pub fn note_date(mut self, date: &str) -> Result<Builder, Error> {
        let day = parse_note_date(date)
            .map_err(|reason| Error::new(ErrorKind::Option(format!("--note-date {date:?}: {reason}"))))?;
        self.note_date = NaiveDate::parse_from_str(&day, "%Y-%m-%d").ok();
        Ok(self)
    }

    /// How to read dates: day- or month-first, and the time zone.
    pub fn date_options(mut self, options: DateOptions) -> Builder {
        self.date_options = options;
        self
    }

    /// Leave out the embedded dictionaries (for tests and custom setups).
    pub fn without_embedded(mut self) -> Builder {
        self.embedded = false;
        self
    }

    /// Add a dictionary in the TSV format; `name` names it in errors. Later
    /// dictionaries replace earlier entries with the same term.
    pub fn dictionary(mut self, name: impl Into<String>, contents: impl Into<String>) -> Builder {
        self.dictionaries.push((name.into(), contents.into()));
        self
    }

    /// Add a dictionary file.
    pub fn dictionary_file(self, path: &Path) -> Result<Builder, Error> {
        let contents = std::fs::read_to_string(path).map_err(|err| Error::io(path, err))?;
        Ok(self.dictionary(path.display().to_string(), contents))
    }

    /// Add context rules (see [`crate::context`]); a rule replaces an earlier
    /// one with the same phrase.
    pub fn context_rules(mut self, name: impl Into<String>, contents: impl Into<String>) -> Builder {
        self.context.push((name.into(), contents.into()));
        self
    }

    /// Add a context rule file.
    pub fn context_file(self, path: &Path) -> Result<Builder, Error> {
        let contents = std::fs::read_to_string(path).map_err(|err| Error::io(path, err))?;
        Ok(self.context_rules(path.display().to_string(), contents))
    }

    /// The instant the output is recorded at (an ISO 8601 instant with
    /// seconds and a zone). It becomes `Provenance.recorded` and
    /// `Bundle.timestamp`; without it neither is written.
    pub fn recorded(mut self, instant: &str) -> Result<Builder, Error> {
        validate_instant(instant)
            .map_err(|reason| Error::new(ErrorKind::Option(format!("--recorded {instant:?}: {reason}"))))?;
        self.recorded = Some(instant.to_string());
        Ok(self)
    }

    /// Compile the dictionaries.
    pub fn build(self) -> Result<Pipeline, Error> {
        let mut sources: Vec<(String, &str)> = Vec::new();
        if self.embedded {
            sources.extend(
                crate::dictionary::EMBEDDED
                    .iter()
                    .map(|(name, contents)| (format!("<embedded>/{name}"), *contents)),
            );
        }
        sources.extend(self.dictionaries.iter().map(|(n, c)| (n.clone(), c.as_str())));
        let dict = Dictionary::from_sources(&sources)?;
        let mut rules: Vec<Rule> = ContextRules::embedded_rules()?;
        for (name, contents) in &self.context {
            rules.extend(crate::context::parse_rules(name, contents)?);
        }
        let matcher = Matcher::new(&dict)?;
        let overdoses = matcher
            .entries()
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == Kind::Problem)
            .filter_map(|(i, e)| {
                let term = e.term.to_lowercase();
                let drug = term.strip_suffix("overdose")?.trim_end().to_string();
                Some((drug, i))
            })
            .collect();
        let no_medications = matcher
            .entries()
            .iter()
            .position(|e| e.kind == Kind::Medication && e.statement && e.term == "no regular medications");
        Ok(Pipeline {
            medications: MedicationRules::new(),
            overdoses,
            no_medications,
            allergy_cues: AllergyCues::embedded()?,
            dates: DateFinder::new(),
            date_options: self.date_options,
            note_date: self.note_date,
            matcher,
            ambiguity: AmbiguityRules::embedded()?,
            sections: SectionRules::embedded()?,
            context: ContextRules::new(rules)?,
            recorded: self.recorded,
        })
    }
}

/// A compiled pipeline. It is `Send + Sync`: share one by reference.
#[derive(Debug)]
pub struct Pipeline {
    medications: MedicationRules,
    /// Drug term (folded) → the entry of its overdose ("" → any drug's).
    overdoses: std::collections::HashMap<String, usize>,
    /// The entry of "no regular medications", for "DH: nil".
    no_medications: Option<usize>,
    allergy_cues: AllergyCues,
    dates: DateFinder,
    date_options: DateOptions,
    note_date: Option<NaiveDate>,
    matcher: Matcher,
    ambiguity: AmbiguityRules,
    sections: SectionRules,
    context: ContextRules,
    recorded: Option<String>,
}

impl Pipeline {
    /// A builder.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// The compiled matcher.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The compiled context rules.
    pub fn context(&self) -> &ContextRules {
        &self.context
    }

    /// Find every mention in a note: findings with their context, dates
    /// normalised against the note's date, and which date belongs to which
    /// finding.
    pub fn extract<'a>(&'a self, note: &'a Note) -> Extraction<'a> {
        let text = note.text.as_str();
        let folded = Folded::new(text);
        let mut matches = self.matcher.find_folded(text, &folded);
        let entries = self.matcher.entries();
        matches.retain(|m| !self.ambiguity.vetoes(text, m, &entries[m.entry]));
        let sections = self.sections.find(text);
        // Section bodies are sorted and do not overlap: the one holding a span
        // is the last starting at or before it.
        let section_of = |start: usize, end: usize| {
            let i = sections.partition_point(|s| s.body.start <= start);
            i.checked_sub(1)
                .map(|i| &sections[i])
                .filter(|s| end <= s.body.end)
        };
        // "DH: nil": a statement of no medications.
        if let Some(entry) = self.no_medications {
            let mut nil = Vec::new();
            for s in sections.iter().filter(|s| s.name == "drug_history") {
                let body = &text[s.body.clone()];
                let word = body.trim().trim_end_matches('.');
                if ["nil", "none", "nil regular", "none regular"]
                    .iter()
                    .any(|w| word.eq_ignore_ascii_case(w))
                {
                    let start = s.body.start + body.find(word).unwrap_or(0);
                    let at = matches.partition_point(|m| m.start < start);
                    if matches.get(at).is_none_or(|m| m.start >= start + word.len()) {
                        nil.push(Match {
                            start,
                            end: start + word.len(),
                            entry,
                        });
                    }
                }
            }
            insert_sorted(&mut matches, nil);
        }
        let mut sentences = Sentences::avoiding(text, &matches);
        // A sentence end inside a finding ("C. diff") is no sentence end.
        sentences.keep_whole(matches.iter().map(|m| m.start..m.end));
        let seps = Separators::new(text);
        // "paracetamol OD" with no dose where a problem is presented is an
        // overdose, not a frequency.
        for i in 0..matches.len() {
            let m = matches[i];
            if entries[m.entry].kind != Kind::Medication {
                continue;
            }
            let next = matches.get(i + 1).map_or(text.len(), |n| n.start);
            let sentence = sentences.around(m.start);
            let limit = next.min(seps.clause(&sentence, &(m.start..m.end)).end);
            let section = section_of(m.start, m.end).map(|s| s.name);
            if let Some(od_end) = self
                .medications
                .is_overdose(text, &(m.start..m.end), limit, section)
            {
                let drug = text[m.start..m.end].to_lowercase();
                if let Some(&entry) = self.overdoses.get(&drug).or_else(|| self.overdoses.get("")) {
                    matches[i] = Match {
                        start: m.start,
                        end: od_end,
                        entry,
                    };
                }
            }
        }
        let cues = self.context.cues(text, &folded, &matches);
        let cues = self.context.index(&cues);

        // The note's date: the record's own, else the run's, else the head's.
        let record_date = note
            .date
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let anchor = match (record_date, self.note_date) {
            (Some(d), _) => Some(Anchor::new(d, AnchorSource::Record)),
            (None, Some(d)) => Some(Anchor::new(d, AnchorSource::NoteDate)),
            (None, None) => self
                .dates
                .header_date(text, &self.date_options)
                .map(|(d, _)| Anchor::new(d, AnchorSource::Header)),
        };
        let anchor_name = match anchor.map(|a| a.source) {
            Some(AnchorSource::Record) => "record",
            Some(AnchorSource::NoteDate) => "note_date",
            Some(AnchorSource::Header) => "header",
            _ => "none",
        };
        let mut found_dates = self.dates.find(text, anchor.as_ref(), &self.date_options);
        // A finding's own words are never a date. `reach[i]`: the furthest
        // end of the first `i` findings.
        let reach: Vec<usize> = matches
            .iter()
            .scan(0, |far, m| {
                *far = m.end.max(*far);
                Some(*far)
            })
            .collect();
        found_dates.retain(|d| {
            let before_end = matches.partition_point(|m| m.start < d.span.end);
            before_end == 0 || reach[before_end - 1] <= d.span.start
        });
        let spans: Vec<std::ops::Range<usize>> = matches.iter().map(|m| m.start..m.end).collect();

        let mut chars = CharCounter::new(text);
        let dates: Vec<DateOut<'a>> = found_dates
            .iter()
            .map(|d| {
                let (start, end) = (chars.at(d.span.start), chars.at(d.span.end));
                DateOut {
                    id: format!("d{start}-{end}"),
                    kind: "date",
                    text: &text[d.span.clone()],
                    start,
                    end,
                    section: section_of(d.span.start, d.span.end).map(|s| s.name),
                    date: DateValue {
                        value: d.value.clone(),
                        precision: d.precision.as_str(),
                        relative: d.relative,
                        anchor: anchor_name,
                        kind: d.kind.as_str(),
                        end: d.end_value.clone(),
                        duration: d.duration.map(|(value, unit)| DurationValue { value, unit }),
                        day: d.day,
                        fhir: d.fhir_datetime.clone(),
                    },
                    bytes: d.span.clone(),
                }
            })
            .collect();

        let mut mentions = Vec::with_capacity(matches.len());
        let mut status_cues = crate::medication::ClauseCache::default();
        for (i, m) in matches.iter().enumerate() {
            let entry = &entries[m.entry];
            let start = chars.at(m.start);
            let end = chars.at(m.end);
            let section = section_of(m.start, m.end);
            let sentence = sentences.around(m.start);
            let clause = seps.clause(&sentence, &(m.start..m.end));
            let allergen = matches!(entry.kind, Kind::Medication | Kind::Allergy)
                && !entry.statement
                && self
                    .allergy_cues
                    .is_allergen(text, &(m.start..m.end), &clause, section.map(|s| s.name));
            let kind = if allergen { Kind::Allergy } else { entry.kind };
            let assessment = if entry.statement {
                // "NKDA" carries its own negation: no cue reads it.
                crate::context::Assessment::default()
            } else {
                self.context.assess(
                    text,
                    &cues,
                    &seps,
                    sentence.clone(),
                    section,
                    &Finding {
                        span: m.start..m.end,
                        chronic: entry.chronic,
                        is_problem: kind != Kind::Medication,
                    },
                )
            };
            let section = section.map(|s| s.name);
            // An allergen class named outside any allergy ("penicillin V")
            // becomes nothing.
            let lone_class = entry.kind == Kind::Allergy && !entry.statement && !allergen;
            let fhir = fhir::resource_type_of(kind, &assessment.assertion, section)
                .filter(|_| !lone_class)
                .map(|resource_type| FhirRef {
                    resource_type,
                    id: fhir::ids::resource_id(&note.id, resource_type, start, end, 0),
                });
            let medication =
                (kind == Kind::Medication && entry.statement).then(|| crate::medication::MedicationOut {
                    status: "active",
                    ..Default::default()
                });
            let medication = medication.or_else(|| {
                (kind == Kind::Medication).then(|| {
                    let limit = matches
                        .get(i + 1)
                        .map_or(text.len(), |n| n.start)
                        .min(sentence.end);
                    self.medications.read(
                        text,
                        &mut chars,
                        &MedicationContext {
                            span: m.start..m.end,
                            clause: clause.clone(),
                            limit,
                            section,
                            negated: assessment.assertion.negated,
                        },
                        &mut status_cues,
                    )
                })
            });
            let allergy = (kind == Kind::Allergy).then(|| AllergyOut {
                statement: entry.statement,
                reactions: Vec::new(),
                overridden: false,
            });
            let attached =
                crate::date::attach::attach(&seps, &found_dates, &sentence, &(m.start..m.end), &spans);
            let a = &assessment.assertion;
            // A resolution cue ("resolved") ends the finding: a date after it
            // is when, and without one the cue itself says so.
            let resolution = assessment.cues.iter().find(|(category, span)| {
                *category == crate::context::Category::Historical && {
                    let cue = text[span.clone()].to_ascii_lowercase();
                    cue.contains("resolv") || cue.contains("settled")
                }
            });
            let mut onset = None;
            let mut abatement = None;
            if let Some(d) = attached.map(|j| &found_dates[j]) {
                let fhir_date = d.fhir_datetime.clone();
                match resolution {
                    Some((_, cue)) if d.span.start >= cue.end => {
                        abatement = fhir_date.map(Abatement::DateTime)
                    }
                    _ if !a.negated && !a.hypothetical && !a.family => onset = fhir_date,
                    _ => {}
                }
            }
            if onset.is_none() && a.historical {
                onset = assessment.onset_year.clone().map(|y| text[y].to_string());
            }
            if abatement.is_none() {
                abatement = resolution.map(|(_, cue)| Abatement::Text(&text[cue.clone()]));
            }
            let initial = &kind.as_str()[..1];
            let cue_out = assessment
                .cues
                .iter()
                .map(|(category, span)| CueOut {
                    category: category.as_str(),
                    text: &text[span.clone()],
                    start: chars.at(span.start),
                    end: chars.at(span.end),
                })
                .collect();
            mentions.push(Mention {
                id: format!("{initial}{start}-{end}"),
                kind,
                medication,
                allergy,
                text: &text[m.start..m.end],
                start,
                end,
                concept: Concept {
                    display: &entry.display,
                    codes: &entry.codes,
                    combination: entry.combination,
                },
                assertion: assessment.assertion,
                section,
                certainty: assessment.certainty,
                relation: assessment.relation,
                date_id: attached.map(|j| dates[j].id.clone()),
                explain: Explain {
                    rule: &entry.rule,
                    cues: cue_out,
                },
                fhir,
                bytes: m.start..m.end,
                chronic: entry.chronic,
                onset,
                abatement,
                onset_age: if assessment.assertion.family {
                    crate::date::attach::onset_age(text, m.end)
                } else {
                    None
                },
            });
        }
        link_allergies(text, &mut mentions);
        Extraction {
            schema: SCHEMA,
            note_id: &note.id,
            note_date: anchor.map(|a| a.date.format("%Y-%m-%d").to_string()),
            note_date_source: anchor_name,
            mentions,
            dates,
            text,
            patient: note.patient.as_deref(),
        }
    }

    /// Write one note in `format` to `out`: a single line of compact JSON
    /// (with its newline), or for [`Format::Explain`] a block of text.
    pub fn write_note(&self, note: &Note, format: Format, out: &mut Vec<u8>) {
        let rendered = self.render(note, format);
        out.extend_from_slice(&rendered.bytes);
    }

    /// Render one note in `format`, with its mention counts.
    pub fn render(&self, note: &Note, format: Format) -> Rendered {
        let ex = self.extract(note);
        let mut r = Rendered {
            bytes: Vec::with_capacity(note.text.len() * 8 + 512),
            ..Rendered::default()
        };
        r.count(&ex);
        let out = &mut r.bytes;
        // Serialising our own types into memory cannot fail.
        let _ = match format {
            Format::Bundle => fhir::bundle_to_writer(&mut *out, &ex, self.recorded.as_deref()),
            Format::Mentions => serde_json::to_writer(&mut *out, &ex),
            Format::Explain => {
                crate::mention::write_explanation(out, &ex);
                return r;
            }
            Format::Bulk => {
                r.resources = fhir::resources_to_ndjson(out, &ex, self.recorded.as_deref());
                return r;
            }
            Format::Csv | Format::CsvRaw => {
                crate::output::csv_rows(&ex, out, format == Format::CsvRaw);
                return r;
            }
            Format::Both => {
                out.extend_from_slice(b"{\"note_id\":");
                let _ = serde_json::to_writer(&mut *out, ex.note_id);
                out.extend_from_slice(b",\"text\":");
                let _ = serde_json::to_writer(&mut *out, ex.text);
                out.extend_from_slice(b",\"mentions\":");
                let _ = serde_json::to_writer(&mut *out, &ex);
                out.extend_from_slice(b",\"bundle\":");
                let _ = fhir::bundle_to_writer(&mut *out, &ex, self.recorded.as_deref());
                out.extend_from_slice(b"}");
                Ok(())
            }
        };
        out.push(b'\n');
        r
    }

    /// The recording instant, if one was given.
    pub fn recorded(&self) -> Option<&str> {
        self.recorded.as_deref()
    }
}

/// Merge `extra` (sorted by start) into `matches` (sorted by start), each
/// before the match it was found before.
fn insert_sorted(matches: &mut Vec<Match>, extra: Vec<Match>) {
    if extra.is_empty() {
        return;
    }
    let old = std::mem::take(matches);
    matches.reserve(old.len() + extra.len());
    let mut old = old.into_iter().peekable();
    for m in extra {
        while let Some(o) = old.next_if(|o| o.start < m.start) {
            matches.push(o);
        }
        matches.push(m);
    }
    matches.extend(old);
}

/// Link allergens to their reactions, and let a real allergy override an
/// allergy statement ("NKDA") in the same note.
fn link_allergies(text: &str, mentions: &mut [Mention<'_>]) {
    let allergens: Vec<usize> = (0..mentions.len())
        .filter(|&i| mentions[i].allergy.as_ref().is_some_and(|a| !a.statement))
        .collect();
    for &a in &allergens {
        let allergen = mentions[a].bytes.clone();
        // Reactions stand within 40 bytes after the allergen.
        let from = mentions.partition_point(|m| m.bytes.start < allergen.end);
        let to = mentions.partition_point(|m| m.bytes.start <= allergen.end + 40);
        for r in from..to {
            let reaction = mentions[r].bytes.clone();
            if mentions[r].kind != Kind::Problem || !crate::allergy::is_reaction(text, &allergen, &reaction) {
                continue;
            }
            // A nearer allergen before the reaction takes it (allergens are
            // in text order: look at the next one).
            let next = allergens.partition_point(|&o| mentions[o].bytes.start <= allergen.start);
            let nearer = allergens
                .get(next)
                .is_some_and(|&o| mentions[o].bytes.start < reaction.start);
            if nearer {
                continue;
            }
            let id = mentions[r].id.clone();
            mentions[r].fhir = None;
            if let Some(allergy) = mentions[a].allergy.as_mut() {
                allergy.reactions.push(id);
            }
        }
    }
    let real = allergens.iter().any(|&i| {
        let x = &mentions[i].assertion;
        !x.negated && !x.family && !x.hypothetical && mentions[i].fhir.is_some()
    });
    if real {
        for m in mentions.iter_mut() {
            if let Some(allergy) = m.allergy.as_mut().filter(|a| a.statement) {
                allergy.overridden = true;
                m.fhir = None;
            }
        }
    }
}

/// Check an ISO 8601 instant: a calendar date, a time with seconds, a zone.
fn validate_instant(value: &str) -> Result<(), String> {
    parse_note_date(value)?;
    let time = &value[10..];
    let has_seconds = time.len() >= 9 && time.as_bytes()[6] == b':';
    let has_zone =
        time.ends_with('Z') || time.len() >= 6 && matches!(time.as_bytes()[time.len() - 6], b'+' | b'-');
    if has_seconds && has_zone {
        Ok(())
    } else {
        Err("an instant needs a time with seconds and a zone, e.g. 2025-03-12T18:30:00Z".into())
    }
}

/// The instant `seconds` after the Unix epoch, in UTC (`SOURCE_DATE_EPOCH`).
pub fn instant_from_epoch(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipeline_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Pipeline>();
    }

    /// A finding whose words hold a sentence end ("C. diff", "Anh.
    /// dasatinib") keeps its whole span in its sentence and clause.
    #[test]
    fn findings_across_a_sentence_end() {
        let pipeline = Pipeline::builder().build().unwrap();
        for (text, finding) in [
            ("diarrhea   from C. diff.", "C. diff"),
            ("Hx C. diff. On metronidazole 400mg TDS.", "C. diff"),
            ("no C. diff, on vancomycin", "C. diff"),
            ("FH: mother had C. diff. in 2010", "C. diff"),
            ("C. diff\n2. C. diff 12/03/2025", "C. diff"),
            ("Anh. dasatinib 100mg OD", "Anh. dasatinib"),
            ("allergic to Anh. dasatinib - rash", "Anh. dasatinib"),
            ("PC: B. clausii OD", "B. clausii"),
        ] {
            let note = Note::new("n", text).with_date("2025-03-12").unwrap();
            let ex = pipeline.extract(&note);
            let found = ex.mentions.iter().find(|m| m.text.starts_with(finding));
            assert!(found.is_some(), "{text:?}: no {finding:?}");
            for format in [
                Format::Bundle,
                Format::Mentions,
                Format::Explain,
                Format::Bulk,
                Format::Csv,
            ] {
                assert!(!pipeline.render(&note, format).bytes.is_empty(), "{text:?}");
            }
        }
        // The drug's instructions after the full stop in its name are read.
        let note = Note::new("n", "Anh. dasatinib 100mg OD");
        let ex = pipeline.extract(&note);
        let drug = ex.mentions.iter().find(|m| m.text == "Anh. dasatinib").unwrap();
        let dosage = &drug.medication.as_ref().unwrap().dosage;
        assert_eq!(dosage.sig.as_ref().map(|s| s.text.as_str()), Some("100mg OD"));
        // "no C. diff": the negation reaches over the finding's full stop.
        let note = Note::new("n", "no C. diff, on vancomycin");
        let ex = pipeline.extract(&note);
        assert!(ex
            .mentions
            .iter()
            .any(|m| m.text == "C. diff" && m.assertion.negated));
    }

    #[test]
    fn epoch_instants() {
        assert_eq!(instant_from_epoch(0), "1970-01-01T00:00:00Z");
        assert_eq!(instant_from_epoch(1_741_804_200), "2025-03-12T18:30:00Z");
        assert_eq!(instant_from_epoch(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(instant_from_epoch(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn instants() {
        assert!(validate_instant("2025-03-12T18:30:00Z").is_ok());
        assert!(validate_instant("2025-03-12T18:30:00.5+01:00").is_ok());
        assert!(validate_instant("2025-03-12T18:30Z").is_err());
        assert!(validate_instant("2025-03-12T18:30:00").is_err());
        assert!(validate_instant("2025-03-12").is_err());
    }
}
