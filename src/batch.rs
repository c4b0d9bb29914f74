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
//!
//! With [`Batch::max_errors`] set, the batch also stops (cleanly, the output
//! so far written) after that many rejected records, whatever the policy.
//! A bug met while converting a record (a panic) rejects that record as
//! `internal-error` ([`crate::guard`]) under the same policy.

use std::collections::HashSet;

use rayon::prelude::*;

use crate::error::{Error, ErrorKind, RecordError, RecordErrorKind};
use crate::fhir;
use crate::guard::guarded;
use crate::note::Note;
use crate::output::{Output, Rendered};
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
    /// Note text bytes of the converted records.
    pub bytes: u64,
    /// Mentions by kind: problem, medication, allergy, date.
    pub mentions: [u64; 4],
    /// Records read.
    pub records: u64,
    /// Records converted.
    pub converted: u64,
    /// Records rejected.
    pub rejected: u64,
    /// Whether the run stopped early (`OnError::Fail`, or `max_errors`).
    pub stopped: bool,
    /// Whether it stopped because `max_errors` records were rejected.
    pub max_errors_reached: bool,
}

/// Records per chunk, and the text bytes after which a chunk is cut short.
const CHUNK_RECORDS: usize = 1024;
const CHUNK_BYTES: usize = 16 << 20;

/// A batch run's settings.
#[derive(Clone, Copy)]
pub struct Batch<'p> {
    /// The pipeline.
    pub pipeline: &'p Pipeline,
    /// The output format.
    pub format: Format,
    /// What to do with a rejected record.
    pub on_error: OnError,
    /// The worker threads (rayon's global pool when `None`).
    pub pool: Option<&'p rayon::ThreadPool>,
    /// Stop after this many rejected records (never when `None`).
    pub max_errors: Option<u64>,
}

/// Convert every record and write the results to `out` in input order (see
/// [`Batch::run`]) with the global thread pool.
pub fn run<O: Output + ?Sized>(
    pipeline: &Pipeline,
    records: impl Iterator<Item = Result<Note, RecordError>>,
    format: Format,
    on_error: OnError,
    out: &mut O,
    on_reject: impl FnMut(&RecordError),
) -> Result<Summary, Error> {
    Batch {
        pipeline,
        format,
        on_error,
        pool: None,
        max_errors: None,
    }
    .run(records, out, on_reject, |_| {})
}

impl Batch<'_> {
    /// Convert every record and write the results to `out` in input order.
    ///
    /// `on_reject` sees every rejected record, in input order, before
    /// anything after it is written; `on_progress` sees the counts after
    /// each chunk. The only errors returned are fatal: the output could not
    /// be written.
    pub fn run<O: Output + ?Sized>(
        &self,
        records: impl Iterator<Item = Result<Note, RecordError>>,
        out: &mut O,
        on_reject: impl FnMut(&RecordError),
        on_progress: impl FnMut(&Summary),
    ) -> Result<Summary, Error> {
        let (pipeline, format) = (self.pipeline, self.format);
        let render = move |note: &Note| pipeline.render(note, format);
        run_batch(self, &render, records, out, on_reject, on_progress)
    }
}

type Converted = Vec<Result<(Rendered, usize), RecordError>>;

/// The batch loop; `render` converts one note (the pipeline's, or a test's).
fn run_batch<O: Output + ?Sized>(
    batch: &Batch<'_>,
    render: &(dyn Fn(&Note) -> Rendered + Sync),
    records: impl Iterator<Item = Result<Note, RecordError>>,
    out: &mut O,
    mut on_reject: impl FnMut(&RecordError),
    mut on_progress: impl FnMut(&Summary),
) -> Result<Summary, Error> {
    let on_error = batch.on_error;
    let pool = batch.pool;
    let convert = move |chunk: Vec<Result<Note, RecordError>>| -> Converted {
        let work = || {
            chunk
                .into_par_iter()
                .map(|record| {
                    record.and_then(|note| guarded(&note, || render(&note)).map(|r| (r, note.text.len())))
                })
                .collect()
        };
        match pool {
            Some(pool) => pool.install(work),
            None => work(),
        }
    };
    let mut summary = Summary::default();
    let mut seen: HashSet<u128> = HashSet::new();
    let mut records = records.peekable();
    let mut line = Vec::new();
    let mut read_chunk = || {
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
        chunk
    };
    // Reading the next chunk and writing the last one overlap with
    // converting the current one; at most two chunks are in flight.
    std::thread::scope(|scope| {
        let mut pending: Option<std::thread::ScopedJoinHandle<'_, Converted>> = None;
        loop {
            let chunk = read_chunk();
            let next = (!chunk.is_empty()).then(|| scope.spawn(move || convert(chunk)));
            if let Some(handle) = pending.take() {
                let converted = handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for result in converted {
                    summary.records += 1;
                    match result {
                        Ok((rendered, bytes)) => {
                            summary.converted += 1;
                            summary.bytes += bytes as u64;
                            for (total, n) in summary.mentions.iter_mut().zip(rendered.counts) {
                                *total += n;
                            }
                            out.note(&rendered).map_err(write_error)?;
                        }
                        Err(err) => {
                            summary.rejected += 1;
                            on_reject(&err);
                            line.clear();
                            // Serialising our own types into memory cannot fail.
                            let _ = fhir::operation_outcome_to_writer(&mut line, &err);
                            line.push(b'\n');
                            out.reject(&err, &line, on_error).map_err(write_error)?;
                            if on_error == OnError::Fail {
                                summary.stopped = true;
                                return Ok(summary);
                            }
                            if batch.max_errors.is_some_and(|n| summary.rejected >= n) {
                                summary.stopped = true;
                                summary.max_errors_reached = true;
                                return Ok(summary);
                            }
                        }
                    }
                }
                on_progress(&summary);
            }
            match next {
                Some(handle) => pending = Some(handle),
                None => return Ok(summary),
            }
        }
    })
}

fn write_error(err: std::io::Error) -> Error {
    Error::new(ErrorKind::Io {
        path: "<output>".into(),
        err,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::LineOutput;

    /// A conversion that panics on one note rejects that note as
    /// `internal-error` and the batch goes on, under every policy.
    #[test]
    fn a_panic_rejects_its_record_only() {
        let pipeline = Pipeline::builder().build().unwrap();
        let render = |note: &Note| {
            assert_ne!(note.id, "boom", "a bug");
            pipeline.render(note, Format::Mentions)
        };
        let notes = ["a", "boom", "c"].map(|id| Ok(Note::new(id, "No chest pain.")));
        for on_error in [OnError::Report, OnError::Outcome, OnError::Fail] {
            let batch = Batch {
                pipeline: &pipeline,
                format: Format::Mentions,
                on_error,
                pool: None,
                max_errors: None,
            };
            let mut out = LineOutput::new(Vec::new(), None);
            let mut rejected = Vec::new();
            let summary = run_batch(
                &batch,
                &render,
                notes.clone().into_iter(),
                &mut out,
                |err| rejected.push(err.clone()),
                |_| {},
            )
            .unwrap();
            assert_eq!(rejected.len(), 1);
            assert_eq!(rejected[0].note_id.as_deref(), Some("boom"));
            assert_eq!(rejected[0].kind, RecordErrorKind::InternalError);
            let lines = String::from_utf8(out.into_inner()).unwrap();
            let ids: Vec<String> = lines
                .lines()
                .map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).unwrap();
                    v.get("note_id")
                        .and_then(|id| id.as_str())
                        .map_or_else(|| v["resourceType"].as_str().unwrap().to_string(), str::to_string)
                })
                .collect();
            let (expected, records, converted): (&[&str], u64, u64) = match on_error {
                OnError::Report => (&["a", "c"], 3, 2),
                OnError::Outcome => (&["a", "OperationOutcome", "c"], 3, 2),
                OnError::Fail => (&["a"], 2, 1),
            };
            assert_eq!(ids, expected, "{on_error:?}");
            assert_eq!(
                (summary.records, summary.converted, summary.rejected),
                (records, converted, 1)
            );
            assert_eq!(summary.stopped, on_error == OnError::Fail);
        }
    }
}
