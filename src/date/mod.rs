//! Dates and times: finding them and normalising them against the note date.
//!
//! # Overview
//!
//! A [`DateFinder`] is built once (it compiles its regexes from the word
//! lists in `rules.rs`) and shared by `&`. [`DateFinder::find`] returns every
//! date or time expression in a text, in order and without overlaps, as
//! [`DateMention`]s with byte spans; relative ones are resolved against an
//! optional [`Anchor`], the note's own date. [`DateFinder::header_date`]
//! finds a date at the head of a note that can serve as that anchor.
//!
//! ```
//! use chrono::NaiveDate;
//! use note2fhir::date::{Anchor, AnchorSource, DateFinder, DateKind, DateOptions};
//!
//! let finder = DateFinder::new();
//! let anchor = Anchor::new(NaiveDate::from_ymd_opt(2025, 7, 15).unwrap(), AnchorSource::NoteDate);
//! let text = "Seen 12/07/2025 14:30. Abx x 5/7. CT yesterday.";
//! let found = finder.find(text, Some(&anchor), &DateOptions::default());
//! assert_eq!(&text[found[0].span.clone()], "12/07/2025 14:30");
//! assert_eq!(found[0].fhir_datetime.as_deref(), Some("2025-07-12T14:30:00+01:00"));
//! assert_eq!(found[1].kind, DateKind::Duration);
//! assert_eq!(found[1].duration, Some((5.0, "d")));
//! assert_eq!(found[2].value.as_deref(), Some("2025-07-14"));
//! ```
//!
//! # What is found
//!
//! * numeric dates `12/03/2025`, `12/3/25`, `12.03.2025`, `12-03-2025`
//!   (day first unless [`DateOrder::MonthFirst`]); impossible dates
//!   (`31/02/2025`) are not dates;
//! * ISO dates and date-times `2025-03-12`, `2025-03-12T14:30`,
//!   `2025-03-12 14:30:00+01:00`;
//! * written dates `12 Mar 2025`, `12th of March, 2025`, `12-MAR-25`,
//!   `March 12th, 2025`, `12th March`, months `March 2025`, `Mar-25`, and
//!   lone years after a cue (`in 2019`, `since 2015`, `MI 2019`, `(2019)`);
//! * times `14:30`, `2pm`, `2:30 p.m.`, `1430hrs`, `1430h`, `midday`,
//!   joined with a date just before or after into one date-time
//!   (`12/03/2025 at 14:20`, `14:20 on 12/03/2025`, `yesterday 14:00`);
//! * relative dates `today`, `yesterday`, `last night`, `3 days ago`,
//!   `3/7 ago`, `in 2 weeks`, `2 days' time`, `on Monday`, `last week`;
//! * day counters `POD 2`, `post-op day 2`, `day 3`, `D5 of admission`;
//! * durations `3 days`, `x 2/7`, `2/52`, `3/12 review`, `48h`;
//! * ranges `from 01/03 to 05/03`, `01/03/2025 - 05/03/2025`,
//!   `between 1 and 5 March`, `1st-5th March 2025`.
//!
//! Spans cover the words that carry the value: prepositions that only
//! introduce an expression (`on`, `for`, `from`, `since`, `x`) are left
//! out; words that change it (`ago`, `in … time`, `last`, `next`) are in.
//!
//! # Choices
//!
//! * **Two-digit years** with an anchor fall in the anchor's century, or the
//!   one before if that would put them after the anchor's year (`12/3/45`
//!   → 1945 and `12/3/25` → 2025 for a 2025 anchor; so `12/3/26` → 1926).
//!   Without an anchor: 00–69 → 20xx, 70–99 → 19xx (POSIX `%y`).
//! * **No year** (`12th March`, `on 01/03`): the anchor's year, or the year
//!   before if the date would lie more than six months after the anchor.
//!   Without an anchor the mention is kept with no value and
//!   [`Precision::Unknown`].
//! * **Day/month `a/b`** is a date only (1) inside a range, (2) joined
//!   to a time, or (3) with an anchor *and* a cue word just before it (`on`,
//!   `from`, `since`, `dated`, `seen`, a weekday, …; not `by`, as in
//!   "reduced by 1/2"); never after a score word (`AMTS`, `GCS`, `power`,
//!   `pain`, …) or before `power`, `tablet`, `occasions` or a unit,
//!   and never alone when `b` is 7, 12, 24 or 52, the clinical fractions
//!   (`24/7`, `3/12`). Blood pressures (`120/80`) are impossible dates.
//! * **Fractions** `n/7` (days), `n/52` (weeks), `n/12` (months), `n/24`
//!   (hours) are durations after `x`, `for`, `over`, before a word such as
//!   `review` or `hx`, and for `n/52` also alone; with `ago` or `in` they
//!   are relative. A bare `1/7` is nothing.
//! * **`Mar 25`**: an abbreviated month name followed by exactly two
//!   digits, with no ordinal and no year after, is a month and a two-digit
//!   year (2025-03) when the order is day first; a full name (`March 25`)
//!   is left alone as ambiguous. When the order is month first and a space
//!   separates them it is the 25th of March. `Mar-25`, `Mar/25` and
//!   `Mar '25` are months in both orders. One digit (`Mar 5`) is nothing in
//!   day-first order. In these forms, and in every form without a year, the
//!   month name must be capitalised; `may` and `dec` in lower case
//!   ("may", "dec(reased)") are months only before a four-digit year.
//! * **Weekdays**: `on`, `since`, `from`, `last` or `this past Monday` is
//!   the most recent Monday strictly before the anchor (seven days back if
//!   the anchor is a Monday); `next`, `this coming`, `until` or `by Monday`
//!   the first one strictly after. A weekday with no such word is not
//!   resolved (it still counts as a cue for the date it precedes).
//! * **Relative precision**: days and weeks give day precision, months
//!   month precision, years year precision; `last week`/`next week` are
//!   seven days back/forward (approximate). `last night` and `overnight`
//!   are the day before the anchor. Hours and minutes (`2 hours ago`) are
//!   not resolved. Without an anchor nothing relative is resolved:
//!   `value` is `None` and the precision [`Precision::Unknown`].
//! * **Lone times** take the anchor's date (precision minute); without one
//!   the value is the time alone, `HH:MM:SS`, with unknown precision.
//! * **Offsets**: zone-less date-times are read in [`DateOptions::tz`]
//!   (default Europe/London: `+00:00` in winter, `+01:00` in summer).
//!   At a clock change the offset in force just before the change is used:
//!   the first of a repeated hour (`+01:00`) and, for a skipped hour, winter
//!   time (`2025-03-30T01:30:00+00:00`, a real instant). Written offsets
//!   (`Z`, `+01:00`) are kept.
//! * **Day counters** keep their number in [`DateMention::day`]; their value
//!   is `None` (the start date is not known here).

use std::ops::Range;

use chrono::{Datelike, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use chrono_tz::Tz;
use regex::{Captures, Regex};
use serde::{Serialize, Serializer};

pub mod attach;
mod resolve;
mod rules;
#[cfg(test)]
mod tests;

use resolve::{
    date_string, day_month_date, local_offset, naive_string, offset_string, pivot_year, shift_date,
};
use rules::Shift;

/// Which number comes first in a numeric date such as `03/04/2025`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Day, month, year: the UK default (`03/04/2025` is 3 April).
    #[default]
    DayFirst,
    /// Month, day, year: `--dates us` (`03/04/2025` is 4 March).
    MonthFirst,
}

/// How to read dates and times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateOptions {
    /// Day-first or month-first numeric dates.
    pub order: DateOrder,
    /// The time zone of zone-less date-times; its offset on the day goes
    /// into [`DateMention::fhir_datetime`].
    pub tz: Tz,
}

impl Default for DateOptions {
    /// Day first, Europe/London.
    fn default() -> DateOptions {
        DateOptions {
            order: DateOrder::DayFirst,
            tz: Tz::Europe__London,
        }
    }
}

/// Where an [`Anchor`] date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorSource {
    /// The input record's own date field.
    Record,
    /// A date given for the note (`--note-date`, `Note::with_date`).
    NoteDate,
    /// A date found at the head of the note ([`DateFinder::header_date`]).
    Header,
    /// No anchor: [`DateFinder::find`] ignores an anchor with this source.
    None,
}

/// The date relative expressions are resolved against: the note's date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Anchor {
    /// The calendar date, serialised as `YYYY-MM-DD`.
    #[serde(serialize_with = "serialize_date")]
    pub date: NaiveDate,
    /// Where it came from.
    pub source: AnchorSource,
}

impl Anchor {
    /// An anchor on `date`.
    pub fn new(date: NaiveDate, source: AnchorSource) -> Anchor {
        Anchor { date, source }
    }
}

fn serialize_date<S: Serializer>(date: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&date.format("%Y-%m-%d"))
}

/// What sort of expression a [`DateMention`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DateKind {
    /// A calendar date, month or year.
    Date,
    /// A time of day on its own.
    Time,
    /// A date with a time of day.
    #[serde(rename = "datetime")]
    DateTime,
    /// A date given relative to the anchor ("yesterday", "3 days ago").
    Relative,
    /// A length of time ("3 days", "x 2/7").
    Duration,
    /// A start and an end date.
    Range,
    /// A numbered day of a stay or course ("POD 2", "day 3").
    DayCounter,
}

impl DateKind {
    /// The serialised name: `date`, `time`, `datetime`, `relative`,
    /// `duration`, `range` or `day_counter`.
    pub fn as_str(self) -> &'static str {
        match self {
            DateKind::Date => "date",
            DateKind::Time => "time",
            DateKind::DateTime => "datetime",
            DateKind::Relative => "relative",
            DateKind::Duration => "duration",
            DateKind::Range => "range",
            DateKind::DayCounter => "day_counter",
        }
    }
}

/// How precise a mention's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// `2019`.
    Year,
    /// `2019-03`.
    Month,
    /// `2019-03-12`.
    Day,
    /// A time of day on a known date (to the minute or finer).
    Minute,
    /// No calendar value: unanchored, a duration, a day counter.
    Unknown,
}

impl Precision {
    /// The serialised name: `year`, `month`, `day`, `minute` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Year => "year",
            Precision::Month => "month",
            Precision::Day => "day",
            Precision::Minute => "minute",
            Precision::Unknown => "unknown",
        }
    }
}

/// One date or time expression found in a text.
///
/// Serialised with serde; `kind` and `precision` as their lower-case names,
/// `span` as `{"start": …, "end": …}` and `duration` as `[3.0, "d"]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DateMention {
    /// Byte offsets of the expression in the text searched.
    pub span: Range<usize>,
    /// What sort of expression it is.
    pub kind: DateKind,
    /// The ISO 8601 value: `2019`, `2019-03`, `2025-03-12`,
    /// `2025-03-12T14:30:00` (with an offset only if one was written),
    /// `14:30:00` for a time with no date, `P3D` for a duration; the start
    /// of a range. `None` when it cannot be worked out (no anchor).
    pub value: Option<String>,
    /// The end of a range, like `value`.
    pub end_value: Option<String>,
    /// How precise `value` is.
    pub precision: Precision,
    /// Whether the value was resolved against the anchor (or would be).
    pub relative: bool,
    /// A length of time, as an amount and a UCUM unit (`min`, `h`, `d`,
    /// `wk`, `mo`, `a`): durations, and relative mentions built on one
    /// ("3 days ago").
    pub duration: Option<(f64, &'static str)>,
    /// The number of a day counter ("POD 2" → 2).
    pub day: Option<u32>,
    /// `value` as a valid FHIR `dateTime`: `2019`, `2019-03`, `2025-03-12`
    /// or `2025-03-12T14:30:00+00:00` (with seconds and an offset); the
    /// start of a range. `None` for durations, counters and anything
    /// without a calendar value.
    pub fhir_datetime: Option<String>,
}

impl DateMention {
    fn new(span: Range<usize>, kind: DateKind) -> DateMention {
        DateMention {
            span,
            kind,
            value: None,
            end_value: None,
            precision: Precision::Unknown,
            relative: false,
            duration: None,
            day: None,
            fhir_datetime: None,
        }
    }

    /// A date at a precision; no value (and unknown precision) for `None`.
    fn with_date(mut self, date: Option<NaiveDate>, precision: Precision) -> DateMention {
        if let Some(v) = date.and_then(|d| date_string(d, precision)) {
            self.value = Some(v.clone());
            self.fhir_datetime = Some(v);
            self.precision = precision;
        }
        self
    }
}

/// Finds and normalises dates, times, durations and day counters.
///
/// Build it once and share it by `&`; it is `Send + Sync`.
#[derive(Debug, Clone)]
pub struct DateFinder {
    iso: Regex,
    numeric: Regex,
    day_month: Regex,
    written_dmy: Regex,
    written_mdy: Regex,
    month_year: Regex,
    day_range: Regex,
    year_after: Regex,
    year: Regex,
    time_ampm: Regex,
    time_colon: Regex,
    time_hrs: Regex,
    time_noon: Regex,
    relative: Regex,
    weekday: Regex,
    quantity: Regex,
    fraction: Regex,
    ago_after: Regex,
    time_after: Regex,
    counter: Regex,
    counter_d: Regex,
    gap_date_time: Regex,
    gap_time_date: Regex,
    gap_rel_time: Regex,
    gap_time_rel: Regex,
    gap_range: Regex,
    gap_weekday_date: Regex,
}

impl Default for DateFinder {
    fn default() -> DateFinder {
        DateFinder::new()
    }
}

/// An alternation of phrases, longest first, spaces matching any run of
/// spaces or tabs.
fn alternation<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    let mut words: Vec<&str> = words.into_iter().collect();
    words.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    words.dedup();
    words
        .iter()
        .map(|w| regex::escape(w).replace(' ', r"[ \t]+"))
        .collect::<Vec<_>>()
        .join("|")
}

fn compile(pattern: &str) -> Regex {
    // The patterns are built from constants; a failure is a bug, caught by
    // the tests, never by a note.
    Regex::new(pattern).expect("built-in date pattern")
}

impl DateFinder {
    /// Compile the finder's patterns.
    pub fn new() -> DateFinder {
        let month = alternation(rules::MONTHS.iter().map(|(w, _)| *w));
        let days = alternation(rules::WEEKDAYS.iter().map(|(w, _)| *w));
        let mods = alternation(rules::WEEKDAY_PAST.iter().chain(rules::WEEKDAY_FUTURE).copied());
        let relative = alternation(rules::RELATIVE_WORDS.iter().map(|(w, _, _)| *w));
        let numbers = alternation(rules::NUMBER_WORDS.iter().map(|(w, _)| *w));
        let units = alternation(rules::TIME_UNITS.iter().map(|(w, _)| *w));
        let ord = "st|nd|rd|th";
        DateFinder {
            iso: compile(
                r"(?-u:\b)(\d{4})([-/])(\d{1,2})([-/])(\d{1,2})(?:(?:T|[ \t]+)(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?",
            ),
            numeric: compile(r"(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d{4}|\d{2})"),
            day_month: compile(r"(\d{1,2})/(\d{1,2})"),
            written_dmy: compile(&format!(
                r"(?i)(?-u:\b)(\d{{1,2}})({ord})?(?:[ \t]+of)?(?:[ \t]*[-/][ \t]*|[ \t]+|\.|)({month})"
            )),
            written_mdy: compile(&format!(
                r"(?i)(?-u:\b)({month})\.?[ \t]+(\d{{1,2}})({ord})?(?-u:\b)"
            )),
            month_year: compile(&format!(
                r"(?i)(?-u:\b)({month})\.?([ \t]*[-/][ \t]*|[ \t]*['’]|[ \t]+|)(\d{{4}}|\d{{2}})"
            )),
            day_range: compile(&format!(
                r"(?i)(?-u:\b)(\d{{1,2}})(?:{ord})?[ \t]*(?:-|–|—|to|and)[ \t]*(\d{{1,2}})(?:{ord})?(?:[ \t]+of)?[ \t]+({month})"
            )),
            year_after: compile(r"^(,[ \t]*|[ \t]*[-/.'’][ \t]*|[ \t]+|)(\d{4}|\d{2})"),
            year: compile(r"(?-u:\b)(19\d\d|20\d\d|2100)(?-u:\b)"),
            time_ampm: compile(r"(?i)(?-u:\b)(\d{1,2})(?:[:.](\d{2}))?[ \t]?([ap])(?:m|\.m\.?)"),
            time_colon: compile(r"(?-u:\b)(\d{1,2}):(\d{2})(?::(\d{2}))?"),
            time_hrs: compile(r"(?i)(?-u:\b)(\d{2})[:.]?(\d{2})[ \t]?(?:hrs|hr|hours|h)(?-u:\b)"),
            time_noon: compile(r"(?i)(?-u:\b)(?:midday|noon)(?-u:\b)"),
            relative: compile(&format!(r"(?i)(?-u:\b)(?:{relative})(?-u:\b)")),
            weekday: compile(&format!(r"(?i)(?-u:\b)(?:({mods})[ \t]+)?({days})(?-u:\b)")),
            quantity: compile(&format!(
                r"(?i)(?:(\d{{1,3}}(?:\.\d+)?)|(?-u:\b)({numbers})(?-u:\b))([ \t]*-?[ \t]*)({units})(?-u:\b)"
            )),
            fraction: compile(r"(\d{1,2})/(7|12|52|24)(?-u:\b)"),
            ago_after: compile(r"(?i)^[ \t]+ago(?-u:\b)"),
            time_after: compile(r"(?i)^(?:'s|s'|’s|s’|'|’)?[ \t]+time(?-u:\b)"),
            counter: compile(
                r"(?i)(?-u:\b)(?:pod[ \t]*#?[ \t]*(\d{1,3})|post[- ]?op(?:erative)?[ \t]+day[ \t]*#?[ \t]*(\d{1,3})|day[ \t]*#?[ \t]*(\d{1,3}))(?-u:\b)",
            ),
            counter_d: compile(r"(?-u:\b)D(\d{1,2})(?-u:\b)"),
            gap_date_time: compile(r"(?i)^[ \t]*(?:,|at|@|-|–)?[ \t]*$"),
            gap_time_date: compile(r"(?i)^[ \t]*(?:,|on|-|–)?[ \t]*$"),
            gap_rel_time: compile(r"(?i)^[ \t]*(?:,|at|@)?[ \t]*$"),
            gap_time_rel: compile(r"^[ \t]*,?[ \t]*$"),
            gap_range: compile(r"(?i)^[ \t]*(-|–|—|to|until|till|til|through|thru|and)[ \t]*$"),
            gap_weekday_date: compile(r"^[ \t]*,?[ \t]*$"),
        }
    }

    /// Every date and time expression in `text`, in order, without overlaps.
    ///
    /// Spans are byte ranges into `text`, on character boundaries. Relative
    /// expressions, dates without a year, two-digit years and lone times
    /// are resolved against `anchor` (see the module docs for the rules); an
    /// anchor whose source is [`AnchorSource::None`] counts as no anchor.
    /// Never reads the clock.
    pub fn find(&self, text: &str, anchor: Option<&Anchor>, opts: &DateOptions) -> Vec<DateMention> {
        let anchor = anchor.filter(|a| a.source != AnchorSource::None).map(|a| a.date);
        let cx = Cx {
            text,
            anchor,
            order: opts.order,
            tz: opts.tz,
        };
        let mut cands = Vec::new();
        each(&self.iso, text, &mut cands, |c| self.iso_cand(cx, c));
        each(&self.numeric, text, &mut cands, |c| numeric_cand(cx, c));
        each(&self.day_month, text, &mut cands, |c| day_month_cand(cx, c));
        each(&self.written_dmy, text, &mut cands, |c| {
            self.written_dmy_cand(cx, c)
        });
        each(&self.written_mdy, text, &mut cands, |c| {
            self.written_mdy_cand(cx, c)
        });
        each(&self.month_year, text, &mut cands, |c| month_year_cand(cx, c));
        each(&self.day_range, text, &mut cands, |c| self.day_range_cand(cx, c));
        each(&self.year, text, &mut cands, |c| year_cand(cx, c));
        each(&self.time_ampm, text, &mut cands, |c| time_ampm_cand(cx, c));
        each(&self.time_colon, text, &mut cands, |c| time_colon_cand(cx, c));
        each(&self.time_hrs, text, &mut cands, |c| time_hrs_cand(cx, c));
        each(&self.time_noon, text, &mut cands, |c| {
            let m = c.get(0)?;
            Some(Cand::new(
                m.range(),
                6,
                Atom::Time(TimeAtom {
                    hour: 12,
                    minute: 0,
                    second: 0,
                }),
            ))
        });
        each(&self.relative, text, &mut cands, |c| relative_cand(cx, c));
        each(&self.weekday, text, &mut cands, |c| weekday_cand(cx, c));
        each(&self.quantity, text, &mut cands, |c| self.quantity_cand(cx, c));
        each(&self.fraction, text, &mut cands, |c| self.fraction_cand(cx, c));
        each(&self.counter, text, &mut cands, |c| counter_cand(cx, c));
        each(&self.counter_d, text, &mut cands, |c| counter_d_cand(cx, c));
        self.compose(cx, select(cands))
    }

    /// A date at the head of the note usable as the note's own date: the
    /// first full calendar date (day precision, or a date-time) starting in
    /// the first 80 bytes of the first non-blank line. Two-digit years use
    /// the no-anchor rule (00–69 → 20xx).
    pub fn header_date(&self, text: &str, opts: &DateOptions) -> Option<(NaiveDate, Range<usize>)> {
        let start = text.len() - text.trim_start().len();
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let head = &text[..line_end];
        self.find(head, None, opts).into_iter().find_map(|m| {
            if m.span.start >= start + 80 {
                return None;
            }
            match (m.kind, m.precision, &m.value) {
                (DateKind::Date | DateKind::DateTime, Precision::Day | Precision::Minute, Some(v)) => {
                    let date = NaiveDate::parse_from_str(v.get(..10)?, "%Y-%m-%d").ok()?;
                    Some((date, m.span))
                }
                _ => None,
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Candidates

/// What the scan knows about the text and the reading.
#[derive(Clone, Copy)]
struct Cx<'t> {
    text: &'t str,
    anchor: Option<NaiveDate>,
    order: DateOrder,
    tz: Tz,
}

/// One possible expression; the best non-overlapping ones are kept.
struct Cand {
    span: Range<usize>,
    /// Breaks ties between candidates with the same span.
    prio: u8,
    atom: Atom,
}

impl Cand {
    fn new(span: Range<usize>, prio: u8, atom: Atom) -> Cand {
        Cand { span, prio, atom }
    }
}

enum Atom {
    /// A calendar date or month; may join a time or a range.
    Date(DateAtom),
    /// A time of day; may join a date.
    Time(TimeAtom),
    /// today/yesterday/tomorrow: a day shift that may join a time.
    RelDay(i64),
    /// A resolved weekday, dropped when a date follows it.
    Weekday(DateMention),
    /// A finished mention.
    Done(DateMention),
}

#[derive(Clone, Copy)]
struct DateAtom {
    /// The full year if written (two-digit years already pivoted).
    year: Option<i32>,
    month: u32,
    /// 0 for a month without a day.
    day: u32,
    /// Set for a bare day/month `a/b`, which needs support to be a date.
    weak: Option<Weak>,
}

impl DateAtom {
    fn resolve(&self, anchor: Option<NaiveDate>) -> Option<NaiveDate> {
        match self.year {
            Some(y) => NaiveDate::from_ymd_opt(y, self.month, self.day.max(1)),
            None => day_month_date(self.month, self.day, anchor),
        }
    }

    fn precision(&self) -> Precision {
        if self.day == 0 {
            Precision::Month
        } else {
            Precision::Day
        }
    }
}

#[derive(Clone, Copy)]
struct Weak {
    /// A date on its own: anchored, a cue before it, no score context.
    alone: bool,
    /// A score or fraction context: never a date.
    score: bool,
}

#[derive(Clone, Copy)]
struct TimeAtom {
    hour: u32,
    minute: u32,
    second: u32,
}

impl TimeAtom {
    fn time(self) -> Option<NaiveTime> {
        NaiveTime::from_hms_opt(self.hour, self.minute, self.second)
    }
}

/// Every match of `re` (at every start, so overlapping ones too) that `f`
/// accepts.
fn each<'t>(
    re: &Regex,
    text: &'t str,
    out: &mut Vec<Cand>,
    mut f: impl FnMut(&Captures<'t>) -> Option<Cand>,
) {
    let mut pos = 0;
    while pos <= text.len() {
        let Some(c) = re.captures_at(text, pos) else { break };
        let Some(m) = c.get(0) else { break };
        if let Some(cand) = f(&c) {
            out.push(cand);
        }
        pos = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
    }
}

/// Leftmost, then longest, then highest priority; no overlaps.
fn select(mut cands: Vec<Cand>) -> Vec<Cand> {
    cands.sort_by(|a, b| {
        a.span
            .start
            .cmp(&b.span.start)
            .then(b.span.end.cmp(&a.span.end))
            .then(b.prio.cmp(&a.prio))
    });
    let mut end = 0;
    let mut out = Vec::new();
    for c in cands {
        if c.span.start >= end && c.span.end > c.span.start {
            end = c.span.end;
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Text helpers

fn prev_char(text: &str, i: usize) -> Option<char> {
    text.get(..i)?.chars().next_back()
}

fn next_char(text: &str, i: usize) -> Option<char> {
    text.get(i..)?.chars().next()
}

/// A number may start at `i`: not glued to a word, a decimal or a fraction.
fn left_ok(text: &str, i: usize) -> bool {
    match prev_char(text, i) {
        None => true,
        Some(c) => !(c.is_alphanumeric() || matches!(c, '/' | '.' | ':' | '^' | '_' | '+' | '£' | '$')),
    }
}

/// A number may end at `i`: not followed by more digits, letters, a
/// fraction, a time (`:` and a digit), a decimal, a percentage or a degree.
fn right_ok(text: &str, i: usize) -> bool {
    let mut rest = text.get(i..).unwrap_or("").chars();
    match rest.next() {
        None => true,
        Some(c) if c.is_alphanumeric() || matches!(c, '/' | '%' | '°' | '^' | '_') => false,
        Some('.' | ':') => !rest.next().is_some_and(|c| c.is_ascii_digit()),
        Some(_) => true,
    }
}

fn trim_token(token: &str) -> &str {
    token.trim_matches(|c: char| matches!(c, ':' | ',' | ';' | '(' | ')' | '[' | ']' | '"' | '{' | '}'))
}

/// The `n` whitespace-separated tokens before `i`, nearest first, trimmed of
/// punctuation and lower-cased.
fn prev_words(text: &str, i: usize, n: usize) -> Vec<String> {
    text.get(..i)
        .unwrap_or("")
        .split_whitespace()
        .rev()
        .take(n)
        .map(|t| trim_token(t).to_lowercase())
        .collect()
}

fn prev_word(text: &str, i: usize) -> String {
    prev_words(text, i, 1).pop().unwrap_or_default()
}

/// The token just before `i`, trimmed but with its case.
fn prev_raw(text: &str, i: usize) -> &str {
    text.get(..i)
        .unwrap_or("")
        .split_whitespace()
        .next_back()
        .map_or("", trim_token)
}

/// The whitespace-separated token after `i`, trimmed of punctuation (and a
/// trailing full stop) and lower-cased.
fn next_word(text: &str, i: usize) -> String {
    let token = text
        .get(i..)
        .unwrap_or("")
        .split_whitespace()
        .next()
        .unwrap_or("");
    trim_token(token).trim_end_matches('.').to_lowercase()
}

fn contains(list: &[&str], word: &str) -> bool {
    list.contains(&word)
}

fn month_number(name: &str) -> Option<u32> {
    let lower = name.to_lowercase();
    rules::MONTHS.iter().find(|(w, _)| *w == lower).map(|(_, m)| *m)
}

fn capitalised(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

/// "may" and "dec" in lower case are also words ("may", "decreased").
fn ambiguous_lower(name: &str) -> bool {
    matches!(name, "may" | "dec")
}

fn is_weekday(word: &str) -> bool {
    rules::WEEKDAYS.iter().any(|(w, _)| *w == word)
}

fn num(c: &Captures, i: usize) -> Option<u32> {
    c.get(i)?.as_str().parse().ok()
}

/// An offset as written (`Z`, `+0100`, `+01:00`), normalised; `None` if it
/// is not one FHIR allows.
fn written_offset(s: &str) -> Option<(FixedOffset, String)> {
    if s == "Z" {
        return Some((FixedOffset::east_opt(0)?, "Z".to_string()));
    }
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let h: i32 = digits.get(..2)?.parse().ok()?;
    let m: i32 = digits.get(2..4)?.parse().ok()?;
    if h > 14 || m > 59 || (h == 14 && m > 0) {
        return None;
    }
    let offset = FixedOffset::east_opt(sign * (h * 3600 + m * 60))?;
    Some((
        offset,
        format!("{}{h:02}:{m:02}", if sign < 0 { '-' } else { '+' }),
    ))
}

/// A date-time mention (or a date-time-less one when `date` is unknown).
fn datetime_mention(
    span: Range<usize>,
    kind: DateKind,
    date: Option<NaiveDate>,
    time: NaiveTime,
    fraction: &str,
    offset: Option<(FixedOffset, String)>,
    tz: Tz,
) -> DateMention {
    let mut m = DateMention::new(span, kind);
    let Some(date) = date else { return m };
    let naive = NaiveDateTime::new(date, time);
    let Some(local) = naive_string(naive, fraction) else {
        return m;
    };
    let (value, fhir) = match offset {
        Some((_, written)) => (format!("{local}{written}"), format!("{local}{written}")),
        None => (
            local.clone(),
            format!("{local}{}", offset_string(local_offset(naive, tz))),
        ),
    };
    m.value = Some(value);
    m.fhir_datetime = Some(fhir);
    m.precision = Precision::Minute;
    m
}

fn iso_duration(amount: f64, unit: &str) -> String {
    let n = if amount.fract() == 0.0 {
        format!("{}", amount as i64)
    } else {
        format!("{amount}")
    };
    match unit {
        "min" => format!("PT{n}M"),
        "h" => format!("PT{n}H"),
        "wk" => format!("P{n}W"),
        "mo" => format!("P{n}M"),
        "a" => format!("P{n}Y"),
        _ => format!("P{n}D"),
    }
}

fn duration_mention(span: Range<usize>, amount: f64, unit: &'static str) -> DateMention {
    let mut m = DateMention::new(span, DateKind::Duration);
    m.value = Some(iso_duration(amount, unit));
    m.duration = Some((amount, unit));
    m
}

/// A relative mention `count` × `shift` from the anchor.
fn relative_mention(
    span: Range<usize>,
    anchor: Option<NaiveDate>,
    shift: Option<Shift>,
    count: i64,
) -> DateMention {
    let mut m = DateMention::new(span, DateKind::Relative);
    m.relative = true;
    if let Some((date, precision)) = anchor.zip(shift).and_then(|(a, s)| shift_date(a, s, count)) {
        m = m.with_date(Some(date), precision);
    }
    m
}

/// The shift of one UCUM time unit, for resolving "3 weeks ago".
fn unit_shift(unit: &str) -> Option<Shift> {
    match unit {
        "d" => Some(Shift::Days(1)),
        "wk" => Some(Shift::Days(7)),
        "mo" => Some(Shift::Months(1)),
        "a" => Some(Shift::Years(1)),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Recognisers

impl DateFinder {
    fn iso_cand(&self, cx: Cx, c: &Captures) -> Option<Cand> {
        let text = cx.text;
        let whole = c.get(0)?;
        if !left_ok(text, whole.start()) || c.get(2)?.as_str() != c.get(4)?.as_str() {
            return None;
        }
        let year: i32 = c.get(1)?.as_str().parse().ok()?;
        if !(1900..=2100).contains(&year) {
            return None;
        }
        let (month, day) = (num(c, 3)?, num(c, 5)?);
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        let date_end = c.get(5)?.end();
        if let (Some(h), Some(mi)) = (num(c, 6), num(c, 7)) {
            let time = NaiveTime::from_hms_opt(h, mi, num(c, 8).unwrap_or(0));
            let offset = match c.get(10) {
                Some(o) => written_offset(o.as_str()).map(Some),
                None => Some(None),
            };
            if let (Some(time), Some(offset), true) = (time, offset, right_ok(text, whole.end())) {
                let fraction = c.get(9).map_or("", |f| f.as_str());
                let m = datetime_mention(
                    whole.range(),
                    DateKind::DateTime,
                    Some(date),
                    time,
                    fraction,
                    offset,
                    cx.tz,
                );
                return Some(Cand::new(whole.range(), 9, Atom::Done(m)));
            }
        }
        if !right_ok(text, date_end) {
            return None;
        }
        let atom = DateAtom {
            year: Some(year),
            month,
            day,
            weak: None,
        };
        Some(Cand::new(whole.start()..date_end, 9, Atom::Date(atom)))
    }

    /// A year written after a day and month at `pos`: the year and where it
    /// ends. Two-digit years must not follow a comma and must not be a
    /// count of something ("12 March 10 mg").
    fn year_after(&self, cx: Cx, pos: usize) -> Option<(i32, usize, bool)> {
        let c = self.year_after.captures(cx.text.get(pos..)?)?;
        let sep = c.get(1)?.as_str();
        let digits = c.get(2)?;
        let end = pos + digits.end();
        if !right_ok(cx.text, end) {
            return None;
        }
        let next = next_word(cx.text, end);
        if contains(rules::UNIT_WORDS, &next) {
            return None;
        }
        let n: u32 = digits.as_str().parse().ok()?;
        if digits.len() == 4 {
            let y = n as i32;
            (1900..=2100).contains(&y).then_some((y, end, true))
        } else if sep.contains(',') || month_number(&next).is_some() {
            None
        } else {
            Some((pivot_year(n, cx.anchor), end, false))
        }
    }

    fn written_dmy_cand(&self, cx: Cx, c: &Captures) -> Option<Cand> {
        let whole = c.get(0)?;
        let name = c.get(3)?;
        if !left_ok(cx.text, whole.start()) || next_char(cx.text, name.end()).is_some_and(char::is_alphabetic)
        {
            return None;
        }
        let (day, month) = (num(c, 1)?, month_number(name.as_str())?);
        let year = self.year_after(cx, name.end());
        if ambiguous_lower(name.as_str()) && !year.is_some_and(|(_, _, four)| four) {
            return None;
        }
        let (year, end) = match year {
            Some((y, end, _)) => {
                NaiveDate::from_ymd_opt(y, month, day)?;
                (Some(y), end)
            }
            None => {
                NaiveDate::from_ymd_opt(2000, month, day)?;
                (None, name.end())
            }
        };
        let atom = DateAtom {
            year,
            month,
            day,
            weak: None,
        };
        Some(Cand::new(whole.start()..end, 8, Atom::Date(atom)))
    }

    fn written_mdy_cand(&self, cx: Cx, c: &Captures) -> Option<Cand> {
        let whole = c.get(0)?;
        let name = c.get(1)?.as_str();
        let digits = c.get(2)?;
        if !right_ok(cx.text, whole.end()) {
            return None;
        }
        let (month, day) = (month_number(name)?, num(c, 2)?);
        let ordinal = c.get(3).is_some();
        if let Some((y, end, four)) = self.year_after(cx, whole.end()) {
            if ambiguous_lower(name) && !four {
                return None;
            }
            NaiveDate::from_ymd_opt(y, month, day)?;
            let atom = DateAtom {
                year: Some(y),
                month,
                day,
                weak: None,
            };
            return Some(Cand::new(whole.start()..end, 8, Atom::Date(atom)));
        }
        let next = next_word(cx.text, whole.end());
        if !capitalised(name) || contains(rules::UNIT_WORDS, &next) {
            return None;
        }
        let atom = if ordinal || cx.order == DateOrder::MonthFirst {
            NaiveDate::from_ymd_opt(2000, month, day)?;
            DateAtom {
                year: None,
                month,
                day,
                weak: None,
            }
        } else if digits.len() == 2 && name.trim_end_matches('.').len() <= 4 && month_number(&next).is_none()
        {
            DateAtom {
                year: Some(pivot_year(day, cx.anchor)),
                month,
                day: 0,
                weak: None,
            }
        } else {
            return None;
        };
        Some(Cand::new(whole.range(), 7, Atom::Date(atom)))
    }

    fn day_range_cand(&self, cx: Cx, c: &Captures) -> Option<Cand> {
        let whole = c.get(0)?;
        let name = c.get(3)?;
        if !left_ok(cx.text, whole.start()) || next_char(cx.text, name.end()).is_some_and(char::is_alphabetic)
        {
            return None;
        }
        let connective = whole.as_str().to_lowercase();
        if connective.contains("and") && prev_word(cx.text, whole.start()) != "between" {
            return None;
        }
        let (d1, d2, month) = (num(c, 1)?, num(c, 2)?, month_number(name.as_str())?);
        if d1 >= d2 {
            return None;
        }
        let year = self.year_after(cx, name.end());
        if ambiguous_lower(name.as_str()) && !year.is_some_and(|(_, _, four)| four) {
            return None;
        }
        let (start, end_pos) = match year {
            Some((y, end, _)) => (Some(NaiveDate::from_ymd_opt(y, month, d1)?), end),
            None => {
                NaiveDate::from_ymd_opt(2000, month, d2)?;
                (day_month_date(month, d1, cx.anchor), name.end())
            }
        };
        let end = match start {
            Some(s) => Some(NaiveDate::from_ymd_opt(s.year(), month, d2)?),
            None => None,
        };
        let mut m =
            DateMention::new(whole.start()..end_pos, DateKind::Range).with_date(start, Precision::Day);
        m.end_value = end.and_then(|e| date_string(e, Precision::Day));
        Some(Cand::new(m.span.clone(), 8, Atom::Done(m)))
    }

    fn quantity_cand(&self, cx: Cx, c: &Captures) -> Option<Cand> {
        let text = cx.text;
        let whole = c.get(0)?;
        let unit_m = c.get(4)?;
        let (amount, word) = match (c.get(1), c.get(2)) {
            (Some(d), _) => {
                if !quantity_left_ok(text, d.start()) {
                    return None;
                }
                (d.as_str().parse::<f64>().ok()?, None)
            }
            (None, Some(w)) => {
                let lower = w.as_str().to_lowercase();
                let n = rules::NUMBER_WORDS.iter().find(|(x, _)| *x == lower)?.1;
                (f64::from(n), Some(lower))
            }
            (None, None) => return None,
        };
        let unit_text = unit_m.as_str().to_lowercase();
        let unit = rules::TIME_UNITS.iter().find(|(u, _)| *u == unit_text)?.1;
        // "T 36.2 HR 92": an upper-case HR before a number is the heart rate.
        let rest = text.get(whole.end()..).unwrap_or("").trim_start();
        if unit_m.as_str() == "HR" && rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        if (unit_text.len() == 1 && !c.get(3)?.as_str().is_empty())
            || amount == 0.0
            || matches!(next_char(text, whole.end()), Some('/' | '^'))
        {
            return None;
        }
        let after: String = text
            .get(whole.end()..)
            .unwrap_or("")
            .chars()
            .take(8)
            .collect::<String>()
            .to_lowercase();
        let after_trim = after.trim_start_matches([' ', '\t', '-']);
        if after.starts_with("/o") || after_trim.starts_with("old") || after_trim.starts_with("o.") {
            return None;
        }
        let pw = prev_word(text, whole.start());
        if contains(rules::FREQUENCY_WORDS, &pw) || pw == "age" || pw == "aged" {
            return None;
        }
        if let Some(m) = self.relative_suffix(cx, whole.start(), whole.end(), amount, unit, &pw) {
            return Some(Cand::new(m.span.clone(), 7, Atom::Done(m)));
        }
        if word.as_deref().is_some_and(|w| w == "a" || w == "an")
            && !matches!(pw.as_str(), "for" | "over" | "x")
        {
            return None;
        }
        Some(Cand::new(
            whole.range(),
            6,
            Atom::Done(duration_mention(whole.range(), amount, unit)),
        ))
    }

    /// "… ago", "in …", "… ('s) time": a relative mention around the
    /// quantity at `start..end`, if any.
    fn relative_suffix(
        &self,
        cx: Cx,
        start: usize,
        end: usize,
        amount: f64,
        unit: &'static str,
        pw: &str,
    ) -> Option<DateMention> {
        let rest = cx.text.get(end..)?;
        let count = (amount.fract() == 0.0).then_some(amount as i64);
        let shift = unit_shift(unit).filter(|_| count.is_some());
        let count = count.unwrap_or(0);
        let (span, sign) = if let Some(m) = self.ago_after.find(rest) {
            (start..end + m.end(), -1)
        } else if pw == "in" {
            let before = cx.text.get(..start)?.trim_end();
            let in_start = before.len().checked_sub(2)?;
            let tail = self.time_after.find(rest).map_or(0, |m| m.end());
            (in_start..end + tail, 1)
        } else if let Some(m) = self.time_after.find(rest) {
            (start..end + m.end(), 1)
        } else {
            return None;
        };
        let mut m = relative_mention(span, cx.anchor, shift, sign * count);
        m.duration = Some((amount, unit));
        Some(m)
    }

    fn fraction_cand(&self, cx: Cx, c: &Captures) -> Option<Cand> {
        let text = cx.text;
        let whole = c.get(0)?;
        if !quantity_left_ok(text, whole.start()) || !right_ok(text, whole.end()) {
            return None;
        }
        let (n, den) = (num(c, 1)?, num(c, 2)?);
        if n == 0 {
            return None;
        }
        let unit = rules::FRACTION_UNITS.iter().find(|(d, _)| *d == den)?.1;
        let amount = f64::from(n);
        let pw = prev_word(text, whole.start());
        if let Some(m) = self.relative_suffix(cx, whole.start(), whole.end(), amount, unit, &pw) {
            return Some(Cand::new(m.span.clone(), 7, Atom::Done(m)));
        }
        let trigger = matches!(pw.as_str(), "x" | "×" | "for" | "over" | "lasting");
        let follow = contains(rules::FRACTION_FOLLOW, &next_word(text, whole.end()));
        if trigger || den == 52 || follow {
            Some(Cand::new(
                whole.range(),
                7,
                Atom::Done(duration_mention(whole.range(), amount, unit)),
            ))
        } else {
            None
        }
    }

    // -----------------------------------------------------------------------
    // Composition

    fn compose(&self, cx: Cx, cands: Vec<Cand>) -> Vec<DateMention> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < cands.len() {
            let cur = &cands[i];
            let next = cands.get(i + 1);
            if let Some(n) = next {
                if let Some(m) = self.join(cx, cur, n) {
                    out.push(m);
                    i += 2;
                    continue;
                }
            }
            if let Some(m) = self.single(cx, cur, next) {
                out.push(m);
            }
            i += 1;
        }
        out
    }

    /// Two neighbouring candidates read as one: a range or a date-time.
    fn join(&self, cx: Cx, a: &Cand, b: &Cand) -> Option<DateMention> {
        let gap = cx.text.get(a.span.end..b.span.start)?;
        let span = a.span.start..b.span.end;
        let not_score = |x: &DateAtom| x.weak.is_none_or(|w| !w.score);
        match (&a.atom, &b.atom) {
            (Atom::Date(x), Atom::Date(y)) => self.range(cx, a.span.start, span, x, y, gap),
            (Atom::Date(x), Atom::Time(t))
                if x.day > 0 && not_score(x) && self.gap_date_time.is_match(gap) =>
            {
                Some(datetime_mention(
                    span,
                    DateKind::DateTime,
                    x.resolve(cx.anchor),
                    t.time()?,
                    "",
                    None,
                    cx.tz,
                ))
            }
            (Atom::Time(t), Atom::Date(x))
                if x.day > 0 && not_score(x) && self.gap_time_date.is_match(gap) =>
            {
                Some(datetime_mention(
                    span,
                    DateKind::DateTime,
                    x.resolve(cx.anchor),
                    t.time()?,
                    "",
                    None,
                    cx.tz,
                ))
            }
            (Atom::RelDay(d), Atom::Time(t)) if self.gap_rel_time.is_match(gap) => {
                Some(rel_datetime(cx, span, *d, *t)?)
            }
            (Atom::Time(t), Atom::RelDay(d)) if self.gap_time_rel.is_match(gap) => {
                Some(rel_datetime(cx, span, *d, *t)?)
            }
            _ => None,
        }
    }

    fn range(
        &self,
        cx: Cx,
        start: usize,
        span: Range<usize>,
        x: &DateAtom,
        y: &DateAtom,
        gap: &str,
    ) -> Option<DateMention> {
        let conn = self.gap_range.captures(gap)?.get(1)?.as_str().to_lowercase();
        let pw = prev_word(cx.text, start);
        if (conn == "and" && pw != "between") || (x.day == 0) != (y.day == 0) {
            return None;
        }
        if x.weak.is_some_and(|w| w.score) || y.weak.is_some_and(|w| w.score) {
            return None;
        }
        if x.weak.is_some() && y.weak.is_some() && pw != "from" && pw != "between" {
            return None;
        }
        let later = |p: &DateAtom, q: &DateAtom| (p.month, p.day) > (q.month, q.day);
        let years = match (x.year, y.year) {
            (Some(a), Some(b)) => Some((a, b)),
            (Some(a), None) => Some((a, if later(x, y) { a + 1 } else { a })),
            (None, Some(b)) => Some((if later(x, y) { b - 1 } else { b }, b)),
            (None, None) => x
                .resolve(cx.anchor)
                .map(|d| (d.year(), d.year() + i32::from(later(x, y)))),
        };
        let precision = x.precision();
        let mut m = DateMention::new(span, DateKind::Range);
        if let Some((ya, yb)) = years {
            let first = NaiveDate::from_ymd_opt(ya, x.month, x.day.max(1))?;
            let last = NaiveDate::from_ymd_opt(yb, y.month, y.day.max(1))?;
            if last < first {
                return None;
            }
            m = m.with_date(Some(first), precision);
            m.end_value = date_string(last, precision);
        }
        Some(m)
    }

    /// A candidate on its own, or `None` if it is not a mention alone.
    fn single(&self, cx: Cx, c: &Cand, next: Option<&Cand>) -> Option<DateMention> {
        match &c.atom {
            Atom::Done(m) => Some(m.clone()),
            Atom::Date(x) => {
                if x.weak.is_some_and(|w| !w.alone) {
                    return None;
                }
                let date = x.resolve(cx.anchor);
                if date.is_none() && (x.year.is_some() || cx.anchor.is_some()) {
                    return None;
                }
                Some(DateMention::new(c.span.clone(), DateKind::Date).with_date(date, x.precision()))
            }
            Atom::Time(t) => {
                let time = t.time()?;
                match cx.anchor {
                    Some(_) => Some(datetime_mention(
                        c.span.clone(),
                        DateKind::Time,
                        cx.anchor,
                        time,
                        "",
                        None,
                        cx.tz,
                    )),
                    None => {
                        let mut m = DateMention::new(c.span.clone(), DateKind::Time);
                        m.value = Some(time.format("%H:%M:%S").to_string());
                        Some(m)
                    }
                }
            }
            Atom::RelDay(d) => Some(relative_mention(
                c.span.clone(),
                cx.anchor,
                Some(Shift::Days(*d)),
                1,
            )),
            Atom::Weekday(m) => {
                let before_date = next.is_some_and(|n| {
                    matches!(n.atom, Atom::Date(_))
                        && cx
                            .text
                            .get(c.span.end..n.span.start)
                            .is_some_and(|gap| self.gap_weekday_date.is_match(gap))
                });
                (!before_date).then(|| m.clone())
            }
        }
    }
}

fn rel_datetime(cx: Cx, span: Range<usize>, days: i64, t: TimeAtom) -> Option<DateMention> {
    let date = cx
        .anchor
        .and_then(|a| shift_date(a, Shift::Days(days), 1))
        .map(|(d, _)| d);
    let mut m = datetime_mention(span, DateKind::DateTime, date, t.time()?, "", None, cx.tz);
    m.relative = true;
    Some(m)
}

/// A count may start at `i`: like [`left_ok`], but also right after a
/// stand-alone `x` ("x2/7", "x5 days").
fn quantity_left_ok(text: &str, i: usize) -> bool {
    let mut back = text.get(..i).unwrap_or("").chars().rev();
    if matches!(back.next(), Some('-' | '–')) && back.next().is_some_and(|c| c.is_ascii_digit()) {
        // The end of a numeric range: "4-6 hours", "1-2/7".
        return false;
    }
    if left_ok(text, i) {
        return true;
    }
    match prev_char(text, i) {
        Some(c @ ('x' | 'X' | '×')) => left_ok(text, i - c.len_utf8()),
        _ => false,
    }
}

fn numeric_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let whole = c.get(0)?;
    if !left_ok(cx.text, whole.start()) || !right_ok(cx.text, whole.end()) {
        return None;
    }
    if c.get(2)?.as_str() != c.get(4)?.as_str() {
        return None;
    }
    let (a, b) = (num(c, 1)?, num(c, 3)?);
    let (day, month) = match cx.order {
        DateOrder::DayFirst => (a, b),
        DateOrder::MonthFirst => (b, a),
    };
    let y = c.get(5)?;
    let n: u32 = y.as_str().parse().ok()?;
    let year = if y.len() == 4 {
        let y = n as i32;
        if !(1900..=2100).contains(&y) {
            return None;
        }
        y
    } else {
        pivot_year(n, cx.anchor)
    };
    NaiveDate::from_ymd_opt(year, month, day)?;
    Some(Cand::new(
        whole.range(),
        8,
        Atom::Date(DateAtom {
            year: Some(year),
            month,
            day,
            weak: None,
        }),
    ))
}

fn day_month_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let text = cx.text;
    let whole = c.get(0)?;
    if !left_ok(text, whole.start()) || !right_ok(text, whole.end()) {
        return None;
    }
    let (a, b) = (num(c, 1)?, num(c, 2)?);
    let (day, month) = match cx.order {
        DateOrder::DayFirst => (a, b),
        DateOrder::MonthFirst => (b, a),
    };
    NaiveDate::from_ymd_opt(2000, month, day)?;
    let before = prev_words(text, whole.start(), 3);
    let score = before.iter().any(|w| contains(rules::SCORE_WORDS, w))
        || contains(rules::SCORE_NEXT, &next_word(text, whole.end()))
        || contains(rules::UNIT_WORDS, &next_word(text, whole.end()));
    let pw = before.first().map_or("", String::as_str);
    let cue = contains(rules::DATE_CUES, pw) || is_weekday(pw);
    let alone = cx.anchor.is_some() && cue && !score && ![7, 12, 24, 52].contains(&b);
    let atom = DateAtom {
        year: None,
        month,
        day,
        weak: Some(Weak { alone, score }),
    };
    Some(Cand::new(whole.range(), 1, Atom::Date(atom)))
}

fn month_year_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let whole = c.get(0)?;
    let name = c.get(1)?.as_str();
    let sep = c.get(2)?.as_str();
    let digits = c.get(3)?;
    if !right_ok(cx.text, whole.end()) || contains(rules::UNIT_WORDS, &next_word(cx.text, whole.end())) {
        return None;
    }
    let month = month_number(name)?;
    // "31 Feb 2025" is an impossible date, not February.
    let pw = prev_word(cx.text, whole.start());
    let pw = pw.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if !pw.is_empty() && pw.len() <= 2 && pw.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = digits.as_str().parse().ok()?;
    let year = if digits.len() == 4 {
        let y = n as i32;
        if !(1900..=2100).contains(&y) {
            return None;
        }
        y
    } else {
        if sep.trim().is_empty() || !capitalised(name) {
            return None;
        }
        pivot_year(n, cx.anchor)
    };
    Some(Cand::new(
        whole.range(),
        7,
        Atom::Date(DateAtom {
            year: Some(year),
            month,
            day: 0,
            weak: None,
        }),
    ))
}

fn year_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let text = cx.text;
    let whole = c.get(0)?;
    if !left_ok(text, whole.start()) || !right_ok(text, whole.end()) {
        return None;
    }
    let before = text.get(..whole.start())?;
    let mut back = before.chars().rev();
    if matches!(back.next(), Some('-' | '–')) && back.next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    if contains(rules::UNIT_WORDS, &next_word(text, whole.end())) {
        return None;
    }
    let raw = prev_raw(text, whole.start());
    let label = raw.len() >= 2
        && raw.len() <= 8
        && raw.chars().any(|c| c.is_ascii_uppercase())
        && raw
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        && !contains(rules::MEASURE_LABELS, raw);
    let cue = contains(rules::YEAR_CUES, &prev_word(text, whole.start()))
        || prev_char(text, whole.start()) == Some('(')
        || label;
    if !cue {
        return None;
    }
    let year: i32 = c.get(1)?.as_str().parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, 1, 1);
    let m = DateMention::new(whole.range(), DateKind::Date).with_date(date, Precision::Year);
    Some(Cand::new(whole.range(), 4, Atom::Done(m)))
}

fn time_ampm_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let whole = c.get(0)?;
    if !left_ok(cx.text, whole.start()) || next_char(cx.text, whole.end()).is_some_and(char::is_alphanumeric)
    {
        return None;
    }
    let (h, minute) = (num(c, 1)?, c.get(2).map_or(Some(0), |m| m.as_str().parse().ok())?);
    let pm = c.get(3)?.as_str().eq_ignore_ascii_case("p");
    let hour = match (h, pm) {
        (1..=11, false) => h,
        (12, false) => 0,
        (1..=11, true) => h + 12,
        (12..=23, true) => h,
        _ => return None,
    };
    let t = TimeAtom {
        hour,
        minute,
        second: 0,
    };
    t.time()?;
    Some(Cand::new(whole.range(), 6, Atom::Time(t)))
}

fn time_colon_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let text = cx.text;
    let whole = c.get(0)?;
    if !left_ok(text, whole.start()) || !right_ok(text, whole.end()) {
        return None;
    }
    let t = TimeAtom {
        hour: num(c, 1)?,
        minute: num(c, 2)?,
        second: c.get(3).map_or(Some(0), |s| s.as_str().parse().ok())?,
    };
    t.time()?;
    if c.get(1)?.len() == 1
        && (contains(rules::RATIO_WORDS, &prev_word(text, whole.start()))
            || contains(rules::RATIO_WORDS, &next_word(text, whole.end())))
    {
        return None;
    }
    Some(Cand::new(whole.range(), 6, Atom::Time(t)))
}

fn time_hrs_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let whole = c.get(0)?;
    if !left_ok(cx.text, whole.start()) {
        return None;
    }
    let t = TimeAtom {
        hour: num(c, 1)?,
        minute: num(c, 2)?,
        second: 0,
    };
    t.time()?;
    Some(Cand::new(whole.range(), 6, Atom::Time(t)))
}

fn relative_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let whole = c.get(0)?;
    let phrase = whole
        .as_str()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let (_, shift, joins) = rules::RELATIVE_WORDS.iter().find(|(w, _, _)| *w == phrase)?;
    let atom = match (shift, joins) {
        (Shift::Days(d), true) => Atom::RelDay(*d),
        _ => Atom::Done(relative_mention(whole.range(), cx.anchor, Some(*shift), 1)),
    };
    Some(Cand::new(whole.range(), 7, atom))
}

fn weekday_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let whole = c.get(0)?;
    let name = c.get(2)?;
    let day = name.as_str().to_lowercase();
    let weekday = rules::WEEKDAYS.iter().find(|(w, _)| *w == day)?.1;
    let (span, past) = match c.get(1) {
        Some(m) => {
            let modifier = m
                .as_str()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            (whole.range(), contains(rules::WEEKDAY_PAST, &modifier))
        }
        None => {
            let pw = prev_word(cx.text, whole.start());
            if contains(rules::WEEKDAY_CUE_PAST, &pw) {
                (name.range(), true)
            } else if contains(rules::WEEKDAY_CUE_FUTURE, &pw) {
                (name.range(), false)
            } else {
                return None;
            }
        }
    };
    let mut m = DateMention::new(span.clone(), DateKind::Relative);
    m.relative = true;
    if let Some(anchor) = cx.anchor {
        m = m.with_date(weekday_from(anchor, weekday, past), Precision::Day);
    }
    Some(Cand::new(span, 5, Atom::Weekday(m)))
}

/// The nearest `weekday` strictly before (`past`) or after the anchor.
fn weekday_from(anchor: NaiveDate, weekday: Weekday, past: bool) -> Option<NaiveDate> {
    let a = anchor.weekday().num_days_from_monday();
    let w = weekday.num_days_from_monday();
    if past {
        let back = match (a + 7 - w) % 7 {
            0 => 7,
            n => n,
        };
        anchor.checked_sub_days(Days::new(u64::from(back)))
    } else {
        let ahead = match (w + 7 - a) % 7 {
            0 => 7,
            n => n,
        };
        anchor.checked_add_days(Days::new(u64::from(ahead)))
    }
}

fn counter_right_ok(text: &str, end: usize) -> bool {
    if !right_ok(text, end) {
        return false;
    }
    let mut rest = text.get(end..).unwrap_or("").chars();
    !(matches!(rest.next(), Some('-' | '–')) && rest.next().is_some_and(|c| c.is_ascii_digit()))
}

fn counter_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let whole = c.get(0)?;
    if !counter_right_ok(cx.text, whole.end()) {
        return None;
    }
    let n = num(c, 1).or_else(|| num(c, 2));
    let n = match n {
        Some(n) => n,
        None => {
            if contains(rules::COUNTER_BLOCK, &prev_word(cx.text, whole.start())) {
                return None;
            }
            num(c, 3)?
        }
    };
    let mut m = DateMention::new(whole.range(), DateKind::DayCounter);
    m.day = Some(n);
    Some(Cand::new(whole.range(), 6, Atom::Done(m)))
}

fn counter_d_cand(cx: Cx, c: &Captures) -> Option<Cand> {
    let whole = c.get(0)?;
    let pw = prev_word(cx.text, whole.start());
    if !counter_right_ok(cx.text, whole.end()) || matches!(pw.as_str(), "vit" | "vitamin" | "vit.") {
        return None;
    }
    if next_word(cx.text, whole.end()) != "of" && !contains(rules::D_COUNTER_CUES, &pw) {
        return None;
    }
    let mut m = DateMention::new(whole.range(), DateKind::DayCounter);
    m.day = Some(num(c, 1)?);
    Some(Cand::new(whole.range(), 6, Atom::Done(m)))
}
