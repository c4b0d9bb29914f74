//! Writing results: JSON lines, the Bulk Data folder and CSV rows.
//!
//! A note is rendered in parallel into a [`Rendered`] (bytes, and for the
//! Bulk layout which resource type each line is); an [`Output`] then writes
//! rendered notes in input order. Files are written through [`AtomicFile`]:
//! under an unpredictable temporary name, renamed when complete, so a killed
//! run never leaves output that looks finished and a failed one leaves
//! nothing.
//!
//! # CSV
//!
//! One row per mention, with a header, for DuckDB, Snowflake or pandas; the
//! columns are [`CSV_HEADER`]. Flags are `true`/`false`; absent values are
//! empty. A cell that a spreadsheet would take for a formula (starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return, and not a plain number)
//! gets a leading `'`, as OWASP advises against CSV injection; see
//! [`neutralise`]. [`crate::Format::CsvRaw`] writes cells unchanged.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::batch::OnError;
use crate::error::RecordError;
use crate::mention::Extraction;

mod atomic;

pub use atomic::{same_path, AtomicFile};

/// One note rendered for output.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The bytes: one or more lines.
    pub bytes: Vec<u8>,
    /// For the Bulk layout: each line's resource type and byte range.
    pub resources: Vec<(&'static str, Range<usize>)>,
    /// Mentions by kind: problem, medication, allergy, date.
    pub counts: [u64; 4],
}

impl Rendered {
    /// Count an extraction's mentions by kind.
    pub fn count(&mut self, ex: &Extraction<'_>) {
        use crate::dictionary::Kind;
        for m in &ex.mentions {
            let i = match m.kind {
                Kind::Problem => 0,
                Kind::Medication => 1,
                Kind::Allergy => 2,
                Kind::Date => 3,
            };
            self.counts[i] += 1;
        }
        self.counts[3] += ex.dates.len() as u64;
    }
}

/// Where rendered notes go.
pub trait Output {
    /// Write one converted note.
    fn note(&mut self, rendered: &Rendered) -> io::Result<()>;
    /// A rejected record: `outcome` is its OperationOutcome line.
    fn reject(&mut self, err: &RecordError, outcome: &[u8], policy: OnError) -> io::Result<()>;
    /// Flush everything and make the output final.
    fn finish(&mut self) -> io::Result<()>;
}

/// JSON lines (or CSV rows) to one writer. Under `--on-error outcome` a
/// rejected record's OperationOutcome line takes its place, except in CSV
/// (an output with a header): a JSON line never goes into CSV.
pub struct LineOutput<W: Write> {
    out: W,
    header: Option<Vec<u8>>,
    csv: bool,
}

impl<W: Write> LineOutput<W> {
    /// Write to `out`, starting with `header` (the CSV header) if any. An
    /// output with a header is CSV: rejected records leave no line there.
    pub fn new(out: W, header: Option<Vec<u8>>) -> Self {
        let csv = header.is_some();
        LineOutput { out, header, csv }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn start(&mut self) -> io::Result<()> {
        if let Some(header) = self.header.take() {
            self.out.write_all(&header)?;
        }
        Ok(())
    }
}

impl<W: Write> Output for LineOutput<W> {
    fn note(&mut self, rendered: &Rendered) -> io::Result<()> {
        self.start()?;
        self.out.write_all(&rendered.bytes)
    }

    fn reject(&mut self, _err: &RecordError, outcome: &[u8], policy: OnError) -> io::Result<()> {
        self.start()?;
        if policy == OnError::Outcome && !self.csv {
            self.out.write_all(outcome)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.start()?;
        self.out.flush()
    }
}

/// The FHIR Bulk Data layout in a folder: one `Type.ndjson` per resource
/// type, `OperationOutcome.ndjson` for rejected records, and a
/// `manifest.json` with each file's count.
///
/// The folder must be empty or new, unless `overwrite` is given: then the
/// files a bulk run writes ([`BULK_TYPES`] as `Type.ndjson`, and
/// `manifest.json`) are replaced, those of an earlier run that this one does
/// not write are removed when it completes, and every other file stays.
pub struct BulkOutput {
    dir: PathBuf,
    files: BTreeMap<&'static str, (AtomicFile, u64)>,
    /// Patients and the Device repeat across notes: each is written once.
    shared_seen: HashSet<Vec<u8>>,
    transaction_time: Option<String>,
    overwrite: bool,
}

/// The resource types a bulk run can write, each to `Type.ndjson`.
pub const BULK_TYPES: &[&str] = &[
    "AllergyIntolerance",
    "Condition",
    "Device",
    "DocumentReference",
    "FamilyMemberHistory",
    "MedicationStatement",
    "OperationOutcome",
    "Patient",
    "Provenance",
];

#[derive(Serialize)]
struct ManifestEntry {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
    count: u64,
}

#[derive(Serialize)]
struct Manifest {
    #[serde(rename = "transactionTime", skip_serializing_if = "Option::is_none")]
    transaction_time: Option<String>,
    request: &'static str,
    #[serde(rename = "requiresAccessToken")]
    requires_access_token: bool,
    output: Vec<ManifestEntry>,
    error: Vec<ManifestEntry>,
}

impl BulkOutput {
    /// Write into `dir` (created if needed), which must be empty unless
    /// `overwrite`. `transaction_time` (the recording instant) goes into the
    /// manifest when given.
    pub fn new(dir: &Path, transaction_time: Option<String>, overwrite: bool) -> io::Result<BulkOutput> {
        fs::create_dir_all(dir)?;
        if !overwrite {
            if let Some(entry) = fs::read_dir(dir)?.next() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "the folder is not empty (it holds {:?}): bulk output needs an empty or new \
                         folder, or --overwrite to replace an earlier bulk run's files (other files are kept)",
                        entry?.file_name()
                    ),
                ));
            }
        }
        Ok(BulkOutput {
            dir: dir.to_path_buf(),
            files: BTreeMap::new(),
            shared_seen: HashSet::new(),
            transaction_time,
            overwrite,
        })
    }

    fn write_line(&mut self, kind: &'static str, line: &[u8]) -> io::Result<()> {
        debug_assert!(BULK_TYPES.contains(&kind), "{kind} missing from BULK_TYPES");
        if !self.files.contains_key(kind) {
            let file = AtomicFile::create(&self.dir.join(format!("{kind}.ndjson")))?;
            self.files.insert(kind, (file, 0));
        }
        let (w, n) = self.files.get_mut(kind).expect("just inserted");
        w.write_all(line)?;
        *n += 1;
        Ok(())
    }

    /// Remove the files of an earlier bulk run that this one did not write.
    fn remove_stale(&self, written: &[&str]) -> io::Result<()> {
        for kind in BULK_TYPES.iter().filter(|k| !written.contains(k)) {
            match fs::remove_file(self.dir.join(format!("{kind}.ndjson"))) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}

impl Output for BulkOutput {
    fn note(&mut self, rendered: &Rendered) -> io::Result<()> {
        for (kind, range) in &rendered.resources {
            let line = &rendered.bytes[range.clone()];
            if matches!(*kind, "Patient" | "Device") && !self.shared_seen.insert(line.to_vec()) {
                continue;
            }
            self.write_line(kind, line)?;
        }
        Ok(())
    }

    fn reject(&mut self, _err: &RecordError, outcome: &[u8], _policy: OnError) -> io::Result<()> {
        self.write_line("OperationOutcome", outcome)
    }

    /// Rename every file into place; the manifest comes last, so a folder
    /// with a manifest is complete. An earlier run's manifest is removed
    /// first and its files that this run did not write after.
    fn finish(&mut self) -> io::Result<()> {
        let mut manifest = Manifest {
            transaction_time: self.transaction_time.clone(),
            request: "note2fhir extract --format bulk",
            requires_access_token: false,
            output: Vec::new(),
            error: Vec::new(),
        };
        let manifest_path = self.dir.join("manifest.json");
        let mut json_file = AtomicFile::create(&manifest_path)?;
        if self.overwrite {
            match fs::remove_file(&manifest_path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        let files = std::mem::take(&mut self.files);
        let written: Vec<&str> = files.keys().copied().collect();
        for (kind, (file, count)) in files {
            file.commit()?;
            let entry = ManifestEntry {
                kind,
                url: format!("{kind}.ndjson"),
                count,
            };
            if kind == "OperationOutcome" {
                manifest.error.push(entry);
            } else {
                manifest.output.push(entry);
            }
        }
        if self.overwrite {
            self.remove_stale(&written)?;
        }
        let mut json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        json.push(b'\n');
        json_file.write_all(&json)?;
        json_file.commit()
    }
}

/// The CSV columns, one row per mention.
pub const CSV_HEADER: &[&str] = &[
    "note_id",
    "mention_id",
    "kind",
    "text",
    "start",
    "end",
    "system",
    "code",
    "display",
    "negated",
    "uncertain",
    "certainty",
    "historical",
    "family",
    "relation",
    "hypothetical",
    "section",
    "fhir_type",
    "fhir_id",
    "date_id",
    "date_value",
    "date_precision",
    "date_type",
    "med_status",
    "dose_value",
    "dose_unit",
    "strength_value",
    "strength_unit",
    "route",
    "frequency",
    "per_day",
    "as_needed",
    "duration_value",
    "duration_unit",
];

/// The CSV header line.
pub fn csv_header() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_HEADER);
    w.into_inner().unwrap_or_default()
}

/// A CSV cell made safe to open in a spreadsheet: one starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'` so it is
/// read as text, not run as a formula (OWASP, "CSV Injection"). A plain
/// number such as `-2.5` is left as it is: it is not a formula, and
/// offsets, codes and doses stay numbers.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_plain_number(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `-?digits(.digits)?`, the way numbers are written here.
fn is_plain_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    all_digits(whole) && all_digits(fraction)
}

/// Append one CSV row per mention of `ex` (findings and dates, by span),
/// with formula-like cells neutralised (see [`neutralise`]) unless `raw`.
pub fn csv_rows(ex: &Extraction<'_>, out: &mut Vec<u8>, raw: bool) {
    let mut w = csv::Writer::from_writer(std::mem::take(out));
    let b = |v: bool| if v { "true" } else { "false" }.to_string();
    let num = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for m in &ex.mentions {
        let code = m.concept.codes.first();
        let med = m.medication.as_ref().map(|x| &x.dosage);
        let a = &m.assertion;
        rows.push((
            m.start,
            vec![
                ex.note_id.to_string(),
                m.id.clone(),
                m.kind.as_str().to_string(),
                m.text.to_string(),
                m.start.to_string(),
                m.end.to_string(),
                code.map(|c| c.system.to_string()).unwrap_or_default(),
                code.map(|c| c.code.clone()).unwrap_or_default(),
                m.concept.display.to_string(),
                b(a.negated),
                b(a.uncertain),
                m.certainty.unwrap_or("").to_string(),
                b(a.historical),
                b(a.family),
                m.relation.unwrap_or("").to_string(),
                b(a.hypothetical),
                m.section.unwrap_or("").to_string(),
                m.fhir
                    .as_ref()
                    .map(|f| f.resource_type.to_string())
                    .unwrap_or_default(),
                m.fhir.as_ref().map(|f| f.id.clone()).unwrap_or_default(),
                m.date_id.clone().unwrap_or_default(),
                String::new(),
                String::new(),
                String::new(),
                m.medication
                    .as_ref()
                    .map(|x| x.status.to_string())
                    .unwrap_or_default(),
                num(med.and_then(|d| d.dose.as_ref()).map(|q| q.value)),
                med.and_then(|d| d.dose.as_ref())
                    .map(|q| q.unit.clone())
                    .unwrap_or_default(),
                num(med.and_then(|d| d.strength.as_ref()).map(|q| q.value)),
                med.and_then(|d| d.strength.as_ref())
                    .map(|q| q.unit.clone())
                    .unwrap_or_default(),
                med.and_then(|d| d.route.as_ref())
                    .map(|r| r.code.to_string())
                    .unwrap_or_default(),
                med.and_then(|d| d.frequency.as_ref())
                    .map(|f| f.text.clone())
                    .unwrap_or_default(),
                num(med.and_then(|d| d.frequency.as_ref()).and_then(|f| f.per_day)),
                med.map(|d| b(d.as_needed)).unwrap_or_default(),
                num(med.and_then(|d| d.duration.as_ref()).and_then(|x| x.value)),
                med.and_then(|d| d.duration.as_ref())
                    .and_then(|x| x.unit)
                    .unwrap_or("")
                    .to_string(),
            ],
        ));
    }
    for d in &ex.dates {
        let mut row = vec![String::new(); CSV_HEADER.len()];
        row[0] = ex.note_id.to_string();
        row[1] = d.id.clone();
        row[2] = "date".into();
        row[3] = d.text.to_string();
        row[4] = d.start.to_string();
        row[5] = d.end.to_string();
        row[16] = d.section.unwrap_or("").to_string();
        row[20] = d.date.value.clone().unwrap_or_default();
        row[21] = d.date.precision.to_string();
        row[22] = d.date.kind.to_string();
        rows.push((d.start, row));
    }
    rows.sort_by_key(|(start, _)| *start);
    for (_, row) in rows {
        let _ = if raw {
            w.write_record(&row)
        } else {
            w.write_record(row.iter().map(|cell| neutralise(cell).into_owned()))
        };
    }
    *out = w.into_inner().unwrap_or_default();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_header_matches_rows() {
        let header = String::from_utf8(csv_header()).unwrap();
        assert_eq!(header.trim_end().split(',').count(), CSV_HEADER.len());
    }

    #[test]
    fn formula_cells_are_neutralised_and_numbers_are_not() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
            "-",
            "--",
            "-1e5",
            "+44",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in [
            "", "0", "42", "-2", "-2.5", "38341003", "aspirin", "'=x", " =1", "1=1",
        ] {
            assert_eq!(neutralise(cell), cell, "{cell:?}");
        }
    }

    #[test]
    fn a_csv_output_never_gets_an_outcome_line() {
        use crate::error::{Origin, RecordErrorKind};
        let err = RecordError {
            origin: Origin {
                source: "in.jsonl".into(),
                line: Some(2),
            },
            note_id: None,
            kind: RecordErrorKind::BlankLine,
        };
        let outcome = b"{\"resourceType\":\"OperationOutcome\"}\n";
        let mut csv = LineOutput::new(Vec::new(), Some(csv_header()));
        csv.reject(&err, outcome, OnError::Outcome).unwrap();
        csv.finish().unwrap();
        assert_eq!(csv.into_inner(), csv_header());
        let mut json = LineOutput::new(Vec::new(), None);
        json.reject(&err, outcome, OnError::Outcome).unwrap();
        assert_eq!(json.into_inner(), outcome);
    }
}
