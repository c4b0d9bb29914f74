//! Reading notes: `.txt` files, directories of them, and JSONL.
//!
//! Inputs are read lazily, one record at a time, so a run's memory does not
//! grow with the size of its input. Every record yields either a [`Note`] or a
//! [`RecordError`] naming where it came from: nothing is skipped silently.
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
        match path.extension().and_then(|e| e.to_str()) {
            Some("txt") => Ok(Input::Text(path)),
            Some("jsonl") | Some("ndjson") => Ok(Input::Jsonl(path)),
            _ => Err(Error::new(ErrorKind::Input {
                path,
                reason: "unsupported input: expected a .txt, .jsonl or .ndjson file, a directory, or -"
                    .into(),
            })),
        }
    }
}

/// A lazy stream of records over several inputs, in order.
pub struct Records {
    pending: VecDeque<Input>,
    current: Option<Box<dyn Iterator<Item = Result<Note, RecordError>> + Send>>,
}

impl Records {
    /// Read `inputs` in order.
    pub fn new(inputs: Vec<Input>) -> Records {
        Records {
            pending: inputs.into(),
            current: None,
        }
    }

    fn open(&self, input: Input) -> Box<dyn Iterator<Item = Result<Note, RecordError>> + Send> {
        match input {
            Input::Stdin => Box::new(JsonLines::new(
                "<stdin>".into(),
                BufReader::new(Box::new(io::stdin()) as Box<dyn Read + Send>),
            )),
            Input::Jsonl(path) => {
                let source = path.display().to_string();
                match fs::File::open(&path) {
                    Ok(file) => Box::new(JsonLines::new(
                        source,
                        BufReader::with_capacity(1 << 20, Box::new(file) as Box<dyn Read + Send>),
                    )),
                    Err(err) => Box::new(std::iter::once(Err(read_error(source, err)))),
                }
            }
            Input::Text(path) => {
                let id = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                Box::new(std::iter::once(read_text(&path, id)))
            }
            Input::Dir(root) => match list_txt(&root) {
                Ok(files) => Box::new(files.into_iter().map(move |(path, id)| read_text(&path, id))),
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

fn read_error(source: String, err: io::Error) -> RecordError {
    RecordError::new(
        Origin { source, line: None },
        None,
        RecordErrorKind::Read(err.kind().to_string()),
    )
}

fn read_text(path: &Path, id: String) -> Result<Note, RecordError> {
    let source = path.display().to_string();
    let bytes = fs::read(path).map_err(|err| read_error(source.clone(), err))?;
    let mut text = String::from_utf8(bytes).map_err(|err| {
        RecordError::new(
            Origin {
                source: source.clone(),
                line: None,
            },
            Some(id.clone()),
            RecordErrorKind::InvalidUtf8 {
                offset: err.utf8_error().valid_up_to(),
            },
        )
    })?;
    strip_bom(&mut text);
    Ok(Note {
        id,
        text,
        date: None,
        patient: None,
        origin: Origin { source, line: None },
    })
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
        match self.reader.read_until(b'\n', &mut self.buf) {
            Ok(0) => {
                self.done = true;
                None
            }
            Ok(_) => {
                self.line += 1;
                let origin = Origin {
                    source: self.source.clone(),
                    line: Some(self.line),
                };
                let mut bytes = self.buf.as_slice();
                if let Some(rest) = bytes.strip_suffix(b"\n") {
                    bytes = rest.strip_suffix(b"\r").unwrap_or(rest);
                }
                if self.line == 1 {
                    bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                }
                Some(parse_record(bytes, origin))
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
        Some(Value::String(date)) => match parse_note_date(&date) {
            Ok(date) => Some(date),
            Err(reason) => {
                return fail(
                    Some(id),
                    RecordErrorKind::BadValue {
                        field: "date",
                        reason,
                    },
                )
            }
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
