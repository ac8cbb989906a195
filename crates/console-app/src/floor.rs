//! The front desk's floor: the day's timeline of tables × time, availability as the party
//! is typed (from the platform; offline an estimate from the cache, said so), the waitlist
//! and walk-ins. Everything but availability reads the cache and works offline.

use std::collections::HashMap;

use uuid::Uuid;
use venuedesk_api::front_desk::{OpeningHours, SlotAvailability, Table, WaitlistEntry};
use venuedesk_api::opening_hours::Hours;
use venuedesk_api::venue::Venue;
use venuedesk_console_core::CoreError;
use venuedesk_console_core::cache::{Cache, Kind};
use venuedesk_console_core::sync::{NewBooking, NewWaitlistEntry};

use crate::bookings::{parse_id, view};
use crate::console::Console;
use crate::error::AppError;
use crate::local_time::{self, rfc3339};
use crate::views::{
    AvailabilityView, AvailableTimeView, BookingView, FloorView, PeriodView, TableView, WaitlistInput, WaitlistView,
    WalkInInput,
};

fn tables(cache: &Cache) -> Result<Vec<Table>, CoreError> {
    Ok(cache.records::<Table>(Kind::Table, None, None)?.into_iter().map(|(t, _)| t).collect())
}

fn table_view(t: &Table) -> TableView {
    TableView {
        id: t.id.to_string(),
        name: t.name.clone(),
        area: t.area.clone(),
        seats_min: t.seats_min,
        seats_max: t.seats_max,
        combinable_with: t.combinable_with.iter().map(Uuid::to_string).collect(),
    }
}

fn waitlist_view(e: &WaitlistEntry, pending: bool) -> WaitlistView {
    WaitlistView {
        id: e.id.to_string(),
        guest_name: e.guest_name.clone(),
        party_size: e.party_size,
        phone: e.phone.clone(),
        notes: e.notes.clone(),
        status: e.status.as_str().to_string(),
        created_at: rfc3339(e.created_at),
        waited_minutes: (time::OffsetDateTime::now_utc() - e.created_at).whole_minutes().max(0),
        pending,
    }
}

fn table_ids(ids: &[String]) -> Result<Vec<Uuid>, AppError> {
    ids.iter().map(|t| parse_id(t, "table")).collect()
}

fn check_party(guest_name: &str, party_size: i64) -> Result<String, AppError> {
    let name = guest_name.trim().to_string();
    if name.is_empty() {
        return Err(AppError::invalid("Guest name is required."));
    }
    if !(1..=1000).contains(&party_size) {
        return Err(AppError::invalid("Party size must be at least 1."));
    }
    Ok(name)
}

impl Console {
    /// The day's timeline (`None`: today): tables by area and name, the bookings that hold
    /// seats, the opening periods and now.
    pub fn floor_view(&self, date: Option<&str>) -> Result<FloorView, AppError> {
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let day = match date.filter(|d| !d.is_empty()) {
            Some(d) => local_time::parse_date(d)?,
            None => local_time::today(tz)?,
        };
        let (from, to) = local_time::day_bounds(tz, day)?;
        self.with_cache(|cache, _| {
            let floor = tables(cache)?;
            // Bookings from the evening before can still be at a table after midnight.
            let rows = cache.bookings(from - time::Duration::days(1), to, None, None)?;
            let hours = cache
                .records::<OpeningHours>(Kind::OpeningHours, None, None)?
                .into_iter()
                .next()
                .and_then(|(h, _)| Hours::check(&h.weekly, &h.exceptions).ok())
                .unwrap_or_default();
            let periods = hours
                .periods(tz, day)
                .unwrap_or_default()
                .into_iter()
                .map(|(open, close)| {
                    let (close_date, closes) = local_time::local(tz, close);
                    PeriodView {
                        opens: local_time::local(tz, open).1,
                        closes,
                        closes_next_day: close_date != day.to_string(),
                    }
                })
                .collect();
            let turnover = cache.remembered_venue()?.map_or(15, |v| v.turnover_minutes);
            Ok(FloorView {
                date: day.to_string(),
                timezone: venue.timezone.clone(),
                tables: floor.iter().map(table_view).collect(),
                bookings: rows
                    .iter()
                    .filter(|(b, _)| b.status.holds_seats() && b.ends_at > from)
                    .map(|(b, p)| view(tz, b, *p))
                    .collect(),
                periods,
                now: rfc3339(time::OffsetDateTime::now_utc()),
                turnover_minutes: turnover,
            })
        })
    }

    /// Free start times for a party on a date: the platform's answer, or offline an
    /// estimate from the cache (`estimate: true`).
    pub async fn availability(&self, date: &str, party_size: i64) -> Result<AvailabilityView, AppError> {
        if !(1..=1000).contains(&party_size) {
            return Err(AppError::invalid("Party size must be at least 1."));
        }
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let day = local_time::parse_date(date)?;
        let online = self.online()?;
        let asked: Result<SlotAvailability, CoreError> = online
            .session
            .get(&format!("/v1/venues/{}/availability?date={day}&party_size={party_size}", online.venue_id))
            .await;
        let cache = self.side_cache()?;
        // The rules kept for offline estimates: asked again now and then, not per keystroke.
        let venue_now: Option<Venue> = if asked.is_ok() && cache.venue_is_stale(time::Duration::minutes(10))? {
            online.session.get(&format!("/v1/venues/{}", online.venue_id)).await.ok()
        } else {
            None
        };
        if let Some(v) = &venue_now {
            cache.remember_venue(v)?;
        }
        let names: HashMap<Uuid, String> = tables(&cache)?.into_iter().map(|t| (t.id, t.name)).collect();
        let slot = |at: time::OffsetDateTime, ids: Vec<Uuid>| AvailableTimeView {
            time: local_time::local(tz, at).1,
            table_names: ids.iter().filter_map(|t| names.get(t).cloned()).collect(),
            table_ids: ids.iter().map(Uuid::to_string).collect(),
        };
        let (duration, times, estimate) = match asked {
            Ok(a) => {
                self.mark_online();
                (a.duration_minutes, a.slots.into_iter().map(|s| slot(s.starts_at, s.tables)).collect(), false)
            }
            Err(CoreError::Network(_)) => {
                let _ = self.fail(CoreError::Network("offline".into()));
                let e = cache.availability_estimate(tz, day, party_size, time::OffsetDateTime::now_utc())?;
                (e.duration_minutes, e.slots.into_iter().map(|s| slot(s.starts_at, s.tables)).collect(), true)
            }
            Err(e) => return Err(self.fail(e)),
        };
        Ok(AvailabilityView { date: day.to_string(), party_size, duration_minutes: duration, estimate, times })
    }

    /// Parties still waiting or called, oldest first.
    pub fn waitlist(&self) -> Result<Vec<WaitlistView>, AppError> {
        self.with_cache(|cache, _| Ok(cache.waitlist()?.iter().map(|(e, p)| waitlist_view(e, *p)).collect()))
    }

    pub fn add_to_waitlist(&self, input: &WaitlistInput) -> Result<WaitlistView, AppError> {
        let guest_name = check_party(&input.guest_name, input.party_size)?;
        let vid = parse_id(&self.venue()?.id, "venue")?;
        let new = NewWaitlistEntry {
            guest_name,
            party_size: input.party_size,
            phone: input.phone.clone().filter(|p| !p.trim().is_empty()),
            notes: input.notes.clone().filter(|n| !n.trim().is_empty()),
        };
        let e = self.with_cache(|cache, _| Ok(cache.add_to_waitlist(vid, new)?))?;
        Ok(waitlist_view(&e, true))
    }

    /// `offer`, `seat` (at the tables given, or the smallest free fit) or `remove`.
    pub fn waitlist_step(&self, id: &str, step: &str, table_ids_in: &[String]) -> Result<WaitlistView, AppError> {
        let id = parse_id(id, "waitlist entry")?;
        let vid = parse_id(&self.venue()?.id, "venue")?;
        let ids = if table_ids_in.is_empty() { None } else { Some(table_ids(table_ids_in)?) };
        let e = self.with_cache(|cache, _| Ok(cache.waitlist_step(vid, id, step, ids)?))?;
        Ok(waitlist_view(&e, true))
    }

    /// A walk-in, seated now.
    pub fn walk_in(&self, input: &WalkInInput) -> Result<BookingView, AppError> {
        let guest_name = check_party(&input.guest_name, input.party_size)?;
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let vid = parse_id(&venue.id, "venue")?;
        let ids = if input.table_ids.is_empty() { None } else { Some(table_ids(&input.table_ids)?) };
        let b = self.with_cache(|cache, _| Ok(cache.create_walk_in(vid, guest_name, input.party_size, ids)?))?;
        Ok(view(tz, &b, true))
    }

    /// Moves a booking to another start (`HH:MM` on its day) and/or other tables; offline,
    /// queued with the version it was made on like any edit.
    pub fn move_booking(
        &self,
        id: &str,
        time: Option<&str>,
        table_ids_in: Option<&[String]>,
    ) -> Result<BookingView, AppError> {
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let vid = parse_id(&venue.id, "venue")?;
        let id = parse_id(id, "booking")?;
        let ids = table_ids_in.map(table_ids).transpose()?;
        let b = self.with_cache(|cache, _| {
            let (b, _) = cache.booking(id)?.ok_or_else(|| AppError::invalid("That booking is not here any more."))?;
            let starts_at = match time.filter(|t| !t.is_empty()) {
                Some(t) => {
                    let (date, _) = local_time::local(tz, b.starts_at);
                    local_time::instant(tz, local_time::parse_date(&date)?, local_time::parse_time(t)?)?
                }
                None => b.starts_at,
            };
            let change = NewBooking {
                guest_name: b.guest_name.clone(),
                party_size: b.party_size,
                starts_at,
                duration_minutes: b.duration_minutes,
                notes: b.notes.clone(),
                customer_id: b.customer_id,
            };
            Ok(cache.update_booking(vid, id, change, ids)?)
        })?;
        Ok(view(tz, &b, true))
    }
}
