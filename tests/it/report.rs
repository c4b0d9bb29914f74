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

/// A right-to-left override makes the reversed "nillicinep" display as
/// "penicillin" while nothing is coded: the report must show the override,
/// not obey it.
#[test]
fn a_right_to_left_override_is_shown_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    let text = "Allergies: \u{202E}nillicinep\u{202C}. HTN.";
    let path = dir.path().join("rlo.jsonl");
    std::fs::write(
        &path,
        format!("{}\n", serde_json::json!({"id": "rlo", "text": text})),
    )
    .unwrap();
    let html = report(&[path.to_str().unwrap()]);
    assert!(
        !html.contains('\u{202E}') && !html.contains('\u{202C}'),
        "the controls act on the page"
    );
    assert!(html.contains(
        "Allergies: <span class=\"n2f-cc\" title=\"hidden in the note: right-to-left override\">⟨U+202E⟩</span>nillicinep"
    ));
    assert!(
        !html.to_lowercase().contains("penicillin"),
        "nothing is coded as penicillin"
    );
    assert!(html.contains("<div class=\"n2f-text\">"));
    assert!(html.contains(">HTN</mark>"));
}

#[test]
fn the_policy_allows_the_inline_script_by_hash_only() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let path = fixtures::root().join("notes/skeleton/negation.txt");
    let html = report(&[path.to_str().unwrap()]);
    let between = |open: &str, close: &str| -> String {
        let start = html.find(open).unwrap() + open.len();
        html[start..start + html[start..].find(close).unwrap()].to_string()
    };
    let csp = between("http-equiv=\"Content-Security-Policy\" content=\"", "\"");
    assert!(!csp.contains("'unsafe-inline'"), "{csp}");
    let hash = |text: &str| {
        let digest = sha2::Sha256::digest(text.as_bytes());
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    };
    assert!(
        csp.contains(&format!(
            "script-src {};",
            hash(&between("<script>", "</script>"))
        )),
        "{csp}"
    );
    assert!(
        csp.contains(&format!("style-src {};", hash(&between("<style>", "</style>")))),
        "{csp}"
    );
    assert!(
        !html.contains(" style=\""),
        "a style attribute the policy would block"
    );
}
