//! `from`/`to` of booking lists: RFC 3339 instants, or `YYYY-MM-DD` meaning that day in the
//! venue's time zone (DST-correct). Without them: today in the venue's time zone.

use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The UTC instant a local day starts at in `tz` (the first valid instant on that date).
pub fn day_start(tz: Tz, date: NaiveDate) -> Option<OffsetDateTime> {
    let midnight = date.and_hms_opt(0, 0, 0)?;
    // A gap at midnight (rare DST rules) moves to the first valid local time.
    let local =
        (0..=120).find_map(|m| tz.from_local_datetime(&(midnight + chrono::Duration::minutes(m))).earliest())?;
    OffsetDateTime::from_unix_timestamp(local.timestamp()).ok()
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Parses a bound: (start instant, end instant when the bound is a whole day).
pub fn parse_bound(tz: Tz, s: &str) -> Option<(OffsetDateTime, Option<OffsetDateTime>)> {
    if let Some(d) = parse_date(s) {
        return Some((day_start(tz, d)?, day_start(tz, d.succ_opt()?)));
    }
    OffsetDateTime::parse(s, &Rfc3339).ok().map(|t| (t, None))
}

/// Today (in `tz`) as a UTC range.
pub fn today(tz: Tz, now: OffsetDateTime) -> Option<(OffsetDateTime, OffsetDateTime)> {
    let local = chrono::DateTime::from_timestamp(now.unix_timestamp(), 0)?.with_timezone(&tz).date_naive();
    Some((day_start(tz, local)?, day_start(tz, local.succ_opt()?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_days_follow_daylight_saving() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let (summer, end) = parse_bound(tz, "2026-07-01").unwrap();
        assert_eq!(summer.to_string(), "2026-06-30 23:00:00.0 +00:00:00");
        assert_eq!(end.unwrap().to_string(), "2026-07-01 23:00:00.0 +00:00:00");
        let (winter, _) = parse_bound(tz, "2026-12-01").unwrap();
        assert_eq!(winter.to_string(), "2026-12-01 0:00:00.0 +00:00:00");
        // The day the clocks go forward is 23 hours long.
        let (s, e) = parse_bound(tz, "2026-03-29").unwrap();
        assert_eq!((e.unwrap() - s).whole_hours(), 23);
    }

    #[test]
    fn instants_and_garbage() {
        let tz: Tz = "America/New_York".parse().unwrap();
        assert!(parse_bound(tz, "2026-11-26T18:30:00Z").unwrap().1.is_none());
        assert!(parse_bound(tz, "yesterday").is_none());
        assert!(parse_bound(tz, "2026-02-30").is_none());
        let now = OffsetDateTime::parse("2026-11-27T03:00:00Z", &Rfc3339).unwrap();
        let (s, _) = today(tz, now).unwrap();
        assert_eq!(s, OffsetDateTime::parse("2026-11-26T05:00:00Z", &Rfc3339).unwrap(), "still the 26th in New York");
    }
}
