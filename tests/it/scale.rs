//! Long and repetitive notes: what they yield, not how fast (speed is
//! measured in `benches/pathological.rs`). Each cue, date, section and
//! allergen lookup reads a bounded neighbourhood once, so these shapes are
//! where a lookup that reads the wrong neighbourhood would show.

use note2fhir::dictionary::Kind;
use note2fhir::mention::Mention;
use note2fhir::section::MAX_SENTENCE_BYTES;
use note2fhir::{Format, Note};
use serde_json::Value;

use crate::fixtures;

fn note(text: &str) -> Note {
    Note::new("s", text).with_date("2025-03-12").unwrap()
}

fn status<'a>(m: &'a Mention<'_>) -> &'a str {
    m.medication.as_ref().map_or("-", |x| x.status)
}

#[test]
fn each_drug_in_a_long_clause_takes_its_nearest_cue() {
    // One clause (no comma, no full stop) of 35 triples, about 1.8 KB.
    let text = "stopped ramipril held bisoprolol started amlodipine ".repeat(35);
    assert!(text.len() < MAX_SENTENCE_BYTES);
    let note = note(&text);
    let ex = fixtures::pipeline().extract(&note);
    let got: Vec<(&str, &str)> = ex.mentions.iter().map(|m| (m.text, status(m))).collect();
    let triple = [
        ("ramipril", "stopped"),
        ("bisoprolol", "on-hold"),
        ("amlodipine", "active"),
    ];
    assert_eq!(got, triple.repeat(35));
    let cues: Vec<&str> = ex
        .mentions
        .iter()
        .map(|m| {
            m.medication
                .as_ref()
                .and_then(|x| x.status_cue.as_ref())
                .unwrap()
                .text
                .as_str()
        })
        .collect();
    assert_eq!(cues, ["stopped", "held", "started"].repeat(35));
    assert!(ex
        .mentions
        .iter()
        .skip(2)
        .step_by(3)
        .all(|m| m.medication.as_ref().unwrap().started));
}

#[test]
fn a_long_run_of_negated_drugs() {
    // The reported shape: 16.5 KB with no punctuation.
    let text = "no aspirin ".repeat(1500);
    let note = note(&text);
    let ex = fixtures::pipeline().extract(&note);
    assert_eq!(ex.mentions.len(), 1500);
    assert!(ex
        .mentions
        .iter()
        .all(|m| m.kind == Kind::Medication && m.text == "aspirin"));
    // Every drug of the first 2 KB has its "no"; beyond, a sentence cut may
    // fall between a "no" and its drug (at most once per cut).
    let first_sentence = MAX_SENTENCE_BYTES / "no aspirin ".len();
    assert!(ex.mentions[..first_sentence]
        .iter()
        .all(|m| status(m) == "not-taken" && m.assertion.negated));
    let lost: Vec<usize> = ex
        .mentions
        .iter()
        .filter(|m| status(m) != "not-taken")
        .map(|m| m.bytes.start)
        .collect();
    assert!(lost.len() <= text.len() / MAX_SENTENCE_BYTES, "{lost:?}");
    assert!(ex
        .mentions
        .iter()
        .all(|m| ["not-taken", "unknown"].contains(&status(m))));
}

#[test]
fn a_long_line_of_findings_is_cut_between_findings() {
    // 110 KB on one line: every finding is found whole, with its own cue.
    let text = "no chest pain ".repeat(8000);
    let note = note(&text);
    let ex = fixtures::pipeline().extract(&note);
    assert_eq!(ex.mentions.len(), 8000);
    assert!(ex
        .mentions
        .iter()
        .all(|m| m.text == "chest pain" && m.assertion.negated));
    // The cues a finding lists stay within its sentence.
    let most = ex.mentions.iter().map(|m| m.explain.cues.len()).max().unwrap();
    assert!(most <= MAX_SENTENCE_BYTES / "no chest pain ".len() + 1, "{most}");
    // One negation far before a finding still reaches it in its sentence.
    let text = format!("{}chest pain", "no ".repeat(7000));
    let note = Note::new("n", text);
    let ex = fixtures::pipeline().extract(&note);
    assert_eq!(ex.mentions.len(), 1);
    assert!(ex.mentions[0].assertion.negated);
}

#[test]
fn repeated_headers() {
    // The reported shape: only the header starting the line is one.
    let text = format!("{}MI", "PMH: ".repeat(20_000));
    let note = Note::new("h", text);
    let ex = fixtures::pipeline().extract(&note);
    assert_eq!(ex.mentions.len(), 1);
    assert_eq!(ex.mentions[0].section, Some("past_medical_history"));
    // One header per line: each finding in its own section.
    let text = "PMH: MI\nFH: MI\n".repeat(500);
    let note = Note::new("h", text);
    let ex = fixtures::pipeline().extract(&note);
    let sections: Vec<Option<&str>> = ex.mentions.iter().map(|m| m.section).collect();
    assert_eq!(
        sections,
        [Some("past_medical_history"), Some("family_history")].repeat(500)
    );
    assert!(ex.mentions.iter().skip(1).step_by(2).all(|m| m.assertion.family));
}

#[test]
fn many_drug_history_nils() {
    let text = "DH: nil\nPMH: MI\nDH: none\n".repeat(300);
    let note = Note::new("d", text);
    let ex = fixtures::pipeline().extract(&note);
    let got: Vec<(&str, Kind)> = ex.mentions.iter().map(|m| (m.text, m.kind)).collect();
    let one = [
        ("nil", Kind::Medication),
        ("MI", Kind::Problem),
        ("none", Kind::Medication),
    ];
    assert_eq!(got, one.repeat(300));
    assert!(ex.mentions.windows(2).all(|w| w[0].bytes.end <= w[1].bytes.start));
}

#[test]
fn each_finding_takes_its_own_date() {
    // 7 KB on one line: cut into sentences after a space, here always
    // between a date and the next finding.
    let text = "MI 12/03/2024 ".repeat(500);
    let note = note(&text);
    let ex = fixtures::pipeline().extract(&note);
    assert_eq!((ex.mentions.len(), ex.dates.len()), (500, 500));
    for (m, d) in ex.mentions.iter().zip(&ex.dates) {
        // The date right after it; the one before is another finding's.
        assert_eq!(m.date_id.as_deref(), Some(d.id.as_str()));
        assert_eq!(d.bytes.start, m.bytes.end + 1);
    }
}

#[test]
fn each_allergen_keeps_its_own_reaction() {
    let text = format!("Allergies: {}", "penicillin codeine rash ".repeat(300));
    let note = note(&text);
    let ex = fixtures::pipeline().extract(&note);
    assert_eq!(ex.mentions.len(), 900);
    for triple in ex.mentions.chunks(3) {
        let [penicillin, codeine, rash] = triple else {
            unreachable!()
        };
        // The nearer allergen takes the reaction.
        assert_eq!(
            penicillin.allergy.as_ref().unwrap().reactions,
            Vec::<String>::new()
        );
        assert_eq!(
            codeine.allergy.as_ref().unwrap().reactions,
            std::slice::from_ref(&rash.id)
        );
        assert!(rash.fhir.is_none());
    }
    let mut line = Vec::new();
    fixtures::pipeline().write_note(&note, Format::Bundle, &mut line);
    let bundle: Value = serde_json::from_slice(&line).unwrap();
    let reactions: Vec<usize> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "AllergyIntolerance")
        .map(|e| {
            e["resource"]["reaction"][0]["manifestation"]
                .as_array()
                .map_or(0, Vec::len)
        })
        .collect();
    assert_eq!(reactions, [0, 1].repeat(300));
}

#[test]
fn allergen_cue_after_a_drug_at_the_end_of_a_long_note() {
    let text = format!("{}penicillin allergy", "x ".repeat(50_000));
    let note = Note::new("a", text);
    let ex = fixtures::pipeline().extract(&note);
    assert_eq!(ex.mentions.len(), 1);
    assert_eq!(ex.mentions[0].kind, Kind::Allergy);
}
