//! Writing results: JSON lines, the Bulk Data folder and CSV rows.
//!
//! A note is rendered in parallel into a [`Rendered`] (bytes, and for the
//! Bulk layout which resource type each line is); an [`Output`] then writes
//! rendered notes in input order. Files are written under a temporary name
//! (`.NAME.partial`) and renamed when complete, so a killed run never leaves
//! output that looks finished.
//!
//! # CSV
//!
//! One row per mention, with a header, for DuckDB, Snowflake or pandas; the
//! columns are [`CSV_HEADER`]. Flags are `true`/`false`; absent values are
//! empty.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::batch::OnError;
use crate::error::RecordError;
use crate::mention::Extraction;

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
/// rejected record's OperationOutcome line takes its place.
pub struct LineOutput<W: Write> {
    out: W,
    header: Option<Vec<u8>>,
}

impl<W: Write> LineOutput<W> {
    /// Write to `out`, starting with `header` (the CSV header) if any.
    pub fn new(out: W, header: Option<Vec<u8>>) -> Self {
        LineOutput { out, header }
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
        if policy == OnError::Outcome {
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
pub struct BulkOutput {
    dir: PathBuf,
    files: BTreeMap<&'static str, (BufWriter<File>, u64)>,
    /// Patients and the Device repeat across notes: each is written once.
    shared_seen: HashSet<Vec<u8>>,
    transaction_time: Option<String>,
}

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

fn partial(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!(".{name}.partial"))
}

impl BulkOutput {
    /// Write into `dir` (created if needed). `transaction_time` (the
    /// recording instant) goes into the manifest when given.
    pub fn new(dir: &Path, transaction_time: Option<String>) -> io::Result<BulkOutput> {
        fs::create_dir_all(dir)?;
        Ok(BulkOutput {
            dir: dir.to_path_buf(),
            files: BTreeMap::new(),
            shared_seen: HashSet::new(),
            transaction_time,
        })
    }

    fn write_line(&mut self, kind: &'static str, line: &[u8]) -> io::Result<()> {
        if !self.files.contains_key(kind) {
            let file = File::create(partial(&self.dir, &format!("{kind}.ndjson")))?;
            self.files
                .insert(kind, (BufWriter::with_capacity(1 << 20, file), 0));
        }
        let (w, n) = self.files.get_mut(kind).expect("just inserted");
        w.write_all(line)?;
        *n += 1;
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

    fn finish(&mut self) -> io::Result<()> {
        let mut manifest = Manifest {
            transaction_time: self.transaction_time.clone(),
            request: "note2fhir extract --format bulk",
            requires_access_token: false,
            output: Vec::new(),
            error: Vec::new(),
        };
        for (kind, (w, count)) in std::mem::take(&mut self.files) {
            w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            let name = format!("{kind}.ndjson");
            fs::rename(partial(&self.dir, &name), self.dir.join(&name))?;
            let entry = ManifestEntry {
                kind,
                url: name,
                count,
            };
            if kind == "OperationOutcome" {
                manifest.error.push(entry);
            } else {
                manifest.output.push(entry);
            }
        }
        let mut json = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        json.push(b'\n');
        fs::write(partial(&self.dir, "manifest.json"), json)?;
        fs::rename(
            partial(&self.dir, "manifest.json"),
            self.dir.join("manifest.json"),
        )
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

/// Append one CSV row per mention of `ex` (findings and dates, by span).
pub fn csv_rows(ex: &Extraction<'_>, out: &mut Vec<u8>) {
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
        let _ = w.write_record(&row);
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
}
