//! Property tests: any text, any bytes. cargo-fuzz needs a nightly
//! toolchain this project cannot fetch, so these proptest properties stand
//! in for the fuzz targets (extractor, JSONL and CSV readers, sig parser,
//! date finder, context engine through the extractor). `PROPTEST_CASES`
//! sets the number of cases (256 by default in CI).
//!
//! Half the notes are glued fragments and arbitrary Unicode; the other half
//! have the shapes of real notes ([`real_shapes`]): abbreviations with full
//! stops, list numbering, runs of spaces and tabs, every newline convention,
//! typographic dashes and quotes, bullets and tables around drug and problem
//! terms, cues and dates.

use note2fhir::attribute::SigParser;
use note2fhir::date::{DateFinder, DateOptions};
use note2fhir::input::{parse_record, CsvColumns, CsvRecords};
use note2fhir::{batch, Format, Note, OnError, Origin};
use proptest::prelude::*;

use crate::fixtures;

/// Note text: glued fragments, or the shapes of real notes.
fn note_text() -> impl Strategy<Value = String> {
    prop_oneof![fragments(), real_shapes()]
}

/// Words of real notes, each followed by a separator: the abbreviations,
/// numbering, white space, punctuation and layout that split sentences.
#[rustfmt::skip]
fn real_shapes() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        // Abbreviations with full stops, and terms that hold one.
        "C. diff.", "C. diff", "C. difficile infection", "e.g.", "i.e.", "Dr.", "St.", "Mr.", "Mrs.",
        "approx.", "vs.", "etc.", "no.", "b.d.", "t.d.s.", "p.r.n.", "Anh. dasatinib", "B. clausii",
        // List numbering and bullets.
        "1.", "2)", "a)", "(ii)", "10.", "•", "-", "*", "·", "–", "—",
        // Drugs, problems and instructions.
        "aspirin", "Paracetamol", "paracetamol OD", "amoxicillin", "apixaban 5mg BD",
        "co-amoxiclav 625mg TDS", "metformin 500 mg", "1g QDS PO / PRN", "chest pain", "T2DM",
        "PE", "AF", "pneumonia", "UTI", "sepsis", "MI", "diarrhoea", "rash",
        // Cues and headers.
        "no", "denies", "not", "nil", "NKDA", "?", "query", "h/o", "resolved", "if", "mother",
        "FH:", "PMH:", "DH:", "Plan:", "Allergies:", "Imp:", "allergic to",
        // Dates.
        "12/03/2025", "3/7 ago", "12.3.25", "Jan 2024", "on 1st March", "2010", "14:20",
        // Quotes, tables and other punctuation.
        "‘", "’", "“", "”", "\"", "'", "…", "|", "|---|---|", "(", ")", ",", ";", ":", ".", "!",
    ]);
    let separators = prop::sample::select(vec![
        " ", " ", " ", "", "  ", "   ", "\t", " \t ", "\n", "\r\n", "\r", "\n\n", ". ", ", ",
        " | ", "\t|\t", "\u{a0}", "\n  ",
    ]);
    prop::collection::vec((words, separators), 0..40).prop_map(|parts| {
        parts.into_iter().flat_map(|(word, separator)| [word, separator]).collect()
    })
}

/// Pieces of ward notes and awkward Unicode, glued in any order.
fn fragments() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "No chest pain. ",
        "?PE ",
        "PMH: T2DM, HTN\n",
        "DH: apixaban 5mg BD PO, ",
        "FH: mother breast ca. ",
        "Allergies: penicillin (rash). NKDA. ",
        "12/03/2025 14:20 ",
        "3/7 ago ",
        "Paracetamol OD ",
        "62.5 micrograms ",
        "°C ",
        "– ",
        "é",
        "e\u{301}",
        "🩺",
        "שלום ",
        "\u{0}",
        "\r\n",
        "İ",
        "ß",
        "Ⅻ ",
        "denies fever, rigors ",
        "if SOB recurs ",
        "resolved ",
        "Daughter reports confusion. ",
        ": nil",
        "co-amoxiclav 625mg TDS ",
        "\u{feff}",
        "x",
        " ",
        ",",
        "(",
        ")",
        "?",
        ";",
        ".",
        "-",
        "/",
    ]);
    (prop::collection::vec(
        prop_oneof![3 => pieces.prop_map(str::to_string), 1 => any::<String>()],
        0..40,
    ))
    .prop_map(|parts| parts.concat())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn spans_are_the_note_text(text in note_text()) {
        let note = Note::new("p", text.clone()).with_date("2025-03-12").unwrap();
        let ex = fixtures::pipeline().extract(&note);
        let chars: Vec<char> = note.text.chars().collect();
        let mut last = 0;
        for m in &ex.mentions {
            prop_assert!(note.text.get(m.bytes.clone()).is_some(), "span on char boundaries");
            prop_assert_eq!(&note.text[m.bytes.clone()], m.text);
            prop_assert!(m.start < m.end && m.end <= chars.len());
            prop_assert_eq!(chars[m.start..m.end].iter().collect::<String>(), m.text);
            prop_assert!(m.start >= last, "mentions in order, no overlap");
            last = m.end;
        }
        for d in &ex.dates {
            prop_assert_eq!(chars[d.start..d.end].iter().collect::<String>(), d.text);
        }
    }

    #[test]
    fn bundles_pass_the_rust_side_checks(text in note_text()) {
        let note = Note::new("p", text).with_date("2025-03-12").unwrap();
        let mut line = Vec::new();
        fixtures::pipeline().write_note(&note, Format::Bundle, &mut line);
        let bundle: serde_json::Value = serde_json::from_slice(&line).unwrap();
        let errors = crate::schema::rule_errors(&bundle, note.text.chars().count() as u64);
        prop_assert!(errors.is_empty(), "{:?}", errors);
    }

    #[test]
    fn output_does_not_depend_on_thread_count(texts in prop::collection::vec(note_text(), 1..24)) {
        let notes: Vec<Note> = texts.iter().enumerate().map(|(i, t)| Note::new(format!("n{i}"), t.clone())).collect();
        let mut outputs = Vec::new();
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let mut out = note2fhir::output::LineOutput::new(Vec::new(), None);
            let summary = batch::Batch { pipeline: fixtures::pipeline(), format: Format::Bundle, on_error: OnError::Report, pool: Some(&pool), max_errors: None }
                .run(notes.clone().into_iter().map(Ok), &mut out, |_| {}, |_| {})
                .unwrap();
            prop_assert_eq!(summary.records, summary.converted + summary.rejected);
            outputs.push(out.into_inner());
        }
        prop_assert_eq!(&outputs[0], &outputs[1]);
    }

    #[test]
    fn jsonl_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200), text in note_text()) {
        let origin = Origin { source: "p".into(), line: Some(1) };
        let _ = parse_record(&bytes, origin.clone());
        let line = serde_json::json!({"id": "x", "text": text}).to_string();
        let note = parse_record(line.as_bytes(), origin).unwrap();
        prop_assert_eq!(note.text, text.strip_prefix('\u{feff}').unwrap_or(&text));
    }

    #[test]
    fn csv_reader_accounts_for_every_row(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut input = b"id,text\n".to_vec();
        input.extend_from_slice(&bytes);
        let records = CsvRecords::new("p.csv".into(), Box::new(std::io::Cursor::new(input)), CsvColumns::default());
        for record in records.take(1000) {
            if let Err(err) = record {
                prop_assert!(err.origin.source == "p.csv" && err.origin.line.is_some());
            }
        }
    }

    #[test]
    fn sig_and_date_parsers_stay_in_bounds(text in note_text()) {
        let sig = SigParser::new().parse(&text);
        prop_assert!(sig.span_end <= text.len() && text.is_char_boundary(sig.span_end));
        let dates = DateFinder::new().find(&text, None, &DateOptions::default());
        for d in dates {
            prop_assert!(text.get(d.span.clone()).is_some());
        }
    }
}
