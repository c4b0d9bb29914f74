//! Calendar arithmetic and formatting: two-digit years, years taken from the
//! anchor, relative shifts, and FHIR `dateTime` strings with the offset of
//! a time zone.

use chrono::{
    Datelike, Days, FixedOffset, LocalResult, Months, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone,
};
use chrono_tz::Tz;

use super::rules::Shift;
use super::Precision;

/// The full year of a two-digit year.
///
/// With an anchor: the year in the anchor's century, or the century before
/// when that would lie after the anchor's year ("45" → 1945 and "25" → 2025
/// for an anchor in 2025). Without one: 00–69 → 20xx, 70–99 → 19xx (the
/// POSIX `strptime` `%y` rule).
pub(super) fn pivot_year(yy: u32, anchor: Option<NaiveDate>) -> i32 {
    let yy = yy as i32;
    match anchor {
        Some(a) => {
            let century = a.year() - a.year().rem_euclid(100);
            let year = century + yy;
            if year > a.year() {
                year - 100
            } else {
                year
            }
        }
        None if yy < 70 => 2000 + yy,
        None => 1900 + yy,
    }
}

/// The date of a day and month written without a year: the anchor's year,
/// or the year before when that date would lie more than six months after
/// the anchor. `None` without an anchor or when the day does not exist in
/// that year (29/02).
pub(super) fn day_month_date(month: u32, day: u32, anchor: Option<NaiveDate>) -> Option<NaiveDate> {
    let a = anchor?;
    let date = NaiveDate::from_ymd_opt(a.year(), month, day)?;
    let limit = a.checked_add_months(Months::new(6))?;
    if date > limit {
        NaiveDate::from_ymd_opt(a.year() - 1, month, day)
    } else {
        Some(date)
    }
}

/// Move `anchor` by `count` steps of `shift` (negative: back). The result
/// and its precision.
pub(super) fn shift_date(anchor: NaiveDate, shift: Shift, count: i64) -> Option<(NaiveDate, Precision)> {
    fn months(d: NaiveDate, n: i64) -> Option<NaiveDate> {
        let m = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
        if n < 0 {
            d.checked_sub_months(m)
        } else {
            d.checked_add_months(m)
        }
    }
    match shift {
        Shift::Days(d) => {
            let n = d.checked_mul(count)?;
            let days = Days::new(n.unsigned_abs());
            let date = if n < 0 {
                anchor.checked_sub_days(days)
            } else {
                anchor.checked_add_days(days)
            };
            Some((date?, Precision::Day))
        }
        Shift::Months(m) => Some((
            months(anchor, i64::from(m).checked_mul(count)?)?,
            Precision::Month,
        )),
        Shift::Years(y) => Some((
            months(anchor, i64::from(y).checked_mul(count)?.checked_mul(12)?)?,
            Precision::Year,
        )),
    }
}

/// A date as ISO 8601 / FHIR at a precision: "2019", "2019-03",
/// "2019-03-12". `None` for other precisions or years outside 1–9999.
pub(super) fn date_string(date: NaiveDate, precision: Precision) -> Option<String> {
    let y = date.year();
    if !(1..=9999).contains(&y) {
        return None;
    }
    match precision {
        Precision::Year => Some(format!("{y:04}")),
        Precision::Month => Some(format!("{y:04}-{:02}", date.month())),
        Precision::Day => Some(format!("{y:04}-{:02}-{:02}", date.month(), date.day())),
        Precision::Minute | Precision::Unknown => None,
    }
}

/// The UTC offset of a local date-time in `tz`.
///
/// At a daylight-saving edge the offset in force just before the change is
/// used: for a repeated hour (autumn) that is the earlier instant, summer
/// time; for a skipped hour (spring) that is winter time, so 01:30 on the
/// day the clocks go forward becomes `01:30:00+00:00`, a real instant.
pub(super) fn local_offset(naive: NaiveDateTime, tz: Tz) -> FixedOffset {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => dt.offset().fix(),
        LocalResult::Ambiguous(a, b) => {
            if a.naive_utc() <= b.naive_utc() {
                a.offset().fix()
            } else {
                b.offset().fix()
            }
        }
        LocalResult::None => {
            let mut probe = naive;
            for _ in 0..48 {
                probe = match probe.checked_sub_signed(TimeDelta::minutes(30)) {
                    Some(p) => p,
                    None => break,
                };
                if let Some(dt) = tz.from_local_datetime(&probe).earliest() {
                    return dt.offset().fix();
                }
            }
            tz.offset_from_utc_datetime(&naive).fix()
        }
    }
}

/// An offset as `+HH:MM`.
pub(super) fn offset_string(offset: FixedOffset) -> String {
    let secs = offset.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
}

/// A local date-time as `YYYY-MM-DDTHH:MM:SS` plus any fraction of a second
/// as written. `None` for years outside 1–9999.
pub(super) fn naive_string(naive: NaiveDateTime, fraction: &str) -> Option<String> {
    let date = date_string(naive.date(), Precision::Day)?;
    Some(format!("{date}T{}{fraction}", naive.time().format("%H:%M:%S")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn pivots() {
        let a = Some(d("2025-03-12"));
        for (yy, anchor, want) in [
            (25, a, 2025),
            (45, a, 1945),
            (26, a, 1926),
            (0, a, 2000),
            (99, a, 1999),
            (69, None, 2069),
            (70, None, 1970),
            (5, None, 2005),
            (99, Some(d("1999-06-01")), 1999),
            (0, Some(d("1999-06-01")), 1900),
        ] {
            assert_eq!(pivot_year(yy, anchor), want, "{yy} {anchor:?}");
        }
    }

    #[test]
    fn day_month_years() {
        let a = Some(d("2025-03-12"));
        for (m, day, want) in [
            (3, 1, Some("2025-03-01")),
            (9, 12, Some("2025-09-12")),
            (9, 13, Some("2024-09-13")),
            (12, 25, Some("2024-12-25")),
            (2, 29, None),
        ] {
            assert_eq!(day_month_date(m, day, a), want.map(d), "{day}/{m}");
        }
        assert_eq!(day_month_date(3, 1, None), None);
    }

    #[test]
    fn offsets_at_edges() {
        let london = Tz::Europe__London;
        let at = |s: &str| {
            let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").expect("test time");
            offset_string(local_offset(naive, london))
        };
        assert_eq!(at("2025-01-10T14:30"), "+00:00");
        assert_eq!(at("2025-07-10T14:30"), "+01:00");
        // Skipped hour (clocks forward 01:00 → 02:00 on 2025-03-30).
        assert_eq!(at("2025-03-30T01:30"), "+00:00");
        assert_eq!(at("2025-03-30T02:00"), "+01:00");
        // Repeated hour (clocks back 02:00 → 01:00 on 2025-10-26).
        assert_eq!(at("2025-10-26T01:30"), "+01:00");
        assert_eq!(at("2025-10-26T02:00"), "+00:00");
        let ny = Tz::America__New_York;
        let naive = NaiveDateTime::parse_from_str("2025-01-10T09:00", "%Y-%m-%dT%H:%M").expect("test time");
        assert_eq!(offset_string(local_offset(naive, ny)), "-05:00");
    }
}
