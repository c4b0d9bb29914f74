//! Python bindings of note2fhir (built by maturin).
//!
//! The module `note2fhir` has two functions:
//!
//! - `extract(text, note_id, note_date=None, format="bundle", patient=None)`
//!   converts one note and returns its JSON line (no trailing newline);
//! - `extract_many(notes, format="bundle", on_error="raise")` converts a
//!   list of notes in parallel (rayon) with the GIL released, in input order.
//!
//! Both give the same bytes as `note2fhir extract --format bundle|mentions`
//! for the same id, text, date and patient. One [`Pipeline`] is built per
//! process, on first use (about 0.25 s), and shared by every call and thread.
//!
//! A bug met while converting a note (a Rust panic) is caught per note: it
//! raises `note2fhir.InternalError` naming the note, or with
//! `on_error="outcome"` becomes that note's OperationOutcome line, as in the
//! CLI. The panic's message, which may quote note text, is never shown.

use std::sync::OnceLock;

use ::note2fhir::guard::guarded;
use ::note2fhir::{Format, Note, Origin, Pipeline, RecordError};
use pyo3::create_exception;
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use rayon::prelude::*;

create_exception!(
    note2fhir,
    InternalError,
    PyRuntimeError,
    "A bug in note2fhir stopped a note's conversion; the message names the note (never its text)."
);

/// The process's pipeline, or why it could not be built.
static PIPELINE: OnceLock<Result<Pipeline, String>> = OnceLock::new();

/// The shared pipeline, built on first use with the GIL released.
fn pipeline(py: Python<'_>) -> PyResult<&'static Pipeline> {
    let built = py.detach(|| PIPELINE.get_or_init(|| Pipeline::builder().build().map_err(|e| e.to_string())));
    built
        .as_ref()
        .map_err(|e| PyRuntimeError::new_err(format!("building the note2fhir pipeline: {e}")))
}

/// `"bundle"` or `"mentions"`.
fn parse_format(format: &str) -> PyResult<Format> {
    match format {
        "bundle" => Ok(Format::Bundle),
        "mentions" => Ok(Format::Mentions),
        other => Err(PyValueError::new_err(format!(
            "format {other:?}: expected \"bundle\" or \"mentions\""
        ))),
    }
}

/// A note from its fields, checked as the CLI checks a JSONL record.
fn make_note(
    id: String,
    text: String,
    date: Option<String>,
    patient: Option<String>,
) -> Result<Note, String> {
    if id.is_empty() {
        return Err("note_id must not be empty".into());
    }
    let context = format!("note {id:?}");
    let mut note = Note::new(id, text);
    if let Some(date) = date {
        note = note
            .with_date(&date)
            .map_err(|reason| format!("{context}: date {date:?}: {reason}"))?;
    }
    if let Some(patient) = patient {
        if patient.is_empty() {
            return Err(format!("{context}: patient must not be empty"));
        }
        note.patient = Some(patient);
    }
    Ok(note)
}

/// Render one note as a JSON line without its newline; a panic while
/// converting it is the note's `internal-error`.
fn render(pipeline: &Pipeline, note: &Note, format: Format) -> Result<String, RecordError> {
    let mut line = guarded(note, || {
        let mut line = Vec::new();
        pipeline.write_note(note, format, &mut line);
        line
    })?;
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    // serde_json writes UTF-8 only; the lossy path is never taken.
    Ok(String::from_utf8(line).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// A rejected note's OperationOutcome line, as `--on-error outcome` writes it.
fn outcome(err: &RecordError) -> String {
    let mut line = Vec::new();
    // Serialising our own types into memory cannot fail.
    let _ = ::note2fhir::fhir::operation_outcome_to_writer(&mut line, err);
    String::from_utf8_lossy(&line).into_owned()
}

/// Convert one ward note to a FHIR R4 Bundle (or a mentions object).
///
/// Args:
///     text: the note text.
///     note_id: the note id, non-empty; it names the note in the output.
///     note_date: the note's date, ``YYYY-MM-DD`` or an ISO 8601 date-time;
///         relative dates ("2/7 ago") are read against it. Without it, a
///         date at the head of the note is used.
///     format: ``"bundle"`` (one FHIR R4 Bundle) or ``"mentions"`` (one
///         ``note2fhir.mentions/1`` object).
///     patient: the patient id, if known (becomes the Bundle's subject).
///
/// Returns:
///     One line of compact JSON, without a trailing newline: byte for byte
///     what ``note2fhir extract --format FORMAT`` writes for the record
///     ``{"id": note_id, "text": text, "date": note_date, "patient": patient}``.
///
/// Raises:
///     ValueError: for an empty ``note_id`` or ``patient``, a bad
///         ``note_date``, or a format other than the two above.
///     InternalError: when a bug stops the conversion; the message names
///         the note id, never its text.
#[pyfunction]
#[pyo3(signature = (text, note_id, note_date=None, format="bundle", patient=None))]
fn extract(
    py: Python<'_>,
    text: String,
    note_id: String,
    note_date: Option<String>,
    format: &str,
    patient: Option<String>,
) -> PyResult<String> {
    let format = parse_format(format)?;
    let note = make_note(note_id, text, note_date, patient).map_err(PyValueError::new_err)?;
    let pipeline = pipeline(py)?;
    py.detach(|| render(pipeline, &note, format))
        .map_err(|err| InternalError::new_err(format!("note {:?}: {}", note.id, err.kind)))
}

/// Read a field of a dict note: `None` when absent or `None`.
fn dict_field(dict: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<String>> {
    match dict.get_item(key)? {
        Some(value) if !value.is_none() => Ok(Some(value.extract()?)),
        _ => Ok(None),
    }
}

/// One note of `extract_many`: a dict or a tuple `(id, text[, date[, patient]])`.
fn note_from_py(index: usize, item: &Bound<'_, PyAny>) -> PyResult<Note> {
    let (id, text, date, patient) = if let Ok(dict) = item.cast::<PyDict>() {
        let id = dict_field(dict, "id")?;
        let text = dict_field(dict, "text")?;
        let (Some(id), Some(text)) = (id, text) else {
            return Err(PyValueError::new_err(format!(
                "notes[{index}]: a dict note needs \"id\" and \"text\""
            )));
        };
        (id, text, dict_field(dict, "date")?, dict_field(dict, "patient")?)
    } else if let Ok(tuple) = item.cast::<PyTuple>() {
        let field = |i: usize| -> PyResult<Option<String>> {
            match tuple.get_item(i) {
                Ok(value) if !value.is_none() => Ok(Some(value.extract()?)),
                _ => Ok(None),
            }
        };
        let len = tuple.len();
        if !(2..=4).contains(&len) {
            return Err(PyValueError::new_err(format!(
                "notes[{index}]: a tuple note is (id, text[, date[, patient]]), got {len} items"
            )));
        }
        let (Some(id), Some(text)) = (field(0)?, field(1)?) else {
            return Err(PyValueError::new_err(format!(
                "notes[{index}]: id and text must not be None"
            )));
        };
        (id, text, field(2)?, field(3)?)
    } else {
        return Err(PyTypeError::new_err(format!(
            "notes[{index}]: expected a dict or a tuple, got {}",
            item.get_type().name()?
        )));
    };
    let mut note = make_note(id, text, date, patient)
        .map_err(|reason| PyValueError::new_err(format!("notes[{index}]: {reason}")))?;
    note.origin = Origin {
        source: format!("notes[{index}]"),
        line: None,
    };
    Ok(note)
}

/// Convert many notes in parallel, keeping their order.
///
/// Args:
///     notes: an iterable of notes, each a dict with ``"id"``, ``"text"``
///         and optional ``"date"`` and ``"patient"`` (other keys are
///         ignored), or a tuple ``(id, text[, date[, patient]])``.
///     format: ``"bundle"`` or ``"mentions"``, as for :func:`extract`.
///     on_error: what a note whose conversion hits a bug becomes:
///         ``"raise"`` (the default) raises :class:`InternalError` naming
///         the first such note; ``"outcome"`` puts a FHIR OperationOutcome
///         line (``issue.code`` ``exception``, diagnostics
///         ``notes[INDEX]: note "ID": internal-error: …``) in its place and
///         converts the rest, as ``note2fhir extract --on-error outcome``.
///
/// Returns:
///     A list of JSON lines (no trailing newlines), one per note, in order.
///
/// Every note is checked first, so a bad one raises before any work is
/// done; the conversion then runs on rayon's thread pool with the GIL
/// released.
///
/// Raises:
///     ValueError: for a bad note (naming its index), format or on_error.
///     TypeError: for a note that is neither a dict nor a tuple.
///     InternalError: under ``on_error="raise"``, when a bug stops a note's
///         conversion; the message names its index and id, never its text.
#[pyfunction]
#[pyo3(signature = (notes, format="bundle", on_error="raise"))]
fn extract_many(
    py: Python<'_>,
    notes: &Bound<'_, PyAny>,
    format: &str,
    on_error: &str,
) -> PyResult<Vec<String>> {
    let format = parse_format(format)?;
    let as_outcome = match on_error {
        "raise" => false,
        "outcome" => true,
        other => {
            return Err(PyValueError::new_err(format!(
                "on_error {other:?}: expected \"raise\" or \"outcome\""
            )))
        }
    };
    let notes = notes
        .try_iter()?
        .enumerate()
        .map(|(index, item)| note_from_py(index, &item?))
        .collect::<PyResult<Vec<Note>>>()?;
    let pipeline = pipeline(py)?;
    let lines: Vec<Result<String, RecordError>> = py.detach(|| {
        notes
            .par_iter()
            .map(|note| render(pipeline, note, format))
            .collect()
    });
    lines
        .into_iter()
        .map(|line| match line {
            Ok(line) => Ok(line),
            Err(err) if as_outcome => Ok(outcome(&err)),
            Err(err) => Err(InternalError::new_err(err.to_string())),
        })
        .collect()
}

/// Rule-based extraction of medications and problems from UK ward notes
/// into FHIR R4 JSON.
#[pymodule]
#[pyo3(name = "note2fhir")]
fn note2fhir_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A panic's message may quote note text: keep it off the worker's stderr.
    ::note2fhir::guard::install_quiet_hook("note2fhir");
    m.add("InternalError", m.py().get_type::<InternalError>())?;
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_function(wrap_pyfunction!(extract_many, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
