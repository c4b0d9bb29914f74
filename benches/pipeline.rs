//! Criterion benchmarks of the pipeline's stages over the fixture notes.
//!
//! The benchmarks first check that they measure real work: the corpus must
//! yield more than 150 mentions.

#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use note2fhir::{Format, Note, Pipeline};

/// Every fixture note.
fn corpus() -> Vec<Note> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/notes/skeleton");
    let mut paths: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            Note::new(
                p.file_stem().unwrap().to_string_lossy(),
                std::fs::read_to_string(p).unwrap(),
            )
            .with_date("2025-03-12")
            .unwrap()
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let pipeline = Pipeline::builder().build().unwrap();
    let notes = corpus();
    let bytes: usize = notes.iter().map(|n| n.text.len()).sum();
    let mentions: usize = notes.iter().map(|n| pipeline.extract(n).mentions.len()).sum();
    assert!(mentions > 150, "the corpus must produce mentions, got {mentions}");

    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("match", |b| {
        b.iter(|| {
            notes
                .iter()
                .map(|n| pipeline.matcher().find(&n.text).len())
                .sum::<usize>()
        })
    });
    group.bench_function("extract", |b| {
        b.iter(|| {
            notes
                .iter()
                .map(|n| pipeline.extract(n).mentions.len())
                .sum::<usize>()
        })
    });
    for (name, format) in [
        ("mentions_json", Format::Mentions),
        ("bundle_json", Format::Bundle),
    ] {
        let mut out = Vec::new();
        group.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                for n in &notes {
                    pipeline.write_note(n, format, &mut out);
                }
                out.len()
            })
        });
    }
    group.finish();

    // The stages on their own.
    let sigs = note2fhir::attribute::SigParser::new();
    let chart: Vec<&str> = [
        " 5mg OD PO",
        " 1-2 tablets QDS PRN for pain max 8 tablets/24h",
        " 62.5 micrograms OD",
        " 10 units SC nocte",
        " 15mg once weekly",
        " 500mg TDS PO x5/7",
        " 10mg/5ml 2.5ml PRN",
        " at 125ml/hr IV",
        " 2 puffs BD INH",
        " 1g QDS PO / PRN",
    ]
    .to_vec();
    let chart_bytes: usize = chart.iter().map(|s| s.len()).sum();
    assert!(chart
        .iter()
        .all(|s| sigs.parse(s).has_amount() || !sigs.parse(s).is_empty()));
    let dates = note2fhir::date::DateFinder::new();
    let date_options = note2fhir::date::DateOptions::default();
    let anchor = note2fhir::date::Anchor::new(
        chrono::NaiveDate::from_ymd_opt(2025, 3, 12).unwrap(),
        note2fhir::date::AnchorSource::NoteDate,
    );
    let found: usize = notes
        .iter()
        .map(|n| dates.find(&n.text, Some(&anchor), &date_options).len())
        .sum();
    assert!(found > 20, "the corpus must hold dates, got {found}");
    let context = pipeline.context();
    let mut group = c.benchmark_group("stage");
    group.throughput(Throughput::Bytes(chart_bytes as u64));
    group.bench_function("sig_parsing", |b| {
        b.iter(|| chart.iter().map(|s| sigs.parse(s).span_end).sum::<usize>())
    });
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("dates", |b| {
        b.iter(|| {
            notes
                .iter()
                .map(|n| dates.find(&n.text, Some(&anchor), &date_options).len())
                .sum::<usize>()
        })
    });
    group.bench_function("context_cues", |b| {
        b.iter(|| {
            notes
                .iter()
                .map(|n| {
                    let folded = note2fhir::dictionary::Folded::new(&n.text);
                    let found = pipeline.matcher().find_folded(&n.text, &folded);
                    context.cues(&n.text, &folded, &found).len()
                })
                .sum::<usize>()
        })
    });
    group.finish();

    // The JSON-serialisation limit: re-serialising the same Bundles from an
    // already-built value, with no extraction at all. Throughput is in
    // output bytes, to compare with `bundle_json`'s output rate.
    let bundles: Vec<serde_json::Value> = notes
        .iter()
        .map(|n| {
            let mut line = Vec::new();
            pipeline.write_note(n, Format::Bundle, &mut line);
            serde_json::from_slice(&line).unwrap()
        })
        .collect();
    let out_bytes: usize = bundles.iter().map(|b| serde_json::to_vec(b).unwrap().len()).sum();
    let mut group = c.benchmark_group("json_limit");
    group.throughput(Throughput::Bytes(out_bytes as u64));
    let mut buf = Vec::new();
    group.bench_function("serialise_bundles", |b| {
        b.iter(|| {
            buf.clear();
            for bundle in &bundles {
                serde_json::to_writer(&mut buf, bundle).unwrap();
            }
            buf.len()
        })
    });
    group.finish();

    c.bench_function("build_embedded_dictionaries", |b| {
        b.iter(|| Pipeline::builder().build().unwrap().matcher().entries().len())
    });
}

criterion_group!(benches, stages);
criterion_main!(benches);
