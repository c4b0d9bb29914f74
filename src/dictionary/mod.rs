//! Dictionaries: terms, their kinds and their codes, and the matcher that finds
//! them in a note.
//!
//! # File format
//!
//! A dictionary is a UTF-8, tab-separated file (`<TAB>` below is one tab). Its first line that is neither
//! blank nor a `#` comment is the header, exactly:
//!
//! ```text
//! term<TAB>kind<TAB>display<TAB>system<TAB>code<TAB>case<TAB>chronic<TAB>also
//! ```
//!
//! | column  | meaning |
//! |---------|---------|
//! | term    | the text to find, matched as whole words |
//! | kind    | `problem` or `medication` |
//! | display | the concept's preferred display |
//! | system  | the code system URI (`http://snomed.info/sct`, `http://fdasis.nlm.nih.gov`, …) |
//! | code    | the code in that system |
//! | case    | `s`: case-sensitive (ward abbreviations), `i`: any case |
//! | chronic | `yes` for a condition that stays active when listed as past history |
//! | also    | further codings, `system|code` separated by `;` (may be empty) |
//!
//! A later dictionary (`--dict`) replaces an earlier entry with the same term
//! and case mode; within one file a term given twice with different codes is
//! an error.

mod ambiguity;
pub mod lint;
mod matcher;
mod rule;

pub use ambiguity::AmbiguityRules;
pub use matcher::{leftmost_longest, Folded, Match, Matcher, PhraseSet};
pub use rule::{parse_rows, Coding, Dictionary, Entry, Kind, Rows, HEADER};

/// The dictionaries built into the binary, as `(name, contents)`, in the
/// order they are layered: the generated open sources first, then the
/// curated UK layer, whose rows replace theirs.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "snomed-gps/problems.tsv",
        include_str!("../../dictionaries/snomed-gps/problems.tsv"),
    ),
    (
        "icd10cm/problems.tsv",
        include_str!("../../dictionaries/icd10cm/problems.tsv"),
    ),
    (
        "drugbank/medications.tsv",
        include_str!("../../dictionaries/drugbank/medications.tsv"),
    ),
    (
        "uk/problems.tsv",
        include_str!("../../dictionaries/uk/problems.tsv"),
    ),
    (
        "uk/medications.tsv",
        include_str!("../../dictionaries/uk/medications.tsv"),
    ),
    (
        "uk/allergies.tsv",
        include_str!("../../dictionaries/uk/allergies.tsv"),
    ),
];
