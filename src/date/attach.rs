//! Attaching dates to findings.
//!
//! A date attaches to a finding when it stands in the same clause or list
//! item: the same sentence, with no `,` or `;` and no other finding between
//! them. Only point-in-time mentions attach (dates, date-times, times,
//! relative dates and ranges with a calendar value); the nearest wins, and on a tie
//! the one after the finding ("MI 2019").

use std::ops::Range;

use super::{DateKind, DateMention};

/// The index of the date in `dates` that attaches to the finding at
/// `finding`, whose sentence is `sentence`; `findings` are all findings'
/// spans, sorted (the finding's own included). Dates are sorted by span.
pub fn attach(
    text: &str,
    dates: &[DateMention],
    sentence: &Range<usize>,
    finding: &Range<usize>,
    findings: &[Range<usize>],
) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    // Only the dates inside the sentence.
    let first = dates.partition_point(|d| d.span.start < sentence.start);
    let last = dates.partition_point(|d| d.span.start < sentence.end);
    for (i, d) in dates.iter().enumerate().take(last).skip(first) {
        let point = matches!(
            d.kind,
            DateKind::Date | DateKind::DateTime | DateKind::Time | DateKind::Relative | DateKind::Range
        );
        if !point || d.fhir_datetime.is_none() {
            continue;
        }
        if d.span.start < sentence.start || d.span.end > sentence.end {
            continue;
        }
        let gap = if d.span.start >= finding.end {
            finding.end..d.span.start
        } else if d.span.end <= finding.start {
            d.span.end..finding.start
        } else {
            continue;
        };
        // Another finding inside the gap separates them.
        let inside = findings.partition_point(|f| f.start < gap.start);
        let between = findings.get(inside).is_some_and(|f| f.end <= gap.end);
        if text[gap.clone()].contains([',', ';']) || between {
            continue;
        }
        // Distance, with dates after the finding preferred on a tie.
        let distance = 2 * gap.len() + usize::from(d.span.start < finding.start);
        if best.is_none_or(|(_, b)| distance < b) {
            best = Some((i, distance));
        }
    }
    best.map(|(i, _)| i)
}

/// A relative's age at onset right after a finding: "MI at 60", "MI aged
/// 60", "breast ca (at age 50)".
pub fn onset_age(text: &str, after: usize) -> Option<u32> {
    let rest = text[after..].trim_start_matches([' ', '(', ',', '-']);
    let lower = rest.get(..rest.len().min(16))?.to_ascii_lowercase();
    let skip = ["at age ", "aged ", "age ", "at "]
        .iter()
        .find(|p| lower.starts_with(**p))?
        .len();
    let digits: String = rest[skip..].chars().take_while(char::is_ascii_digit).collect();
    let next = rest[skip + digits.len()..].chars().next();
    if digits.is_empty() || digits.len() > 3 || next.is_some_and(|c| c.is_alphanumeric() && !"ys".contains(c))
    {
        return None;
    }
    digits.parse().ok().filter(|age| (1..=120).contains(age))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(onset_age("MI at 60.", 2), Some(60));
        assert_eq!(onset_age("breast ca (at age 50)", 9), Some(50));
        assert_eq!(onset_age("MI aged 72y", 2), Some(72));
        assert_eq!(onset_age("MI at 60mg", 2), None);
        assert_eq!(onset_age("MI at home", 2), None);
        assert_eq!(onset_age("MI", 2), None);
    }
}
