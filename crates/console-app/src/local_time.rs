//! Venue-local dates and times (the front desk thinks in them) and UTC instants (the
//! platform stores them), converted with the IANA zone so clock changes are right.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use time::OffsetDateTime;

use crate::error::AppError;

pub fn zone(name: &str) -> Result<chrono_tz::Tz, AppError> {
    name.parse().map_err(|_| AppError::new("internal", format!("unknown time zone {name}")))
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

fn to_time(t: chrono::DateTime<chrono::Utc>) -> Result<OffsetDateTime, AppError> {
    OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(|_| AppError::invalid("that date is out of range"))
}

pub fn parse_date(s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid(format!("{s:?} is not a date (YYYY-MM-DD)")))
}

pub fn parse_time(s: &str) -> Result<NaiveTime, AppError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| AppError::invalid(format!("{s:?} is not a time (HH:MM)")))
}

/// The instant a venue-local date and time means. A time skipped by a clock change is
/// refused; a repeated one means its first occurrence.
pub fn instant(tz: chrono_tz::Tz, date: NaiveDate, time: NaiveTime) -> Result<OffsetDateTime, AppError> {
    let local = tz
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .ok_or_else(|| AppError::invalid(format!("{date} {time} does not exist in {tz} (the clocks change then)")))?;
    to_time(local.with_timezone(&chrono::Utc))
}

/// `[start, end)` of a venue-local day.
pub fn day_bounds(tz: chrono_tz::Tz, date: NaiveDate) -> Result<(OffsetDateTime, OffsetDateTime), AppError> {
    let midnight = |d: NaiveDate| -> Result<OffsetDateTime, AppError> {
        // Some zones skip midnight on a clock change: the day then starts at the first instant.
        let local = (0..=120)
            .find_map(|m| tz.from_local_datetime(&d.and_time(NaiveTime::MIN + chrono::Duration::minutes(m))).earliest())
            .ok_or_else(|| AppError::invalid(format!("{d} has no start in {tz}")))?;
        to_time(local.with_timezone(&chrono::Utc))
    };
    let next = date.succ_opt().ok_or_else(|| AppError::invalid("that date is out of range"))?;
    Ok((midnight(date)?, midnight(next)?))
}

pub fn today(tz: chrono_tz::Tz) -> NaiveDate {
    chrono::Utc::now().with_timezone(&tz).date_naive()
}

/// ("YYYY-MM-DD", "HH:MM") of an instant in the venue's zone.
pub fn local(tz: chrono_tz::Tz, t: OffsetDateTime) -> (String, String) {
    match chrono::DateTime::from_timestamp(t.unix_timestamp(), 0) {
        Some(utc) => {
            let l = utc.with_timezone(&tz);
            (l.format("%Y-%m-%d").to_string(), l.format("%H:%M").to_string())
        }
        None => (String::new(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_days_across_the_clock_changes() {
        let tz = zone("Europe/London").unwrap();
        // 29 March 2026: clocks go forward, the day has 23 hours.
        let (a, b) = day_bounds(tz, parse_date("2026-03-29").unwrap()).unwrap();
        assert_eq!((b - a).whole_hours(), 23);
        let (a, b) = day_bounds(tz, parse_date("2026-10-25").unwrap()).unwrap();
        assert_eq!((b - a).whole_hours(), 25);
        // 01:30 on 29 March does not exist in London.
        assert!(instant(tz, parse_date("2026-03-29").unwrap(), parse_time("01:30").unwrap()).is_err());
        let t = instant(tz, parse_date("2026-07-01").unwrap(), parse_time("19:30").unwrap()).unwrap();
        assert_eq!(rfc3339(t), "2026-07-01T18:30:00Z");
        assert_eq!(local(tz, t), ("2026-07-01".to_string(), "19:30".to_string()));
        assert!(parse_time("25:00").is_err() && parse_date("2026-02-30").is_err());
    }
}
