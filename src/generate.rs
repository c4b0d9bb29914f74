//! Synthetic ward notes for load tests and demos.
//!
//! # Overview
//!
//! A [`Generator`] is built once from embedded data
//! (`dictionaries/generate/personas.tsv` and `templates.tsv`) and then makes
//! note number `index` of the corpus named by `seed` with
//! [`Generator::note`]. A note depends only on `(seed, index)`: the same pair
//! gives the same bytes on any machine, and notes can be made in any order,
//! in parallel. Each note is 512–2000 bytes of UK ward-round style text and
//! comes with the gold mentions planted in it.
//!
//! Every note is about one of a fixed set of invented personas, grouped in
//! households whose family histories agree ("Mother AF and T2DM" is the
//! mother in the same household). A persona keeps its age, background, drug
//! chart, allergies and social history across notes; its id is the note's
//! `patient`. The presentation (chest pain, LRTI, fall, AKI…) is drawn to fit
//! the persona: a penicillin-allergic persona gets doxycycline, the AKI plan
//! holds a drug from that persona's chart.
//!
//! # Gold conventions
//!
//! * Problems, medications, allergens and allergy statements ("NKDA"), and
//!   dates are annotated with the shortest span that names them: `PE` in
//!   `?PE`, `Ramipril` in `Ramipril 5mg OD PO`, `5/7 ago` as a whole.
//! * A drug named under allergies is an `allergy`; its reaction
//!   (`penicillin (rash)`) is a `problem`.
//! * Flags: `negated` after "No", "Denies", "Nil", ": nil"; `uncertain` in
//!   "?ACS", "ACS vs PE", "DDx"; `historical` for past events ("previous
//!   MI"), not for chronic conditions in the background; `family` in the
//!   family history; `hypothetical` after "if" in the plan.
//!
//! # Example
//!
//! ```
//! use note2fhir::generate::Generator;
//!
//! let generator = Generator::new();
//! let note = generator.note(42, 0);
//! assert_eq!(note.id, "gen-42-0");
//! assert_eq!(note, generator.note(42, 0));
//! for m in &note.gold {
//!     let span: String = note.text.chars().skip(m.start).take(m.end - m.start).collect();
//!     assert_eq!(span, m.text);
//! }
//! ```
//!
//! # Wire format
//!
//! [`GeneratedNote::to_jsonl`] writes a note as `note2fhir` reads it:
//! `{"id", "text", "date", "patient"}`. [`GeneratedNote::gold_jsonl`] writes
//! its gold, as [`crate::eval`] reads it:
//!
//! ```json
//! {"note_id": "gen-42-0", "mentions": [{"kind": "problem", "text": "PE",
//!   "start": 301, "end": 303, "assertion": {"negated": false, "uncertain": true,
//!   "historical": false, "family": false, "hypothetical": false}}]}
//! ```
//!
//! Offsets are Unicode code points into `text`, end exclusive; mentions are
//! in text order. Neither line ends with a newline.

use std::collections::BTreeMap;

use serde::Serialize;

mod data;
mod expand;

use data::{Persona, Presentation};
use expand::{Expander, Rng};

/// The smallest note, in bytes.
const MIN_BYTES: usize = 512;
/// The largest note, in bytes.
const MAX_BYTES: usize = 2000;
/// Tries at a note within the size bounds before keeping the closest.
const ATTEMPTS: u32 = 32;
/// The first possible note date, in days since 1970-01-01.
const FIRST_DAY: i64 = expand::days_from_civil(2024, 1, 1);
/// How many days note dates span (2024 and 2025).
const DAYS: u64 = 731;

/// How background items are joined: inline, or one per line.
const PMH_SEPARATORS: [&str; 3] = [", ", "; ", "\n- "];
/// How drug chart items are joined: a chart, a list, or inline.
const DH_SEPARATORS: [&str; 3] = ["\n", "\n- ", ", "];

/// The variables for distinct symptoms from a presentation's `negpool`,
/// as written and capitalised.
const SYMPTOMS: [(&str, &str); 4] = [("S1", "S1C"), ("S2", "S2C"), ("S3", "S3C"), ("S4", "S4C")];

/// Makes synthetic ward notes; built once, shared by `&` across threads.
#[derive(Debug, Clone)]
pub struct Generator {
    personas: Vec<Persona>,
    slots: BTreeMap<String, Vec<String>>,
    presentations: Vec<Presentation>,
}

/// One synthetic note with its gold mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedNote {
    /// `gen-{seed}-{index}`.
    pub id: String,
    /// The note date, `YYYY-MM-DD` (in 2024 or 2025).
    pub date: String,
    /// The persona's id (`gen-hh01a`): the same for all notes about one
    /// invented patient.
    pub patient: String,
    /// The note text.
    pub text: String,
    /// The mentions planted in `text`, in text order.
    pub gold: Vec<GoldMention>,
}

/// A mention planted in a generated note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoldMention {
    /// `problem`, `medication`, `allergy` or `date`.
    pub kind: &'static str,
    /// The note's text at the span.
    pub text: String,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset one past the last character.
    pub end: usize,
    /// The note says it is absent.
    pub negated: bool,
    /// The note says it is possible or suspected.
    pub uncertain: bool,
    /// It is a past event.
    pub historical: bool,
    /// It belongs to a relative.
    pub family: bool,
    /// It is conditional ("if chest pain recurs").
    pub hypothetical: bool,
}

impl Default for Generator {
    fn default() -> Self {
        Generator::new()
    }
}

impl Generator {
    /// Build a generator from the embedded personas and templates.
    pub fn new() -> Generator {
        let slots = data::templates();
        let presentations = data::presentations(&slots);
        Generator {
            personas: data::personas(),
            slots,
            presentations,
        }
    }

    /// Note number `index` of a corpus with `seed`: identical for the same
    /// (seed, index) on any machine; notes are independent so they can be
    /// generated in parallel.
    pub fn note(&self, seed: u64, index: u64) -> GeneratedNote {
        let mut rng = Rng::new(seed, index);
        let day = FIRST_DAY + rng.between(0, DAYS - 1) as i64;
        let (y, m, d) = expand::civil_from_days(day);
        let mut best: Option<(usize, GeneratedNote)> = None;
        for _ in 0..ATTEMPTS {
            let persona = rng.pick(&self.personas);
            let (text, gold) = self.compose(persona, (y, m, d), &mut rng);
            let len = text.len();
            let miss = MIN_BYTES.saturating_sub(len) + len.saturating_sub(MAX_BYTES);
            let note = GeneratedNote {
                id: format!("gen-{seed}-{index}"),
                date: format!("{y:04}-{m:02}-{d:02}"),
                patient: format!("gen-{}", persona.id),
                text,
                gold,
            };
            if miss == 0 {
                return note;
            }
            if best.as_ref().is_none_or(|(b, _)| miss < *b) {
                best = Some((miss, note));
            }
        }
        // Unreachable with the embedded data (a test makes thousands of notes).
        best.map(|(_, note)| note)
            .unwrap_or_else(|| unreachable!("ATTEMPTS > 0"))
    }

    /// One attempt at a note about `persona` on `date`.
    fn compose(&self, persona: &Persona, date: (i64, u32, u32), rng: &mut Rng) -> (String, Vec<GoldMention>) {
        let fits: Vec<&Presentation> = self
            .presentations
            .iter()
            .filter(|p| p.requires.as_ref().is_none_or(|t| persona.tags.contains(t)))
            .collect();
        let presentation = *rng.pick(&fits);
        let key = presentation.key.as_str();
        let (y, m, d) = date;

        let mut vars: BTreeMap<&'static str, String> = BTreeMap::new();
        vars.insert("NAME", format!("{} {}", persona.given, persona.family));
        vars.insert("AGE", persona.age.to_string());
        vars.insert("SEX", persona.sex.clone());
        vars.insert("DATEF", format!("{d:02}/{m:02}/{y:04}"));
        vars.insert("P", key.to_string());
        let pen = persona.tags.iter().any(|t| t == "pen");
        vars.insert("PEN", if pen { "pen" } else { "nopen" }.into());
        let hold = if persona.holdable.is_empty() {
            String::new()
        } else {
            rng.pick(&persona.holdable).clone()
        };
        vars.insert("HOLD", hold);
        let (pmh_sep, dh_sep) = (*rng.pick(&PMH_SEPARATORS[..]), *rng.pick(&DH_SEPARATORS[..]));
        vars.insert("PMH", join_list(&persona.pmh, pmh_sep));
        vars.insert("DH", join_list(&persona.dh, dh_sep));
        vars.insert("ALLERGIES", persona.allergies.join(", "));
        vars.insert("SH", persona.sh.clone());
        vars.insert(
            "FH",
            if persona.fh.is_empty() {
                "Nil of note".into()
            } else {
                persona.fh.join(", ")
            },
        );
        let pool: Vec<&str> = self
            .slots
            .get(&format!("negpool.{key}"))
            .and_then(|v| v.first())
            .map(|s| s.split(';').collect())
            .unwrap_or_default();
        let symptoms = rng.sample(&pool, SYMPTOMS.len());
        for (i, (name, cap)) in SYMPTOMS.into_iter().enumerate() {
            let s = symptoms.get(i).map_or("", |s| **s);
            vars.insert(name, s.to_string());
            vars.insert(cap, capitalise(s));
        }
        let left = rng.below(2) == 0;
        vars.insert("SIDE", if left { "L" } else { "R" }.into());
        vars.insert("SIDEFULL", if left { "Left" } else { "Right" }.into());

        let mut raw = String::new();
        Expander {
            slots: &self.slots,
            vars: &vars,
        }
        .expand("<note>", rng, &mut raw, 0);
        expand::plant(&raw)
    }
}

/// Join list items after a header's colon: inline after a space, or one per
/// line when `sep` starts with a line break.
fn join_list(items: &[String], sep: &str) -> String {
    if sep.starts_with('\n') {
        format!("{sep}{}", items.join(sep))
    } else {
        format!(" {}", items.join(sep))
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Serialize)]
struct NoteLine<'a> {
    id: &'a str,
    text: &'a str,
    date: &'a str,
    patient: &'a str,
}

#[derive(Serialize)]
struct GoldLine<'a> {
    note_id: &'a str,
    mentions: Vec<GoldOut<'a>>,
}

#[derive(Serialize)]
struct GoldOut<'a> {
    kind: &'a str,
    text: &'a str,
    start: usize,
    end: usize,
    assertion: AssertionOut,
}

#[derive(Serialize)]
struct AssertionOut {
    negated: bool,
    uncertain: bool,
    historical: bool,
    family: bool,
    hypothetical: bool,
}

impl GeneratedNote {
    /// The note as one JSONL record, `{"id","text","date","patient"}`, as
    /// `note2fhir` reads it; no trailing newline.
    pub fn to_jsonl(&self) -> String {
        let line = NoteLine {
            id: &self.id,
            text: &self.text,
            date: &self.date,
            patient: &self.patient,
        };
        serde_json::to_string(&line).expect("strings always serialise")
    }

    /// The gold mentions as one JSONL record, `{"note_id","mentions":[…]}`
    /// (see the module's wire format); no trailing newline.
    pub fn gold_jsonl(&self) -> String {
        let mentions = self
            .gold
            .iter()
            .map(|m| GoldOut {
                kind: m.kind,
                text: &m.text,
                start: m.start,
                end: m.end,
                assertion: AssertionOut {
                    negated: m.negated,
                    uncertain: m.uncertain,
                    historical: m.historical,
                    family: m.family,
                    hypothetical: m.hypothetical,
                },
            })
            .collect();
        serde_json::to_string(&GoldLine {
            note_id: &self.id,
            mentions,
        })
        .expect("strings always serialise")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(text: &str, start: usize, end: usize) -> String {
        text.chars().skip(start).take(end - start).collect()
    }

    #[test]
    fn generator_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Generator>();
    }

    #[test]
    fn same_seed_and_index_give_the_same_bytes() {
        let (a, b) = (Generator::new(), Generator::new());
        for index in 0..50 {
            let (x, y) = (a.note(7, index), b.note(7, index));
            assert_eq!(x.to_jsonl(), y.to_jsonl());
            assert_eq!(x.gold_jsonl(), y.gold_jsonl());
        }
        // Independent of the order notes are made in.
        let backwards: Vec<_> = (0..50).rev().map(|i| a.note(7, i)).collect();
        assert_eq!(backwards[0], a.note(7, 49));
    }

    #[test]
    fn different_seeds_or_indexes_differ() {
        let g = Generator::new();
        let texts: Vec<String> = (0..20).map(|i| g.note(1, i).text).collect();
        let other: Vec<String> = (0..20).map(|i| g.note(2, i).text).collect();
        assert_ne!(texts, other);
        let same = texts.iter().zip(&other).filter(|(a, b)| a == b).count();
        assert!(same <= 1, "{same} of 20 notes identical across seeds");
        let mut distinct = texts.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), texts.len());
        assert_eq!(g.note(1, 3).id, "gen-1-3");
    }

    #[test]
    fn sizes_are_half_to_two_kilobytes() {
        let g = Generator::new();
        for index in 0..200 {
            let note = g.note(2025, index);
            let len = note.text.len();
            assert!((MIN_BYTES..=MAX_BYTES).contains(&len), "{}: {len} bytes", note.id);
        }
    }

    #[test]
    fn gold_text_is_the_text_at_its_span() {
        let g = Generator::new();
        for seed in [0, 1, u64::MAX] {
            for index in 0..300 {
                let note = g.note(seed, index);
                let chars = note.text.chars().count();
                let mut last_end = 0;
                for m in &note.gold {
                    assert!(m.start < m.end && m.end <= chars, "{}: {m:?}", note.id);
                    assert!(
                        m.start >= last_end,
                        "{}: mentions overlap or out of order",
                        note.id
                    );
                    last_end = m.end;
                    assert_eq!(span(&note.text, m.start, m.end), m.text, "{}", note.id);
                    assert_eq!(m.text.trim(), m.text, "{}: padded span", note.id);
                }
                assert!(
                    !note.text.contains(['{', '}', '<', '>', '$']),
                    "{}: unexpanded template",
                    note.id
                );
            }
        }
    }

    #[test]
    fn notes_cover_every_kind_and_flag() {
        let g = Generator::new();
        let notes: Vec<GeneratedNote> = (0..200).map(|i| g.note(3, i)).collect();
        let all = || notes.iter().flat_map(|n| n.gold.iter());
        for kind in ["problem", "medication", "allergy", "date"] {
            assert!(all().any(|m| m.kind == kind), "no {kind}");
        }
        assert!(all().any(|m| m.negated));
        assert!(all().any(|m| m.uncertain));
        assert!(all().any(|m| m.historical));
        assert!(all().any(|m| m.family));
        assert!(all().any(|m| m.hypothetical));
        // Every note has its date as a date mention, in dd/mm/yyyy.
        for n in &notes {
            let (y, rest) = n.date.split_at(4);
            let dmy = format!("{}/{}/{y}", &rest[4..6], &rest[1..3]);
            assert!(
                n.gold.iter().any(|m| m.kind == "date" && m.text == dmy),
                "{}",
                n.id
            );
        }
    }

    #[test]
    fn a_persona_stays_consistent() {
        let g = Generator::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for index in 0..300 {
            let note = g.note(11, index);
            // The name and age line is the persona's, whatever the layout.
            let persona = g
                .personas
                .iter()
                .find(|p| format!("gen-{}", p.id) == note.patient)
                .unwrap();
            let who = format!("{} {}", persona.given, persona.family);
            assert!(note.text.contains(&who), "{}", note.id);
            assert!(
                note.text.contains(&format!("{}{}", persona.age, persona.sex)),
                "{}",
                note.id
            );
            seen.insert(note.patient.clone(), who);
        }
        assert!(seen.len() > 10, "only {} personas used", seen.len());
    }

    #[test]
    fn penicillin_allergy_gets_no_penicillins() {
        let g = Generator::new();
        for index in 0..400 {
            let note = g.note(5, index);
            if note
                .gold
                .iter()
                .any(|m| m.kind == "allergy" && m.text == "penicillin")
            {
                for drug in ["Amoxicillin", "Co-amoxiclav", "flucloxacillin"] {
                    assert!(!note.text.contains(drug), "{}: {drug}", note.id);
                }
            }
        }
    }

    #[test]
    fn jsonl_lines() {
        let note = Generator::new().note(42, 0);
        let line = note.to_jsonl();
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["id"], "gen-42-0");
        assert_eq!(v["text"], note.text.as_str());
        assert_eq!(v["date"], note.date.as_str());
        assert_eq!(v["patient"], note.patient.as_str());
        let gold: serde_json::Value = serde_json::from_str(&note.gold_jsonl()).unwrap();
        assert_eq!(gold["note_id"], "gen-42-0");
        let mentions = gold["mentions"].as_array().unwrap();
        assert_eq!(mentions.len(), note.gold.len());
        let first = &mentions[0];
        assert_eq!(first["kind"], note.gold[0].kind);
        assert_eq!(first["start"], note.gold[0].start);
        assert_eq!(first["assertion"]["negated"], note.gold[0].negated);
        assert!(!note.gold_jsonl().contains('\n'));
    }
}
