//! note2fhir turns free-text UK ward notes into coded FHIR R4 JSON.
//!
//! # Overview
//!
//! A [`Pipeline`] is built once from dictionaries (the embedded ones, plus
//! any added with [`Builder::dictionary`]) and then applied to [`Note`]s from
//! any number of threads. Each note goes through these stages, one module
//! each:
//!
//! 1. [`dictionary`]: whole-word, leftmost-longest matching of terms with
//!    aho-corasick, case-sensitive for ward abbreviations;
//! 2. [`section`]: sentence bounds, the scope of context cues;
//! 3. [`context`]: negated, uncertain, historical, family, hypothetical;
//! 4. [`mention`]: spans, codes and assertions, the `note2fhir.mentions/1`
//!    format;
//! 5. [`fhir`]: one FHIR R4 Bundle per note.
//!
//! [`input`] reads `.txt` files, directories and JSONL; [`batch`] runs a
//! pipeline over a stream of records in parallel, in input order, under an
//! error policy; [`guard`] turns a bug met in one note into that note's
//! rejection. Output is deterministic: ids are UUIDv5 of the content, and
//! nothing reads the clock.
//!
//! # Example
//!
//! ```
//! use note2fhir::{Format, Note, Pipeline};
//!
//! let pipeline = Pipeline::builder().build().unwrap();
//! let note = Note::new("ward-1", "PMH: T2DM, HTN. No chest pain. ?PE.")
//!     .with_date("2025-03-12")
//!     .unwrap();
//! let found = pipeline.extract(&note);
//! let chest_pain = found.mentions.iter().find(|m| m.text == "chest pain").unwrap();
//! assert!(chest_pain.assertion.negated);
//!
//! let mut line = Vec::new();
//! pipeline.write_note(&note, Format::Bundle, &mut line);
//! assert!(line.starts_with(br#"{"resourceType":"Bundle""#));
//! ```

#![deny(missing_docs)]

pub mod allergy;
pub mod attribute;
pub mod batch;
pub mod context;
pub mod date;
pub mod dictionary;
mod error;
pub mod eval;
pub mod fhir;
pub mod generate;
pub mod guard;
pub mod input;
pub mod medication;
pub mod mention;
mod note;
pub mod output;
mod pipeline;
pub mod report;
pub mod section;

pub use batch::{OnError, Summary};
pub use error::{Error, ErrorKind, Origin, RecordError, RecordErrorKind};
pub use note::{parse_note_date, Note};
pub use pipeline::{instant_from_epoch, Builder, Format, Pipeline};
