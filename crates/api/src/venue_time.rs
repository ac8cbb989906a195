//! Venue-local dates and times (what people at the venue think in) and UTC instants (what
//! the wire carries), converted with the venue's IANA zone so clock changes are right: a
//! local day is 23 or 25 hours long on the days the clocks change.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use time::OffsetDateTime;

/// Longest run of skipped local time searched for the first instant of a day (no zone
/// has skipped more than two hours at once).
const LONGEST_GAP_MINUTES: i64 = 180;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VenueTimeError {
    #[error("unknown time zone {0}")]
    UnknownZone(String),
    #[error("{0:?} is not a date (YYYY-MM-DD)")]
    NotADate(String),
    /// The clocks skip this local time (spring forward).
    #[error("{0} does not exist in {1} (the clocks change then)")]
    SkippedLocalTime(NaiveDateTime, Tz),
    #[error("that date is out of range")]
    OutOfRange,
}

/// The IANA zone of a venue (`Europe/London`).
pub fn zone(name: &str) -> Result<Tz, VenueTimeError> {
    name.parse().map_err(|_| VenueTimeError::UnknownZone(name.to_owned()))
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Result<NaiveDate, VenueTimeError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| VenueTimeError::NotADate(s.to_owned()))
}

fn from_chrono<Z: TimeZone>(t: chrono::DateTime<Z>) -> Result<OffsetDateTime, VenueTimeError> {
    let nanos = i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos());
    OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| VenueTimeError::OutOfRange)
}

/// The instant a venue-local date and time means. A local time the clocks skip is
/// refused; one they repeat (fall back) means its first occurrence.
pub fn instant(tz: Tz, local: NaiveDateTime) -> Result<OffsetDateTime, VenueTimeError> {
    let at = tz.from_local_datetime(&local).earliest().ok_or(VenueTimeError::SkippedLocalTime(local, tz))?;
    from_chrono(at)
}

/// The instant a venue-local day starts: its midnight, or when midnight is skipped by a
/// clock change, the first local time that exists that day.
pub fn day_start(tz: Tz, date: NaiveDate) -> Result<OffsetDateTime, VenueTimeError> {
    let midnight = date.and_time(NaiveTime::MIN);
    let first = (0..=LONGEST_GAP_MINUTES)
        .find_map(|m| tz.from_local_datetime(&(midnight + chrono::Duration::minutes(m))).earliest())
        .ok_or(VenueTimeError::OutOfRange)?;
    from_chrono(first)
}

/// `[start, end)` in UTC of a venue-local day: 24 hours, or 23 / 25 on a clock change.
pub fn day_range(tz: Tz, date: NaiveDate) -> Result<(OffsetDateTime, OffsetDateTime), VenueTimeError> {
    let next = date.succ_opt().ok_or(VenueTimeError::OutOfRange)?;
    Ok((day_start(tz, date)?, day_start(tz, next)?))
}

/// The venue-local date and time of an instant.
pub fn local_date_time(tz: Tz, t: OffsetDateTime) -> Result<NaiveDateTime, VenueTimeError> {
    let utc = chrono::DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).ok_or(VenueTimeError::OutOfRange)?;
    Ok(utc.with_timezone(&tz).naive_local())
}

/// The venue-local date of an instant (with `now`: today at the venue).
pub fn local_date(tz: Tz, t: OffsetDateTime) -> Result<NaiveDate, VenueTimeError> {
    local_date_time(tz, t).map(|l| l.date())
}

#[cfg(test)]
mod tests {
    use time::format_description::well_known::Rfc3339;

    use super::*;

    fn london() -> Tz {
        zone("Europe/London").unwrap()
    }

    fn utc(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn spring_forward_day_is_23_hours() {
        // 29 March 2026: 01:00 GMT becomes 02:00 BST.
        let (start, end) = day_range(london(), date("2026-03-29")).unwrap();
        assert_eq!((start, end), (utc("2026-03-29T00:00:00Z"), utc("2026-03-29T23:00:00Z")));
        assert_eq!((end - start).whole_hours(), 23);
        // The day before is a plain 24-hour GMT day, the day after a BST day.
        assert_eq!(day_range(london(), date("2026-03-28")).unwrap().1, start);
        assert_eq!(day_range(london(), date("2026-03-30")).unwrap(), (end, utc("2026-03-30T23:00:00Z")));
    }

    #[test]
    fn fall_back_day_is_25_hours() {
        // 25 October 2026: 02:00 BST becomes 01:00 GMT.
        let (start, end) = day_range(london(), date("2026-10-25")).unwrap();
        assert_eq!((start, end), (utc("2026-10-24T23:00:00Z"), utc("2026-10-26T00:00:00Z")));
        assert_eq!((end - start).whole_hours(), 25);
        assert_eq!(day_range(london(), date("2026-10-26")).unwrap().0, end);
    }

    #[test]
    fn summer_and_winter_days() {
        assert_eq!(
            day_range(london(), date("2026-07-01")).unwrap(),
            (utc("2026-06-30T23:00:00Z"), utc("2026-07-01T23:00:00Z"))
        );
        assert_eq!(
            day_range(london(), date("2026-12-01")).unwrap(),
            (utc("2026-12-01T00:00:00Z"), utc("2026-12-02T00:00:00Z"))
        );
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_at_the_first_local_time() {
        // Havana springs forward at midnight: 8 March 2026 starts at 01:00 CDT (05:00 UTC).
        let havana = zone("America/Havana").unwrap();
        let (start, end) = day_range(havana, date("2026-03-08")).unwrap();
        assert_eq!(start, utc("2026-03-08T05:00:00Z"));
        assert_eq!((end - start).whole_hours(), 23);
    }

    #[test]
    fn local_times_across_the_clock_changes() {
        let at = |d: &str, t: &str| date(d).and_time(NaiveTime::parse_from_str(t, "%H:%M").unwrap());
        // 01:30 on 29 March does not exist in London; on 25 October it happens twice.
        assert_eq!(
            instant(london(), at("2026-03-29", "01:30")),
            Err(VenueTimeError::SkippedLocalTime(at("2026-03-29", "01:30"), london()))
        );
        assert_eq!(instant(london(), at("2026-10-25", "01:30")).unwrap(), utc("2026-10-25T00:30:00Z"));
        let t = instant(london(), at("2026-07-01", "19:30")).unwrap();
        assert_eq!(t, utc("2026-07-01T18:30:00Z"));
        assert_eq!(local_date_time(london(), t).unwrap(), at("2026-07-01", "19:30"));
        assert_eq!(local_date_time(london(), utc("2026-10-25T01:30:00Z")).unwrap(), at("2026-10-25", "01:30"));
    }

    #[test]
    fn today_is_the_venues_date() {
        let new_york = zone("America/New_York").unwrap();
        assert_eq!(local_date(new_york, utc("2026-11-27T03:00:00Z")).unwrap(), date("2026-11-26"));
        assert_eq!(local_date(london(), utc("2026-06-30T23:30:00Z")).unwrap(), date("2026-07-01"));
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(zone("Mars/Olympus"), Err(VenueTimeError::UnknownZone("Mars/Olympus".into())));
        for bad in ["yesterday", "2026-02-30", "2026-13-01", ""] {
            assert_eq!(parse_date(bad), Err(VenueTimeError::NotADate(bad.into())));
        }
        assert_eq!(day_range(london(), NaiveDate::MAX), Err(VenueTimeError::OutOfRange));
    }
}
