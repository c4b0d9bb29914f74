//! Criterion benchmarks of pathological note shapes at 4, 16, 64 and 256 KB,
//! each converted to a FHIR Bundle: text repeated so that any per-mention or
//! per-cue rescan of a clause, a sentence, a line or the note would make
//! time grow faster than the size.
//! BENCHMARKS.md quotes the medians and the 256 KB / 64 KB time ratio of
//! each shape (linear time gives about 4).
//!
//! Before measuring, each shape is checked: it must yield the number of
//! findings its construction implies, with the expected reading of the
//! first one, so the benchmark measures real work.
//!
//! ```text
//! cargo bench --bench pathological                  # every shape
//! cargo bench --bench pathological -- drug_cues     # one shape
//! ```

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use note2fhir::dictionary::Kind;
use note2fhir::mention::{Extraction, Mention};
use note2fhir::{Format, Note, Pipeline};

/// A note shape: `head`, then `unit` as often as fits, then `tail`.
struct Shape {
    name: &'static str,
    head: &'static str,
    unit: &'static str,
    tail: &'static str,
    /// Findings per unit, and findings of the head and tail.
    per_unit: usize,
    extra: usize,
    /// What the first finding must be.
    first: fn(&Mention<'_>) -> bool,
}

const SHAPES: &[Shape] = &[
    // The reported case: each drug's status cue search rescanned its clause.
    Shape {
        name: "drug_cues",
        head: "",
        unit: "no aspirin ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| status(m) == Some("not-taken"),
    },
    Shape {
        name: "drug_list",
        head: "",
        unit: "aspirin ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.kind == Kind::Medication,
    },
    Shape {
        name: "drug_cue_after",
        head: "",
        unit: "aspirin stopped ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| status(m) == Some("stopped"),
    },
    // The reported case: repeated headers on one line, no findings.
    Shape {
        name: "headers_inline",
        head: "",
        unit: "PMH: ",
        tail: "MI",
        per_unit: 0,
        extra: 1,
        first: |m| m.section == Some("past_medical_history"),
    },
    Shape {
        name: "headers_lines",
        head: "",
        unit: "PMH: MI\n",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.section == Some("past_medical_history"),
    },
    Shape {
        name: "drug_history_nil",
        head: "",
        unit: "DH: nil\n",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| status(m) == Some("active") && m.text == "nil",
    },
    Shape {
        name: "negations",
        head: "",
        unit: "no ",
        tail: "chest pain",
        per_unit: 0,
        extra: 1,
        first: |m| m.assertion.negated,
    },
    Shape {
        name: "negated_findings",
        head: "",
        unit: "no chest pain ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.assertion.negated,
    },
    Shape {
        name: "query_findings",
        head: "",
        unit: "?PE ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.assertion.uncertain,
    },
    Shape {
        name: "dated_findings",
        head: "",
        unit: "MI 12/03/2025 ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.date_id.is_some(),
    },
    Shape {
        name: "years",
        head: "",
        unit: "MI 2010 ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.assertion.historical,
    },
    Shape {
        name: "family",
        head: "",
        unit: "mother had MI ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.assertion.family,
    },
    Shape {
        name: "allergens",
        head: "",
        unit: "allergic to penicillin ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.kind == Kind::Allergy,
    },
    Shape {
        name: "reactions",
        head: "Allergies: ",
        unit: "penicillin rash ",
        tail: "",
        per_unit: 2,
        extra: 0,
        first: |m| m.allergy.as_ref().is_some_and(|a| a.reactions.len() == 1),
    },
    Shape {
        name: "non_ascii",
        head: "",
        unit: "né aspirin °C ",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.kind == Kind::Medication,
    },
    // No cue, no punctuation, one line: one long sentence.
    Shape {
        name: "cue_free_prose",
        head: "",
        unit: "the patient was seen on the ward round and felt well ",
        tail: "aspirin",
        per_unit: 0,
        extra: 1,
        first: |m| m.kind == Kind::Medication,
    },
    Shape {
        name: "short_lines",
        head: "",
        unit: "chest pain\n",
        tail: "",
        per_unit: 1,
        extra: 0,
        first: |m| m.kind == Kind::Problem,
    },
];

fn status<'a>(m: &'a Mention<'_>) -> Option<&'a str> {
    m.medication.as_ref().map(|x| x.status)
}

/// The KB sizes measured.
const SIZES_KB: [usize; 4] = [4, 16, 64, 256];

/// The shape's note of about `bytes`, and how many units it holds.
fn note(shape: &Shape, bytes: usize) -> (Note, usize) {
    let room = bytes - shape.head.len() - shape.tail.len();
    let units = room / shape.unit.len();
    let text = format!("{}{}{}", shape.head, shape.unit.repeat(units), shape.tail);
    let note = Note::new(format!("{}-{bytes}", shape.name), text)
        .with_date("2025-03-12")
        .unwrap();
    (note, units)
}

/// Panics unless the extraction has the findings the shape implies.
fn check(shape: &Shape, units: usize, ex: &Extraction<'_>) {
    let want = shape.per_unit * units + shape.extra;
    let got = ex.mentions.len();
    assert_eq!(got, want, "{}: findings", shape.name);
    let first = ex.mentions.first().expect("a finding");
    assert!(
        (shape.first)(first),
        "{}: first finding {:?}",
        shape.name,
        first.text
    );
}

fn pathological(c: &mut Criterion) {
    let pipeline = Pipeline::builder().build().unwrap();
    // In the reported header case every "PMH" is a header candidate, and
    // only the first, at the line start, is a header.
    let sections = note2fhir::section::SectionRules::embedded().unwrap();
    for shape in SHAPES {
        let mut group = c.benchmark_group(format!("pathological/{}", shape.name));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2));
        for kb in SIZES_KB {
            let (note, units) = note(shape, kb * 1024);
            check(shape, units, &pipeline.extract(&note));
            if shape.name == "headers_inline" {
                assert_eq!(sections.find(&note.text).len(), 1);
            }
            group.throughput(Throughput::Bytes(note.text.len() as u64));
            // The whole conversion, as `extract` runs it by default.
            let mut out = Vec::new();
            group.bench_with_input(
                BenchmarkId::from_parameter(format!("{kb}KB")),
                &note,
                |b, note| {
                    b.iter(|| {
                        out.clear();
                        pipeline.write_note(note, Format::Bundle, &mut out);
                        out.len()
                    })
                },
            );
        }
        group.finish();
    }
}

criterion_group!(benches, pathological);
criterion_main!(benches);
