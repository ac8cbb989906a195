//! The front desk's day: bookings in the venue's time zone, covers per quarter hour, and
//! changes that work offline.

use std::str::FromStr;

use uuid::Uuid;
use venuedesk_api::BookingAction;
use venuedesk_api::venue::Booking;
use venuedesk_console_core::sync::NewBooking;

use crate::console::Console;
use crate::error::AppError;
use crate::local_time::{self, rfc3339};
use crate::views::{BookingInput, BookingView, DayView, SlotView};

pub(crate) fn parse_id(s: &str, what: &str) -> Result<Uuid, AppError> {
    Uuid::from_str(s.trim()).map_err(|_| AppError::invalid(format!("{s:?} is not a {what} id")))
}

pub(crate) fn view(tz: chrono_tz::Tz, b: &Booking, pending: bool) -> BookingView {
    let (local_date, local_time) = local_time::local(tz, b.starts_at);
    BookingView {
        id: b.id.to_string(),
        guest_name: b.guest_name.clone(),
        customer_id: b.customer_id.map(|c| c.to_string()),
        party_size: b.party_size,
        starts_at: rfc3339(b.starts_at),
        ends_at: rfc3339(b.ends_at),
        local_date,
        local_time,
        duration_minutes: b.duration_minutes,
        status: b.status,
        notes: b.notes.clone(),
        version: b.version,
        pending,
        table_ids: b.table_ids.iter().map(Uuid::to_string).collect(),
        source: serde_json::to_value(b.source).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
    }
}

/// Covers at the start of every quarter hour of the day: confirmed and seated parties
/// whose time at the table includes that moment (what capacity is checked against).
fn slots(
    from: time::OffsetDateTime,
    to: time::OffsetDateTime,
    tz: chrono_tz::Tz,
    bookings: &[(Booking, bool)],
) -> Vec<SlotView> {
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        let covers = bookings
            .iter()
            .filter(|(b, _)| b.status.holds_seats() && b.starts_at <= t && t < b.ends_at)
            .map(|(b, _)| b.party_size)
            .sum();
        out.push(SlotView { time: local_time::local(tz, t).1, covers });
        t += time::Duration::minutes(15);
    }
    out
}

fn validate(input: &BookingInput, tz: chrono_tz::Tz) -> Result<NewBooking, AppError> {
    let guest_name = input.guest_name.trim().to_string();
    if guest_name.is_empty() {
        return Err(AppError::invalid("Guest name is required."));
    }
    if guest_name.chars().count() > 200 {
        return Err(AppError::invalid("Guest name is too long (200 characters at most)."));
    }
    if !(1..=1000).contains(&input.party_size) {
        return Err(AppError::invalid("Party size must be at least 1."));
    }
    if !(15..=1440).contains(&input.duration_minutes) {
        return Err(AppError::invalid("Duration must be between 15 minutes and 24 hours."));
    }
    let date = local_time::parse_date(&input.date)?;
    let time = local_time::parse_time(&input.time)?;
    Ok(NewBooking {
        guest_name,
        party_size: input.party_size,
        starts_at: local_time::instant(tz, date, time)?,
        duration_minutes: input.duration_minutes,
        notes: input.notes.clone().filter(|n| !n.trim().is_empty()),
        customer_id: input
            .customer_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| parse_id(c, "customer"))
            .transpose()?,
    })
}

impl Console {
    /// One day (`None`: today in the venue's time zone), optionally searched by guest name.
    pub fn day_view(&self, date: Option<&str>, search: Option<&str>) -> Result<DayView, AppError> {
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let day = match date.filter(|d| !d.is_empty()) {
            Some(d) => local_time::parse_date(d)?,
            None => local_time::today(tz)?,
        };
        let (from, to) = local_time::day_bounds(tz, day)?;
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        let rows = self.with_cache(|cache, _| Ok(cache.bookings(from, to, None, search)?))?;
        Ok(DayView {
            date: day.to_string(),
            timezone: venue.timezone.clone(),
            capacity: venue.capacity,
            slots: slots(from, to, tz, &rows),
            bookings: rows.iter().map(|(b, p)| view(tz, b, *p)).collect(),
        })
    }

    /// Works offline: the booking is pending until the platform confirms it.
    pub fn create_booking(&self, input: &BookingInput) -> Result<BookingView, AppError> {
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let new = validate(input, tz)?;
        let vid = parse_id(&venue.id, "venue")?;
        let b = self.with_cache(|cache, _| Ok(cache.create_booking(vid, new)?))?;
        Ok(view(tz, &b, true))
    }

    /// Works offline: queued with the version it was made on. If someone changed the
    /// booking meanwhile, sync parks it as a conflict showing both versions.
    pub fn update_booking(&self, id: &str, input: &BookingInput) -> Result<BookingView, AppError> {
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let change = validate(input, tz)?;
        let id = parse_id(id, "booking")?;
        let vid = parse_id(&venue.id, "venue")?;
        let b = self.with_cache(|cache, _| Ok(cache.update_booking(vid, id, change, None)?))?;
        Ok(view(tz, &b, true))
    }

    /// `seat`, `complete`, `cancel` or `no-show`; works offline.
    pub fn booking_action(&self, id: &str, action: &str) -> Result<BookingView, AppError> {
        if action.parse::<BookingAction>().is_err() {
            return Err(AppError::invalid(format!("{action:?} is not a booking action")));
        }
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let (id, vid) = (parse_id(id, "booking")?, parse_id(&venue.id, "venue")?);
        let b = self.with_cache(|cache, _| Ok(cache.transition_booking(vid, id, action)?))?;
        Ok(view(tz, &b, true))
    }
}
