//! Reading notes: `.txt` files, directories of them, JSONL and CSV, any of
//! them gzip-compressed.
//!
//! Inputs are read lazily, one record at a time, so a run's memory does not
//! grow with the size of its input. Every record yields either a [`Note`] or a
//! [`RecordError`] naming where it came from: nothing is skipped silently.
//!
//! The note-size limit holds while reading, whatever the input is (a file, a
//! pipe, a device, standard input) and after decompression: a `.txt` is read
//! to at most one byte past the limit, a JSONL line is never held beyond six
//! times it, and a CSV field never beyond it.
//!
//! # JSONL records
//!
//! One JSON object per line: `{"id": string, "text": string, "date": optional
//! string, "patient": optional string}`. Unknown fields are ignored. `date` is
//! `YYYY-MM-DD` or an ISO 8601 date-time and wins over the run's default date
//! (set on the pipeline).
//! A blank line holds no record and is reported as such, so that every input
//! line has exactly one answer.

use std::collections::VecDeque;
use std::fs;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::error::{Error, ErrorKind, Origin, RecordError, RecordErrorKind};
use crate::note::{parse_note_date, strip_bom, Note};

mod csv_reader;
pub use csv_reader::CsvRecords;

/// One input named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// JSONL on standard input.
    Stdin,
    /// One `.txt` file: one note whose id is the file stem.
    Text(PathBuf),
    /// A directory: every `.txt` file below it, sorted by path; each note's id
    /// is its path relative to the directory, without the extension.
    Dir(PathBuf),
    /// A `.jsonl` or `.ndjson` file: one note per line.
    Jsonl(PathBuf),
    /// A `.csv` file with a header row: one note per row.
    Csv(PathBuf),
}

impl Input {
    /// Classify a command-line input: `-` is standard input, a directory is a
    /// directory, and files are told apart by their extension.
    pub fn from_arg(arg: &str) -> Result<Input, Error> {
        if arg == "-" {
            return Ok(Input::Stdin);
        }
        let path = PathBuf::from(arg);
        let meta = fs::metadata(&path).map_err(|err| Error::io(&path, err))?;
        if meta.is_dir() {
            return Ok(Input::Dir(path));
        }
        // A gzip-compressed file is named by its inner extension.
        let inner = match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => path
                .file_stem()
                .map(Path::new)
                .and_then(|p| p.extension())
                .and_then(|e| e.to_str()),
            other => other,
        };
        match inner {
            Some("txt") => Ok(Input::Text(path)),
            Some("jsonl") | Some("ndjson") => Ok(Input::Jsonl(path)),
            Some("csv") => Ok(Input::Csv(path)),
            _ => Err(Error::new(ErrorKind::Input {
                path,
                reason: "unsupported input: expected a .txt, .jsonl, .ndjson or .csv file (optionally .gz), \
                         a directory, or -"
                    .into(),
            })),
        }
    }
}

/// Which CSV columns hold what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvColumns {
    /// The note id column.
    pub id: String,
    /// The note text column.
    pub text: String,
    /// The note date column, if any.
    pub date: Option<String>,
    /// The patient id column, if any.
    pub patient: Option<String>,
}

impl Default for CsvColumns {
    fn default() -> Self {
        CsvColumns {
            id: "id".into(),
            text: "text".into(),
            date: None,
            patient: None,
        }
    }
}

/// A lazy stream of records over several inputs, in order.
pub struct Records {
    pending: VecDeque<Input>,
    current: Option<Box<dyn Iterator<Item = Result<Note, RecordError>> + Send>>,
    csv: CsvColumns,
    max_note_bytes: usize,
}

impl Records {
    /// Read `inputs` in order.
    pub fn new(inputs: Vec<Input>) -> Records {
        Records {
            pending: inputs.into(),
            current: None,
            csv: CsvColumns::default(),
            max_note_bytes: DEFAULT_MAX_NOTE_BYTES,
        }
    }

    /// Refuse notes over `bytes` of text (default 5 MB).
    pub fn with_max_note_bytes(mut self, bytes: usize) -> Records {
        self.max_note_bytes = bytes;
        self
    }

    /// Read CSV inputs with these columns.
    pub fn with_csv_columns(mut self, columns: CsvColumns) -> Records {
        self.csv = columns;
        self
    }

    fn open(&self, input: Input) -> Box<dyn Iterator<Item = Result<Note, RecordError>> + Send> {
        let max = self.max_note_bytes;
        match input {
            Input::Stdin => Box::new(
                JsonLines::new(
                    "<stdin>".into(),
                    BufReader::new(Box::new(io::stdin()) as Box<dyn Read + Send>),
                )
                .with_max_note_bytes(max),
            ),
            Input::Jsonl(path) => {
                let source = path.display().to_string();
                match open_maybe_gz(&path) {
                    Ok(reader) => Box::new(
                        JsonLines::new(source, BufReader::with_capacity(1 << 20, reader))
                            .with_max_note_bytes(max),
                    ),
                    Err(err) => Box::new(std::iter::once(Err(read_error(source, err)))),
                }
            }
            Input::Csv(path) => {
                let source = path.display().to_string();
                match open_maybe_gz(&path) {
                    Ok(reader) => {
                        Box::new(CsvRecords::new(source, reader, self.csv.clone()).with_max_note_bytes(max))
                    }
                    Err(err) => Box::new(std::iter::once(Err(read_error(source, err)))),
                }
            }
            Input::Text(path) => {
                // `note.txt` and `note.txt.gz` are both the note `note`.
                let name = if is_gz(&path) {
                    path.file_stem().map(Path::new).unwrap_or(&path)
                } else {
                    &path
                };
                let id = name
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Box::new(std::iter::once(read_text(&path, id, max)))
            }
            Input::Dir(root) => match list_txt(&root) {
                Ok(files) => Box::new(files.into_iter().map(move |(path, id)| read_text(&path, id, max))),
                Err(err) => Box::new(std::iter::once(Err(read_error(root.display().to_string(), err)))),
            },
        }
    }
}

impl Iterator for Records {
    type Item = Result<Note, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(current) = &mut self.current {
                if let Some(item) = current.next() {
                    return Some(item);
                }
                self.current = None;
            }
            let input = self.pending.pop_front()?;
            self.current = Some(self.open(input));
        }
    }
}

fn is_gz(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "gz")
}

/// Open a file, decompressing it when its name ends in `.gz`.
fn open_maybe_gz(path: &Path) -> io::Result<Box<dyn Read + Send>> {
    Ok(maybe_gz(path, fs::File::open(path)?))
}

fn maybe_gz(path: &Path, file: fs::File) -> Box<dyn Read + Send> {
    if is_gz(path) {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 20,
            file,
        )))
    } else {
        Box::new(file)
    }
}

fn read_error(source: String, err: io::Error) -> RecordError {
    RecordError::new(
        Origin { source, line: None },
        None,
        RecordErrorKind::Read(err.kind().to_string()),
    )
}

/// Read one note from a file, a pipe or a device (or the decompressed bytes
/// of a `.gz`), never holding more than the limit (and a byte order mark)
/// plus one byte.
fn read_text(path: &Path, id: String, max: usize) -> Result<Note, RecordError> {
    let source = path.display().to_string();
    let origin = Origin { source, line: None };
    let fail = |kind| RecordError::new(origin.clone(), Some(id.clone()), kind);
    let file = fs::File::open(path).map_err(|err| read_error(origin.source.clone(), err))?;
    // A plain file over the limit is refused before it is read.
    let room = max.saturating_add(3);
    if let Ok(meta) = file.metadata() {
        if meta.is_file() && !is_gz(path) && meta.len() > room as u64 {
            return Err(fail(RecordErrorKind::TooLarge {
                what: "note",
                bytes: meta.len() as usize,
                limit: max,
            }));
        }
    }
    let mut bytes = Vec::new();
    maybe_gz(path, file)
        .take(room as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| read_error(origin.source.clone(), err))?;
    if bytes.len() > room {
        return Err(fail(RecordErrorKind::OverLimit {
            what: "note",
            limit: max,
        }));
    }
    let mut text = String::from_utf8(bytes).map_err(|err| {
        fail(RecordErrorKind::InvalidUtf8 {
            offset: err.utf8_error().valid_up_to(),
        })
    })?;
    strip_bom(&mut text);
    let note = Note {
        id,
        text,
        date: None,
        patient: None,
        origin,
    };
    check_size(note, max)
}

/// Every `.txt` file below `root`, sorted by relative path, with its note id
/// (the relative path with `/` separators and without the extension).
fn list_txt(root: &Path) -> io::Result<Vec<(PathBuf, String)>> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "txt") && (file_type.is_file() || path.is_file())
            {
                let rel = path.strip_prefix(root).unwrap_or(&path).with_extension("");
                let id = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((path, id));
            }
        }
    }
    found.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(found)
}

/// JSONL records from any reader.
pub struct JsonLines<R> {
    source: String,
    reader: R,
    line: u64,
    buf: Vec<u8>,
    done: bool,
    max_note_bytes: usize,
}

impl<R: BufRead> JsonLines<R> {
    /// Read records from `reader`; `source` names it in errors.
    pub fn new(source: String, reader: R) -> Self {
        JsonLines {
            source,
            reader,
            line: 0,
            buf: Vec::new(),
            done: false,
            max_note_bytes: DEFAULT_MAX_NOTE_BYTES,
        }
    }

    /// Refuse notes over `bytes` of text (and lines over six times that,
    /// the most JSON escaping can need), without holding such a line.
    pub fn with_max_note_bytes(mut self, bytes: usize) -> Self {
        self.max_note_bytes = bytes;
        self
    }

    /// Read one line into `buf`, up to `limit` bytes; the rest of a longer
    /// line is skipped unread into memory. `Ok(None)` at the end; otherwise
    /// the line's full length.
    fn read_line(&mut self, limit: usize) -> io::Result<Option<usize>> {
        let mut total = 0;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                return Ok((total > 0).then_some(total));
            }
            let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
                Some(i) => (&available[..=i], true),
                None => (available, false),
            };
            let room = limit.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = chunk.len();
            total += used;
            self.reader.consume(used);
            if done {
                return Ok(Some(total));
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonLines<R> {
    type Item = Result<Note, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        self.buf.clear();
        let line_limit = self.max_note_bytes.saturating_mul(6).saturating_add(4096);
        match self.read_line(line_limit) {
            Ok(None) => {
                self.done = true;
                None
            }
            Ok(Some(length)) => {
                self.line += 1;
                let origin = Origin {
                    source: self.source.clone(),
                    line: Some(self.line),
                };
                if length > line_limit {
                    return Some(Err(RecordError::new(
                        origin,
                        None,
                        RecordErrorKind::TooLarge {
                            what: "line",
                            bytes: length,
                            limit: line_limit,
                        },
                    )));
                }
                let mut bytes = self.buf.as_slice();
                if let Some(rest) = bytes.strip_suffix(b"\n") {
                    bytes = rest.strip_suffix(b"\r").unwrap_or(rest);
                }
                if self.line == 1 {
                    bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                }
                Some(parse_record(bytes, origin).and_then(|note| check_size(note, self.max_note_bytes)))
            }
            Err(err) => {
                self.done = true;
                self.line += 1;
                Some(Err(RecordError::new(
                    Origin {
                        source: self.source.clone(),
                        line: Some(self.line),
                    },
                    None,
                    RecordErrorKind::Read(err.kind().to_string()),
                )))
            }
        }
    }
}

/// The default largest note, in UTF-8 bytes.
pub const DEFAULT_MAX_NOTE_BYTES: usize = 5 << 20;

/// Refuse a note whose text is over `limit` bytes.
fn check_size(note: Note, limit: usize) -> Result<Note, RecordError> {
    if note.text.len() > limit {
        let bytes = note.text.len();
        return Err(RecordError::new(
            note.origin,
            Some(note.id),
            RecordErrorKind::TooLarge {
                what: "note",
                bytes,
                limit,
            },
        ));
    }
    Ok(note)
}

#[derive(Deserialize)]
struct RawRecord {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default)]
    text: Option<Value>,
    #[serde(default)]
    date: Option<Value>,
    #[serde(default)]
    patient: Option<Value>,
}

/// Parse one JSONL line into a note. Error reasons never quote the line.
pub fn parse_record(bytes: &[u8], origin: Origin) -> Result<Note, RecordError> {
    let fail = |id: Option<String>, kind| Err(RecordError::new(origin.clone(), id, kind));
    let line = match std::str::from_utf8(bytes) {
        Ok(line) => line,
        Err(err) => {
            return fail(
                None,
                RecordErrorKind::InvalidUtf8 {
                    offset: err.valid_up_to(),
                },
            )
        }
    };
    if line.trim().is_empty() {
        return fail(None, RecordErrorKind::BlankLine);
    }
    // serde would read a struct from an array too: insist on an object.
    let body = line.trim_start();
    if !body.starts_with('{') {
        return fail(
            None,
            RecordErrorKind::InvalidJson {
                category: "not an object",
                column: line.len() - body.len() + 1,
            },
        );
    }
    let raw: RawRecord = match serde_json::from_str(line) {
        Ok(raw) => raw,
        Err(err) => {
            let category = match err.classify() {
                serde_json::error::Category::Io => "io",
                serde_json::error::Category::Syntax => "syntax",
                serde_json::error::Category::Data => "not an object",
                serde_json::error::Category::Eof => "unexpected end",
            };
            return fail(
                None,
                RecordErrorKind::InvalidJson {
                    category,
                    column: err.column(),
                },
            );
        }
    };
    let id = match raw.id {
        None => return fail(None, RecordErrorKind::MissingField("id")),
        Some(Value::String(id)) if id.is_empty() => {
            return fail(
                None,
                RecordErrorKind::BadValue {
                    field: "id",
                    reason: "must not be empty".into(),
                },
            )
        }
        Some(Value::String(id)) => id,
        Some(_) => {
            return fail(
                None,
                RecordErrorKind::WrongType {
                    field: "id",
                    expected: "a string",
                },
            )
        }
    };
    let mut text = match raw.text {
        None => return fail(Some(id), RecordErrorKind::MissingField("text")),
        Some(Value::String(text)) => text,
        Some(_) => {
            return fail(
                Some(id),
                RecordErrorKind::WrongType {
                    field: "text",
                    expected: "a string",
                },
            )
        }
    };
    strip_bom(&mut text);
    let date = match raw.date {
        None => None,
        Some(Value::String(date)) => match record_date(&date) {
            Ok(date) => Some(date),
            Err(kind) => return fail(Some(id), kind),
        },
        Some(_) => {
            return fail(
                Some(id),
                RecordErrorKind::WrongType {
                    field: "date",
                    expected: "a string",
                },
            )
        }
    };
    let patient = match raw.patient {
        None => None,
        Some(Value::String(p)) if !p.is_empty() => Some(p),
        Some(_) => {
            return fail(
                Some(id),
                RecordErrorKind::WrongType {
                    field: "patient",
                    expected: "a non-empty string",
                },
            )
        }
    };
    Ok(Note {
        id,
        text,
        date,
        patient,
        origin,
    })
}

/// A record's `date` field as a note date, or the record's rejection.
pub(crate) fn record_date(date: &str) -> Result<String, RecordErrorKind> {
    parse_note_date(date).map_err(|reason| RecordErrorKind::BadValue {
        field: "date",
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Note, RecordErrorKind> {
        let origin = Origin {
            source: "t.jsonl".into(),
            line: Some(1),
        };
        parse_record(line.as_bytes(), origin).map_err(|e| e.kind)
    }

    #[test]
    fn records() {
        let note = parse(r#"{"id":"n1","text":"\ufeffNo SOB\r\n","extra":1}"#).unwrap();
        assert_eq!(note.id, "n1");
        assert_eq!(note.text, "No SOB\r\n");
        assert_eq!(note.date, None);
        let note = parse(r#"{"id":"n2","text":"x","date":"2025-03-12T10:00:00Z","patient":"p9"}"#).unwrap();
        assert_eq!(note.date.as_deref(), Some("2025-03-12"));
        assert_eq!(note.patient.as_deref(), Some("p9"));
    }

    #[test]
    fn rejections() {
        let cases: &[(&str, RecordErrorKind)] = &[
            ("", RecordErrorKind::BlankLine),
            ("  ", RecordErrorKind::BlankLine),
            (r#"{"text":"a"}"#, RecordErrorKind::MissingField("id")),
            (r#"{"id":"a"}"#, RecordErrorKind::MissingField("text")),
            (r#"{"id":null,"text":"a"}"#, RecordErrorKind::MissingField("id")),
            (
                r#"{"id":5,"text":"a"}"#,
                RecordErrorKind::WrongType {
                    field: "id",
                    expected: "a string",
                },
            ),
            (
                r#"{"id":"a","text":["a"]}"#,
                RecordErrorKind::WrongType {
                    field: "text",
                    expected: "a string",
                },
            ),
            (
                r#"{"id":"a","text":"t","date":"31/02/2025"}"#,
                RecordErrorKind::BadValue {
                    field: "date",
                    reason: "expected YYYY-MM-DD or an ISO 8601 date-time".into(),
                },
            ),
            (
                r#"{"id":"a","text":"t""#,
                RecordErrorKind::InvalidJson {
                    category: "unexpected end",
                    column: 20,
                },
            ),
            (
                "[1,2]",
                RecordErrorKind::InvalidJson {
                    category: "not an object",
                    column: 1,
                },
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line).unwrap_err(), *want, "{line:?}");
        }
        let origin = Origin {
            source: "t".into(),
            line: Some(3),
        };
        let err = parse_record(b"{\"id\":\"a\",\"text\":\"\xff\"}", origin).unwrap_err();
        assert_eq!(err.kind, RecordErrorKind::InvalidUtf8 { offset: 18 });
        assert_eq!(err.to_string(), "t:3: invalid UTF-8 at byte 18");
    }
}
