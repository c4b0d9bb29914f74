//! Notes: the unit of input.

use crate::error::Origin;

/// One ward note, as read from the input.
///
/// `text` is exactly the decoded input: a leading UTF-8 byte order mark is
/// dropped and nothing else is changed (CRLF and a trailing newline are kept).
/// Every offset in the output refers to this text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The note id: unique within a run.
    pub id: String,
    /// The note text.
    pub text: String,
    /// The note's date (`YYYY-MM-DD`), from the record or the run's default.
    pub date: Option<String>,
    /// The patient id, when the input gives one.
    pub patient: Option<String>,
    /// Where the note was read from, to name it in errors.
    pub origin: Origin,
}

impl Note {
    /// A note with an id and text, no date and no patient.
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Note {
        let mut text = text.into();
        strip_bom(&mut text);
        Note {
            id: id.into(),
            text,
            date: None,
            patient: None,
            origin: Origin {
                source: "<api>".into(),
                line: None,
            },
        }
    }

    /// Set the note date; it must be `YYYY-MM-DD` or an ISO 8601 date-time.
    pub fn with_date(mut self, date: &str) -> Result<Note, String> {
        self.date = Some(parse_note_date(date)?);
        Ok(self)
    }
}

/// Drop one leading U+FEFF (a UTF-8 byte order mark).
pub(crate) fn strip_bom(text: &mut String) {
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
}

/// Validate a note date and return its calendar date, `YYYY-MM-DD`.
///
/// Accepts `YYYY-MM-DD` or an ISO 8601 date-time starting with one
/// (`2025-03-12T14:20`, `2025-03-12T14:20:00Z`, `2025-03-12T14:20:00+01:00`).
/// The calendar date is taken as written.
pub fn parse_note_date(value: &str) -> Result<String, String> {
    let bytes = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = value.get(r)?;
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let bad = || "expected YYYY-MM-DD or an ISO 8601 date-time".to_string();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(bad());
    }
    let (year, month, day) = match (digits(0..4), digits(5..7), digits(8..10)) {
        (Some(y), Some(m), Some(d)) => (y, m, d),
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err("not a calendar date".to_string());
    }
    if bytes.len() > 10 && !valid_time_suffix(&value[10..]) {
        return Err(bad());
    }
    Ok(value[..10].to_string())
}

fn valid_time_suffix(rest: &str) -> bool {
    // T hh:mm[:ss[.fff]][Z|±hh:mm]
    let b = rest.as_bytes();
    let two = |i: usize, max: u32| -> bool {
        b.len() >= i + 2
            && b[i].is_ascii_digit()
            && b[i + 1].is_ascii_digit()
            && u32::from(b[i] - b'0') * 10 + u32::from(b[i + 1] - b'0') <= max
    };
    if b.first() != Some(&b'T') || !two(1, 23) || b.get(3) != Some(&b':') || !two(4, 59) {
        return false;
    }
    let mut i = 6;
    if b.get(i) == Some(&b':') {
        if !two(i + 1, 60) {
            return false;
        }
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    match b.get(i) {
        None => true,
        Some(b'Z') => i + 1 == b.len(),
        Some(b'+') | Some(b'-') => {
            two(i + 1, 14) && b.get(i + 3) == Some(&b':') && two(i + 4, 59) && i + 6 == b.len()
        }
        _ => false,
    }
}

pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn note_dates() {
        let ok = [
            ("2025-03-12", "2025-03-12"),
            ("2024-02-29", "2024-02-29"),
            ("2025-03-12T14:20", "2025-03-12"),
            ("2025-03-12T14:20:05Z", "2025-03-12"),
            ("2025-03-12T14:20:05.123+01:00", "2025-03-12"),
        ];
        for (input, want) in ok {
            assert_eq!(parse_note_date(input).as_deref(), Ok(want), "{input}");
        }
        for bad in [
            "",
            "12/03/2025",
            "2025-02-29",
            "2025-13-01",
            "2025-03-12 14:20",
            "2025-03-12T25:00",
            "2025-03-12Tx",
            "2025-03-12T14:20+0100",
        ] {
            assert!(parse_note_date(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn bom_is_dropped_once() {
        let note = Note::new("a", "\u{feff}\u{feff}text");
        assert_eq!(note.text, "\u{feff}text");
    }
}
