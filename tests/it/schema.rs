//! Every fixture's Bundle against HL7's FHIR R4 JSON schema, plus the rules
//! the schema cannot express for the resources note2fhir writes.

use std::sync::OnceLock;

use note2fhir::{Format, Note, Pipeline};
use serde_json::Value;

use crate::fixtures;

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fhir/fhir.schema.json");
        let schema: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft6)
            .build(&schema)
            .expect("the FHIR schema compiles")
    })
}

fn schema_errors(resource: &Value) -> Vec<String> {
    validator()
        .iter_errors(resource)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// What the JSON schema cannot check: required invariants of the resources
/// note2fhir emits, and derivation offsets inside the note.
pub fn rule_errors(bundle: &Value, text_chars: u64) -> Vec<String> {
    let mut errors = Vec::new();
    static INSTANT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let instant = INSTANT.get_or_init(|| {
        regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$").unwrap()
    });
    for entry in bundle["entry"].as_array().unwrap() {
        let r = &entry["resource"];
        let ty = r["resourceType"].as_str().unwrap();
        let mut err = |msg: &str| errors.push(format!("{ty} {}: {msg}", r["id"]));
        match ty {
            "Condition" => {
                if r.get("subject").is_none() {
                    err("no subject");
                }
                let ver = r["verificationStatus"]["coding"][0]["code"].as_str();
                if ver.is_none() {
                    err("no verificationStatus");
                }
                if ver == Some("refuted") && r.get("clinicalStatus").is_some() {
                    err("refuted with a clinicalStatus");
                }
            }
            "MedicationStatement" => {
                let ok = [
                    "active",
                    "completed",
                    "entered-in-error",
                    "intended",
                    "stopped",
                    "on-hold",
                    "unknown",
                    "not-taken",
                ];
                if !r["status"].as_str().is_some_and(|s| ok.contains(&s)) {
                    err("status missing or not in the R4 value set");
                }
                if r.get("subject").is_none() {
                    err("no subject");
                }
            }
            "Provenance" => {
                if !r["recorded"].as_str().is_some_and(|s| instant.is_match(s)) {
                    err("recorded is not an instant");
                }
                if r["target"].as_array().is_none_or(|t| t.is_empty()) {
                    err("no target");
                }
            }
            _ => {}
        }
        for ext in r["extension"].as_array().into_iter().flatten() {
            let parts = ext["extension"].as_array().unwrap();
            let get = |n: &str| {
                parts
                    .iter()
                    .find(|p| p["url"] == n)
                    .and_then(|p| p["valueInteger"].as_u64())
            };
            match (get("offset"), get("length")) {
                (Some(o), Some(l)) if l > 0 && o + l <= text_chars => {}
                _ => err("derivation-reference offset/length outside the note"),
            }
        }
    }
    errors
}

fn check(note: &Note, pipeline: &Pipeline) {
    let mut line = Vec::new();
    pipeline.write_note(note, Format::Bundle, &mut line);
    let bundle: Value = serde_json::from_slice(&line).unwrap();
    let mut errors = schema_errors(&bundle);
    errors.extend(rule_errors(&bundle, note.text.chars().count() as u64));
    assert!(errors.is_empty(), "{}:\n{}", note.id, errors.join("\n"));
}

#[test]
fn fixture_bundles_are_valid_r4() {
    for path in fixtures::all_notes() {
        check(&fixtures::note(&path), fixtures::pipeline());
    }
}

#[test]
fn provenance_bundles_are_valid_r4() {
    let pipeline = Pipeline::builder()
        .recorded("2025-03-12T18:30:00Z")
        .unwrap()
        .build()
        .unwrap();
    let note = Note::new("p", "No chest pain. ?PE. Started apixaban.")
        .with_date("2025-03-12")
        .unwrap();
    check(&note, &pipeline);
    let mut line = Vec::new();
    pipeline.write_note(&note, Format::Bundle, &mut line);
    let bundle: Value = serde_json::from_slice(&line).unwrap();
    assert_eq!(bundle["timestamp"], "2025-03-12T18:30:00Z");
    let prov = bundle["entry"].as_array().unwrap().last().unwrap();
    assert_eq!(prov["resource"]["resourceType"], "Provenance");
    assert_eq!(prov["resource"]["target"].as_array().unwrap().len(), 3);
}

#[test]
fn the_checks_catch_broken_resources() {
    // A Condition without subject and with a refuted + clinicalStatus pair,
    // and a bad status: both layers must complain.
    let bad = serde_json::json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Condition", "id": "a",
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "verificationStatus": {"coding": [{"code": "refuted"}]}}},
        {"fullUrl": "urn:uuid:2", "resource": {"resourceType": "MedicationStatement", "id": "b", "status": "taking",
            "medicationCodeableConcept": {"text": "x"}, "subject": {"reference": "Patient/p"}, "effectiveDateTime": "2025-03-12T10:00"}}
    ]});
    assert!(
        !schema_errors(&bad).is_empty(),
        "schema must refuse a dateTime without zone"
    );
    let rules = rule_errors(&bad, 10);
    assert_eq!(rules.len(), 3, "{rules:?}");
}
