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
