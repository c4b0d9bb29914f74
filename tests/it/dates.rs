//! Dates through the whole pipeline: the note's date, normalisation,
//! attachment to findings, and the FHIR date fields.

use std::process::Command;

use note2fhir::{Format, Note, Pipeline};
use serde_json::Value;

use crate::fixtures;

fn mentions(pipeline: &Pipeline, note: &Note) -> Value {
    let mut line = Vec::new();
    pipeline.write_note(note, Format::Mentions, &mut line);
    serde_json::from_slice(&line).unwrap()
}

fn resources(pipeline: &Pipeline, note: &Note, ty: &str) -> Vec<Value> {
    let mut line = Vec::new();
    pipeline.write_note(note, Format::Bundle, &mut line);
    let bundle: Value = serde_json::from_slice(&line).unwrap();
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"].clone())
        .filter(|r| r["resourceType"] == ty)
        .collect()
}

fn dates(out: &Value) -> Vec<(String, Value)> {
    out["mentions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "date")
        .map(|m| (m["text"].as_str().unwrap().to_string(), m["date"].clone()))
        .collect()
}

#[test]
fn the_note_date_comes_from_record_then_run_then_header() {
    let text = "03/02/2025 ward round. SOB since yesterday.";
    let plain = fixtures::pipeline();
    let with_default = Pipeline::builder()
        .note_date("2025-03-12")
        .unwrap()
        .build()
        .unwrap();

    let record = Note::new("r", text).with_date("2025-01-10").unwrap();
    let out = mentions(&with_default, &record);
    assert_eq!(
        (out["note_date"].as_str(), out["note_date_source"].as_str()),
        (Some("2025-01-10"), Some("record"))
    );
    assert_eq!(dates(&out)[1].1["value"], "2025-01-09");
    assert_eq!(dates(&out)[1].1["anchor"], "record");

    let out = mentions(&with_default, &Note::new("d", text));
    assert_eq!(out["note_date_source"], "note_date");
    assert_eq!(dates(&out)[1].1["value"], "2025-03-11");

    let out = mentions(plain, &Note::new("h", text));
    assert_eq!(
        (out["note_date"].as_str(), out["note_date_source"].as_str()),
        (Some("2025-02-03"), Some("header"))
    );
    assert_eq!(dates(&out)[1].1["value"], "2025-02-02");

    // No date anywhere: a relative expression keeps its text, precision unknown.
    let out = mentions(plain, &Note::new("n", "SOB since yesterday."));
    assert_eq!(out["note_date_source"], "none");
    let (found, date) = &dates(&out)[0];
    assert_eq!(found, "yesterday");
    assert_eq!(
        (date["value"].clone(), date["precision"].clone()),
        (Value::Null, Value::from("unknown"))
    );
    // The DocumentReference has the note date only when there is one.
    let docs = resources(plain, &Note::new("h", text), "DocumentReference");
    assert_eq!(docs[0]["context"]["period"]["start"], "2025-02-03");
}

#[test]
fn dates_attach_to_findings_in_their_clause() {
    let note = Note::new(
        "a",
        "PMH: MI 2019, HTN. DVT in 2015, resolved. Chest pain resolved on 10/03/2025.",
    )
    .with_date("2025-03-12")
    .unwrap();
    let p = fixtures::pipeline();
    let out = mentions(p, &note);
    let by_text = |t: &str| {
        out["mentions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["text"] == t)
            .unwrap()
            .clone()
    };
    assert_eq!(by_text("MI")["date_id"], by_text("2019")["id"]);
    assert_eq!(by_text("HTN")["date_id"], Value::Null, "a comma ends the clause");
    let conditions = resources(p, &note, "Condition");
    let cond = |t: &str| {
        conditions
            .iter()
            .find(|c| c["code"]["text"] == t)
            .unwrap()
            .clone()
    };
    assert_eq!(cond("MI")["onsetDateTime"], "2019");
    assert!(cond("HTN").get("onsetDateTime").is_none());
    let dvt = cond("DVT");
    assert_eq!(dvt["onsetDateTime"], "2015");
    assert_eq!(dvt["abatementString"], "resolved");
    assert_eq!(dvt["clinicalStatus"]["coding"][0]["code"], "resolved");
    let pain = cond("Chest pain");
    assert_eq!(pain["abatementDateTime"], "2025-03-10");
    assert!(pain.get("onsetDateTime").is_none());
    assert_eq!(pain["recordedDate"], "2025-03-12");
}

#[test]
fn times_carry_the_offset_of_their_date() {
    let p = fixtures::pipeline();
    for (date, offset) in [("2025-01-10", "+00:00"), ("2025-07-10", "+01:00")] {
        let note = Note::new("t", "Fall at 14:30.").with_date(date).unwrap();
        let out = mentions(p, &note);
        assert_eq!(dates(&out)[0].1["fhir"], format!("{date}T14:30:00{offset}"));
        let fall = resources(p, &note, "Condition");
        assert_eq!(fall[0]["onsetDateTime"], format!("{date}T14:30:00{offset}"));
    }
}

#[test]
fn relatives_age_at_onset() {
    let note = Note::new("f", "FH: father MI at 60, mother breast cancer.");
    let fmh = resources(fixtures::pipeline(), &note, "FamilyMemberHistory");
    assert_eq!(fmh[0]["condition"][0]["onsetAge"]["value"], 60);
    assert_eq!(fmh[0]["condition"][0]["onsetAge"]["code"], "a");
    assert!(fmh[1]["condition"][0].get("onsetAge").is_none());
}

#[test]
fn scores_and_readings_are_not_dates() {
    let note = Note::new(
        "s",
        "BP 120/80, pain 7/10, GCS 15/15, AMTS 10/10, MRC 4/5, 1/2 tablet, 3/12 review.",
    )
    .with_date("2025-03-12")
    .unwrap();
    let out = mentions(fixtures::pipeline(), &note);
    let found = dates(&out);
    let texts: Vec<&str> = found.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts, ["3/12"], "only the duration is a date mention");
    assert_eq!(found[0].1["type"], "duration");
}

#[test]
fn cli_dates_and_tz_options() {
    let run = |args: &[&str]| -> Value {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_note2fhir"));
        cmd.args(["extract", "--format", "mentions", "--note-date", "2025-06-01"])
            .args(args);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.txt");
        std::fs::write(&path, "Seen 12/03/2025. Fall 01/06/2025 10:15.").unwrap();
        let out = cmd.arg(&path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let uk = run(&[]);
    assert_eq!(dates(&uk)[0].1["value"], "2025-03-12");
    let us = run(&["--dates", "us"]);
    assert_eq!(dates(&us)[0].1["value"], "2025-12-03");
    let ny = run(&["--tz", "America/New_York"]);
    assert_eq!(dates(&ny)[1].1["fhir"], "2025-06-01T10:15:00-04:00");
    let bad = Command::new(env!("CARGO_BIN_EXE_note2fhir"))
        .args(["extract", "--tz", "Mars/Olympus"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
}
