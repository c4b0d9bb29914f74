//! Table tests for the date finder: name, anchor, order, text, and the
//! expected mentions (span text, kind, value, precision, FHIR dateTime).

use super::*;

/// A mention as span text, kind, value, precision, fhir_datetime.
type Got<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, Option<&'a str>);

/// An expected mention.
type Want = Got<'static>;

/// Name, anchor (`W` 2025-03-12 a Wednesday, `S` 2025-07-15, `-` none, or a
/// date), order (`d` day first, `m` month first), text, expected mentions.
type Case = (&'static str, &'static str, char, &'static str, &'static [Want]);

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn anchor(code: &str) -> Option<Anchor> {
    let day = match code {
        "-" => return None,
        "W" => "2025-03-12",
        "S" => "2025-07-15",
        other => other,
    };
    Some(Anchor::new(date(day), AnchorSource::NoteDate))
}

fn opts(order: char) -> DateOptions {
    let order = if order == 'm' {
        DateOrder::MonthFirst
    } else {
        DateOrder::DayFirst
    };
    DateOptions {
        order,
        ..DateOptions::default()
    }
}

fn run(finder: &DateFinder, code: &str, order: char, text: &str) -> Vec<DateMention> {
    let found = finder.find(text, anchor(code).as_ref(), &opts(order));
    check_spans(text, &found);
    found
}

fn check_spans(text: &str, found: &[DateMention]) {
    let mut end = 0;
    for m in found {
        assert!(
            m.span.start >= end,
            "overlap or out of order in {text:?}: {found:?}"
        );
        assert!(
            m.span.start < m.span.end && m.span.end <= text.len(),
            "bad span in {text:?}"
        );
        assert!(text.is_char_boundary(m.span.start) && text.is_char_boundary(m.span.end));
        end = m.span.end;
    }
}

const D: &str = "date";
const T: &str = "time";
const DT: &str = "datetime";
const R: &str = "relative";
const DU: &str = "duration";
const RG: &str = "range";
const C: &str = "day_counter";

#[rustfmt::skip]
const CASES: &[Case] = &[
    // Numeric dates, day first.
    ("dmy slash", "W", 'd', "Seen 12/03/2025.", &[("12/03/2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("dmy short", "W", 'd', "seen 12/3/25", &[("12/3/25", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("dmy dots", "W", 'd', "on 12.03.2025.", &[("12.03.2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("dmy dashes", "W", 'd', "12-03-2025", &[("12-03-2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("dmy one digit", "-", 'd', "1/2/2024", &[("1/2/2024", D, Some("2024-02-01"), "day", Some("2024-02-01"))]),
    ("dmy 31 Feb", "W", 'd', "31/02/2025", &[]),
    ("dmy month 13", "W", 'd', "13/13/2025", &[]),
    ("dmy leap day", "W", 'd', "29/02/2024", &[("29/02/2024", D, Some("2024-02-29"), "day", Some("2024-02-29"))]),
    ("dmy no leap day", "W", 'd', "29/02/2025", &[]),
    ("dmy mixed separators", "W", 'd', "12/03-2025", &[]),
    ("dmy in brackets", "-", 'd', "(12/03/2025)", &[("12/03/2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("dmy glued to word", "-", 'd', "ref12/03/2025", &[]),
    ("dmy two in a row", "-", 'd', "12/03/2025, 14/03/2025", &[
        ("12/03/2025", D, Some("2025-03-12"), "day", Some("2025-03-12")),
        ("14/03/2025", D, Some("2025-03-14"), "day", Some("2025-03-14")),
    ]),
    // Two-digit years.
    ("pivot DOB 45", "W", 'd', "DOB 12/3/45", &[("12/3/45", D, Some("1945-03-12"), "day", Some("1945-03-12"))]),
    ("pivot 26 after anchor", "W", 'd', "12/3/26", &[("12/3/26", D, Some("1926-03-12"), "day", Some("1926-03-12"))]),
    ("pivot 00", "W", 'd', "1/1/00", &[("1/1/00", D, Some("2000-01-01"), "day", Some("2000-01-01"))]),
    ("pivot no anchor 25", "-", 'd', "12/3/25", &[("12/3/25", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("pivot no anchor 69", "-", 'd', "5/6/69", &[("5/6/69", D, Some("2069-06-05"), "day", Some("2069-06-05"))]),
    ("pivot no anchor 70", "-", 'd', "5/6/70", &[("5/6/70", D, Some("1970-06-05"), "day", Some("1970-06-05"))]),
    ("pivot anchor 1999", "1999-06-01", 'd', "5/6/99", &[("5/6/99", D, Some("1999-06-05"), "day", Some("1999-06-05"))]),
    // Month first.
    ("mdy", "W", 'm', "03/12/2025", &[("03/12/2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("mdy 31 Dec", "W", 'm', "12/31/2024", &[("12/31/2024", D, Some("2024-12-31"), "day", Some("2024-12-31"))]),
    ("mdy rejects dmy", "W", 'm', "31/12/2024", &[]),
    ("dmy rejects mdy", "W", 'd', "12/31/2024", &[]),
    ("mdy short year", "W", 'm', "3/12/25", &[("3/12/25", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("mdy day month", "W", 'm', "on 3/10", &[("3/10", D, Some("2025-03-10"), "day", Some("2025-03-10"))]),
    ("mdy ISO unchanged", "W", 'm', "2025-03-04", &[("2025-03-04", D, Some("2025-03-04"), "day", Some("2025-03-04"))]),
    // ISO.
    ("iso date", "-", 'd', "2025-03-12", &[("2025-03-12", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("iso T", "-", 'd', "at 2025-03-12T14:30.", &[("2025-03-12T14:30", DT, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("iso space", "-", 'd', "2025-03-12 14:30", &[("2025-03-12 14:30", DT, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("iso summer", "-", 'd', "2025-07-10T14:30", &[("2025-07-10T14:30", DT, Some("2025-07-10T14:30:00"), "minute", Some("2025-07-10T14:30:00+01:00"))]),
    ("iso Z", "-", 'd', "2025-07-10T14:30:00Z", &[("2025-07-10T14:30:00Z", DT, Some("2025-07-10T14:30:00Z"), "minute", Some("2025-07-10T14:30:00Z"))]),
    ("iso offset", "-", 'd', "2025-03-12T14:30:15+01:00", &[("2025-03-12T14:30:15+01:00", DT, Some("2025-03-12T14:30:15+01:00"), "minute", Some("2025-03-12T14:30:15+01:00"))]),
    ("iso compact offset", "-", 'd', "2025-03-12T14:30+0530", &[("2025-03-12T14:30+0530", DT, Some("2025-03-12T14:30:00+05:30"), "minute", Some("2025-03-12T14:30:00+05:30"))]),
    ("iso fraction", "-", 'd', "2025-03-12T14:30:15.250Z", &[("2025-03-12T14:30:15.250Z", DT, Some("2025-03-12T14:30:15.250Z"), "minute", Some("2025-03-12T14:30:15.250Z"))]),
    ("iso 30 Feb", "-", 'd', "2025-02-30", &[]),
    ("iso slashes", "-", 'd', "2025/03/12", &[("2025/03/12", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("iso bad hour", "-", 'd', "2025-03-12T25:00", &[]),
    // Written dates.
    ("written d Mon yyyy", "-", 'd', "12 Mar 2025", &[("12 Mar 2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written ordinal", "-", 'd', "on 12th March 2025.", &[("12th March 2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written of comma", "-", 'd', "12th of March, 2025", &[("12th of March, 2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written caps dashes", "W", 'd', "12-MAR-25", &[("12-MAR-25", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written glued", "-", 'd', "12MAR2025", &[("12MAR2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written Sept", "-", 'd', "3 Sept 2024", &[("3 Sept 2024", D, Some("2024-09-03"), "day", Some("2024-09-03"))]),
    ("written US ordinal", "-", 'd', "March 12th, 2025", &[("March 12th, 2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written US", "-", 'd', "March 12, 2025", &[("March 12, 2025", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written no year", "W", 'd', "12th March", &[("12th March", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written no year summer", "S", 'd', "12th March", &[("12th March", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written no year previous", "W", 'd', "25th December", &[("25th December", D, Some("2024-12-25"), "day", Some("2024-12-25"))]),
    ("written no year ahead", "W", 'd', "1st September", &[("1st September", D, Some("2025-09-01"), "day", Some("2025-09-01"))]),
    ("written no year no anchor", "-", 'd', "12th March", &[("12th March", D, None, "unknown", None)]),
    ("written month ordinal first", "W", 'd', "March 12th", &[("March 12th", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written 31 Feb", "-", 'd', "31 Feb 2025", &[]),
    ("written and time no year", "W", 'd', "12 Mar 14:30", &[("12 Mar 14:30", DT, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("written then dose", "W", 'd', "12 March 10 mg", &[("12 March", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written list", "W", 'd', "12 Mar, 25 Mar", &[
        ("12 Mar", D, Some("2025-03-12"), "day", Some("2025-03-12")),
        ("25 Mar", D, Some("2025-03-25"), "day", Some("2025-03-25")),
    ]),
    ("written marked", "W", 'd', "3 marked", &[]),
    // Months.
    ("month yyyy", "-", 'd', "March 2025", &[("March 2025", D, Some("2025-03"), "month", Some("2025-03"))]),
    ("mon yyyy", "-", 'd', "in Mar 2025", &[("Mar 2025", D, Some("2025-03"), "month", Some("2025-03"))]),
    ("mon-yy", "W", 'd', "Mar-25", &[("Mar-25", D, Some("2025-03"), "month", Some("2025-03"))]),
    ("mon yy", "W", 'd', "last seen Mar 25", &[("Mar 25", D, Some("2025-03"), "month", Some("2025-03"))]),
    ("mon apostrophe yy", "W", 'd', "Mar '25", &[("Mar '25", D, Some("2025-03"), "month", Some("2025-03"))]),
    ("mon-yy colon", "W", 'd', "Echo Nov-24: EF 35%", &[("Nov-24", D, Some("2024-11"), "month", Some("2024-11"))]),
    ("mon yy month first", "W", 'm', "Mar 25", &[("Mar 25", D, Some("2025-03-25"), "day", Some("2025-03-25"))]),
    ("mon-yy month first", "W", 'm', "Mar-25", &[("Mar-25", D, Some("2025-03"), "month", Some("2025-03"))]),
    ("mon one digit", "W", 'd', "March 5", &[]),
    ("month full name yy", "W", 'd', "March 12", &[]),
    ("month full name yy month first", "W", 'm', "March 12", &[("March 12", D, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("written ordinal full stop", "W", 'd', "Wed 12th. March 12", &[]),
    ("May yyyy", "-", 'd', "May 2024", &[("May 2024", D, Some("2024-05"), "month", Some("2024-05"))]),
    ("may verb", "W", 'd', "bed 3 may need moving", &[]),
    ("may verb number", "W", 'd', "pt may 25 times", &[]),
    ("dec decreased", "W", 'd', "GCS 14 dec from 15", &[]),
    ("dec with year", "-", 'd', "12 dec 2024", &[("12 dec 2024", D, Some("2024-12-12"), "day", Some("2024-12-12"))]),
    ("dec hours", "W", 'd', "UO Dec 24 hrs", &[("24 hrs", DU, Some("PT24H"), "unknown", None)]),
    // Lone years.
    ("year MI", "-", 'd', "PMH: MI 2019, HTN", &[("2019", D, Some("2019"), "year", Some("2019"))]),
    ("year in", "-", 'd', "stroke in 2019", &[("2019", D, Some("2019"), "year", Some("2019"))]),
    ("year since", "-", 'd', "since 2015", &[("2015", D, Some("2015"), "year", Some("2015"))]),
    ("year brackets", "-", 'd', "CABG (2010)", &[("2010", D, Some("2010"), "year", Some("2010"))]),
    ("year dx", "-", 'd', "T2DM dx 2010", &[("2010", D, Some("2010"), "year", Some("2010"))]),
    ("year circa", "-", 'd', "c. 1995", &[("1995", D, Some("1995"), "year", Some("1995"))]),
    ("year no cue", "-", 'd', "2019", &[]),
    ("year urine output", "-", 'd', "UO 2000", &[]),
    ("year ALP", "-", 'd', "ALP 2010", &[]),
    ("year units", "-", 'd', "in 2000 ml", &[]),
    ("year glued unit", "-", 'd', "in 2000ml", &[]),
    ("year range tail", "-", 'd', "in 2015-2019", &[("2015", D, Some("2015"), "year", Some("2015"))]),
    ("year out of range", "-", 'd', "in 1850", &[]),
    ("year born", "-", 'd', "born 1940", &[("1940", D, Some("1940"), "year", Some("1940"))]),
    // Times.
    ("time anchored", "W", 'd', "14:30", &[("14:30", T, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("time winter", "2025-01-10", 'd', "seen 14:30", &[("14:30", T, Some("2025-01-10T14:30:00"), "minute", Some("2025-01-10T14:30:00+00:00"))]),
    ("time summer", "2025-07-10", 'd', "seen 14:30", &[("14:30", T, Some("2025-07-10T14:30:00"), "minute", Some("2025-07-10T14:30:00+01:00"))]),
    ("time summer anchor S", "S", 'd', "at 09:00", &[("09:00", T, Some("2025-07-15T09:00:00"), "minute", Some("2025-07-15T09:00:00+01:00"))]),
    ("time no anchor", "-", 'd', "14:30", &[("14:30", T, Some("14:30:00"), "unknown", None)]),
    ("time pm", "W", 'd', "at 2pm", &[("2pm", T, Some("2025-03-12T14:00:00"), "minute", Some("2025-03-12T14:00:00+00:00"))]),
    ("time h:mm pm", "W", 'd', "2:30pm", &[("2:30pm", T, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("time dotted p.m.", "W", 'd', "2.30 p.m. review", &[("2.30 p.m.", T, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("time 12am", "W", 'd', "12am", &[("12am", T, Some("2025-03-12T00:00:00"), "minute", Some("2025-03-12T00:00:00+00:00"))]),
    ("time 12pm", "W", 'd', "12pm", &[("12pm", T, Some("2025-03-12T12:00:00"), "minute", Some("2025-03-12T12:00:00+00:00"))]),
    ("time hrs", "W", 'd', "1430hrs", &[("1430hrs", T, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("time h", "W", 'd', "1430h", &[("1430h", T, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("time space hrs", "W", 'd', "0900 hrs", &[("0900 hrs", T, Some("2025-03-12T09:00:00"), "minute", Some("2025-03-12T09:00:00+00:00"))]),
    ("time midday", "W", 'd', "at midday", &[("midday", T, Some("2025-03-12T12:00:00"), "minute", Some("2025-03-12T12:00:00+00:00"))]),
    ("time seconds", "W", 'd', "14:30:15", &[("14:30:15", T, Some("2025-03-12T14:30:15"), "minute", Some("2025-03-12T14:30:15+00:00"))]),
    ("time 25:00", "W", 'd', "25:00", &[]),
    ("time 13am", "W", 'd', "13am", &[]),
    ("time ratio", "W", 'd', "dilution 1:10", &[]),
    ("time one to one", "W", 'd', "1:1 nursing", &[]),
    ("time 24 hrs duration", "W", 'd', "24 hrs", &[("24 hrs", DU, Some("PT24H"), "unknown", None)]),
    // Date-times.
    ("datetime space", "W", 'd', "12/03/2025 14:20", &[("12/03/2025 14:20", DT, Some("2025-03-12T14:20:00"), "minute", Some("2025-03-12T14:20:00+00:00"))]),
    ("datetime at summer", "W", 'd', "12/07/2025 at 14:20", &[("12/07/2025 at 14:20", DT, Some("2025-07-12T14:20:00"), "minute", Some("2025-07-12T14:20:00+01:00"))]),
    ("datetime time first", "W", 'd', "14:20 on 12/03/2025", &[("14:20 on 12/03/2025", DT, Some("2025-03-12T14:20:00"), "minute", Some("2025-03-12T14:20:00+00:00"))]),
    ("datetime comma hrs", "W", 'd', "12/03/2025, 0900hrs", &[("12/03/2025, 0900hrs", DT, Some("2025-03-12T09:00:00"), "minute", Some("2025-03-12T09:00:00+00:00"))]),
    ("datetime written", "-", 'd', "12 Mar 2025 14:30", &[("12 Mar 2025 14:30", DT, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("datetime yesterday", "W", 'd', "yesterday at 14:00", &[("yesterday at 14:00", DT, Some("2025-03-11T14:00:00"), "minute", Some("2025-03-11T14:00:00+00:00"))]),
    ("datetime time yesterday", "W", 'd', "14:00 yesterday", &[("14:00 yesterday", DT, Some("2025-03-11T14:00:00"), "minute", Some("2025-03-11T14:00:00+00:00"))]),
    ("datetime today no anchor", "-", 'd', "today 09:00", &[("today 09:00", DT, None, "unknown", None)]),
    ("datetime non-ascii", "-", 'd', "Temp 38.5°C – seen 12/03/2025 at 14:30", &[("12/03/2025 at 14:30", DT, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    ("datetime dst gap", "-", 'd', "on 30/03/2025 at 01:30", &[("30/03/2025 at 01:30", DT, Some("2025-03-30T01:30:00"), "minute", Some("2025-03-30T01:30:00+00:00"))]),
    ("datetime dst repeated", "-", 'd', "26/10/2025 01:30", &[("26/10/2025 01:30", DT, Some("2025-10-26T01:30:00"), "minute", Some("2025-10-26T01:30:00+01:00"))]),
    ("datetime after fall back", "-", 'd', "26/10/2025 02:00", &[("26/10/2025 02:00", DT, Some("2025-10-26T02:00:00"), "minute", Some("2025-10-26T02:00:00+00:00"))]),
    ("datetime before spring", "-", 'd', "29/03/2025 23:00", &[("29/03/2025 23:00", DT, Some("2025-03-29T23:00:00"), "minute", Some("2025-03-29T23:00:00+00:00"))]),
    ("datetime after spring", "-", 'd', "31/03/2025 00:30", &[("31/03/2025 00:30", DT, Some("2025-03-31T00:30:00"), "minute", Some("2025-03-31T00:30:00+01:00"))]),
    ("datetime weak day month", "W", 'd', "01/03 14:00", &[("01/03 14:00", DT, Some("2025-03-01T14:00:00"), "minute", Some("2025-03-01T14:00:00+00:00"))]),
    ("datetime not across lines", "W", 'd', "12/03/2025\n14:20", &[
        ("12/03/2025", D, Some("2025-03-12"), "day", Some("2025-03-12")),
        ("14:20", T, Some("2025-03-12T14:20:00"), "minute", Some("2025-03-12T14:20:00+00:00")),
    ]),
    ("datetime score not joined", "W", 'd', "pain 7/10 at 14:30", &[("14:30", T, Some("2025-03-12T14:30:00"), "minute", Some("2025-03-12T14:30:00+00:00"))]),
    // Relative.
    ("rel today", "W", 'd', "seen today", &[("today", R, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("rel yesterday", "W", 'd', "Yesterday", &[("Yesterday", R, Some("2025-03-11"), "day", Some("2025-03-11"))]),
    ("rel tomorrow", "W", 'd', "tomorrow", &[("tomorrow", R, Some("2025-03-13"), "day", Some("2025-03-13"))]),
    ("rel overnight", "W", 'd', "settled overnight", &[("overnight", R, Some("2025-03-11"), "day", Some("2025-03-11"))]),
    ("rel last night", "W", 'd', "last night", &[("last night", R, Some("2025-03-11"), "day", Some("2025-03-11"))]),
    ("rel this morning", "W", 'd', "this morning", &[("this morning", R, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("rel tonight", "W", 'd', "tonight", &[("tonight", R, Some("2025-03-12"), "day", Some("2025-03-12"))]),
    ("rel day before yesterday", "W", 'd', "the day before yesterday", &[("the day before yesterday", R, Some("2025-03-10"), "day", Some("2025-03-10"))]),
    ("rel days ago", "W", 'd', "3 days ago", &[("3 days ago", R, Some("2025-03-09"), "day", Some("2025-03-09"))]),
    ("rel 3/7 ago", "W", 'd', "3/7 ago", &[("3/7 ago", R, Some("2025-03-09"), "day", Some("2025-03-09"))]),
    ("rel 2/52 ago", "W", 'd', "2/52 ago", &[("2/52 ago", R, Some("2025-02-26"), "day", Some("2025-02-26"))]),
    ("rel 3/12 ago", "W", 'd', "3/12 ago", &[("3/12 ago", R, Some("2024-12"), "month", Some("2024-12"))]),
    ("rel weeks ago", "W", 'd', "2 weeks ago", &[("2 weeks ago", R, Some("2025-02-26"), "day", Some("2025-02-26"))]),
    ("rel a week ago", "W", 'd', "a week ago", &[("a week ago", R, Some("2025-03-05"), "day", Some("2025-03-05"))]),
    ("rel word number", "W", 'd', "two days ago", &[("two days ago", R, Some("2025-03-10"), "day", Some("2025-03-10"))]),
    ("rel months ago", "W", 'd', "6 months ago", &[("6 months ago", R, Some("2024-09"), "month", Some("2024-09"))]),
    ("rel years ago", "W", 'd', "10 years ago", &[("10 years ago", R, Some("2015"), "year", Some("2015"))]),
    ("rel in weeks", "W", 'd', "review in 2 weeks", &[("in 2 weeks", R, Some("2025-03-26"), "day", Some("2025-03-26"))]),
    ("rel in 2/52", "W", 'd', "OPA in 2/52", &[("in 2/52", R, Some("2025-03-26"), "day", Some("2025-03-26"))]),
    ("rel days' time", "W", 'd', "2 days' time", &[("2 days' time", R, Some("2025-03-14"), "day", Some("2025-03-14"))]),
    ("rel in days' time", "W", 'd', "in 3 days' time", &[("in 3 days' time", R, Some("2025-03-15"), "day", Some("2025-03-15"))]),
    ("rel weeks time", "W", 'd', "6 weeks time", &[("6 weeks time", R, Some("2025-04-23"), "day", Some("2025-04-23"))]),
    ("rel last week", "W", 'd', "last week", &[("last week", R, Some("2025-03-05"), "day", Some("2025-03-05"))]),
    ("rel next week", "W", 'd', "next week", &[("next week", R, Some("2025-03-19"), "day", Some("2025-03-19"))]),
    ("rel last month", "W", 'd', "last month", &[("last month", R, Some("2025-02"), "month", Some("2025-02"))]),
    ("rel last year", "W", 'd', "last year", &[("last year", R, Some("2024"), "year", Some("2024"))]),
    ("rel on Monday", "W", 'd', "fell on Monday", &[("Monday", R, Some("2025-03-10"), "day", Some("2025-03-10"))]),
    ("rel on same weekday", "W", 'd', "on Wednesday", &[("Wednesday", R, Some("2025-03-05"), "day", Some("2025-03-05"))]),
    ("rel since Sunday", "W", 'd', "since sunday", &[("sunday", R, Some("2025-03-09"), "day", Some("2025-03-09"))]),
    ("rel last Friday", "W", 'd', "last Friday", &[("last Friday", R, Some("2025-03-07"), "day", Some("2025-03-07"))]),
    ("rel next Monday", "W", 'd', "next Monday", &[("next Monday", R, Some("2025-03-17"), "day", Some("2025-03-17"))]),
    ("rel until Friday", "W", 'd', "until Friday", &[("Friday", R, Some("2025-03-14"), "day", Some("2025-03-14"))]),
    ("rel bare weekday", "W", 'd', "Monday clinic", &[]),
    ("rel weekday before date", "W", 'd', "on Monday 10/03", &[("10/03", D, Some("2025-03-10"), "day", Some("2025-03-10"))]),
    ("rel no anchor", "-", 'd', "yesterday", &[("yesterday", R, None, "unknown", None)]),
    ("rel ago no anchor", "-", 'd', "3 days ago", &[("3 days ago", R, None, "unknown", None)]),
    ("rel weekday no anchor", "-", 'd', "on Monday", &[("Monday", R, None, "unknown", None)]),
    ("rel hours ago", "W", 'd', "2 hours ago", &[("2 hours ago", R, None, "unknown", None)]),
    // Day counters.
    ("counter POD", "W", 'd', "POD 2", &[("POD 2", C, None, "unknown", None)]),
    ("counter POD glued", "W", 'd', "POD2, well", &[("POD2", C, None, "unknown", None)]),
    ("counter post-op day", "W", 'd', "post-op day 2", &[("post-op day 2", C, None, "unknown", None)]),
    ("counter day of abx", "W", 'd', "day 3 of co-amoxiclav", &[("day 3", C, None, "unknown", None)]),
    ("counter D of admission", "W", 'd', "D5 of admission", &[("D5", C, None, "unknown", None)]),
    ("counter Day", "W", 'd', "Day 3", &[("Day 3", C, None, "unknown", None)]),
    ("counter vitamin D3", "W", 'd', "vitamin D3", &[]),
    ("counter D alone", "W", 'd', "D5W", &[]),
    ("counter frequency", "W", 'd', "once a day", &[]),
    // Durations.
    ("dur for days", "W", 'd', "for 3 days", &[("3 days", DU, Some("P3D"), "unknown", None)]),
    ("dur x 2/7", "W", 'd', "abx x 2/7", &[("2/7", DU, Some("P2D"), "unknown", None)]),
    ("dur x2/7", "W", 'd', "abx x2/7", &[("2/7", DU, Some("P2D"), "unknown", None)]),
    ("dur x1/7", "W", 'd', "x1/7", &[("1/7", DU, Some("P1D"), "unknown", None)]),
    ("dur for 5/7", "W", 'd', "for 5/7", &[("5/7", DU, Some("P5D"), "unknown", None)]),
    ("dur 2/52 alone", "W", 'd', "2/52", &[("2/52", DU, Some("P2W"), "unknown", None)]),
    ("dur 3/12 review", "W", 'd', "3/12 review", &[("3/12", DU, Some("P3M"), "unknown", None)]),
    ("dur 2/7 hx", "W", 'd', "2/7 hx of cough", &[("2/7", DU, Some("P2D"), "unknown", None)]),
    ("dur weeks", "W", 'd', "for 6 weeks", &[("6 weeks", DU, Some("P6W"), "unknown", None)]),
    ("dur 48h", "W", 'd', "48h", &[("48h", DU, Some("PT48H"), "unknown", None)]),
    ("dur a week", "W", 'd', "for a week", &[("a week", DU, Some("P1W"), "unknown", None)]),
    ("dur decimal hours", "W", 'd', "1.5 hours", &[("1.5 hours", DU, Some("PT1.5H"), "unknown", None)]),
    ("dur hyphenated", "W", 'd', "7-day course", &[("7-day", DU, Some("P7D"), "unknown", None)]),
    ("dur months", "W", 'd', "for 3 months", &[("3 months", DU, Some("P3M"), "unknown", None)]),
    ("dur zero hours", "W", 'd', "Trop (0h/3h)", &[]),
    ("dur every", "W", 'd', "every 4 hours", &[]),
    ("dur age", "W", 'd', "45 year old", &[]),
    ("dur age y/o", "W", 'd', "45 y/o", &[]),
    ("dur age hyphen", "W", 'd', "45-year-old", &[]),
    ("dur a day", "W", 'd', "twice a day", &[]),
    ("dur numeric range", "W", 'd', "every 4-6 hours, 2-3 days, x 1-2/7", &[]),
    ("dur age word", "W", 'd', "Age 84 years", &[]),
    // Ranges.
    ("range from to", "W", 'd', "from 01/03 to 05/03", &[("01/03 to 05/03", RG, Some("2025-03-01"), "day", Some("2025-03-01"))]),
    ("range full", "W", 'd', "01/03/2025 - 05/03/2025", &[("01/03/2025 - 05/03/2025", RG, Some("2025-03-01"), "day", Some("2025-03-01"))]),
    ("range ordinals", "W", 'd', "1st-5th March", &[("1st-5th March", RG, Some("2025-03-01"), "day", Some("2025-03-01"))]),
    ("range ordinals year", "W", 'd', "1st-5th March 2024", &[("1st-5th March 2024", RG, Some("2024-03-01"), "day", Some("2024-03-01"))]),
    ("range between", "W", 'd', "between 1 and 5 March", &[("1 and 5 March", RG, Some("2025-03-01"), "day", Some("2025-03-01"))]),
    ("range new year", "2025-01-10", 'd', "from 28/12 to 02/01", &[("28/12 to 02/01", RG, Some("2024-12-28"), "day", Some("2024-12-28"))]),
    ("range backwards", "W", 'd', "12/03/2025 to 10/03/2025", &[
        ("12/03/2025", D, Some("2025-03-12"), "day", Some("2025-03-12")),
        ("10/03/2025", D, Some("2025-03-10"), "day", Some("2025-03-10")),
    ]),
    ("range no anchor", "-", 'd', "from 01/03 to 05/03", &[("01/03 to 05/03", RG, None, "unknown", None)]),
    ("range weak strong", "-", 'd', "01/03 to 05/03/2025", &[("01/03 to 05/03/2025", RG, Some("2025-03-01"), "day", Some("2025-03-01"))]),
    ("range months", "-", 'd', "March 2024 - May 2024", &[("March 2024 - May 2024", RG, Some("2024-03"), "month", Some("2024-03"))]),
    ("range July fractions", "W", 'd', "from 01/07 to 05/07", &[("01/07 to 05/07", RG, Some("2025-07-01"), "day", Some("2025-07-01"))]),
    ("range weak without from", "W", 'd', "01/03 - 05/03", &[]),
    // Day/month without a year.
    ("dm on", "W", 'd', "on 01/03", &[("01/03", D, Some("2025-03-01"), "day", Some("2025-03-01"))]),
    ("dm on no anchor", "-", 'd', "on 01/03", &[]),
    ("dm seen", "W", 'd', "seen 10/03 by FY1", &[("10/03", D, Some("2025-03-10"), "day", Some("2025-03-10"))]),
    ("dm no cue", "W", 'd', "01/03", &[]),
    ("dm since", "W", 'd', "since 1/2", &[("1/2", D, Some("2025-02-01"), "day", Some("2025-02-01"))]),
    ("dm late in year", "W", 'd', "d/c 20/11", &[("20/11", D, Some("2024-11-20"), "day", Some("2024-11-20"))]),
    ("dm fraction twelve", "W", 'd', "on 3/12", &[]),
    ("dm score with cue", "W", 'd', "AMTS on 10/10", &[]),
    ("dm by fraction", "W", 'd', "reduced by 1/2", &[]),
    ("dm occasions", "W", 'd', "on 2/3 occasions", &[]),
    ("dm half hour", "W", 'd', "after 1/2 hour", &[]),
    ("counter every other day", "W", 'd', "every other day 2 weeks", &[("2 weeks", DU, Some("P2W"), "unknown", None)]),
    ("dm date cue colon", "W", 'd', "Date: 05/03", &[("05/03", D, Some("2025-03-05"), "day", Some("2025-03-05"))]),
    // Must not be dates.
    ("neg BP", "W", 'd', "BP 120/80", &[]),
    ("neg heart rate after a temperature", "W", 'd', "T 36.2 HR 92", &[]),
    ("hours still hours", "W", 'd', "over 4 HR", &[("4 HR", "duration", Some("PT4H"), "unknown", None)]),
    ("neg BP 148/86", "W", 'd', "BP 148/86 HR 88", &[]),
    ("neg half tablet", "W", 'd', "1/2 tablet", &[]),
    ("neg AMTS 10/10", "W", 'd', "AMTS 10/10", &[]),
    ("neg AMTS 8/10", "W", 'd', "AMTS 8/10", &[]),
    ("neg pain", "W", 'd', "pain 7/10", &[]),
    ("neg GCS 15/15", "W", 'd', "GCS 15/15", &[]),
    ("neg GCS 14/15", "W", 'd', "GCS 14/15", &[]),
    ("neg MRC", "W", 'd', "MRC 4/5", &[]),
    ("neg 5/5 power", "W", 'd', "5/5 power", &[]),
    ("neg power 4/5", "W", 'd', "power 4/5", &[]),
    ("neg power limb", "W", 'd', "power L arm 4/5", &[]),
    ("neg 24/7", "W", 'd', "24/7 care", &[]),
    ("neg heart sounds", "W", 'd', "HS I+II+0", &[]),
    ("neg mobile", "W", 'd', "07700 900123", &[]),
    ("neg landline", "W", 'd', "0161 496 0000", &[]),
    ("neg NHS spaced", "W", 'd', "NHS 943 476 5919", &[]),
    ("neg NHS spaced 2019", "W", 'd', "943 476 2019", &[]),
    ("neg NHS", "W", 'd', "9434765919", &[]),
    ("neg dose", "W", 'd', "5mg", &[]),
    ("neg dose decimal", "W", 'd', "2.5mg", &[]),
    ("neg temperature", "W", 'd', "38.5", &[]),
    ("neg sats", "W", 'd', "SpO2 93%", &[]),
    ("neg units", "W", 'd', "WCC 12.3 x10^9/L", &[]),
    ("neg Hb", "W", 'd', "Hb 102", &[]),
    ("neg 1/7 alone", "W", 'd', "1/7", &[]),
    ("neg 3/12 alone", "W", 'd', "3/12", &[]),
    ("neg temp", "W", 'd', "T 37.8", &[]),
    ("neg RR", "W", 'd', "RR 22", &[]),
    ("neg NEWS2", "W", 'd', "NEWS2 5", &[]),
    ("neg CURB-65", "W", 'd', "CURB-65 2", &[]),
    ("neg weight", "W", 'd', "Wt 72.5kg", &[]),
    ("neg INR", "W", 'd', "INR 1.2", &[]),
    ("neg decimal colon", "W", 'd', "ratio 3.5:1", &[]),
    ("neg version", "W", 'd', "v1.2.10", &[]),
];

#[test]
fn table() {
    assert!(CASES.len() >= 150, "{} cases", CASES.len());
    let finder = DateFinder::new();
    let mut failures = Vec::new();
    for (name, code, order, text, want) in CASES {
        let found = run(&finder, code, *order, text);
        let got: Vec<Got> = found
            .iter()
            .map(|m| {
                (
                    &text[m.span.clone()],
                    m.kind.as_str(),
                    m.value.as_deref(),
                    m.precision.as_str(),
                    m.fhir_datetime.as_deref(),
                )
            })
            .collect();
        let same = got.len() == want.len() && got.iter().zip(want.iter()).all(|(g, w)| g == w);
        if !same {
            failures.push(format!("{name}: {text:?}\n   want {want:?}\n    got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing cases:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn range_ends() {
    let finder = DateFinder::new();
    for (code, text, end) in [
        ("W", "from 01/03 to 05/03", Some("2025-03-05")),
        ("W", "01/03/2025 - 05/03/2025", Some("2025-03-05")),
        ("W", "1st-5th March", Some("2025-03-05")),
        ("2025-01-10", "from 28/12 to 02/01", Some("2025-01-02")),
        ("-", "01/03 to 05/03/2025", Some("2025-03-05")),
        ("-", "March 2024 - May 2024", Some("2024-05")),
        ("-", "from 01/03 to 05/03", None),
    ] {
        let found = run(&finder, code, 'd', text);
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!(found[0].kind, DateKind::Range, "{text}");
        assert_eq!(found[0].end_value.as_deref(), end, "{text}");
    }
}

#[test]
fn durations_and_counters() {
    let finder = DateFinder::new();
    for (text, want) in [
        ("for 3 days", (3.0, "d")),
        ("x 2/7", (2.0, "d")),
        ("2/52", (2.0, "wk")),
        ("3/12 review", (3.0, "mo")),
        ("x 4/24", (4.0, "h")),
        ("48h", (48.0, "h")),
        ("30 mins", (30.0, "min")),
        ("2 yrs", (2.0, "a")),
        ("3 days ago", (3.0, "d")),
        ("in 2/52", (2.0, "wk")),
    ] {
        let found = run(&finder, "W", 'd', text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(found[0].duration, Some(want), "{text}");
    }
    for (text, day) in [
        ("POD 2", 2),
        ("post op day 10", 10),
        ("Day 3 of abx", 3),
        ("D5 of admission", 5),
        ("abx now D4", 4),
    ] {
        let found = run(&finder, "W", 'd', text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        assert_eq!(
            (found[0].kind, found[0].day),
            (DateKind::DayCounter, Some(day)),
            "{text}"
        );
    }
    let found = run(&finder, "W", 'd', "3 days ago");
    assert!(found[0].relative);
    assert!(!run(&finder, "W", 'd', "for 3 days")[0].relative);
}

#[test]
fn spans_on_char_boundaries_without_overlap() {
    let finder = DateFinder::new();
    let texts = [
        "Temp 38.5°C – seen 12/03/2025 at 14:30",
        "Pt seen 12/03/2025 14:20 — POD 2, abx x 5/7 (started 10/03), CT 3/7 ago; review in 2/52.",
        "Hx: MI 2019 · CABG (2010) · seen on Monday – “yesterday” ✓ 14:30 ½ tab",
        "Ünïcödé 12 März 2025 → 12 Mar 2025 ⏰ 2pm; 1st–5th March; from 01/03 to 05/03",
        "12/03/2025 12/03/2025 2025-03-12T14:30Z 14:30 14:30 today today",
    ];
    for text in texts {
        for code in ["W", "-"] {
            for order in ['d', 'm'] {
                let found = run(&finder, code, order, text);
                assert!(!found.is_empty(), "{text}");
            }
        }
    }
    let found = run(&finder, "-", 'd', texts[0]);
    assert_eq!(found.len(), 1);
    assert_eq!(&texts[0][found[0].span.clone()], "12/03/2025 at 14:30");
    // Every prefix of a non-ASCII text: no panics, valid spans.
    let text = texts[2];
    for (i, _) in text.char_indices() {
        run(&finder, "W", 'd', &text[..i]);
        run(&finder, "W", 'd', &text[i..]);
    }
}

#[test]
fn header_dates() {
    let finder = DateFinder::new();
    let o = DateOptions::default();
    let cases: &[(&str, Option<(&str, &str)>)] = &[
        (
            "Ward round 12/03/2025\nSeen today.",
            Some(("2025-03-12", "12/03/2025")),
        ),
        (
            "\n\n  WR 12/03/25 09:00 - Dr X\n",
            Some(("2025-03-12", "12/03/25 09:00")),
        ),
        ("12 March 2025 ward round", Some(("2025-03-12", "12 March 2025"))),
        (
            "2025-03-12T08:00Z consultant WR",
            Some(("2025-03-12", "2025-03-12T08:00Z")),
        ),
        ("Ward round\nSeen 12/03/2025", None),
        ("Ward round today", None),
        ("MI 2019 on the first line", None),
        ("", None),
    ];
    for (text, want) in cases {
        let got = finder.header_date(text, &o).map(|(d, span)| (d, &text[span]));
        assert_eq!(got, want.map(|(d, s)| (date(d), s)), "{text:?}");
    }
    let long = format!("{}12/03/2025", "x".repeat(90));
    assert_eq!(finder.header_date(&long, &o), None);
}

#[test]
fn anchor_source_none_is_no_anchor() {
    let finder = DateFinder::new();
    let none = Anchor::new(date("2025-03-12"), AnchorSource::None);
    let found = finder.find("yesterday", Some(&none), &DateOptions::default());
    assert_eq!(found[0].value, None);
    let header = Anchor::new(date("2025-03-12"), AnchorSource::Header);
    let found = finder.find("yesterday", Some(&header), &DateOptions::default());
    assert_eq!(found[0].value.as_deref(), Some("2025-03-11"));
}

#[test]
fn other_time_zone() {
    let finder = DateFinder::new();
    let o = DateOptions {
        order: DateOrder::MonthFirst,
        tz: Tz::America__New_York,
    };
    let found = finder.find("03/12/2025 14:30", None, &o);
    assert_eq!(
        found[0].fhir_datetime.as_deref(),
        Some("2025-03-12T14:30:00-04:00")
    );
}

#[test]
fn serialises_lowercase() {
    let finder = DateFinder::new();
    let found = finder.find("POD 2, x 2/7", None, &DateOptions::default());
    let json = serde_json::to_value(&found).expect("serialise");
    assert_eq!(json[0]["kind"], "day_counter");
    assert_eq!(json[0]["precision"], "unknown");
    assert_eq!(json[0]["day"], 2);
    assert_eq!(json[0]["span"]["start"], 0);
    assert_eq!(json[1]["kind"], "duration");
    assert_eq!(json[1]["duration"], serde_json::json!([2.0, "d"]));
    let dt = finder.find("2025-03-12T14:30", None, &DateOptions::default());
    assert_eq!(
        serde_json::to_value(&dt).expect("serialise")[0]["kind"],
        "datetime"
    );
    let anchor = Anchor::new(date("2025-03-12"), AnchorSource::NoteDate);
    assert_eq!(
        serde_json::to_value(anchor).expect("serialise"),
        serde_json::json!({"date": "2025-03-12", "source": "note_date"})
    );
}

#[test]
fn finder_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<DateFinder>();
    assert_send_sync::<DateMention>();
}
