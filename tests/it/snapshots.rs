//! Snapshots of both formats for every fixture note.

use note2fhir::Format;

use crate::fixtures;

#[test]
fn mentions() {
    insta::glob!("../../fixtures", "notes/**/*.txt", |path| {
        let note = fixtures::note(path);
        insta::assert_json_snapshot!(fixtures::render(&note, Format::Mentions));
    });
}

#[test]
fn bundles() {
    insta::glob!("../../fixtures", "notes/**/*.txt", |path| {
        let note = fixtures::note(path);
        insta::assert_json_snapshot!(fixtures::render(&note, Format::Bundle));
    });
}

/// Snapshots asserted by name rather than over the fixtures.
const NAMED: &[&str] = &["it__report__report_snapshot_of_a_fixture"];

#[test]
fn no_orphaned_snapshots() {
    let notes = fixtures::root().join("notes");
    let inputs: Vec<String> = fixtures::all_notes()
        .iter()
        .map(|p| {
            p.strip_prefix(&notes)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(stem) = file.strip_suffix(".snap") else {
            continue;
        };
        // Named (not glob) snapshots, each asserted by one test.
        if NAMED.contains(&stem) {
            continue;
        }
        count += 1;
        // insta names a glob snapshot `it__snapshots__NAME@PATH`, with the
        // path's `/` written as `__`.
        let (_, input) = stem.split_once('@').expect("a glob snapshot");
        let input = input.replace("__", "/");
        assert!(inputs.contains(&input), "snapshot {file} has no fixture {input}");
    }
    assert_eq!(count, 2 * inputs.len(), "one snapshot per fixture and format");
}
