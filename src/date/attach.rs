//! Attaching dates to findings.
//!
//! A date attaches to a finding when it stands in the same clause or list
//! item: the same sentence, with no `,` or `;` and no other finding between
//! them. Only point-in-time mentions attach (dates, date-times, times,
//! relative dates and ranges with a calendar value); the nearest wins, and on a tie
//! the one after the finding ("MI 2019").

use std::ops::Range;

use super::{DateKind, DateMention};
use crate::section::Separators;

/// The index of the date in `dates` that attaches to the finding at
/// `finding`, whose sentence is `sentence`; `findings` are all findings'
/// spans, sorted (the finding's own included), and `seps` the note's
/// separators. Dates are sorted by span and do not overlap.
pub fn attach(
    seps: &Separators,
    dates: &[DateMention],
    sentence: &Range<usize>,
    finding: &Range<usize>,
    findings: &[Range<usize>],
) -> Option<usize> {
    // Only the dates inside the sentence, split at the finding. On each side
    // the gap grows with every date further out, so the first date that may
    // attach is that side's nearest, and a `,` or `;` in a gap is in every
    // gap beyond it.
    let first = dates.partition_point(|d| d.span.start < sentence.start);
    let last = first + dates[first..].partition_point(|d| d.span.start < sentence.end);
    let split = first + dates[first..last].partition_point(|d| d.span.start < finding.end);
    let reach = |i: usize| reach(seps, &dates[i], sentence, finding, findings);
    let after = nearest(split..last, reach);
    let before = nearest((first..split).rev(), reach);
    // Distances after the finding are even, before it odd: no tie.
    [after, before]
        .into_iter()
        .flatten()
        .min_by_key(|(_, distance)| *distance)
        .map(|(i, _)| i)
}

/// The first date in `order` that may attach, and its distance.
fn nearest(mut order: impl Iterator<Item = usize>, reach: impl Fn(usize) -> Reach) -> Option<(usize, usize)> {
    order
        .find_map(|i| match reach(i) {
            Reach::Distance(d) => Some(Some((i, d))),
            Reach::Beyond => Some(None),
            Reach::Skip => None,
        })
        .flatten()
}

/// Whether a date may attach to a finding.
enum Reach {
    /// Yes, at this distance (twice the gap, plus one before the finding: on
    /// a tie the date after wins).
    Distance(usize),
    /// No, and no date further out on this side may.
    Beyond,
    /// No.
    Skip,
}

fn reach(
    seps: &Separators,
    d: &DateMention,
    sentence: &Range<usize>,
    finding: &Range<usize>,
    findings: &[Range<usize>],
) -> Reach {
    let point = matches!(
        d.kind,
        DateKind::Date | DateKind::DateTime | DateKind::Time | DateKind::Relative | DateKind::Range
    );
    if !point || d.fhir_datetime.is_none() || d.span.start < sentence.start || d.span.end > sentence.end {
        return Reach::Skip;
    }
    let gap = if d.span.start >= finding.end {
        finding.end..d.span.start
    } else if d.span.end <= finding.start {
        d.span.end..finding.start
    } else {
        return Reach::Skip;
    };
    if seps.has_comma(&gap) || seps.has_semicolon(&gap) {
        return Reach::Beyond;
    }
    // Another finding inside the gap separates them.
    let inside = findings.partition_point(|f| f.start < gap.start);
    if findings.get(inside).is_some_and(|f| f.end <= gap.end) {
        return Reach::Skip;
    }
    Reach::Distance(2 * gap.len() + usize::from(d.span.start < finding.start))
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

    /// The date attached to `finding` in `text` (one sentence), as text.
    fn attached<'t>(text: &'t str, finding: &str, others: &[&str]) -> Option<&'t str> {
        let dates = super::super::DateFinder::new().find(text, None, &super::super::DateOptions::default());
        let span = |w: &str| {
            let at = text.find(w).unwrap();
            at..at + w.len()
        };
        let mut findings: Vec<Range<usize>> = others.iter().map(|w| span(w)).collect();
        findings.push(span(finding));
        findings.sort_by_key(|f| f.start);
        let i = attach(
            &Separators::new(text),
            &dates,
            &(0..text.len()),
            &span(finding),
            &findings,
        )?;
        Some(&text[dates[i].span.clone()])
    }

    #[test]
    fn the_nearest_date_on_either_side() {
        let (a, b, c) = ("01/02/2020", "03/04/2021", "05/06/2022");
        // Nearest wins; on a tie the date after.
        assert_eq!(attached(&format!("{a} {b} MI {c}"), "MI", &[]), Some(c));
        assert_eq!(attached(&format!("{a} {b} MI  {c}"), "MI", &[]), Some(b));
        // A comma stops a side, however many dates lie beyond it.
        assert_eq!(attached(&format!("{a} {b} MI, {c} {a}"), "MI", &[]), Some(b));
        assert_eq!(attached(&format!("{a}, {b}, MI, {c}"), "MI", &[]), None);
        // Another finding between: the next date beyond it is no nearer.
        assert_eq!(attached(&format!("{a} PE MI AF {b}"), "MI", &["PE", "AF"]), None);
        assert_eq!(attached(&format!("{a} PE {b} MI"), "MI", &["PE"]), Some(b));
        assert_eq!(attached(&format!("{a} PE {b} MI"), "PE", &["MI"]), Some(b));
    }

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
