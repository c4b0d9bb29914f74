//! Output files and CSV under attack: planted links, kept permissions, no
//! temporary files after a failure, one file for two outputs, stale bulk
//! files, and spreadsheet formulas.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn note2fhir(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_note2fhir"))
        .args(args)
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn no_temporary_files(dir: &Path) {
    for name in names(dir) {
        assert!(!name.ends_with(".partial"), "{name} left in {}", dir.display());
    }
}

/// Two good notes (one with an allergy) and, if `bad`, a bad line between.
fn input(dir: &Path, name: &str, bad: bool, allergy: bool) -> PathBuf {
    let mut text = String::from("{\"id\":\"a\",\"text\":\"HTN. On aspirin 75mg od.\"}\n");
    if bad {
        text.push_str("not json\n");
    }
    if allergy {
        text.push_str("{\"id\":\"b\",\"text\":\"Allergies: penicillin (rash).\"}\n");
    } else {
        text.push_str("{\"id\":\"b\",\"text\":\"AF.\"}\n");
    }
    let path = dir.join(name);
    fs::write(&path, text).unwrap();
    path
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// The old temporary names were predictable: a link planted there made a
/// run write through it. Now they are random and created exclusively.
#[cfg(unix)]
#[test]
fn a_link_planted_at_the_old_temporary_name_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let notes = input(dir.path(), "in.jsonl", true, false);
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let out_file = dir.path().join("out.ndjson");
    let errors = dir.path().join("errors.jsonl");
    let bulk = dir.path().join("bulk");
    fs::create_dir(&bulk).unwrap();
    for planted in [
        dir.path().join(".out.ndjson.partial"),
        dir.path().join(".errors.jsonl.partial"),
        bulk.join(".Condition.ndjson.partial"),
        bulk.join(".manifest.json.partial"),
    ] {
        symlink(&victim, &planted);
    }
    let out = note2fhir(&["extract", s(&notes), "-o", s(&out_file), "--errors", s(&errors)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let bulk_out = note2fhir(&[
        "extract",
        s(&notes),
        "--format",
        "bulk",
        "-o",
        s(&bulk),
        "--overwrite",
    ]);
    assert_eq!(bulk_out.status.code(), Some(2), "{}", stderr(&bulk_out));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(fs::read_to_string(&out_file).unwrap().lines().count(), 2);
    assert!(!fs::symlink_metadata(&out_file).unwrap().file_type().is_symlink());
    assert_eq!(fs::read_to_string(&errors).unwrap().lines().count(), 1);
    assert!(fs::read_to_string(bulk.join("Condition.ndjson"))
        .unwrap()
        .contains("Condition"));
    assert!(bulk.join("manifest.json").is_file());
}

/// A link at the output itself is refused: neither written through nor
/// replaced.
#[cfg(unix)]
#[test]
fn an_output_that_is_a_link_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let notes = input(dir.path(), "in.jsonl", false, false);
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    let link = dir.path().join("out.ndjson");
    symlink(&victim, &link);
    let errors = dir.path().join("errors.jsonl");
    let out = note2fhir(&["extract", s(&notes), "-o", s(&link), "--errors", s(&errors)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is a symbolic link"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    // The errors file had been started: it is gone too.
    assert_eq!(names(dir.path()), ["in.jsonl", "out.ndjson", "victim.txt"]);

    // The same for --errors, --format html and gen.
    let out = note2fhir(&["extract", s(&notes), "--errors", s(&link)]);
    assert_eq!(out.status.code(), Some(1));
    let out = note2fhir(&["extract", s(&notes), "--format", "html", "-o", s(&link)]);
    assert_eq!(out.status.code(), Some(1));
    let out = note2fhir(&["gen", "--notes", "2", "-o", s(&link)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(names(dir.path()), ["in.jsonl", "out.ndjson", "victim.txt"]);
}

#[cfg(unix)]
#[test]
fn an_existing_files_permissions_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let notes = input(dir.path(), "in.jsonl", true, false);
    let out_file = dir.path().join("out.ndjson");
    let errors = dir.path().join("errors.jsonl");
    let html = dir.path().join("report.html");
    for (path, m) in [(&out_file, 0o600), (&errors, 0o640), (&html, 0o664)] {
        fs::write(path, "old").unwrap();
        set_mode(path, m);
    }
    let out = note2fhir(&["extract", s(&notes), "-o", s(&out_file), "--errors", s(&errors)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = note2fhir(&["extract", s(&notes), "--format", "html", "-o", s(&html)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_ne!(fs::read_to_string(&out_file).unwrap(), "old");
    assert_eq!(mode(&out_file), 0o600);
    assert_eq!(mode(&errors), 0o640);
    assert_eq!(mode(&html), 0o664);
}

#[test]
fn failed_runs_leave_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let notes = input(dir.path(), "in.jsonl", true, false);
    let out_file = dir.path().join("out.ndjson");
    fs::write(&out_file, "old").unwrap();
    let errors = dir.path().join("errors.jsonl");
    // A run stopped at the first bad record writes nothing under -o.
    let out = note2fhir(&[
        "extract",
        s(&notes),
        "--on-error",
        "fail",
        "-o",
        s(&out_file),
        "--errors",
        s(&errors),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("was not written"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&out_file).unwrap(), "old");
    no_temporary_files(dir.path());
    // So does a stopped bulk run.
    let bulk = dir.path().join("bulk");
    let out = note2fhir(&[
        "extract",
        s(&notes),
        "--on-error",
        "fail",
        "--format",
        "bulk",
        "-o",
        s(&bulk),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(names(&bulk), Vec::<String>::new());
    // A bulk run that fails half-way through its files (a folder where a
    // file must go) removes the files it had started, the errors file too.
    let bulk = dir.path().join("bulk2");
    fs::create_dir_all(bulk.join("Condition.ndjson")).unwrap();
    let out = note2fhir(&[
        "extract",
        s(&notes),
        "--format",
        "bulk",
        "-o",
        s(&bulk),
        "--overwrite",
        "--errors",
        s(&errors),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("Condition.ndjson"), "{}", stderr(&out));
    assert_eq!(names(&bulk), ["Condition.ndjson"]);
    no_temporary_files(dir.path());
}

#[test]
fn output_and_errors_must_be_different_files() {
    let dir = tempfile::tempdir().unwrap();
    let notes = input(dir.path(), "in.jsonl", true, false);
    fs::create_dir(dir.path().join("sub")).unwrap();
    let target = dir.path().join("x.ndjson");
    let alias = dir.path().join("sub/../x.ndjson");
    for existing in [false, true] {
        if existing {
            fs::write(&target, "old").unwrap();
        }
        let out = note2fhir(&["extract", s(&notes), "-o", s(&target), "--errors", s(&alias)]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("-o and --errors name the same file"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(fs::read_to_string(&target).unwrap(), "old");
    #[cfg(unix)]
    {
        let link = dir.path().join("link");
        symlink(&dir.path().join("sub"), &link);
        let out = note2fhir(&[
            "extract",
            s(&notes),
            "-o",
            s(&dir.path().join("sub/y.ndjson")),
            "--errors",
            s(&link.join("y.ndjson")),
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    }
    // Nor may the errors file be one the bulk output writes.
    let bulk = dir.path().join("bulk");
    let out = note2fhir(&[
        "extract",
        s(&notes),
        "--format",
        "bulk",
        "-o",
        s(&bulk),
        "--errors",
        s(&bulk.join("OperationOutcome.ndjson")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("a file the bulk output writes"),
        "{}",
        stderr(&out)
    );
    no_temporary_files(dir.path());
}

#[test]
fn a_non_empty_bulk_folder_needs_overwrite_which_replaces_only_bulk_files() {
    let dir = tempfile::tempdir().unwrap();
    let bulk = dir.path().join("bulk");
    let with_allergy = input(dir.path(), "a.jsonl", false, true);
    let without = input(dir.path(), "b.jsonl", false, false);
    let run = |notes: &Path, overwrite: bool| {
        let mut args = vec!["extract", s(notes), "--format", "bulk", "-o", s(&bulk)];
        if overwrite {
            args.push("--overwrite");
        }
        note2fhir(&args)
    };
    assert!(run(&with_allergy, false).status.success());
    assert!(bulk.join("AllergyIntolerance.ndjson").exists());
    fs::write(bulk.join("README.txt"), "mine").unwrap();
    fs::write(bulk.join("extra.ndjson"), "mine").unwrap();
    let before = names(&bulk);

    let refused = run(&without, false);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("not empty"), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("--overwrite"), "{}", stderr(&refused));
    assert_eq!(names(&bulk), before, "a refused run changes nothing");

    let out = run(&without, true);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: Value = serde_json::from_slice(&fs::read(bulk.join("manifest.json")).unwrap()).unwrap();
    let mut listed: Vec<String> = manifest["output"]
        .as_array()
        .unwrap()
        .iter()
        .chain(manifest["error"].as_array().unwrap())
        .map(|e| e["url"].as_str().unwrap().to_string())
        .collect();
    assert!(!listed.contains(&"AllergyIntolerance.ndjson".to_string()));
    listed.extend(["README.txt", "extra.ndjson", "manifest.json"].map(String::from));
    listed.sort();
    assert_eq!(
        names(&bulk),
        listed,
        "the stale AllergyIntolerance.ndjson is gone"
    );
    assert_eq!(fs::read_to_string(bulk.join("README.txt")).unwrap(), "mine");
    assert_eq!(fs::read_to_string(bulk.join("extra.ndjson")).unwrap(), "mine");
}

/// Note ids and text whose cells a spreadsheet would run as formulas.
const FORMULAS: [&str; 6] = [
    "=HYPERLINK(\"http://example.invalid\",\"x\")",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
];

fn formula_notes(dir: &Path) -> PathBuf {
    let mut text = String::new();
    for (i, id) in FORMULAS.iter().enumerate() {
        let note = serde_json::json!({"id": id, "text": format!("HTN {i}. Aspirin 75mg od.")});
        text.push_str(&format!("{note}\n"));
    }
    let path = dir.join("formulas.jsonl");
    fs::write(&path, text).unwrap();
    path
}

fn csv_rows(out: &Output) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn csv_cells_that_look_like_formulas_are_neutralised_unless_raw() {
    let dir = tempfile::tempdir().unwrap();
    let notes = formula_notes(dir.path());
    let out = note2fhir(&["extract", s(&notes), "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 2 * FORMULAS.len());
    for (i, id) in FORMULAS.iter().enumerate() {
        for row in &rows[2 * i..2 * i + 2] {
            assert_eq!(row[0], format!("'{id}"));
        }
    }
    for row in &rows {
        for cell in row {
            let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
            assert!(
                !risky || cell.parse::<f64>().is_ok(),
                "{cell:?} left as a formula"
            );
        }
        // Codes and offsets are untouched.
        assert!(row[4].parse::<u64>().is_ok() && row[5].parse::<u64>().is_ok());
    }
    assert!(rows.iter().any(|r| r[2] == "problem" && r[7] == "38341003"));
    assert!(rows.iter().any(|r| r[2] == "medication" && r[24] == "75"));

    let raw = note2fhir(&["extract", s(&notes), "--format", "csv", "--csv-raw"]);
    assert!(raw.status.success(), "{}", stderr(&raw));
    let raw_rows = csv_rows(&raw);
    for (i, id) in FORMULAS.iter().enumerate() {
        assert_eq!(raw_rows[2 * i][0], *id);
    }
    let out = note2fhir(&["extract", s(&notes), "--csv-raw"]);
    assert_eq!(out.status.code(), Some(1), "--csv-raw without csv");
}

#[test]
fn operation_outcomes_never_go_into_csv() {
    let dir = tempfile::tempdir().unwrap();
    let notes = input(dir.path(), "in.jsonl", true, false);
    let out = note2fhir(&["extract", s(&notes), "--format", "csv", "--on-error", "outcome"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(stderr(&out).contains("no place in CSV"), "{}", stderr(&out));

    let errors = dir.path().join("errors.jsonl");
    let out = note2fhir(&["extract", s(&notes), "--format", "csv", "--errors", s(&errors)]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        !text.contains("OperationOutcome") && !text.contains('{'),
        "{text}"
    );
    let rows = csv_rows(&out);
    assert!(rows
        .iter()
        .all(|r| r.len() == note2fhir::output::CSV_HEADER.len()));
    assert_eq!(fs::read_to_string(&errors).unwrap().lines().count(), 1);
}
