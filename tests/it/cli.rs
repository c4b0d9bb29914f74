//! The command line: inputs, formats, the error policy and exit codes.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::fixtures;

/// Text that must never appear in stderr: notes are private.
const SECRET: &str = "Zanzibar-private-words";

fn note2fhir(args: &[&str], stdin: Option<&[u8]>, envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_note2fhir"));
    cmd.args(args).env_remove("SOURCE_DATE_EPOCH");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.unwrap_or_default().to_vec();
    // Feed stdin from another thread so a full stdout pipe cannot deadlock us.
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    out
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn notes_dir() -> String {
    fixtures::root().join("notes").display().to_string()
}

#[test]
fn directory_ids_are_relative_paths_in_order() {
    let out = note2fhir(&["extract", &notes_dir(), "--format", "mentions"], None, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<String> = lines(&out)
        .iter()
        .map(|l| l["note_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), fixtures::all_notes().len());
    assert!(ids.contains(&"skeleton/admission_clerking".to_string()));
    assert!(ids.contains(&"context/family_section".to_string()));
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);

    let dir = tempfile::tempdir().unwrap();
    for sub in ["a", "b"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("1.txt"), "HTN").unwrap();
    }
    let out = note2fhir(
        &["extract", dir.path().to_str().unwrap(), "--format", "mentions"],
        None,
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Vec<Value> = lines(&out).iter().map(|l| l["note_id"].clone()).collect();
    assert_eq!(ids, ["a/1", "b/1"]);
}

/// A JSONL corpus bigger than one processing chunk.
fn corpus(n: usize) -> Vec<u8> {
    let samples = [
        "PMH: T2DM, HTN. No chest pain. ?PE. Started apixaban 5mg BD PO.",
        "Nil SOB. Zoë had a fall – ?delirium. Paracetamol 1g QDS.",
        "",
        "Denies fever. AF on warfarin. Query sepsis; gentamicin held.",
    ];
    let mut out = Vec::new();
    for i in 0..n {
        let rec = serde_json::json!({"id": format!("n{i}"), "text": samples[i % samples.len()]});
        out.extend_from_slice(rec.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let jsonl = corpus(2500);
    for format in ["bundle", "mentions"] {
        let one = note2fhir(&["extract", "-j1", "--format", format], Some(&jsonl), &[]);
        let two = note2fhir(&["extract", "-j2", "--format", format], Some(&jsonl), &[]);
        assert!(one.status.success() && two.status.success());
        assert_eq!(lines(&one).len(), 2500);
        assert!(one.stdout == two.stdout, "{format}: -j1 and -j2 differ");
        let dir_one = note2fhir(&["extract", "-j1", "--format", format, &notes_dir()], None, &[]);
        let dir_two = note2fhir(&["extract", "-j2", "--format", format, &notes_dir()], None, &[]);
        assert!(
            dir_one.stdout == dir_two.stdout,
            "{format}: -j1 and -j2 differ on fixtures"
        );
    }
}

/// Nine lines: three good, six bad, each bad in its own way.
fn bad_jsonl(dir: &Path) -> String {
    let path = dir.join("mixed.jsonl");
    let mut bytes = Vec::new();
    let s = SECRET;
    for line in [
        format!(r#"{{"id":"good1","text":"HTN {s}"}}"#),
        format!(r#"{{"id":"broken","text":"{s}"#),
        format!(r#"{{"id":"notext","body":"{s}"}}"#),
        format!(r#"{{"id":"good2","text":"No SOB {s}","date":"2024-01-02"}}"#),
        format!(r#"{{"id":"good1","text":"duplicate {s}"}}"#),
    ] {
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(b"{\"id\":\"utf8\",\"text\":\"\xff\xfe\"}\n");
    bytes.extend_from_slice(format!("{{\"id\":7,\"text\":\"{s}\"}}\n\n").as_bytes());
    bytes.extend_from_slice(format!("{{\"id\":\"good3\",\"text\":\"{s} ?PE\"}}").as_bytes());
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn report_mode_skips_bad_records_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let input = bad_jsonl(dir.path());
    let out = note2fhir(
        &[
            "extract",
            "--format",
            "mentions",
            "--note-date",
            "2025-03-12",
            &input,
        ],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let got = lines(&out);
    let ids: Vec<&str> = got.iter().map(|l| l["note_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["good1", "good2", "good3"]);
    // The record's own date wins over --note-date.
    assert_eq!(got[0]["note_date"], "2025-03-12");
    assert_eq!(got[1]["note_date"], "2024-01-02");
    let err = stderr(&out);
    for expected in [
        format!("{input}:2: invalid JSON (unexpected end) at column"),
        format!("{input}:3: note \"notext\": missing field `text`"),
        format!("{input}:5: note \"good1\": duplicate note id"),
        format!("{input}:6: invalid UTF-8 at byte 21"),
        format!("{input}:7: field `id` must be a string"),
        format!("{input}:8: blank line: no record"),
        "9 records: 3 converted, 6 rejected".to_string(),
    ] {
        assert!(err.contains(&expected), "stderr lacks {expected:?}:\n{err}");
    }
    assert!(!err.contains(SECRET), "note text leaked into stderr");
}

#[test]
fn outcome_mode_answers_every_line_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let input = bad_jsonl(dir.path());
    let out = note2fhir(&["extract", "--on-error", "outcome", &input], None, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = lines(&out);
    assert_eq!(got.len(), 9);
    let types: Vec<&str> = got.iter().map(|l| l["resourceType"].as_str().unwrap()).collect();
    assert_eq!(types.iter().filter(|t| **t == "Bundle").count(), 3);
    assert_eq!(types[1], "OperationOutcome");
    let issue = &got[4]["issue"][0];
    assert_eq!(issue["code"], "duplicate");
    assert_eq!(issue["severity"], "error");
    assert!(issue["diagnostics"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{input}:5: note \"good1\"")));
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&format!("duplicate {SECRET}")));
}

#[test]
fn fail_mode_stops_at_the_first_bad_record() {
    let dir = tempfile::tempdir().unwrap();
    let input = bad_jsonl(dir.path());
    let out = note2fhir(&["extract", "--on-error", "fail", &input], None, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out).len(), 1);
    assert!(stderr(&out).contains(":2: invalid JSON"));
}

#[test]
fn output_file_is_complete_or_absent() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.ndjson");
    let out = note2fhir(
        &["extract", &notes_dir(), "-o", target.to_str().unwrap()],
        None,
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::fs::read_to_string(&target).unwrap();
    assert_eq!(written.lines().count(), fixtures::all_notes().len());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["out.ndjson"], "no partial file may be left");
}

#[test]
fn provenance_only_with_a_recording_time() {
    let input = br#"{"id":"x","text":"HTN"}"#;
    let plain = note2fhir(&["extract"], Some(input), &[]);
    let types = |out: &Output| -> Vec<String> {
        lines(out)[0]["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"]["resourceType"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!types(&plain).contains(&"Provenance".to_string()));
    assert!(lines(&plain)[0].get("timestamp").is_none());
    let epoch = note2fhir(&["extract"], Some(input), &[("SOURCE_DATE_EPOCH", "1741804200")]);
    assert_eq!(types(&epoch).last().unwrap(), "Provenance");
    assert_eq!(lines(&epoch)[0]["timestamp"], "2025-03-12T18:30:00Z");
    let flag = note2fhir(
        &["extract", "--recorded", "2025-01-01T00:00:00+01:00"],
        Some(input),
        &[("SOURCE_DATE_EPOCH", "0")],
    );
    assert_eq!(lines(&flag)[0]["timestamp"], "2025-01-01T00:00:00+01:00");
    // Nothing to point at: no Provenance even with a time.
    let empty = note2fhir(
        &["extract"],
        Some(br#"{"id":"y","text":"nothing here"}"#),
        &[("SOURCE_DATE_EPOCH", "0")],
    );
    assert!(!types(&empty).contains(&"Provenance".to_string()));
}

#[test]
fn fatal_errors_exit_1() {
    let bad_date = note2fhir(&["extract", "--note-date", "12/03/2025"], Some(b""), &[]);
    assert_eq!(bad_date.status.code(), Some(1));
    assert!(stderr(&bad_date).contains("--note-date \"12/03/2025\""));
    let missing = note2fhir(&["extract", "no/such/file.jsonl"], None, &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no/such/file.jsonl"));
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("local.tsv");
    std::fs::write(
        &dict,
        "term\tkind\tdisplay\tsystem\tcode\tcase\tchronic\talso\nfoo\tthing\n",
    )
    .unwrap();
    let bad_dict = note2fhir(&["extract", "--dict", dict.to_str().unwrap()], Some(b""), &[]);
    assert_eq!(bad_dict.status.code(), Some(1));
    assert!(
        stderr(&bad_dict).contains("local.tsv:2: expected 8 tab-separated columns"),
        "{}",
        stderr(&bad_dict)
    );
    let usage = note2fhir(&["extract", "--format", "xml"], Some(b""), &[]);
    assert_eq!(usage.status.code(), Some(1));
}

#[test]
fn local_dictionary_adds_terms() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("local.tsv");
    std::fs::write(
        &dict,
        "term\tkind\tdisplay\tsystem\tcode\tcase\tchronic\talso\nwobbly legs\tproblem\tAtaxia\thttp://snomed.info/sct\t39384006\ti\tno\t\n",
    )
    .unwrap();
    let out = note2fhir(
        &[
            "extract",
            "--format",
            "mentions",
            "--dict",
            dict.to_str().unwrap(),
        ],
        Some(br#"{"id":"a","text":"Wobbly legs today."}"#),
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let m = &lines(&out)[0]["mentions"][0];
    assert_eq!(m["text"], "Wobbly legs");
    assert_eq!(m["concept"]["codes"][0]["code"], "39384006");
}

#[test]
fn text_file_and_bom() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom note.txt");
    std::fs::write(&path, b"\xEF\xBB\xBFHTN\r\n").unwrap();
    let out = note2fhir(
        &["extract", "--format", "mentions", path.to_str().unwrap()],
        None,
        &[],
    );
    let line = &lines(&out)[0];
    assert_eq!(line["note_id"], "bom note");
    assert_eq!(line["mentions"][0]["start"], 0);
    let bad = dir.path().join("latin1.txt");
    std::fs::write(&bad, b"caf\xe9").unwrap();
    let out = note2fhir(
        &["extract", bad.to_str().unwrap(), path.to_str().unwrap()],
        None,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("latin1.txt: note \"latin1\": invalid UTF-8 at byte 3"),
        "{}",
        stderr(&out)
    );
    assert_eq!(lines(&out).len(), 1);
}
