//! The HTML report: a snapshot of one fixture, and note text that tries to
//! be markup.

use std::process::Command;

use crate::fixtures;

fn report(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_note2fhir"))
        .args(["extract", "--format", "html", "--note-date", "2025-03-12"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn report_snapshot_of_a_fixture() {
    let path = fixtures::root().join("notes/context/family_section.txt");
    let html = report(&[path.to_str().unwrap()]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<mark"), "findings are highlighted");
    insta::assert_snapshot!(html);
}

#[test]
fn hostile_note_text_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let payloads = [
        "<script>alert(1)</script>",
        "</script>",
        "<!--",
        "\"><img src=x onerror=alert(1)>",
    ];
    let mut jsonl = String::new();
    for (i, p) in payloads.iter().enumerate() {
        let text = format!("{p} No chest pain {p} ?PE {p}");
        jsonl.push_str(&serde_json::json!({"id": format!("{p}{i}"), "text": text}).to_string());
        jsonl.push('\n');
    }
    let path = dir.path().join("evil.jsonl");
    std::fs::write(&path, jsonl).unwrap();
    let html = report(&[path.to_str().unwrap()]);
    // "</script>" is the page's own closing tag too: counted below.
    for p in payloads.iter().filter(|p| **p != "</script>") {
        assert!(!html.contains(p), "raw payload {p:?} in the report");
    }
    // Only the page's own script elements open and close.
    assert_eq!(html.matches("<script").count(), html.matches("</script>").count());
    assert!(!html.contains("<!--"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "shown as text"
    );
    assert!(
        html.contains("\\u003c/script\\u003e"),
        "escaped inside embedded JSON"
    );
}
