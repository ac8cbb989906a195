//! Bookable start times for a party on a venue-local date: every slot (`slot_minutes` apart
//! from each opening) where a booking of the default duration lies within the opening
//! hours and a table, or a pair that combines, is free from its start until its end plus
//! the turnover — the very checks a booking at that time passes (`seat_on_tables`). A venue
//! without tables offers the times its seat capacity allows.

use std::collections::HashSet;

use crate::front_desk::{BookingRules, Table};
use crate::opening_hours::Hours;
use crate::venue_time::{self, VenueTimeError};
use chrono::NaiveDate;
use chrono_tz::Tz;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::capacity::{Occupancy, peak_load};
use super::seating;

/// A table held by a booking over `[from, until)` (its end plus the turnover).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldTable {
    pub table: Uuid,
    pub from: OffsetDateTime,
    pub until: OffsetDateTime,
}

/// What decides whether a party fits.
pub enum Seats<'a> {
    Tables {
        tables: &'a [&'a Table],
        held: &'a [HeldTable],
    },
    /// `bookings` in milliseconds, as the capacity rule counts them.
    Capacity {
        capacity: i64,
        bookings: &'a [Occupancy],
    },
}

pub struct Search<'a> {
    pub tz: Tz,
    pub date: NaiveDate,
    pub party: i64,
    pub rules: &'a BookingRules,
    pub hours: &'a Hours,
    /// No start before this (now, or now plus the notice for online bookings).
    pub earliest: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub starts_at: OffsetDateTime,
    /// The tables a booking then would get (empty in a venue without tables).
    pub tables: Vec<Uuid>,
}

fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The bookable start times, in order.
pub fn slots(s: &Search, seats: &Seats) -> Result<Vec<Slot>, VenueTimeError> {
    let duration = Duration::minutes(s.rules.duration_for(s.party));
    let turnover = Duration::minutes(s.rules.turnover_minutes);
    let step = Duration::minutes(s.rules.slot_minutes.max(1));
    let periods =
        if s.hours.is_empty() { vec![venue_time::day_range(s.tz, s.date)?] } else { s.hours.periods(s.tz, s.date)? };
    let mut out: Vec<Slot> = Vec::new();
    for (open, close) in periods {
        let mut t = open;
        while t < close {
            let end = t + duration;
            let in_hours = s.hours.is_empty() || s.hours.covers(s.tz, t, end)?;
            if t >= s.earliest && in_hours {
                let fit = match seats {
                    Seats::Tables { tables, held } => {
                        let until = end + turnover;
                        let taken: HashSet<Uuid> =
                            held.iter().filter(|h| h.from < until && h.until > t).map(|h| h.table).collect();
                        seating::choose(tables, &taken, s.party)
                    }
                    Seats::Capacity { capacity, bookings } => {
                        let me = Occupancy { starts_at: ms(t), ends_at: ms(end), party: s.party };
                        (peak_load(me, bookings) <= *capacity).then(Vec::new)
                    }
                };
                if let Some(tables) = fit {
                    out.push(Slot { starts_at: t, tables });
                }
            }
            t += step;
        }
    }
    out.sort_by_key(|x| x.starts_at);
    out.dedup_by_key(|x| x.starts_at);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::front_desk::WeeklyPeriod;
    use time::format_description::well_known::Rfc3339;

    use super::*;

    fn utc(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    fn table(name: &str, max: i64) -> Table {
        Table {
            id: Uuid::now_v7(),
            name: name.into(),
            area: "Main".into(),
            seats_min: 1,
            seats_max: max,
            combinable_with: Vec::new(),
            version: 1,
        }
    }

    fn hm(slots: &[Slot]) -> Vec<String> {
        slots.iter().map(|s| s.starts_at.format(&Rfc3339).unwrap()[11..16].to_string()).collect()
    }

    #[test]
    fn slots_follow_the_hours_the_tables_and_the_turnover() {
        // Saturday 4 July 2026 in London (BST): 18:00-22:00, 30-minute slots, 90-minute
        // bookings, 15 minutes of turnover, one two-top.
        let hours =
            Hours::check(&[WeeklyPeriod { weekday: 6, opens: "18:00".into(), closes: "22:00".into() }], &[]).unwrap();
        let rules = BookingRules { slot_minutes: 30, ..BookingRules::default() };
        let t = table("T1", 2);
        let tables = [&t];
        let search = Search {
            tz: venue_time::zone("Europe/London").unwrap(),
            date: venue_time::parse_date("2026-07-04").unwrap(),
            party: 2,
            rules: &rules,
            hours: &hours,
            earliest: utc("2026-07-01T00:00:00Z"),
        };
        let free = slots(&search, &Seats::Tables { tables: &tables, held: &[] }).unwrap();
        // The last start that ends by 22:00 is 20:30 (BST = UTC+1).
        assert_eq!(hm(&free), ["17:00", "17:30", "18:00", "18:30", "19:00", "19:30"]);
        assert_eq!(free[0].tables, vec![t.id]);
        // Held from 20:30 BST (19:30 UTC): a start is free only if it ends, with its 15
        // minutes of turnover, by then — 18:45 BST (17:45 UTC) at the latest.
        let held = [HeldTable { table: t.id, from: utc("2026-07-04T19:30:00Z"), until: utc("2026-07-04T21:15:00Z") }];
        let free = slots(&search, &Seats::Tables { tables: &tables, held: &held }).unwrap();
        assert_eq!(hm(&free), ["17:00", "17:30"]);
        // A party too big for every table: nothing.
        let big = Search { party: 3, ..search };
        assert!(slots(&big, &Seats::Tables { tables: &tables, held: &[] }).unwrap().is_empty());
        // No starts before `earliest`.
        let later = Search { earliest: utc("2026-07-04T18:10:00Z"), ..search };
        assert_eq!(
            hm(&slots(&later, &Seats::Tables { tables: &tables, held: &[] }).unwrap()),
            ["18:30", "19:00", "19:30"]
        );
    }

    #[test]
    fn without_tables_the_seat_capacity_decides_and_no_hours_means_all_day() {
        let hours = Hours::default();
        let rules = BookingRules { slot_minutes: 60, ..BookingRules::default() };
        let search = Search {
            tz: venue_time::zone("UTC").unwrap(),
            date: venue_time::parse_date("2026-07-04").unwrap(),
            party: 4,
            rules: &rules,
            hours: &hours,
            earliest: utc("2026-07-01T00:00:00Z"),
        };
        let all = slots(&search, &Seats::Capacity { capacity: 10, bookings: &[] }).unwrap();
        assert_eq!(all.len(), 24);
        // Eight seats taken 12:00-14:00: a party of four fits neither 11:00 (to 12:30) nor 12:00 or 13:00.
        let busy = [Occupancy {
            starts_at: ms(utc("2026-07-04T12:00:00Z")),
            ends_at: ms(utc("2026-07-04T14:00:00Z")),
            party: 8,
        }];
        let free = slots(&search, &Seats::Capacity { capacity: 10, bookings: &busy }).unwrap();
        let hours_free = hm(&free);
        assert!(!hours_free.contains(&"11:00".to_string()) && !hours_free.contains(&"13:00".to_string()));
        assert!(hours_free.contains(&"10:00".to_string()) && hours_free.contains(&"14:00".to_string()));
    }
}
