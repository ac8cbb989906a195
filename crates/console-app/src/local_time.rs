//! Venue-local dates and times (the front desk thinks in them) and UTC instants (the
//! platform stores them): the screens' words for [`venuedesk_api::venue_time`], which does
//! the DST-correct arithmetic for the platform and the console alike.

use chrono::{NaiveDate, NaiveTime};
use time::OffsetDateTime;
use venuedesk_api::venue_time::{self, VenueTimeError};

use crate::error::AppError;

fn invalid(e: VenueTimeError) -> AppError {
    AppError::invalid(e.to_string())
}

pub fn zone(name: &str) -> Result<chrono_tz::Tz, AppError> {
    venue_time::zone(name).map_err(|e| AppError::internal(e.to_string()))
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

pub fn parse_date(s: &str) -> Result<NaiveDate, AppError> {
    venue_time::parse_date(s.trim()).map_err(invalid)
}

pub fn parse_time(s: &str) -> Result<NaiveTime, AppError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| AppError::invalid(format!("{s:?} is not a time (HH:MM)")))
}

/// The instant a venue-local date and time means. A time skipped by a clock change is
/// refused; a repeated one means its first occurrence.
pub fn instant(tz: chrono_tz::Tz, date: NaiveDate, time: NaiveTime) -> Result<OffsetDateTime, AppError> {
    venue_time::instant(tz, date.and_time(time)).map_err(invalid)
}

/// `[start, end)` of a venue-local day.
pub fn day_bounds(tz: chrono_tz::Tz, date: NaiveDate) -> Result<(OffsetDateTime, OffsetDateTime), AppError> {
    venue_time::day_range(tz, date).map_err(invalid)
}

pub fn today(tz: chrono_tz::Tz) -> Result<NaiveDate, AppError> {
    venue_time::local_date(tz, OffsetDateTime::now_utc()).map_err(invalid)
}

/// ("YYYY-MM-DD", "HH:MM") of an instant in the venue's zone.
pub fn local(tz: chrono_tz::Tz, t: OffsetDateTime) -> (String, String) {
    match venue_time::local_date_time(tz, t) {
        Ok(l) => (l.format("%Y-%m-%d").to_string(), l.format("%H:%M").to_string()),
        Err(_) => (String::new(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_screens_words_for_venue_time() {
        let tz = zone("Europe/London").unwrap();
        let (a, b) = day_bounds(tz, parse_date(" 2026-10-25 ").unwrap()).unwrap();
        assert_eq!((b - a).whole_hours(), 25);
        let err = instant(tz, parse_date("2026-03-29").unwrap(), parse_time("01:30").unwrap()).unwrap_err();
        assert_eq!(err.message, "2026-03-29 01:30:00 does not exist in Europe/London (the clocks change then)");
        let t = instant(tz, parse_date("2026-07-01").unwrap(), parse_time("19:30").unwrap()).unwrap();
        assert_eq!(rfc3339(t), "2026-07-01T18:30:00Z");
        assert_eq!(local(tz, t), ("2026-07-01".to_string(), "19:30".to_string()));
        assert!(parse_time("25:00").is_err() && parse_date("2026-02-30").is_err());
        assert_eq!(zone("Mars/Olympus").unwrap_err().message, "unknown time zone Mars/Olympus");
    }
}
