//! Each fixture against the written list of the problems and medications a
//! clinician would code from it (fixtures/expected/, one TSV per note:
//! kind, text, code; `-` marks a finding no open dictionary codes yet).

use std::collections::BTreeMap;

use crate::fixtures;

type Finding = (String, String, String);

fn multiset(items: impl IntoIterator<Item = Finding>) -> BTreeMap<Finding, usize> {
    let mut m = BTreeMap::new();
    for item in items {
        *m.entry(item).or_insert(0) += 1;
    }
    m
}

#[test]
fn fixtures_find_what_a_clinician_would_code() {
    let notes = fixtures::root().join("notes");
    let (mut expected_total, mut found_total, mut extra_total) = (0, 0, 0);
    let mut missing = Vec::new();
    let mut extras = Vec::new();
    let mut gaps = Vec::new();
    for path in fixtures::all_notes() {
        let rel = path.strip_prefix(&notes).unwrap().with_extension("tsv");
        let list = fixtures::root().join("expected").join(&rel);
        let list =
            std::fs::read_to_string(&list).unwrap_or_else(|_| panic!("no expected list {}", list.display()));
        let mut expected = Vec::new();
        for line in list.lines().skip(1).filter(|l| !l.is_empty()) {
            let cols: Vec<&str> = line.split('\t').collect();
            assert_eq!(cols.len(), 3, "{}: {line:?}", rel.display());
            if cols[2] == "-" {
                gaps.push(format!("{}: {}", rel.display(), cols[1]));
                continue;
            }
            expected.push((cols[0].to_string(), cols[1].to_string(), cols[2].to_string()));
        }
        let note = fixtures::note(&path);
        let got = fixtures::pipeline()
            .extract(&note)
            .mentions
            .iter()
            .map(|m| {
                (
                    m.kind.as_str().to_string(),
                    m.text.to_string(),
                    m.concept.codes[0].code.clone(),
                )
            })
            .collect::<Vec<_>>();
        let (want, have) = (multiset(expected), multiset(got));
        for (item, n) in &want {
            let found = (*have.get(item).unwrap_or(&0)).min(*n);
            expected_total += n;
            found_total += found;
            if found < *n {
                missing.push(format!("{}: {item:?}", rel.display()));
            }
        }
        for (item, n) in &have {
            let extra = n.saturating_sub(*want.get(item).unwrap_or(&0));
            if extra > 0 {
                extra_total += extra;
                extras.push(format!("{}: {item:?}", rel.display()));
            }
        }
    }
    eprintln!(
        "expected {expected_total}, found {found_total}, extra {extra_total}; uncoded gaps: {gaps:?}; extras: {extras:#?}"
    );
    assert!(
        missing.is_empty(),
        "expected findings not found or not coded as written:\n{}",
        missing.join("\n")
    );
    let precision = found_total as f64 / (found_total + extra_total) as f64;
    assert!(
        precision >= 0.97,
        "precision {precision:.3} below 0.97; extras:\n{}",
        extras.join("\n")
    );
    assert!(expected_total >= 250, "the lists must cover the fixtures");
}
