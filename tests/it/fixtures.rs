//! Fixture notes and the pipeline they are run through.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use note2fhir::{Format, Note, Pipeline};

/// The date every fixture note is given, as `--note-date` would.
pub const NOTE_DATE: &str = "2025-03-12";

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn pipeline() -> &'static Pipeline {
    static PIPELINE: OnceLock<Pipeline> = OnceLock::new();
    PIPELINE.get_or_init(|| Pipeline::builder().build().expect("embedded dictionaries build"))
}

/// The note for a fixture file, read as the CLI reads it (id relative to
/// fixtures/notes, BOM dropped).
pub fn note(path: &Path) -> Note {
    let notes = root().join("notes");
    let id = path
        .strip_prefix(&notes)
        .unwrap()
        .with_extension("")
        .to_string_lossy()
        .replace('\\', "/");
    let text = std::fs::read_to_string(path).unwrap();
    Note::new(id, text).with_date(NOTE_DATE).unwrap()
}

/// Every fixture note file, sorted.
pub fn all_notes() -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root().join("notes")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") {
                found.push(path);
            }
        }
    }
    found.sort();
    assert!(found.len() >= 12, "expected at least 12 fixture notes");
    found
}

pub fn render(note: &Note, format: Format) -> serde_json::Value {
    let mut line = Vec::new();
    pipeline().write_note(note, format, &mut line);
    assert_eq!(line.last(), Some(&b'\n'));
    assert_eq!(
        line.iter().filter(|&&b| b == b'\n').count(),
        1,
        "one line per note"
    );
    serde_json::from_slice(&line).unwrap()
}

/// Code-point slice of `text`.
pub fn slice_chars(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}
