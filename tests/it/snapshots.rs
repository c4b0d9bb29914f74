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

#[test]
fn no_orphaned_snapshots() {
    let names: Vec<String> = fixtures::all_notes()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots");
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !file.ends_with(".snap") {
            continue;
        }
        let input = file
            .trim_end_matches(".snap")
            .rsplit('@')
            .next()
            .unwrap()
            .to_string();
        assert!(
            names
                .iter()
                .any(|n| n.ends_with(&input) || input.ends_with(n.as_str())),
            "snapshot {file} has no fixture"
        );
    }
}
