//! The context table: every case in tests/data/context_cases.tsv, run
//! through the whole pipeline.

use note2fhir::mention::Mention;
use note2fhir::Note;

use crate::fixtures;

/// The label a case expects, computed from a mention.
fn label(m: &Mention<'_>) -> String {
    let a = &m.assertion;
    if a.family {
        return if a.negated {
            "family-negated".into()
        } else {
            format!("family:{}", m.relation.unwrap_or("?"))
        };
    }
    if a.hypothetical {
        return "hypothetical".into();
    }
    if a.negated {
        return "negated".into();
    }
    if a.uncertain {
        return match m.certainty {
            Some("differential") => "differential",
            Some("unconfirmed") => "unconfirmed",
            _ => "possible",
        }
        .into();
    }
    if a.historical {
        return "historical".into();
    }
    "affirmed".into()
}

#[test]
fn context_table() {
    let path = fixtures::root().join("../tests/data/context_cases.tsv");
    let table = std::fs::read_to_string(path).unwrap();
    let mut failures = Vec::new();
    let mut cases = 0;
    for (i, line) in table.lines().enumerate().skip(1) {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "line {}: expected 3 columns", i + 1);
        let (text, target, expect) = (cols[0].replace("\\n", "\n"), cols[1], cols[2]);
        cases += 1;
        let note = Note::new(format!("case-{}", i + 1), text.clone());
        let found = fixtures::pipeline().extract(&note);
        // The mention at the target's last occurrence; a longer, more
        // specific term that covers it ("community acquired pneumonia" for
        // "pneumonia") is that mention.
        let at = text.rfind(target).expect("target occurs in text");
        let target_span = at..at + target.len();
        let got = match found
            .mentions
            .iter()
            .find(|m| m.bytes.start <= target_span.start && target_span.end <= m.bytes.end)
        {
            Some(m) => label(m),
            None => "not found".into(),
        };
        if got != expect {
            failures.push(format!(
                "line {}: {text:?} [{target}] expected {expect}, got {got}",
                i + 1
            ));
        }
    }
    assert!(
        cases >= 200,
        "the table must hold at least 200 cases, has {cases}"
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
