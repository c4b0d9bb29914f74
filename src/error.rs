//! Error types.
//!
//! Two kinds of failure are kept apart, as the error policy requires:
//!
//! * [`Error`] is fatal for a run: a dictionary that does not parse, an input
//!   path that does not exist, an output that cannot be written.
//! * [`RecordError`] belongs to one input record (a JSONL line, a `.txt` file):
//!   the batch reports it and goes on.
//!
//! Neither ever carries note text: records are named by their origin (file and
//! line) and their note id.

use std::fmt;
use std::path::PathBuf;

/// A fatal error from the library.
#[derive(Debug, thiserror::Error)]
#[error("{kind}")]
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error { kind }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, err: std::io::Error) -> Error {
        Error::new(ErrorKind::Io {
            path: path.into(),
            err,
        })
    }
}

/// The kinds of fatal error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A dictionary row or header is malformed.
    #[error("{source_name}:{line}: {reason}")]
    Dictionary {
        /// The dictionary's name (a path, or `<embedded>/NAME` for built-in ones).
        source_name: String,
        /// The 1-based line number.
        line: usize,
        /// Why the row was refused.
        reason: String,
    },
    /// An automaton could not be built.
    #[error("building the matcher: {0}")]
    Automaton(String),
    /// An input path cannot be used.
    #[error("{}: {reason}", path.display())]
    Input {
        /// The path as given.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// Reading or writing failed.
    #[error("{}: {err}", path.display())]
    Io {
        /// The file concerned (`-` for standard input or output).
        path: PathBuf,
        /// The underlying error.
        err: std::io::Error,
    },
    /// An option has a value the library cannot use.
    #[error("{0}")]
    Option(String),
}

/// Where a record came from: a file (or standard input) and, for line-based
/// inputs, its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file's path as given on the command line, or `<stdin>`.
    pub source: String,
    /// The 1-based line number for line-based inputs.
    pub line: Option<u64>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.source, line),
            None => f.write_str(&self.source),
        }
    }
}

/// A record that could not be converted. The batch goes on without it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// Where the record came from.
    pub origin: Origin,
    /// The record's note id, when it could be read.
    pub note_id: Option<String>,
    /// Why it was rejected.
    pub kind: RecordErrorKind,
}

impl RecordError {
    pub(crate) fn new(origin: Origin, note_id: Option<String>, kind: RecordErrorKind) -> Self {
        RecordError {
            origin,
            note_id,
            kind,
        }
    }

    /// The reason alone, without the origin: safe to show, never note text.
    pub fn reason(&self) -> String {
        self.kind.to_string()
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(id) = &self.note_id {
            write!(f, ": note {id:?}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl std::error::Error for RecordError {}

/// Why a record was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// The bytes are not UTF-8.
    #[error("invalid UTF-8 at byte {offset}")]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence (in the line or file).
        offset: usize,
    },
    /// The line is not a JSON object.
    #[error("invalid JSON ({category}) at column {column}")]
    InvalidJson {
        /// serde_json's category: syntax, eof or data.
        category: &'static str,
        /// The 1-based column.
        column: usize,
    },
    /// The line is blank, so holds no record.
    #[error("blank line: no record")]
    BlankLine,
    /// A required field is absent (or null).
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    /// A field has the wrong JSON type.
    #[error("field `{field}` must be {expected}")]
    WrongType {
        /// The field's name.
        field: &'static str,
        /// What it must be.
        expected: &'static str,
    },
    /// A field has a value that cannot be used.
    #[error("field `{field}`: {reason}")]
    BadValue {
        /// The field's name.
        field: &'static str,
        /// Why the value cannot be used (never the value when it may be note text).
        reason: String,
    },
    /// The note id was already used by an earlier record in this run.
    #[error("duplicate note id: an earlier record in this run has the same id")]
    DuplicateId,
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Read(String),
    /// The note (or its line) is over the size limit.
    #[error("{what} is {bytes} bytes, over the limit of {limit}")]
    TooLarge {
        /// `note` or `line`.
        what: &'static str,
        /// Its size (at least; a line is not read to its end).
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// A note read from a stream (a pipe, a device, a decompressed file) is
    /// over the size limit; reading stopped one byte past it.
    #[error("{what} is over the limit of {limit} bytes (reading stopped there)")]
    OverLimit {
        /// `note`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// A CSV quoted field opened in this record is never closed: it runs to
    /// the end of the file, swallowing every row after it.
    #[error("unclosed quote: a quoted field opened in this row runs to the end of the file")]
    UnclosedQuote,
    /// Converting the note hit a bug (a panic, caught by [`crate::guard`]).
    /// Nothing of the panic's message is kept: it may quote note text.
    #[error("internal-error: a bug stopped this note's conversion (report it with the note id)")]
    InternalError,
}

impl RecordErrorKind {
    /// The FHIR `OperationOutcome.issue.code` (issue-type) for this error.
    pub fn issue_code(&self) -> &'static str {
        match self {
            RecordErrorKind::InvalidUtf8 { .. } => "invalid",
            RecordErrorKind::InvalidJson { .. } => "structure",
            RecordErrorKind::BlankLine => "structure",
            RecordErrorKind::MissingField(_) => "required",
            RecordErrorKind::WrongType { .. } | RecordErrorKind::BadValue { .. } => "value",
            RecordErrorKind::DuplicateId => "duplicate",
            RecordErrorKind::Read(_) => "exception",
            RecordErrorKind::TooLarge { .. } | RecordErrorKind::OverLimit { .. } => "too-long",
            RecordErrorKind::UnclosedQuote => "structure",
            RecordErrorKind::InternalError => "exception",
        }
    }

    /// A short stable name for this kind of error (`blank-line`,
    /// `invalid-json`, …), to count errors of one kind.
    pub fn name(&self) -> &'static str {
        match self {
            RecordErrorKind::InvalidUtf8 { .. } => "invalid-utf8",
            RecordErrorKind::InvalidJson { .. } => "invalid-json",
            RecordErrorKind::BlankLine => "blank-line",
            RecordErrorKind::MissingField(_) => "missing-field",
            RecordErrorKind::WrongType { .. } => "wrong-type",
            RecordErrorKind::BadValue { .. } => "bad-value",
            RecordErrorKind::DuplicateId => "duplicate-id",
            RecordErrorKind::Read(_) => "read-error",
            RecordErrorKind::TooLarge { .. } | RecordErrorKind::OverLimit { .. } => "too-long",
            RecordErrorKind::UnclosedQuote => "unclosed-quote",
            RecordErrorKind::InternalError => "internal-error",
        }
    }
}
