//! `from`/`to` of booking and audit lists: RFC 3339 instants, or `YYYY-MM-DD` meaning that
//! day in the venue's time zone (DST-correct: [`venuedesk_api::venue_time`]). Without them:
//! today in the venue's time zone.

use chrono_tz::Tz;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use venuedesk_api::venue_time;

/// Parses a bound: (start instant, end instant when the bound is a whole day).
pub fn parse_bound(tz: Tz, s: &str) -> Option<(OffsetDateTime, Option<OffsetDateTime>)> {
    if let Ok(d) = venue_time::parse_date(s) {
        let start = venue_time::day_start(tz, d).ok()?;
        let end = d.succ_opt().and_then(|next| venue_time::day_start(tz, next).ok());
        return Some((start, end));
    }
    OffsetDateTime::parse(s, &Rfc3339).ok().map(|t| (t, None))
}

/// Today (in `tz`) as a UTC range.
pub fn today(tz: Tz, now: OffsetDateTime) -> Option<(OffsetDateTime, OffsetDateTime)> {
    venue_time::day_range(tz, venue_time::local_date(tz, now).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_venue_days() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let (summer, end) = parse_bound(tz, "2026-07-01").unwrap();
        assert_eq!(summer.to_string(), "2026-06-30 23:00:00.0 +00:00:00");
        assert_eq!(end.unwrap().to_string(), "2026-07-01 23:00:00.0 +00:00:00");
        // The day the clocks go forward is 23 hours long (more in venuedesk_api::venue_time).
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
        let (s, e) = today(tz, now).unwrap();
        assert_eq!(s, OffsetDateTime::parse("2026-11-26T05:00:00Z", &Rfc3339).unwrap(), "still the 26th in New York");
        assert_eq!((e - s).whole_hours(), 24);
    }
}
