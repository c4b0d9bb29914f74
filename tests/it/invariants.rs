//! Properties every fixture's output must have, whatever it contains.

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use note2fhir::Format;
use serde_json::Value;

use crate::fixtures;

const DERIVATION: &str = "http://hl7.org/fhir/StructureDefinition/derivation-reference";

#[test]
fn mention_spans_are_the_note_text() {
    for path in fixtures::all_notes() {
        let note = fixtures::note(&path);
        let out = fixtures::render(&note, Format::Mentions);
        assert_eq!(out["schema"], "note2fhir.mentions/1");
        assert_eq!(out["note_id"], note.id.as_str());
        let mut ids = HashSet::new();
        let mut last_end = 0;
        let n_chars = note.text.chars().count() as u64;
        for m in out["mentions"].as_array().unwrap() {
            let (start, end) = (m["start"].as_u64().unwrap(), m["end"].as_u64().unwrap());
            assert!(
                start < end && end <= n_chars,
                "{}: span {start}..{end} out of bounds",
                note.id
            );
            assert!(
                start >= last_end,
                "{}: mentions overlap or are out of order at {start}",
                note.id
            );
            last_end = end;
            assert_eq!(
                m["text"].as_str().unwrap(),
                fixtures::slice_chars(&note.text, start as usize, end as usize),
                "{}: text at {start}..{end}",
                note.id
            );
            assert!(
                ids.insert(m["id"].as_str().unwrap().to_string()),
                "duplicate mention id"
            );
            if m["kind"] == "date" {
                assert!(m["date"]["precision"].is_string());
            } else {
                assert!(!m["concept"]["codes"].as_array().unwrap().is_empty());
            }
        }
        // Every finding's date_id names a date mention of the same note.
        for m in out["mentions"].as_array().unwrap() {
            if let Some(date_id) = m.get("date_id").and_then(|d| d.as_str()) {
                assert!(
                    date_id.starts_with('d') && ids.contains(date_id),
                    "{}: dangling {date_id}",
                    note.id
                );
            }
        }
    }
}

fn resources(bundle: &Value) -> BTreeMap<String, Value> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let id = e["resource"]["id"].as_str().unwrap().to_string();
            assert_eq!(e["fullUrl"], format!("urn:uuid:{id}"));
            (id, e["resource"].clone())
        })
        .collect()
}

#[test]
fn bundle_agrees_with_mentions_and_text() {
    let b64 = base64::engine::general_purpose::STANDARD;
    for path in fixtures::all_notes() {
        let note = fixtures::note(&path);
        let bundle = fixtures::render(&note, Format::Bundle);
        let mentions = fixtures::render(&note, Format::Mentions);
        assert_eq!(bundle["type"], "collection");
        let by_id = resources(&bundle);
        assert_eq!(
            by_id.len(),
            bundle["entry"].as_array().unwrap().len(),
            "resource ids collide"
        );

        // The DocumentReference holds exactly the note text.
        let doc = by_id
            .values()
            .find(|r| r["resourceType"] == "DocumentReference")
            .expect("a DocumentReference");
        let att = &doc["content"][0]["attachment"];
        assert_eq!(att["size"].as_u64().unwrap() as usize, note.text.len());
        let digest = sha1_smol::Sha1::from(note.text.as_bytes()).digest().bytes();
        assert_eq!(att["hash"].as_str().unwrap(), b64.encode(digest));
        match att.get("data") {
            Some(data) => assert_eq!(b64.decode(data.as_str().unwrap()).unwrap(), note.text.as_bytes()),
            None => assert!(note.text.is_empty(), "{}: data missing", note.id),
        }
        assert_eq!(doc["context"]["period"]["start"], fixtures::NOTE_DATE);
        let doc_ref = format!("urn:uuid:{}", doc["id"].as_str().unwrap());

        // Each mention's resource exists, has its type, and points back at its span.
        let mut derived = 0;
        for m in mentions["mentions"].as_array().unwrap() {
            let Some(fhir) = m["fhir"].as_object() else {
                continue;
            };
            derived += 1;
            let r = &by_id[fhir["id"].as_str().unwrap()];
            assert_eq!(r["resourceType"], fhir["type"]);
            let ext = r["extension"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["url"] == DERIVATION)
                .expect("derivation-reference");
            let part = |name: &str| {
                ext["extension"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| e["url"] == name)
                    .unwrap()
                    .clone()
            };
            assert_eq!(part("reference")["valueReference"]["reference"], doc_ref.as_str());
            assert_eq!(part("offset")["valueInteger"], m["start"]);
            assert_eq!(
                part("length")["valueInteger"].as_u64().unwrap(),
                m["end"].as_u64().unwrap() - m["start"].as_u64().unwrap()
            );
            let code = match r["resourceType"].as_str().unwrap() {
                "Condition" => r["code"].clone(),
                "FamilyMemberHistory" => r["condition"][0]["code"].clone(),
                "AllergyIntolerance" => r["code"].clone(),
                _ if m["concept"]["combination"] == true => {
                    // A combination: a contained Medication coded by ingredient.
                    assert_eq!(r["medicationReference"]["reference"], "#med");
                    let med = &r["contained"][0];
                    let ingredients = med["ingredient"].as_array().unwrap();
                    assert_eq!(ingredients.len(), m["concept"]["codes"].as_array().unwrap().len());
                    serde_json::json!({"text": med["code"]["text"],
                        "coding": [ingredients[0]["itemCodeableConcept"]["coding"][0]]})
                }
                // A strength apart from the dose: a contained Medication.
                _ if r.get("medicationReference").is_some() => r["contained"][0]["code"].clone(),
                _ => r["medicationCodeableConcept"].clone(),
            };
            assert_eq!(code["text"], m["text"]);
            assert_eq!(code["coding"][0]["code"], m["concept"]["codes"][0]["code"]);
        }
        // Patient, Device, DocumentReference, then one resource per mention; no
        // Provenance without a recording time.
        assert_eq!(by_id.len(), 3 + derived, "{}", note.id);
    }
}

#[test]
fn unicode_offsets_are_code_points() {
    let path = fixtures::root().join("notes/skeleton/unicode.txt");
    let note = fixtures::note(&path);
    assert!(!note.text.is_ascii());
    let out = fixtures::render(&note, Format::Mentions);
    let last = out["mentions"].as_array().unwrap().last().unwrap().clone();
    let start = last["start"].as_u64().unwrap() as usize;
    // Past the first non-ASCII character, byte and code-point offsets differ.
    let byte_start = note.text.char_indices().nth(start).unwrap().0;
    assert!(
        byte_start > start,
        "fixture must have non-ASCII text before its last mention"
    );
    assert_eq!(
        &note.text[byte_start..byte_start + last["text"].as_str().unwrap().len()],
        last["text"]
    );
}

#[test]
fn crlf_and_trailing_newline_are_kept() {
    let path = fixtures::root().join("notes/skeleton/crlf.txt");
    let raw = std::fs::read(&path).unwrap();
    let note = fixtures::note(&path);
    assert!(note.text.contains("\r\n") && note.text.ends_with("\r\n"));
    assert_eq!(note.text.as_bytes(), raw.as_slice());
}

#[test]
fn empty_note_has_no_data() {
    let note = fixtures::note(&fixtures::root().join("notes/skeleton/empty.txt"));
    let bundle = fixtures::render(&note, Format::Bundle);
    let doc = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resource"]["resourceType"] == "DocumentReference")
        .unwrap();
    let att = &doc["resource"]["content"][0]["attachment"];
    assert!(att.get("data").is_none());
    assert_eq!(att["size"], 0);
    assert_eq!(bundle["entry"].as_array().unwrap().len(), 3);
}

#[test]
fn output_is_deterministic() {
    for path in fixtures::all_notes() {
        let note = fixtures::note(&path);
        for format in [Format::Bundle, Format::Mentions] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            fixtures::pipeline().write_note(&note, format, &mut a);
            fixtures::pipeline().write_note(&note, format, &mut b);
            assert_eq!(a, b);
        }
    }
}
