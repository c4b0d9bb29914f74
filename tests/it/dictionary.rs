//! Dictionary guards: ward shorthand that must not become drugs or problems,
//! and `dict lint` / `dict stats`.

use std::process::Command;

use note2fhir::dictionary::Kind;
use note2fhir::Note;

use crate::fixtures;

/// (kind initial, text, first code) of every mention in a fixture.
fn found(path: &str) -> Vec<(char, String, String)> {
    let note = fixtures::note(&fixtures::root().join("notes").join(path));
    fixtures::pipeline()
        .extract(&note)
        .mentions
        .iter()
        .map(|m| {
            let initial = if m.kind == Kind::Medication { 'm' } else { 'p' };
            (initial, m.text.to_string(), m.concept.codes[0].code.clone())
        })
        .collect()
}

fn texts(found: &[(char, String, String)]) -> Vec<(char, &str)> {
    found.iter().map(|(k, t, _)| (*k, t.as_str())).collect()
}

#[test]
fn on_is_never_a_drug_or_a_frequency() {
    let got = found("dictionary/on_is_not_a_drug.txt");
    assert_eq!(texts(&got), [('m', "ramipril"), ('p', "chest pain")]);
}

#[test]
fn pt_had_a_fall_is_a_fall() {
    let got = found("dictionary/had_a_fall.txt");
    assert_eq!(got[0], ('p', "fall".to_string(), "1912002".to_string()));
}

#[test]
fn room_air_is_not_rheumatoid_arthritis() {
    let got = found("dictionary/room_air.txt");
    // Only the RA under PMH is rheumatoid arthritis.
    let ra: Vec<_> = got.iter().filter(|(_, t, _)| t == "RA").collect();
    assert_eq!(ra.len(), 1);
    assert_eq!(ra[0].2, "69896004");
    let note = Note::new("ra", "Sats 94% on RA. SpO2 96% RA.");
    assert!(fixtures::pipeline().extract(&note).mentions.is_empty());
}

#[test]
fn bd_after_a_dose_is_a_frequency_never_a_drug() {
    let got = found("dictionary/bd_is_a_frequency.txt");
    assert_eq!(
        texts(&got),
        [('m', "Metformin"), ('m', "Bisoprolol"), ('m', "Lansoprazole")]
    );
}

#[test]
fn pe_heading_is_an_examination() {
    let got = found("dictionary/pe_exam.txt");
    // "PE:" heads the examination; "?PE" is pulmonary embolism.
    assert_eq!(got, [('p', "PE".to_string(), "59282003".to_string())]);
    let note = fixtures::note(&fixtures::root().join("notes/dictionary/pe_exam.txt"));
    let m = &fixtures::pipeline().extract(&note).mentions[0];
    assert!(m.assertion.uncertain);
}

fn note2fhir(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_note2fhir"))
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn lint_passes_on_the_shipped_dictionaries() {
    let (code, out) = note2fhir(&["dict", "lint"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(" 0 errors"), "{out}");
}

#[test]
fn lint_fails_on_shorthand_drugs_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.tsv");
    let mut tsv = String::from(note2fhir::dictionary::HEADER);
    tsv.push('\n');
    for term in ["BD", "CP", "DM", "NAD", "K"] {
        tsv.push_str(&format!(
            "{term}\tmedication\tX\thttp://fdasis.nlm.nih.gov\tX\ts\tno\t\t\n"
        ));
    }
    std::fs::write(&path, tsv).unwrap();
    let (code, out) = note2fhir(&["dict", "lint", "--dict", path.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    for (line, term) in ["BD", "CP", "DM", "NAD", "K"].iter().enumerate() {
        let expected = format!("local.tsv:{}: error: drug name {term:?}", line + 2);
        assert!(out.contains(&expected), "missing {expected:?} in\n{out}");
    }
}

#[test]
fn stats_count_by_kind_and_source() {
    let (code, out) = note2fhir(&["dict", "stats"]);
    assert_eq!(code, Some(0));
    let total: usize = out
        .lines()
        .last()
        .unwrap()
        .rsplit('\t')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let sum: usize = out
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("total"))
        .map(|l| l.rsplit('\t').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(sum, total);
    assert!(out.contains("medication\t") && out.contains("problem\t"));
}

/// The rebuild script reproduces the committed dictionaries from their
/// registry packages; skipped (with a notice) when the sources cannot be had.
#[test]
fn rebuild_reproduces_the_committed_dictionaries() {
    let script = fixtures::root().join("../dictionaries/build/build.py");
    let out = match Command::new("python3").arg(&script).arg("--check").output() {
        Ok(out) => out,
        Err(err) => {
            eprintln!("NOTICE: rebuild check skipped: python3 unavailable ({err})");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => assert!(stdout.contains("CHECK OK"), "{stdout}"),
        Some(3) => eprintln!("NOTICE: rebuild check skipped: sources unavailable\n{stderr}"),
        code => panic!("rebuild differs from the committed files ({code:?}):\n{stdout}\n{stderr}"),
    }
}

#[test]
fn combination_products_keep_their_text_and_list_ingredients() {
    let note = Note::new("combo", "Continue co-amoxiclav. Co-codamol PRN. Tazocin IV.");
    let found = fixtures::pipeline().extract(&note);
    let combos: Vec<(&str, Vec<&str>)> = found
        .mentions
        .iter()
        .map(|m| {
            assert!(m.concept.combination, "{} is a combination", m.text);
            (m.text, m.concept.codes.iter().map(|c| c.code.as_str()).collect())
        })
        .collect();
    assert_eq!(
        combos,
        [
            ("co-amoxiclav", vec!["9EM05410Q9", "23521W1S24"]),
            ("Co-codamol", vec!["UX6OWY2V7J", "362O9ITL9D"]),
            ("Tazocin", vec!["9I628532GX", "SE10G96M8W"]),
        ]
    );
    // Amoxicillin alone keeps its own codes: a combination lends none.
    let amoxicillin = Note::new("amox", "Amoxicillin 500mg TDS.");
    let m = &fixtures::pipeline().extract(&amoxicillin).mentions[0];
    assert!(!m.concept.combination);
    assert!(m.concept.codes.iter().all(|c| c.code != "23521W1S24"));
}
