//! The bad-input corpus (fixtures/bad/): every record is converted or
//! rejected with a reason naming it, under every `--on-error` mode; records
//! in = converted + rejected; `report` and `outcome` never stop midway.

use std::process::Command;

use crate::fixtures;

struct Run {
    code: Option<i32>,
    lines: usize,
    stderr: String,
    errors: Vec<serde_json::Value>,
}

fn run(input: &str, mode: &str, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let errors = dir.path().join("errors.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_note2fhir"))
        .args([
            "extract",
            input,
            "--on-error",
            mode,
            "--stats",
            "--errors",
            errors.to_str().unwrap(),
        ])
        .args(extra)
        .output()
        .unwrap();
    let errors = std::fs::read_to_string(&errors)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    Run {
        code: out.status.code(),
        lines: out.stdout.iter().filter(|&&b| b == b'\n').count(),
        stderr: String::from_utf8(out.stderr).unwrap(),
        errors,
    }
}

/// (file, records, converted, rejected, the first rejected record's position suffix)
const CASES: &[(&str, usize, usize, usize, &str)] = &[
    ("invalid_utf8.jsonl", 3, 2, 1, "invalid_utf8.jsonl:2"),
    ("truncated_line.jsonl", 2, 1, 1, "truncated_line.jsonl:2"),
    ("missing_text.jsonl", 2, 1, 1, "missing_text.jsonl:2"),
    ("non_string_id.jsonl", 2, 1, 1, "non_string_id.jsonl:1"),
    ("duplicate_ids.jsonl", 3, 2, 1, "duplicate_ids.jsonl:2"),
    ("empty_note.jsonl", 1, 1, 0, ""),
    ("whitespace_note.jsonl", 1, 1, 0, ""),
    ("nul_bytes.jsonl", 1, 1, 0, ""),
    ("bom.jsonl", 1, 1, 0, ""),
    ("crlf.jsonl", 2, 2, 0, ""),
    ("unknown_fields.jsonl", 1, 1, 0, ""),
    ("blank_lines.jsonl", 3, 2, 1, "blank_lines.jsonl:2"),
    ("ragged.csv", 4, 2, 2, "ragged.csv:3"),
    ("latin1.txt", 1, 0, 1, "latin1.txt"),
];

#[test]
fn every_bad_input_under_every_mode() {
    for &(file, records, converted, rejected, first) in CASES {
        let input = fixtures::root().join("bad").join(file);
        let input = input.to_str().unwrap();
        let summary = format!("{records} records: {converted} converted, {rejected} rejected");
        // report: everything is read, the bad ones named on stderr.
        let r = run(input, "report", &[]);
        assert_eq!(r.code, Some(if rejected > 0 { 2 } else { 0 }), "{file} report");
        assert!(r.stderr.contains(&summary), "{file} report: {}", r.stderr);
        assert_eq!(r.lines, converted, "{file} report: one line per converted record");
        assert_eq!(r.errors.len(), rejected, "{file}: errors file");
        if rejected > 0 {
            assert!(
                r.errors[0]["position"].as_str().unwrap().ends_with(first),
                "{file}: {:?}",
                r.errors[0]
            );
            assert!(r.errors[0]["reason"].as_str().is_some_and(|s| !s.is_empty()));
        }
        // outcome: one output line per record, exit 0.
        let o = run(input, "outcome", &[]);
        assert_eq!(o.code, Some(0), "{file} outcome");
        assert_eq!(o.lines, records, "{file} outcome: one line per record");
        assert!(
            o.stderr.contains(&summary) || rejected == 0,
            "{file} outcome: {}",
            o.stderr
        );
        // fail: stops at the first bad record.
        let f = run(input, "fail", &[]);
        assert_eq!(f.code, Some(if rejected > 0 { 2 } else { 0 }), "{file} fail");
        assert!(f.lines <= converted, "{file} fail");
    }
}

#[test]
fn notes_over_the_size_limit_are_rejected_not_held() {
    let dir = tempfile::tempdir().unwrap();
    // A 10 MB note: over the 5 MB default, accepted with a higher limit.
    let note = "Ward round, stable. ".repeat(525_000);
    let path = dir.path().join("big.jsonl");
    std::fs::write(
        &path,
        format!(
            "{}\n{}\n",
            serde_json::json!({"id": "big", "text": note}),
            r#"{"id":"small","text":"HTN"}"#
        ),
    )
    .unwrap();
    let r = run(path.to_str().unwrap(), "report", &["--format", "mentions"]);
    assert_eq!(r.code, Some(2));
    assert!(
        r.stderr
            .contains("note is 10500000 bytes, over the limit of 5242880"),
        "{}",
        r.stderr
    );
    assert_eq!(r.lines, 1, "the batch goes on");
    let r = run(
        path.to_str().unwrap(),
        "report",
        &["--format", "mentions", "--max-note-bytes", "20000000"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.lines, 2);

    // A 50 MB line: rejected after reading at most 6x the note limit into memory.
    let line = format!("{{\"id\":\"huge\",\"text\":\"{}\"}}", "a".repeat(50 << 20));
    let path = dir.path().join("huge.jsonl");
    std::fs::write(&path, format!("{line}\n{{\"id\":\"after\",\"text\":\"AF\"}}\n")).unwrap();
    let r = run(
        path.to_str().unwrap(),
        "report",
        &["--format", "mentions", "--max-note-bytes", "1000000"],
    );
    assert_eq!(r.code, Some(2));
    assert!(r.stderr.contains("huge.jsonl:1: line is"), "{}", r.stderr);
    assert!(
        r.stderr.contains("2 records: 1 converted, 1 rejected"),
        "{}",
        r.stderr
    );
    // A .txt file over the limit is refused before it is read.
    let big_txt = dir.path().join("big.txt");
    std::fs::write(&big_txt, "x".repeat(2_000_000)).unwrap();
    let r = run(
        big_txt.to_str().unwrap(),
        "report",
        &["--max-note-bytes", "1000000"],
    );
    assert!(
        r.stderr.contains("big.txt: note \"big\": note is 2000000 bytes"),
        "{}",
        r.stderr
    );
}
