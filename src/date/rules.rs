//! The word lists behind the date finder: rules as data, one table each.
//!
//! Every list is lower case; the finder lower-cases the note's words before
//! looking them up. Phrases with spaces match any run of spaces or tabs.

use chrono::Weekday;

/// How far a relative phrase moves from the anchor date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shift {
    /// Whole days; the result has day precision.
    Days(i64),
    /// Calendar months; the result has month precision.
    Months(i32),
    /// Calendar years; the result has year precision.
    Years(i32),
}

/// Month names and abbreviations.
pub(super) const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// Full weekday names: the only ones resolved as relative dates.
pub(super) const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
];

/// Weekday modifiers that point back from the anchor.
pub(super) const WEEKDAY_PAST: &[&str] = &["last", "this past", "past"];

/// Weekday modifiers that point forward from the anchor.
pub(super) const WEEKDAY_FUTURE: &[&str] = &["next", "this coming", "coming"];

/// Words before a bare weekday ("on Monday") that make it the most recent
/// such day before the anchor.
pub(super) const WEEKDAY_CUE_PAST: &[&str] = &["on", "since", "from"];

/// Words before a bare weekday ("until Monday") that make it the next such
/// day after the anchor.
pub(super) const WEEKDAY_CUE_FUTURE: &[&str] = &["until", "till", "til", "by"];

/// Number words accepted as counts.
pub(super) const NUMBER_WORDS: &[(&str, u32)] = &[
    ("a", 1),
    ("an", 1),
    ("one", 1),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
];

/// Time units and their UCUM codes. One-letter units must touch the number
/// ("3d", "48h").
pub(super) const TIME_UNITS: &[(&str, &str)] = &[
    ("minutes", "min"),
    ("minute", "min"),
    ("mins", "min"),
    ("min", "min"),
    ("hours", "h"),
    ("hour", "h"),
    ("hrs", "h"),
    ("hr", "h"),
    ("h", "h"),
    ("days", "d"),
    ("day", "d"),
    ("d", "d"),
    ("weeks", "wk"),
    ("week", "wk"),
    ("wks", "wk"),
    ("wk", "wk"),
    ("w", "wk"),
    ("months", "mo"),
    ("month", "mo"),
    ("mths", "mo"),
    ("mth", "mo"),
    ("mnths", "mo"),
    ("years", "a"),
    ("year", "a"),
    ("yrs", "a"),
    ("yr", "a"),
    ("y", "a"),
];

/// Clinical fraction notation: "3/7" days, "2/52" weeks, "3/12" months,
/// "4/24" hours (the denominator and the UCUM unit).
pub(super) const FRACTION_UNITS: &[(u32, &str)] = &[(7, "d"), (52, "wk"), (12, "mo"), (24, "h")];

/// Words after a bare clinical fraction that make it a duration
/// ("3/12 review", "2/7 hx of cough").
pub(super) const FRACTION_FOLLOW: &[&str] = &[
    "review",
    "r/v",
    "rv",
    "hx",
    "history",
    "h/o",
    "f/u",
    "fu",
    "follow",
    "follow-up",
    "followup",
    "opa",
    "clinic",
    "appt",
    "appointment",
    "course",
    "of",
    "post",
    "later",
];

/// Relative phrases, how far each moves from the anchor, and whether a
/// following time joins it into one date-time ("yesterday 14:00").
///
/// "last night" and "overnight" are the night that began on the day before
/// the anchor; "last week" and "next week" are seven days either side.
pub(super) const RELATIVE_WORDS: &[(&str, Shift, bool)] = &[
    ("the day before yesterday", Shift::Days(-2), false),
    ("day before yesterday", Shift::Days(-2), false),
    ("the day after tomorrow", Shift::Days(2), false),
    ("day after tomorrow", Shift::Days(2), false),
    ("yesterday", Shift::Days(-1), true),
    ("today", Shift::Days(0), true),
    ("tomorrow", Shift::Days(1), true),
    ("tonight", Shift::Days(0), false),
    ("this morning", Shift::Days(0), false),
    ("this afternoon", Shift::Days(0), false),
    ("this evening", Shift::Days(0), false),
    ("last night", Shift::Days(-1), false),
    ("overnight", Shift::Days(-1), false),
    ("last week", Shift::Days(-7), false),
    ("next week", Shift::Days(7), false),
    ("last month", Shift::Months(-1), false),
    ("next month", Shift::Months(1), false),
    ("last year", Shift::Years(-1), false),
    ("next year", Shift::Years(1), false),
];

/// Words just before a day/month without a year ("on 01/03") that make it
/// a date rather than a score or a fraction. Weekday names count too.
pub(super) const DATE_CUES: &[&str] = &[
    "on",
    "from",
    "since",
    "until",
    "till",
    "til",
    "dated",
    "date",
    "d/c",
    "dc",
    "dc'd",
    "discharged",
    "admitted",
    "adm",
    "admission",
    "seen",
    "reviewed",
    "w/c",
    "wc",
    "wef",
    "w/e",
    "before",
    "after",
    "due",
    "booked",
    "planned",
    "appt",
    "appointment",
    "tci",
    "started",
    "stopped",
    "commenced",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
];

/// Words in the three tokens before an "a/b" that make it a score or a
/// fraction, never a date ("AMTS 8/10", "power L arm 4/5").
pub(super) const SCORE_WORDS: &[&str] = &[
    "amts", "gcs", "mrc", "power", "pain", "score", "scored", "news", "news2", "mmse", "moca", "ace",
    "ace-iii", "cfs", "rockwood", "vas", "nrs", "strength", "tone", "bp", "ratio", "take", "tablet", "tab",
    "dose",
];

/// Words right after an "a/b" that make it a score or a fraction
/// ("5/5 power", "1/2 tablet").
pub(super) const SCORE_NEXT: &[&str] = &[
    "power",
    "tablet",
    "tablets",
    "tab",
    "tabs",
    "strength",
    "pain",
    "score",
    "dose",
    "vial",
    "sachet",
    "pack",
    "bilaterally",
    "throughout",
    "globally",
    "occasions",
    "attempts",
    "times",
    "doses",
    "bottles",
    "sets",
    "cultures",
    "samples",
];

/// Words just before a lone four-digit year that make it a year
/// ("in 2019", "since 2015", "dx 2019").
pub(super) const YEAR_CUES: &[&str] = &[
    "in",
    "since",
    "from",
    "until",
    "till",
    "during",
    "circa",
    "c.",
    "c",
    "ca.",
    "approx",
    "approx.",
    "around",
    "year",
    "yr",
    "dx",
    "dx'd",
    "diagnosed",
    "diag",
    "onset",
    "born",
    "b.",
    "before",
    "after",
    "early",
    "late",
    "mid",
    "summer",
    "winter",
    "spring",
    "autumn",
    "~",
];

/// Upper-case labels of measurements: an all-capitals token before a
/// four-digit number is a diagnosis ("MI 2019") unless it is one of these
/// ("CK 2019", "UO 2000").
pub(super) const MEASURE_LABELS: &[&str] = &[
    "BP",
    "SBP",
    "DBP",
    "HR",
    "RR",
    "MAP",
    "NEWS",
    "NEWS2",
    "GCS",
    "AMTS",
    "MRC",
    "UO",
    "INR",
    "APTT",
    "PT",
    "PLT",
    "PLTS",
    "WCC",
    "WBC",
    "HB",
    "HGB",
    "NA",
    "K",
    "CR",
    "CREAT",
    "UREA",
    "EGFR",
    "CRP",
    "PCT",
    "ALP",
    "ALT",
    "AST",
    "GGT",
    "LDH",
    "CK",
    "BNP",
    "NTPROBNP",
    "NT-PROBNP",
    "TROP",
    "TNT",
    "TNI",
    "BM",
    "BMS",
    "CBG",
    "HBA1C",
    "TSH",
    "FT4",
    "PO4",
    "MG",
    "CA",
    "ALB",
    "BILI",
    "FB",
    "IN",
    "OUT",
    "IV",
    "PO",
    "SC",
    "NG",
    "PEG",
    "VBG",
    "ABG",
    "SPO2",
    "FIO2",
    "O2",
    "ML",
    "MLS",
    "G",
    "KG",
    "KCAL",
    "IU",
    "OP",
    "ID",
    "NHS",
    "MRN",
    "HOSP",
    "TEL",
    "PH",
    "BED",
    "RM",
    "ROOM",
    "WT",
    "HT",
    "BMI",
    "EWS",
    "MEWS",
    "PEWS",
    "VTE",
    "FFP",
];

/// Words after a number that make it a measurement, not a year or a
/// date part ("2000 ml", "12 March 10 mg").
pub(super) const UNIT_WORDS: &[&str] = &[
    "ml",
    "mls",
    "l",
    "litre",
    "litres",
    "liter",
    "liters",
    "mg",
    "mcg",
    "ug",
    "micrograms",
    "g",
    "grams",
    "kg",
    "units",
    "unit",
    "iu",
    "mmol",
    "mmol/l",
    "umol",
    "umol/l",
    "kcal",
    "cal",
    "cells",
    "x",
    "%",
    "mm",
    "cm",
    "m",
    "mmhg",
    "bpm",
    "ng/l",
    "ng",
    "pg",
    "nmol",
    "steps",
    "patients",
    "pts",
    "beds",
    "old",
    "minutes",
    "minute",
    "mins",
    "min",
    "hours",
    "hour",
    "hrs",
    "hr",
    "h",
    "days",
    "day",
    "weeks",
    "week",
    "wks",
    "months",
    "month",
    "years",
    "year",
    "yrs",
    "am",
    "pm",
];

/// Words right before a count that make it a frequency, not a duration
/// ("every 4 hours", "once a day").
pub(super) const FREQUENCY_WORDS: &[&str] = &[
    "every", "per", "each", "q", "once", "twice", "thrice", "times", "x/day", "hourly",
];

/// Words before `day N` that make it part of a frequency or a phrase, not a
/// day counter ("a day 3 times").
pub(super) const COUNTER_BLOCK: &[&str] = &[
    "a",
    "per",
    "each",
    "every",
    "same",
    "one",
    "the",
    "other",
    "alternate",
    "following",
    "previous",
    "next",
    "that",
    "this",
];

/// Words before `DN` ("today is D5") that make it a day counter.
pub(super) const D_COUNTER_CUES: &[&str] = &["on", "now", "is", "today", "currently", "day"];

/// Words before a time with a one-digit hour that make it a ratio
/// ("dilution 1:10").
pub(super) const RATIO_WORDS: &[&str] = &["ratio", "dilution", "diluted", "nursing", "concentration"];
