//! Booking changes made at the front desk: applied here at once, queued for the platform.

use reqwest::Method;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::venue::{self, Booking, BookingPatch};
use venuedesk_api::{BookingAction, BookingStatus};

use super::{db, enqueue, store_booking};
use crate::cache::Cache;
use crate::error::CoreError;
use crate::session::Session;

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

    /// Changes a booking's guest, party, time or notes. This needs the platform (capacity
    /// and the version check are its to decide) and no queued change to the same booking.
    pub async fn update_booking(
        &mut self,
        session: &Session,
        venue_id: Uuid,
        id: Uuid,
        change: NewBooking,
    ) -> Result<Booking, CoreError> {
        let (current, _) = self.booking(id)?.ok_or_else(|| CoreError::Invalid(format!("no booking {id} here")))?;
        if self.queued_for(id)? > 0 {
            return Err(CoreError::Invalid(
                "this booking has changes waiting to sync; sync first, then edit it".into(),
            ));
        }
        // Every field is sent: a customer or notes left empty are cleared.
        let patch = BookingPatch {
            guest_name: Some(change.guest_name),
            customer_id: Some(change.customer_id),
            party_size: Some(change.party_size),
            starts_at: Some(change.starts_at),
            duration_minutes: Some(change.duration_minutes),
            notes: Some(change.notes),
            table_ids: None,
        };
        let updated: Booking = session
            .call(
                Method::PATCH,
                &format!("/v1/venues/{venue_id}/bookings/{id}"),
                Some(&patch),
                None,
                Some(current.version),
            )
            .await?;
        store_booking(&self.conn, &updated, false)?;
        Ok(updated)
    }
}
