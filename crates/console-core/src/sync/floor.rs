//! Availability with the Wi-Fi down: an estimate from the cache — the tables, opening hours
//! and bookings last synced, and the venue's rules as last seen — made by the very code the
//! platform decides with (`venuedesk_api::floor`). It is only an estimate: bookings made
//! elsewhere since the last sync are not in it, and the platform decides when the booking
//! is sent.

use chrono::NaiveDate;
use chrono_tz::Tz;
use time::{Duration, OffsetDateTime};
use venuedesk_api::floor::availability::{HeldTable, Search, Seats, Slot, slots};
use venuedesk_api::floor::capacity::Occupancy;
use venuedesk_api::front_desk::{BookingRules, OpeningHours, Table};
use venuedesk_api::opening_hours::Hours;
use venuedesk_api::venue::Venue;
use venuedesk_api::venue_time;

use crate::cache::{Cache, Kind};
use crate::error::CoreError;

/// An estimate, and what it was made from.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub duration_minutes: i64,
    pub slots: Vec<Slot>,
    /// The venue's rules were never seen here: the platform's defaults were assumed.
    pub default_rules: bool,
}

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

impl Cache {
    /// Keeps the venue as the platform last answered it (its rules and seats), for estimates.
    pub fn remember_venue(&self, venue: &Venue) -> Result<(), CoreError> {
        let text = serde_json::to_string(venue).map_err(|e| CoreError::Cache(e.to_string()))?;
        self.set_meta("venue", &text)?;
        self.set_meta("venue_at", &OffsetDateTime::now_utc().unix_timestamp().to_string())
    }

    /// Whether the venue kept here is missing or older than `max_age` (worth asking again).
    pub fn venue_is_stale(&self, max_age: Duration) -> Result<bool, CoreError> {
        let at = self.meta("venue_at")?.and_then(|t| t.parse::<i64>().ok());
        Ok(at.is_none_or(|t| OffsetDateTime::now_utc().unix_timestamp() - t > max_age.whole_seconds()))
    }

    pub fn remembered_venue(&self) -> Result<Option<Venue>, CoreError> {
        self.meta("venue")?.map(|t| serde_json::from_str(&t).map_err(|e| CoreError::Cache(e.to_string()))).transpose()
    }

    /// Free start times for `party` on `date` (venue-local), from what this console holds.
    pub fn availability_estimate(
        &self,
        tz: Tz,
        date: NaiveDate,
        party: i64,
        now: OffsetDateTime,
    ) -> Result<Estimate, CoreError> {
        let venue = self.remembered_venue()?;
        let rules = venue.as_ref().map_or_else(BookingRules::default, |v| BookingRules {
            slot_minutes: v.slot_minutes,
            default_duration_minutes: v.default_duration_minutes.clone(),
            min_notice_minutes: v.min_notice_minutes,
            max_advance_days: v.max_advance_days,
            turnover_minutes: v.turnover_minutes,
        });
        let hours = self
            .records::<OpeningHours>(Kind::OpeningHours, None, None)?
            .into_iter()
            .next()
            .map(|(h, _)| Hours::check(&h.weekly, &h.exceptions))
            .transpose()
            .map_err(|e| CoreError::Cache(e.to_string()))?
            .unwrap_or_default();
        let tables: Vec<Table> = self.records::<Table>(Kind::Table, None, None)?.into_iter().map(|(t, _)| t).collect();
        let (day_start, day_end) = venue_time::day_range(tz, date).map_err(|e| CoreError::Invalid(e.to_string()))?;
        // Bookings that may overlap the day's periods (which can run past midnight).
        let longest = Duration::days(1);
        let live: Vec<_> = self
            .bookings(day_start - longest, day_end + longest, None, None)?
            .into_iter()
            .map(|(b, _)| b)
            .filter(|b| b.status.holds_seats())
            .collect();
        let search = Search { tz, date, party, rules: &rules, hours: &hours, earliest: now };
        let found = if tables.is_empty() {
            let bookings: Vec<Occupancy> = live
                .iter()
                .map(|b| Occupancy { starts_at: ms(b.starts_at), ends_at: ms(b.ends_at), party: b.party_size })
                .collect();
            let capacity = venue.as_ref().map_or(0, |v| v.capacity);
            slots(&search, &Seats::Capacity { capacity, bookings: &bookings })
        } else {
            let turnover = Duration::minutes(rules.turnover_minutes);
            let held: Vec<HeldTable> = live
                .iter()
                .flat_map(|b| {
                    b.table_ids.iter().map(move |t| HeldTable {
                        table: *t,
                        from: b.starts_at,
                        until: b.ends_at + turnover,
                    })
                })
                .collect();
            let refs: Vec<&Table> = tables.iter().collect();
            slots(&search, &Seats::Tables { tables: &refs, held: &held })
        }
        .map_err(|e| CoreError::Invalid(e.to_string()))?;
        Ok(Estimate { duration_minutes: rules.duration_for(party), slots: found, default_rules: venue.is_none() })
    }
}
