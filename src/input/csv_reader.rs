//! CSV records with bounded memory.
//!
//! The rows are parsed with `csv-core` into a fixed buffer, field by field:
//! only the columns a note needs (id, text, date, patient) are kept, each up
//! to the note-size limit, and the rest of a longer field is counted and
//! dropped. A row with an over-long field is rejected with its full size,
//! and reading goes on at the next row (quotes are still parsed, so the next
//! row is the real one). The header is kept whole up to the limit.
//!
//! A quote left open runs to the end of the file; that row is rejected as an
//! unclosed quote naming the line where it starts, instead of becoming one
//! note holding every row after it.

use std::io::{self, BufRead, BufReader, Read};

use csv_core::ReadRecordResult;

use crate::error::{Origin, RecordError, RecordErrorKind};
use crate::input::{record_date, CsvColumns, DEFAULT_MAX_NOTE_BYTES};
use crate::note::{strip_bom, Note};

/// The most header columns kept.
const MAX_COLUMNS: usize = 1 << 16;

/// (id, text, date, patient) column indices.
type Columns = (usize, usize, Option<usize>, Option<usize>);

/// CSV records: a header row, then one note per row. A ragged row, an empty
/// id, invalid UTF-8, a field over the size limit and a quote left open to
/// the end of the file are rejected with the row's line.
pub struct CsvRecords {
    source: String,
    rows: RowReader,
    columns: CsvColumns,
    index: Option<Result<Columns, String>>,
    /// The columns kept from each row, sorted.
    kept: Vec<usize>,
    width: usize,
    max_note_bytes: usize,
    done: bool,
}

impl CsvRecords {
    /// Read `reader` (with a header row); `source` names it in errors.
    pub fn new(source: String, reader: Box<dyn Read + Send>, columns: CsvColumns) -> Self {
        CsvRecords {
            source,
            rows: RowReader::new(reader),
            columns,
            index: None,
            kept: Vec::new(),
            width: 0,
            max_note_bytes: DEFAULT_MAX_NOTE_BYTES,
            done: false,
        }
    }

    /// Refuse notes over `bytes` of text (default 5 MB); no kept field is
    /// held beyond that, and the header not beyond that in all.
    pub fn with_max_note_bytes(mut self, bytes: usize) -> Self {
        self.max_note_bytes = bytes;
        self
    }

    /// The most bytes held of one kept field: the limit and a byte order mark.
    fn field_cap(&self) -> usize {
        self.max_note_bytes.saturating_add(3)
    }

    fn header(&mut self) -> Result<Columns, String> {
        let cap = self.max_note_bytes.max(1 << 16);
        let row = self
            .rows
            .read(None, cap)
            .map_err(|e| format!("cannot read the header: {}", e.kind()))?
            .unwrap_or_default();
        if row.unclosed {
            return Err("unclosed quote in the header".into());
        }
        if row.overflow {
            return Err(format!(
                "the header is over the limit of {cap} bytes or {MAX_COLUMNS} columns"
            ));
        }
        self.width = row.width;
        let find = |name: &str| {
            row.fields
                .iter()
                .position(|h| h.bytes == name.as_bytes())
                .ok_or_else(|| format!("no column {name:?} in the header"))
        };
        let id = find(&self.columns.id)?;
        let text = find(&self.columns.text)?;
        let date = self.columns.date.as_deref().map(find).transpose()?;
        let patient = self.columns.patient.as_deref().map(find).transpose()?;
        self.kept = [Some(id), Some(text), date, patient]
            .into_iter()
            .flatten()
            .collect();
        self.kept.sort_unstable();
        self.kept.dedup();
        Ok((id, text, date, patient))
    }

    fn note_from_row(&self, row: Row, cols: Columns) -> Result<Note, RecordError> {
        let (id_col, text_col, date_col, patient_col) = cols;
        let origin = Origin {
            source: self.source.clone(),
            line: Some(row.line),
        };
        let fail = |id: Option<String>, kind| Err(RecordError::new(origin.clone(), id, kind));
        if row.unclosed {
            return fail(None, RecordErrorKind::UnclosedQuote);
        }
        if row.width != self.width {
            return fail(
                None,
                RecordErrorKind::BadValue {
                    field: "row",
                    reason: format!("ragged row: {} fields, the header has {}", row.width, self.width),
                },
            );
        }
        let cap = self.field_cap();
        let field = |i: usize, what: &'static str| -> Result<&str, RecordErrorKind> {
            let f = self
                .kept
                .binary_search(&i)
                .ok()
                .and_then(|k| row.fields.get(k))
                .ok_or(RecordErrorKind::MissingField(what))?;
            if f.len > cap {
                return Err(RecordErrorKind::TooLarge {
                    what,
                    bytes: f.len,
                    limit: self.max_note_bytes,
                });
            }
            std::str::from_utf8(&f.bytes).map_err(|e| RecordErrorKind::InvalidUtf8 {
                offset: e.valid_up_to(),
            })
        };
        let id = match field(id_col, "id") {
            Ok("") => {
                return fail(
                    None,
                    RecordErrorKind::BadValue {
                        field: "id",
                        reason: "must not be empty".into(),
                    },
                )
            }
            Ok(id) => id.to_string(),
            Err(kind) => return fail(None, kind),
        };
        let mut text = match field(text_col, "note") {
            Ok(text) => text.to_string(),
            Err(kind) => return fail(Some(id), kind),
        };
        strip_bom(&mut text);
        if text.len() > self.max_note_bytes {
            let kind = RecordErrorKind::TooLarge {
                what: "note",
                bytes: text.len(),
                limit: self.max_note_bytes,
            };
            return fail(Some(id), kind);
        }
        let date = match date_col.map(|i| field(i, "date")) {
            None | Some(Ok("")) => None,
            Some(Ok(date)) => match record_date(date) {
                Ok(date) => Some(date),
                Err(kind) => return fail(Some(id), kind),
            },
            Some(Err(kind)) => return fail(Some(id), kind),
        };
        let patient = match patient_col.map(|i| field(i, "patient")) {
            None | Some(Ok("")) => None,
            Some(Ok(p)) => Some(p.to_string()),
            Some(Err(kind)) => return fail(Some(id), kind),
        };
        Ok(Note {
            id,
            text,
            date,
            patient,
            origin,
        })
    }
}

impl Iterator for CsvRecords {
    type Item = Result<Note, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.index.is_none() {
            self.index = Some(self.header());
        }
        let cols = match self.index.clone()? {
            Ok(cols) => cols,
            Err(reason) => {
                self.done = true;
                let origin = Origin {
                    source: self.source.clone(),
                    line: Some(1),
                };
                return Some(Err(RecordError::new(origin, None, RecordErrorKind::Read(reason))));
            }
        };
        let cap = self.field_cap();
        match self.rows.read(Some(&self.kept), cap) {
            Ok(Some(row)) => Some(self.note_from_row(row, cols)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(err) => {
                // An I/O error (a corrupt gzip stream, say) ends the file.
                self.done = true;
                let origin = Origin {
                    source: self.source.clone(),
                    line: Some(self.rows.core.line()),
                };
                Some(Err(RecordError::new(
                    origin,
                    None,
                    RecordErrorKind::Read(err.kind().to_string()),
                )))
            }
        }
    }
}

/// One field as read: at most the cap of its bytes, and its full length.
#[derive(Debug, Default, Clone)]
struct Field {
    bytes: Vec<u8>,
    len: usize,
}

/// One row as read.
#[derive(Debug, Default)]
struct Row {
    /// The line where the row starts.
    line: u64,
    /// How many fields it has.
    width: usize,
    /// The kept fields, in column order.
    fields: Vec<Field>,
    /// A quoted field in it runs to the end of the input.
    unclosed: bool,
    /// Keeping every field (the header) went over the cap.
    overflow: bool,
    /// Bytes held in all.
    held: usize,
}

impl Row {
    /// Add `bytes` to field `i`: only the fields in `kept` (every field
    /// when `None`), and only up to `cap` bytes each (in all when every
    /// field is kept).
    fn take(&mut self, i: usize, bytes: &[u8], kept: Option<&[usize]>, cap: usize) {
        let slot = match kept {
            Some(kept) => match kept.binary_search(&i) {
                Ok(slot) => slot,
                Err(_) => return,
            },
            None => {
                if i >= MAX_COLUMNS || self.held + bytes.len() > cap {
                    self.overflow = true;
                    return;
                }
                i
            }
        };
        if self.fields.len() <= slot {
            self.fields.resize(slot + 1, Field::default());
        }
        let field = &mut self.fields[slot];
        field.len += bytes.len();
        let room = cap.saturating_sub(field.bytes.len());
        let kept = bytes.len().min(room);
        field.bytes.extend_from_slice(&bytes[..kept]);
        self.held += kept;
    }
}

/// Reads rows with `csv-core` through a fixed buffer.
struct RowReader {
    reader: BufReader<Box<dyn Read + Send>>,
    core: csv_core::Reader,
    scratch: Vec<u8>,
    ends: [usize; 64],
    /// Whether the end of the input was probed for an open quote.
    probed: bool,
}

impl RowReader {
    fn new(reader: Box<dyn Read + Send>) -> Self {
        RowReader {
            reader: BufReader::with_capacity(1 << 16, reader),
            core: csv_core::Reader::new(),
            scratch: vec![0; 1 << 16],
            ends: [0; 64],
            probed: false,
        }
    }

    /// Skip blank lines (as the parser would) to learn the line where the
    /// next row starts.
    fn skip_blank_lines(&mut self) -> io::Result<()> {
        loop {
            let input = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let skip = input.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
            if skip == 0 {
                return Ok(());
            }
            let newlines = input[..skip].iter().filter(|&&b| b == b'\n').count();
            self.reader.consume(skip);
            self.core.set_line(self.core.line() + newlines as u64);
        }
    }

    /// Read the next row, keeping the fields in `kept` (all when `None`) up
    /// to `cap` bytes each; `Ok(None)` at the end.
    fn read(&mut self, kept: Option<&[usize]>, cap: usize) -> io::Result<Option<Row>> {
        self.skip_blank_lines()?;
        let mut row = Row {
            line: self.core.line(),
            ..Row::default()
        };
        // Bytes of this row's output before the current chunk: `ends` count
        // from the row's start.
        let mut before = 0;
        loop {
            let input = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            // At the end, a line break is fed first: it ends a row as the
            // end would, unless a quoted field is open, where it is text.
            let probe = input.is_empty() && !self.probed;
            let input = if probe { b"\n".as_slice() } else { input };
            let (result, nin, nout, nend) = self.core.read_record(input, &mut self.scratch, &mut self.ends);
            if probe {
                self.probed = true;
                row.unclosed = nout > 0;
            } else {
                self.reader.consume(nin);
            }
            let mut start = 0;
            for &end in &self.ends[..nend] {
                let end = end - before;
                row.take(row.width, &self.scratch[start..end], kept, cap);
                row.width += 1;
                start = end;
            }
            if start < nout {
                row.take(row.width, &self.scratch[start..nout], kept, cap);
            }
            before += nout;
            match result {
                ReadRecordResult::InputEmpty
                | ReadRecordResult::OutputFull
                | ReadRecordResult::OutputEndsFull => continue,
                ReadRecordResult::Record => return Ok(Some(row)),
                ReadRecordResult::End => return Ok(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &str, max: usize) -> Vec<Result<(String, u64), (RecordErrorKind, u64)>> {
        CsvRecords::new(
            "t.csv".into(),
            Box::new(io::Cursor::new(input.as_bytes().to_vec())),
            CsvColumns::default(),
        )
        .with_max_note_bytes(max)
        .map(|r| match r {
            Ok(note) => Ok((note.text, note.origin.line.unwrap())),
            Err(err) => Err((err.kind, err.origin.line.unwrap())),
        })
        .collect()
    }

    #[test]
    fn rows_quotes_and_lines() {
        let got = read(
            "\u{feff}id,text\r\n\r\na,\"multi\nline, \"\"quoted\"\"\"\nb,plain\n\n\nc,\"\"",
            100,
        );
        assert_eq!(
            got,
            [
                Ok(("multi\nline, \"quoted\"".into(), 3)),
                Ok(("plain".into(), 5)),
                Ok(("".into(), 8)),
            ]
        );
    }

    #[test]
    fn a_long_field_is_rejected_and_the_next_row_read() {
        let long = "x".repeat(100_000);
        let got = read(
            &format!("id,text,other\na,\"{long}\",y\nb,ok,\"{long}\"\nc,\"{long}\n"),
            50,
        );
        assert_eq!(
            got,
            [
                Err((
                    RecordErrorKind::TooLarge {
                        what: "note",
                        bytes: 100_000,
                        limit: 50
                    },
                    2
                )),
                // An unkept column may be any size.
                Ok(("ok".into(), 3)),
                Err((RecordErrorKind::UnclosedQuote, 4)),
            ]
        );
    }

    #[test]
    fn a_long_field_is_counted_not_held() {
        let input = io::Cursor::new(b"a,\"".to_vec())
            .chain(io::repeat(b'x').take(10 << 20))
            .chain(io::Cursor::new(b"\",b\n".to_vec()));
        let mut rows = RowReader::new(Box::new(input));
        let row = rows.read(Some(&[1]), 100).unwrap().unwrap();
        assert_eq!((row.width, row.fields.len()), (3, 1));
        assert_eq!((row.fields[0].len, row.fields[0].bytes.len()), (10 << 20, 100));
        assert!(rows.read(Some(&[1]), 100).unwrap().is_none());
    }

    #[test]
    fn an_unclosed_quote_names_its_row() {
        let got = read("id,text\na,\"asthma\nb,HTN\nc,AF\n", 100);
        assert_eq!(got, [Err((RecordErrorKind::UnclosedQuote, 2))]);
        // A closed quote at the very end is fine, with or without a line end.
        assert_eq!(read("id,text\na,\"x\"", 100), [Ok(("x".into(), 2))]);
        assert_eq!(read("id,text\na,\"x\"\"\"\n", 100), [Ok(("x\"".into(), 2))]);
        // An escaped quote is not a closing one.
        assert_eq!(
            read("id,text\na,\"x\"\"", 100),
            [Err((RecordErrorKind::UnclosedQuote, 2))]
        );
    }

    #[test]
    fn header_limits() {
        let got = read(&format!("id,text,{}\na,b\n", "h".repeat(70_000)), 10);
        assert!(
            matches!(&got[..], [Err((RecordErrorKind::Read(reason), 1))] if reason.contains("header is over")),
            "{got:?}"
        );
        let got = read("", 10);
        assert!(
            matches!(&got[..], [Err((RecordErrorKind::Read(reason), 1))] if reason.contains("no column \"id\"")),
            "{got:?}"
        );
    }
}
