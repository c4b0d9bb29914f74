//! Batch formats and inputs: Bulk NDJSON, CSV out and in, gzip, the errors
//! file, and the run summary.

use std::io::Write;
use std::process::{Command, Output};

use serde_json::Value;

use crate::fixtures;

fn note2fhir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_note2fhir"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap()
}

fn notes_dir() -> String {
    fixtures::root().join("notes").display().to_string()
}

#[test]
fn bulk_layout_with_type_id_references_and_a_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("bulk");
    let out = note2fhir(&[
        "extract",
        &notes_dir(),
        "--format",
        "bulk",
        "-o",
        out_dir.to_str().unwrap(),
        "--recorded",
        "2025-03-12T18:30:00Z",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["transactionTime"], "2025-03-12T18:30:00Z");
    let mut ids = std::collections::HashSet::new();
    let mut references = Vec::new();
    for entry in manifest["output"].as_array().unwrap() {
        let ty = entry["type"].as_str().unwrap();
        let text = std::fs::read_to_string(out_dir.join(entry["url"].as_str().unwrap())).unwrap();
        assert_eq!(
            text.lines().count() as u64,
            entry["count"].as_u64().unwrap(),
            "{ty} count"
        );
        for line in text.lines() {
            let r: Value = serde_json::from_str(line).unwrap();
            assert_eq!(r["resourceType"], ty, "one type per file");
            assert!(
                ids.insert(format!("{ty}/{}", r["id"].as_str().unwrap())),
                "duplicate {ty}"
            );
            let s = line.to_string();
            assert!(!s.contains("urn:uuid:"), "{ty}: Bulk references are Type/id");
            for part in s.split("\"reference\":\"").skip(1) {
                let reference = &part[..part.find('"').unwrap()];
                if !reference.starts_with('#') {
                    references.push(reference.to_string());
                }
            }
        }
    }
    assert_eq!(
        ids.iter().filter(|i| i.starts_with("Device/")).count(),
        1,
        "the Device once"
    );
    for reference in references {
        assert!(ids.contains(&reference), "dangling reference {reference}");
    }
    // Nothing is left under a temporary name.
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        assert!(!entry.unwrap().file_name().to_string_lossy().ends_with(".partial"));
    }
}

#[test]
fn bulk_errors_are_operation_outcomes_and_counts_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    std::fs::write(&input, "{\"id\":\"a\",\"text\":\"HTN\"}\nnot json\n{\"id\":\"a\",\"text\":\"dup\"}\n{\"id\":\"b\",\"text\":\"AF\"}\n").unwrap();
    let out_dir = dir.path().join("bulk");
    let errors = dir.path().join("errors.jsonl");
    let out = note2fhir(&[
        "extract",
        input.to_str().unwrap(),
        "--format",
        "bulk",
        "-o",
        out_dir.to_str().unwrap(),
        "--errors",
        errors.to_str().unwrap(),
        "--stats",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("4 records: 2 converted, 2 rejected"), "{stderr}");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["error"][0]["type"], "OperationOutcome");
    assert_eq!(manifest["error"][0]["count"], 2);
    let lines: Vec<Value> = std::fs::read_to_string(&errors)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[1]["id"], "a");
    assert_eq!(lines[1]["code"], "duplicate");
    assert!(lines[0]["position"].as_str().unwrap().ends_with("in.jsonl:2"));
}

#[test]
fn csv_output_reads_back_to_the_same_rows() {
    let csv_out = note2fhir(&[
        "extract",
        &notes_dir(),
        "--format",
        "csv",
        "--note-date",
        "2025-03-12",
    ]);
    let mentions = note2fhir(&[
        "extract",
        &notes_dir(),
        "--format",
        "mentions",
        "--note-date",
        "2025-03-12",
    ]);
    assert!(csv_out.status.success() && mentions.status.success());
    let mut reader = csv::Reader::from_reader(csv_out.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, note2fhir::output::CSV_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let expected: Vec<(String, String, String, String)> = String::from_utf8(mentions.stdout)
        .unwrap()
        .lines()
        .flat_map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let note = v["note_id"].as_str().unwrap().to_string();
            v["mentions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| {
                    (
                        note.clone(),
                        m["id"].as_str().unwrap().to_string(),
                        m["text"].as_str().unwrap().to_string(),
                        m["start"].to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r[0].to_string(),
                r[1].to_string(),
                r[3].to_string(),
                r[4].to_string(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // Flags and codes are in their columns.
    let negated = rows
        .iter()
        .find(|r| &r[3] == "chest pain" && &r[9] == "true")
        .unwrap();
    assert_eq!(&negated[7], "29857009");
}

#[test]
fn csv_and_gzip_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("notes.csv");
    std::fs::write(
        &csv_path,
        "note_ref,body,when\nn1,\"No chest pain, ?PE\",2025-03-12\nn2,ragged\nn3,\"SOB, HTN\",\n",
    )
    .unwrap();
    let out = note2fhir(&[
        "extract",
        csv_path.to_str().unwrap(),
        "--format",
        "mentions",
        "--id-col",
        "note_ref",
        "--text-col",
        "body",
        "--date-col",
        "when",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("notes.csv:3: field `row`: ragged row: 2 fields, the header has 3"),
        "{stderr}"
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["note_id"], "n1");
    assert_eq!(lines[0]["note_date"], "2025-03-12");

    let missing = note2fhir(&[
        "extract",
        csv_path.to_str().unwrap(),
        "--id-col",
        "note_ref",
        "--text-col",
        "nope",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no column \"nope\" in the header"));

    let gz_path = dir.path().join("notes.jsonl.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz_path).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(b"{\"id\":\"z1\",\"text\":\"AF\"}\n{\"id\":\"z2\",\"text\":\"HTN\"}\n")
        .unwrap();
    gz.finish().unwrap();
    let out = note2fhir(&["extract", gz_path.to_str().unwrap(), "--format", "mentions"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);
}

#[test]
fn generated_corpus_is_reproducible_and_thread_count_free() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.jsonl");
    let b = dir.path().join("b.jsonl");
    for path in [&a, &b] {
        let out = note2fhir(&[
            "gen",
            "--notes",
            "1500",
            "--seed",
            "11",
            "-o",
            path.to_str().unwrap(),
        ]);
        assert!(out.status.success());
    }
    let corpus = std::fs::read(&a).unwrap();
    assert_eq!(corpus, std::fs::read(&b).unwrap(), "same seed, same notes");
    assert_eq!(corpus.iter().filter(|&&c| c == b'\n').count(), 1500);
    for format in ["bundle", "mentions", "csv"] {
        let one = note2fhir(&["extract", a.to_str().unwrap(), "--format", format, "-j1"]);
        let two = note2fhir(&["extract", a.to_str().unwrap(), "--format", format, "-j2"]);
        assert!(one.status.success() && two.status.success());
        assert!(one.stdout == two.stdout, "{format}: -j1 and -j2 differ");
    }
}
