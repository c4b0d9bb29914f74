//! Running a pipeline over a stream of records, in order, in parallel.
//!
//! Records are taken in bounded chunks; each chunk is converted in parallel
//! (rayon) and written in input order, so memory stays bounded and the output
//! bytes do not depend on the number of threads.
//!
//! # Error policy
//!
//! A rejected record (unreadable, not JSON, missing text, duplicate id, …) is
//! handed to the caller's `on_reject` and then, by [`OnError`]:
//!
//! * `Report`: nothing is written in its place; the batch goes on.
//! * `Outcome`: an `OperationOutcome` line is written in its place; the batch
//!   goes on. Every input record then has exactly one output line.
//! * `Fail`: the batch stops after the records before it.

use std::collections::HashSet;
use std::io::Write;

use rayon::prelude::*;

use crate::error::{Error, ErrorKind, RecordError, RecordErrorKind};
use crate::fhir;
use crate::note::Note;
use crate::pipeline::{Format, Pipeline};

/// What to do with a rejected record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// Report it and go on.
    Report,
    /// Write an OperationOutcome line in its place and go on.
    Outcome,
    /// Stop at the first.
    Fail,
}

/// The counts of a run: `records == converted + rejected` always.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read.
    pub records: u64,
    /// Records converted.
    pub converted: u64,
    /// Records rejected.
    pub rejected: u64,
    /// Whether the run stopped early (`OnError::Fail`).
    pub stopped: bool,
}

/// Records per chunk, and the text bytes after which a chunk is cut short.
const CHUNK_RECORDS: usize = 1024;
const CHUNK_BYTES: usize = 16 << 20;

/// Convert every record and write the results to `out` in input order.
///
/// `on_reject` sees every rejected record, in input order, before anything
/// after it is written. The only errors returned are fatal: the output could
/// not be written.
pub fn run<W: Write>(
    pipeline: &Pipeline,
    records: impl Iterator<Item = Result<Note, RecordError>>,
    format: Format,
    on_error: OnError,
    out: &mut W,
    mut on_reject: impl FnMut(&RecordError),
) -> Result<Summary, Error> {
    let mut summary = Summary::default();
    let mut seen: HashSet<u128> = HashSet::new();
    let mut records = records.peekable();
    let mut line = Vec::new();
    while records.peek().is_some() {
        let mut chunk = Vec::with_capacity(CHUNK_RECORDS);
        let mut bytes = 0;
        while chunk.len() < CHUNK_RECORDS && bytes < CHUNK_BYTES {
            let Some(record) = records.next() else { break };
            let record = record.and_then(|note| {
                // The later of two records with one id is the one rejected.
                if seen.insert(fhir::ids::name_uuid(&["note-id", &note.id]).as_u128()) {
                    Ok(note)
                } else {
                    Err(RecordError {
                        origin: note.origin,
                        note_id: Some(note.id),
                        kind: RecordErrorKind::DuplicateId,
                    })
                }
            });
            if let Ok(note) = &record {
                bytes += note.text.len();
            }
            chunk.push(record);
        }
        let converted: Vec<Result<Vec<u8>, RecordError>> = chunk
            .into_par_iter()
            .map(|record| {
                record.map(|note| {
                    let mut buf = Vec::with_capacity(note.text.len() * 8 + 256);
                    pipeline.write_note(&note, format, &mut buf);
                    buf
                })
            })
            .collect();
        for result in converted {
            summary.records += 1;
            match result {
                Ok(buf) => {
                    summary.converted += 1;
                    out.write_all(&buf).map_err(write_error)?;
                }
                Err(err) => {
                    summary.rejected += 1;
                    on_reject(&err);
                    match on_error {
                        OnError::Report => {}
                        OnError::Outcome => {
                            line.clear();
                            // Serialising our own types into memory cannot fail.
                            let _ = fhir::operation_outcome_to_writer(&mut line, &err);
                            line.push(b'\n');
                            out.write_all(&line).map_err(write_error)?;
                        }
                        OnError::Fail => {
                            summary.stopped = true;
                            return Ok(summary);
                        }
                    }
                }
            }
        }
    }
    Ok(summary)
}

fn write_error(err: std::io::Error) -> Error {
    Error::new(ErrorKind::Io {
        path: "<output>".into(),
        err,
    })
}
