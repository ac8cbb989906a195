//! Booking changes made at the front desk: applied here at once, queued for the platform.

use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::venue::{self, Booking, BookingPatch};
use venuedesk_api::{BookingAction, BookingStatus};

use super::{db, enqueue, enqueue_on, store_booking};
use crate::cache::Cache;
use crate::error::CoreError;

/// A booking made at the front desk, before the platform has seen it.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub guest_name: String,
    pub party_size: i64,
    pub starts_at: OffsetDateTime,
    pub duration_minutes: i64,
    pub notes: Option<String>,
    pub customer_id: Option<Uuid>,
}

/// A request body or a record as the JSON the outbox and the cache keep.
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, CoreError> {
    serde_json::to_value(value).map_err(|e| CoreError::Cache(e.to_string()))
}

impl Cache {
    /// Books a table here and now (pending until the platform confirms it). The id is a
    /// client-made UUIDv7, so the booking can be seated or cancelled before it syncs.
    pub fn create_booking(&mut self, venue_id: Uuid, new: NewBooking) -> Result<Booking, CoreError> {
        let now = OffsetDateTime::now_utc();
        let ends_at = new
            .starts_at
            .checked_add(time::Duration::minutes(new.duration_minutes))
            .ok_or_else(|| CoreError::Invalid("that booking would end out of range".into()))?;
        let b = Booking {
            id: Uuid::now_v7(),
            guest_name: new.guest_name,
            customer_id: new.customer_id,
            party_size: new.party_size,
            starts_at: new.starts_at,
            ends_at,
            duration_minutes: new.duration_minutes,
            status: BookingStatus::Confirmed,
            notes: new.notes,
            version: 0,
            created_at: now,
            table_ids: Vec::new(),
            source: venue::BookingSource::Console,
        };
        let request = to_json(&venue::NewBooking {
            id: Some(b.id),
            guest_name: b.guest_name.clone(),
            customer_id: b.customer_id,
            party_size: b.party_size,
            starts_at: b.starts_at,
            duration_minutes: b.duration_minutes,
            notes: b.notes.clone(),
            table_ids: None,
            source: Some(venue::BookingSource::Console),
        })?;
        let tx = self.conn.transaction().map_err(db)?;
        store_booking(&tx, &b, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/bookings"), Some(&request), "booking", b.id)?;
        tx.commit().map_err(db)?;
        Ok(b)
    }

    /// A walk-in: starts now, seated at once, for the venue's default duration for the party
    /// (as last seen here), at the tables named or the smallest free fit the platform picks.
    pub fn create_walk_in(
        &mut self,
        venue_id: Uuid,
        guest_name: String,
        party_size: i64,
        table_ids: Option<Vec<Uuid>>,
    ) -> Result<Booking, CoreError> {
        let now = OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(now.millisecond() as u32 * 1_000_000).unwrap_or(now);
        let rules = self.remembered_venue()?.map(|v| v.default_duration_minutes);
        let duration = rules.map_or_else(
            || venuedesk_api::front_desk::BookingRules::default().duration_for(party_size),
            |r| {
                venuedesk_api::front_desk::BookingRules { default_duration_minutes: r, ..Default::default() }
                    .duration_for(party_size)
            },
        );
        let b = Booking {
            id: Uuid::now_v7(),
            guest_name,
            customer_id: None,
            party_size,
            starts_at: now,
            ends_at: now + time::Duration::minutes(duration),
            duration_minutes: duration,
            status: BookingStatus::Seated,
            notes: None,
            version: 0,
            created_at: now,
            table_ids: table_ids.clone().unwrap_or_default(),
            source: venue::BookingSource::WalkIn,
        };
        let request = to_json(&venue::NewBooking {
            id: Some(b.id),
            guest_name: b.guest_name.clone(),
            customer_id: None,
            party_size,
            starts_at: now,
            duration_minutes: duration,
            notes: None,
            table_ids,
            source: Some(venue::BookingSource::WalkIn),
        })?;
        let tx = self.conn.transaction().map_err(db)?;
        store_booking(&tx, &b, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/bookings"), Some(&request), "booking", b.id)?;
        tx.commit().map_err(db)?;
        Ok(b)
    }

    /// `seat`, `complete`, `cancel` or `no-show`, checked against the booking machine the
    /// platform enforces, applied here and queued.
    pub fn transition_booking(&mut self, venue_id: Uuid, id: Uuid, action: &str) -> Result<Booking, CoreError> {
        let action = action.parse::<BookingAction>().map_err(|e| CoreError::Invalid(e.to_string()))?;
        let (mut b, _) = self.booking(id)?.ok_or_else(|| CoreError::Invalid(format!("no booking {id} here")))?;
        b.status = action.apply(b.status).map_err(|refused| CoreError::Invalid(refused.to_string()))?;
        let tx = self.conn.transaction().map_err(db)?;
        store_booking(&tx, &b, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/bookings/{id}/{action}"), None, "booking", id)?;
        tx.commit().map_err(db)?;
        Ok(b)
    }

    /// Changes a booking's guest, party, time, notes or tables — offline like the rest:
    /// applied here at once and queued as a `PATCH` with the `If-Match` of the version this
    /// console last saw (or, behind other queued changes to it, of the version the one
    /// before comes back with). If someone changed the booking meanwhile, the platform
    /// answers 412 and the edit is parked as a conflict with both versions (see
    /// [`Conflict::versions`](super::Conflict)): nothing is overwritten silently.
    pub fn update_booking(
        &mut self,
        venue_id: Uuid,
        id: Uuid,
        change: NewBooking,
        table_ids: Option<Vec<Uuid>>,
    ) -> Result<Booking, CoreError> {
        let (mut b, _) = self.booking(id)?.ok_or_else(|| CoreError::Invalid(format!("no booking {id} here")))?;
        let if_match = if self.queued_for(id)? > 0 { None } else { Some(b.version) };
        b.ends_at = change
            .starts_at
            .checked_add(time::Duration::minutes(change.duration_minutes))
            .ok_or_else(|| CoreError::Invalid("that booking would end out of range".into()))?;
        b.guest_name = change.guest_name;
        b.customer_id = change.customer_id;
        b.party_size = change.party_size;
        b.starts_at = change.starts_at;
        b.duration_minutes = change.duration_minutes;
        b.notes = change.notes;
        if let Some(t) = &table_ids {
            b.table_ids = t.clone();
        }
        // Every field is sent: a customer or notes left empty are cleared; mine is whole.
        let patch = to_json(&BookingPatch {
            guest_name: Some(b.guest_name.clone()),
            customer_id: Some(b.customer_id),
            party_size: Some(b.party_size),
            starts_at: Some(b.starts_at),
            duration_minutes: Some(b.duration_minutes),
            notes: Some(b.notes.clone()),
            table_ids,
        })?;
        let tx = self.conn.transaction().map_err(db)?;
        store_booking(&tx, &b, true)?;
        enqueue_on(
            &tx,
            "PATCH",
            &format!("/v1/venues/{venue_id}/bookings/{id}"),
            Some(&patch),
            "booking",
            id,
            if_match,
        )?;
        tx.commit().map_err(db)?;
        Ok(b)
    }
}
