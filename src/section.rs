//! Splitting a note into sentences, the scope of context cues.
//!
//! Ward notes are line-oriented, so a line break always ends a sentence. A
//! `.` or `!` ends one when followed by white space or the end of the note (so
//! `2.5mg` and `38.5` do not); a `?` ends one only when it follows a word and
//! precedes white space (so `?PE` and `? PE` are cues, not ends).

use std::ops::Range;

/// The sentences of a note, as byte ranges in order.
#[derive(Debug, Clone)]
pub struct Sentences {
    /// Byte offsets where a sentence starts, ascending, starting with 0.
    starts: Vec<usize>,
    len: usize,
}

impl Sentences {
    /// Split `text`.
    pub fn new(text: &str) -> Sentences {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        for (i, &b) in bytes.iter().enumerate() {
            let next_is_space = bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
            let ends = match b {
                b'\n' => true,
                b'.' | b'!' => next_is_space,
                b'?' => next_is_space && i > 0 && bytes[i - 1].is_ascii_alphanumeric(),
                _ => false,
            };
            if ends && i + 1 < bytes.len() {
                starts.push(i + 1);
            }
        }
        starts.dedup();
        Sentences {
            starts,
            len: text.len(),
        }
    }

    /// The sentence holding byte offset `at`.
    pub fn around(&self, at: usize) -> Range<usize> {
        let i = self.starts.partition_point(|&s| s <= at).saturating_sub(1);
        let end = self.starts.get(i + 1).copied().unwrap_or(self.len);
        self.starts[i]..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_ends() {
        let text = "No chest pain. ?PE vs pneumonia. Temp 38.5 today\nAny SOB? No.";
        let s = Sentences::new(text);
        let pieces: Vec<&str> = s.starts.iter().map(|&st| &text[s.around(st)]).collect();
        assert_eq!(
            pieces,
            [
                "No chest pain.",
                " ?PE vs pneumonia.",
                " Temp 38.5 today\n",
                "Any SOB?",
                " No."
            ]
        );
        assert_eq!(Sentences::new("").around(0), 0..0);
    }
}
