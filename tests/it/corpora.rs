//! Every note and sentence of the development corpora (`../shared/corpora`,
//! text nobody on the project wrote) through every output format: no panic,
//! and sane output. Skipped with a notice when the corpora are absent. No
//! corpus text is kept here, and failures name notes by id only.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use note2fhir::input::parse_record;
use note2fhir::report::{render_report, ReportNote};
use note2fhir::{Format, Note, Origin};
use rayon::prelude::*;
use serde_json::Value;

use crate::fixtures;

fn corpora() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!("corpora: skipped, {} is absent", root.display());
        None
    }
}

/// The notes of one corpus file: `text_field` is the note text, `date_field`
/// (if any) its date; ids are prefixed with `prefix` to stay unique.
fn read(path: &Path, prefix: &str, text_field: &str, date_field: Option<&str>) -> Vec<Note> {
    let contents = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    contents
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let origin = Origin {
                source: path.display().to_string(),
                line: Some(i as u64 + 1),
            };
            if text_field == "text" && date_field == Some("date") {
                return parse_record(line.as_bytes(), origin).unwrap_or_else(|e| panic!("{e}"));
            }
            let record: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{origin}: {e}"));
            let id = match &record["id"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let text = record[text_field]
                .as_str()
                .unwrap_or_else(|| panic!("{origin}: no {text_field}"));
            let mut note = Note::new(format!("{prefix}{id}"), text);
            if let Some(date) = date_field.and_then(|f| record[f].as_str()) {
                note = note.with_date(date).unwrap_or_else(|e| panic!("{origin}: {e}"));
            }
            note.origin = origin;
            note
        })
        .collect()
}

const FORMATS: [Format; 6] = [
    Format::Bundle,
    Format::Mentions,
    Format::Explain,
    Format::Bulk,
    Format::Csv,
    Format::Both,
];

/// What is wrong with one note's outputs (empty when all is well), and its
/// `Format::Both` line for the HTML report.
fn check(note: &Note) -> (Vec<String>, Option<Value>) {
    let pipeline = fixtures::pipeline();
    let mut problems = Vec::new();
    let mut both = None;
    let mut fail = |what: String| problems.push(format!("{}: {what}", note.id));
    let Ok(ex) = catch_unwind(AssertUnwindSafe(|| pipeline.extract(note))) else {
        fail("extract panicked".into());
        return (problems, None);
    };
    let chars: Vec<char> = note.text.chars().collect();
    let span_text = |start: usize, end: usize| chars.get(start..end).map(|c| c.iter().collect::<String>());
    for m in &ex.mentions {
        if note.text.get(m.bytes.clone()) != Some(m.text)
            || span_text(m.start, m.end).as_deref() != Some(m.text)
        {
            fail(format!("mention {} span is not its text", m.id));
        }
    }
    for d in &ex.dates {
        if span_text(d.start, d.end).as_deref() != Some(d.text) {
            fail(format!("date {} span is not its text", d.id));
        }
    }
    let rows = ex.mentions.len() + ex.dates.len();
    for format in FORMATS {
        let Ok(rendered) = catch_unwind(AssertUnwindSafe(|| pipeline.render(note, format))) else {
            fail(format!("{format:?} panicked"));
            continue;
        };
        let Ok(out) = std::str::from_utf8(&rendered.bytes) else {
            fail(format!("{format:?} is not UTF-8"));
            continue;
        };
        match format {
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .from_reader(out.as_bytes());
                let records: Result<Vec<_>, _> = reader.records().collect();
                let ok = records.is_ok_and(|r| {
                    r.len() == rows
                        && r.iter().all(|row| {
                            row.len() == note2fhir::output::CSV_HEADER.len() && &row[0] == note.id.as_str()
                        })
                });
                if !ok {
                    fail(format!("CSV is not {rows} rows of this note"));
                }
            }
            Format::Explain => {
                if !out.starts_with(&format!("== note {} ", note.id)) {
                    fail("Explain has no heading".into());
                }
            }
            _ => {
                let lines: Vec<&str> = out.lines().collect();
                let one_line = format != Format::Bulk;
                if lines.is_empty() || (one_line && lines.len() != 1) || !out.ends_with('\n') {
                    fail(format!("{format:?} is {} lines", lines.len()));
                    continue;
                }
                for line in lines {
                    match serde_json::from_str::<Value>(line) {
                        Ok(value) => {
                            if let Some(problem) = sane_json(note, format, &value) {
                                fail(problem);
                            }
                            if format == Format::Both {
                                both = Some(value);
                            }
                        }
                        Err(e) => fail(format!("{format:?} is not JSON: {e}")),
                    }
                }
            }
        }
    }
    (problems, both)
}

/// What is wrong with one JSON output line, if anything.
fn sane_json(note: &Note, format: Format, value: &Value) -> Option<String> {
    match format {
        Format::Bundle => {
            let errors = crate::schema::rule_errors(value, note.text.chars().count() as u64);
            (!errors.is_empty()).then(|| format!("Bundle fails the FHIR checks: {errors:?}"))
        }
        Format::Mentions if value["note_id"] != note.id.as_str() || !value["mentions"].is_array() => {
            Some("mentions object without its note id or mentions".into())
        }
        Format::Bulk if !value["resourceType"].is_string() => Some("Bulk line without a resourceType".into()),
        Format::Both
            if value["text"] != note.text.as_str() || value["bundle"]["resourceType"] != "Bundle" =>
        {
            Some("Both line without its text or Bundle".into())
        }
        _ => None,
    }
}

#[test]
fn every_corpus_text_in_every_format() {
    let Some(root) = corpora() else { return };
    // Build the shared pipeline here, not in a rayon worker: its build uses
    // the global pool, and workers blocked waiting for it would deadlock.
    let _ = fixtures::pipeline();
    let public = root.join("public-dev");
    let sets: Vec<(&str, Vec<Note>)> = vec![
        (
            "ward part-a",
            read(
                &root.join("uk-ward-dev/part-a/notes.jsonl"),
                "",
                "text",
                Some("date"),
            ),
        ),
        (
            "ward part-b",
            read(
                &root.join("uk-ward-dev/part-b/notes.jsonl"),
                "",
                "text",
                Some("date"),
            ),
        ),
        (
            "negex_context",
            read(
                &public.join("negex_context/negex_context.jsonl"),
                "negex-",
                "sentence",
                None,
            ),
        ),
        (
            "dose_instructions",
            read(
                &public.join("dose_instructions/dose_instructions.jsonl"),
                "dose-",
                "text",
                None,
            ),
        ),
        (
            "dates_duckling",
            read(
                &public.join("dates_duckling/duckling_en_gb.jsonl"),
                "date-",
                "text",
                Some("reference_time"),
            ),
        ),
    ];
    let mut problems = Vec::new();
    let mut total = 0;
    for (name, notes) in &sets {
        assert!(!notes.is_empty(), "{name}: no notes");
        total += notes.len();
        let checked: Vec<(Vec<String>, Option<Value>)> = notes.par_iter().map(check).collect();
        let mut report_notes = Vec::new();
        for (found, both) in &checked {
            problems.extend(found.iter().cloned());
            if let Some(both) = both {
                report_notes.push(ReportNote {
                    id: both["note_id"].as_str().unwrap_or(""),
                    text: both["text"].as_str().unwrap_or(""),
                    mentions: &both["mentions"],
                    bundle: &both["bundle"],
                });
            }
        }
        // The HTML report of the whole set.
        let page = catch_unwind(AssertUnwindSafe(|| render_report(name, &report_notes)));
        match page {
            Ok(page)
                if page.trim_end().ends_with("</html>")
                    && page.matches("class=\"n2f-note\"").count() == notes.len() => {}
            Ok(_) => problems.push(format!("{name}: the HTML report lacks notes")),
            Err(_) => problems.push(format!("{name}: the HTML report panicked")),
        }
    }
    eprintln!(
        "corpora: {total} notes and sentences in {} formats and HTML",
        FORMATS.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
