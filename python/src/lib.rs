//! Python bindings of note2fhir (built by maturin).
//!
//! The module `note2fhir` has two functions:
//!
//! - `extract(text, note_id, note_date=None, format="bundle", patient=None)`
//!   converts one note and returns its JSON line (no trailing newline);
//! - `extract_many(notes, format="bundle")` converts a list of notes in
//!   parallel (rayon) with the GIL released, in input order.
//!
//! Both give the same bytes as `note2fhir extract --format bundle|mentions`
//! for the same id, text, date and patient. One [`Pipeline`] is built per
//! process, on first use (about 0.25 s), and shared by every call and thread.

use std::sync::OnceLock;

use ::note2fhir::{Format, Note, Pipeline};
use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use rayon::prelude::*;

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

/// Render one note as a JSON line without its newline.
fn render(pipeline: &Pipeline, note: &Note, format: Format) -> String {
    let mut line = Vec::new();
    pipeline.write_note(note, format, &mut line);
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    // serde_json writes UTF-8 only; the lossy path is never taken.
    String::from_utf8(line).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
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
    Ok(py.detach(|| render(pipeline, &note, format)))
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
    make_note(id, text, date, patient)
        .map_err(|reason| PyValueError::new_err(format!("notes[{index}]: {reason}")))
}

/// Convert many notes in parallel, keeping their order.
///
/// Args:
///     notes: an iterable of notes, each a dict with ``"id"``, ``"text"``
///         and optional ``"date"`` and ``"patient"`` (other keys are
///         ignored), or a tuple ``(id, text[, date[, patient]])``.
///     format: ``"bundle"`` or ``"mentions"``, as for :func:`extract`.
///
/// Returns:
///     A list of JSON lines (no trailing newlines), one per note, in order.
///
/// Every note is checked first, so a bad one raises before any work is
/// done; the conversion then runs on rayon's thread pool with the GIL
/// released.
///
/// Raises:
///     ValueError: for a bad note (naming its index) or format.
///     TypeError: for a note that is neither a dict nor a tuple.
#[pyfunction]
#[pyo3(signature = (notes, format="bundle"))]
fn extract_many(py: Python<'_>, notes: &Bound<'_, PyAny>, format: &str) -> PyResult<Vec<String>> {
    let format = parse_format(format)?;
    let notes = notes
        .try_iter()?
        .enumerate()
        .map(|(index, item)| note_from_py(index, &item?))
        .collect::<PyResult<Vec<Note>>>()?;
    let pipeline = pipeline(py)?;
    Ok(py.detach(|| {
        notes
            .par_iter()
            .map(|note| render(pipeline, note, format))
            .collect()
    }))
}

/// Rule-based extraction of medications and problems from UK ward notes
/// into FHIR R4 JSON.
#[pymodule]
#[pyo3(name = "note2fhir")]
fn note2fhir_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_function(wrap_pyfunction!(extract_many, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
