//! Booking changes made at the front desk: applied here at once, queued for the platform.

use reqwest::Method;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::venue::Booking;

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

impl Cache {
    /// Books a table here and now (pending until the platform confirms it). The id is a
    /// client-made UUIDv7, so the booking can be seated or cancelled before it syncs.
    pub fn create_booking(&mut self, venue_id: Uuid, new: NewBooking) -> Result<Booking, CoreError> {
        let now = OffsetDateTime::now_utc();
        let b = Booking {
            id: Uuid::now_v7(),
            guest_name: new.guest_name,
            customer_id: new.customer_id,
            party_size: new.party_size,
            starts_at: new.starts_at,
            ends_at: new.starts_at + time::Duration::minutes(new.duration_minutes),
            duration_minutes: new.duration_minutes,
            status: "confirmed".into(),
            notes: new.notes,
            version: 0,
            created_at: now,
        };
        let body = json!({
            "id": b.id, "guest_name": b.guest_name, "customer_id": b.customer_id, "party_size": b.party_size,
            "starts_at": b.starts_at.format(&time::format_description::well_known::Rfc3339).map_err(|e| CoreError::Cache(e.to_string()))?,
            "duration_minutes": b.duration_minutes, "notes": b.notes,
        });
        let tx = self.conn.transaction().map_err(db)?;
        store_booking(&tx, &b, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/bookings"), Some(&body), "booking", b.id)?;
        tx.commit().map_err(db)?;
        Ok(b)
    }

    /// `seat`, `complete`, `cancel` or `no-show`, applied here and queued.
    pub fn transition_booking(&mut self, venue_id: Uuid, id: Uuid, action: &str) -> Result<Booking, CoreError> {
        let (mut b, _) = self.booking(id)?.ok_or_else(|| CoreError::Invalid(format!("no booking {id} here")))?;
        b.status = match (b.status.as_str(), action) {
            ("confirmed", "seat") => "seated",
            ("seated", "complete") => "completed",
            ("confirmed", "cancel") => "cancelled",
            ("confirmed", "no-show") => "no_show",
            (from, _) => return Err(CoreError::Invalid(format!("cannot {action} a {from} booking"))),
        }
        .to_string();
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
        let body = json!({
            "guest_name": change.guest_name, "customer_id": change.customer_id, "party_size": change.party_size,
            "starts_at": change.starts_at.format(&time::format_description::well_known::Rfc3339).map_err(|e| CoreError::Invalid(e.to_string()))?,
            "duration_minutes": change.duration_minutes, "notes": change.notes,
        });
        let updated: Booking = session
            .call(
                Method::PATCH,
                &format!("/v1/venues/{venue_id}/bookings/{id}"),
                Some(&body),
                None,
                Some(current.version),
            )
            .await?;
        store_booking(&self.conn, &updated, false)?;
        Ok(updated)
    }
}
