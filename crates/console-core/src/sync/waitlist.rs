//! The waitlist at the door, offline too: a party added here is on the list at once
//! (pending), and calling, seating or removing it is applied here and queued. Seating comes
//! back from the platform as the walk-in booking it became.

use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::front_desk::{self, SeatWaitlistEntry, WaitlistEntry, WaitlistStatus};

use super::bookings::to_json;
use super::{db, enqueue};
use crate::cache::{Cache, Kind, records::store_record};
use crate::error::CoreError;

/// A party to put on the waitlist.
#[derive(Debug, Clone)]
pub struct NewWaitlistEntry {
    pub guest_name: String,
    pub party_size: i64,
    pub phone: Option<String>,
    pub notes: Option<String>,
}

impl Cache {
    pub fn add_to_waitlist(&mut self, venue_id: Uuid, new: NewWaitlistEntry) -> Result<WaitlistEntry, CoreError> {
        if new.guest_name.trim().is_empty() {
            return Err(CoreError::Invalid("the guest needs a name".into()));
        }
        if !(1..=1000).contains(&new.party_size) {
            return Err(CoreError::Invalid("a party is between 1 and 1000 people".into()));
        }
        let e = WaitlistEntry {
            id: Uuid::now_v7(),
            guest_name: new.guest_name,
            party_size: new.party_size,
            phone: new.phone,
            notes: new.notes,
            status: WaitlistStatus::Waiting,
            created_at: OffsetDateTime::now_utc(),
            offered_at: None,
            closed_at: None,
            booking_id: None,
            version: 0,
        };
        let request = to_json(&front_desk::NewWaitlistEntry {
            id: Some(e.id),
            guest_name: e.guest_name.clone(),
            party_size: e.party_size,
            phone: e.phone.clone(),
            notes: e.notes.clone(),
        })?;
        let tx = self.conn.transaction().map_err(db)?;
        store_record(&tx, Kind::Waitlist, &to_json(&e)?, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/waitlist"), Some(&request), "waitlist", e.id)?;
        tx.commit().map_err(db)?;
        Ok(e)
    }

    /// The parties still waiting or called, in the order they arrived.
    pub fn waitlist(&self) -> Result<Vec<(WaitlistEntry, bool)>, CoreError> {
        let mut open: Vec<_> = self
            .records::<WaitlistEntry>(Kind::Waitlist, None, None)?
            .into_iter()
            .filter(|(e, _)| e.status.is_open())
            .collect();
        open.sort_by_key(|(e, _)| (e.created_at, e.id));
        Ok(open)
    }

    /// `offer`, `seat` or `remove`, checked as the platform checks it, applied here and
    /// queued. Seating names the tables (or leaves them to the platform: the smallest free
    /// fit); the booking it makes arrives with the sync.
    pub fn waitlist_step(
        &mut self,
        venue_id: Uuid,
        id: Uuid,
        step: &str,
        table_ids: Option<Vec<Uuid>>,
    ) -> Result<WaitlistEntry, CoreError> {
        let (mut e, _) = self
            .record::<WaitlistEntry>(Kind::Waitlist, id)?
            .ok_or_else(|| CoreError::Invalid(format!("no waitlist entry {id} here")))?;
        let next = match step {
            "offer" if e.status == WaitlistStatus::Waiting => WaitlistStatus::Offered,
            "seat" if e.status.is_open() => WaitlistStatus::Seated,
            "remove" if e.status.is_open() => WaitlistStatus::Removed,
            "offer" | "seat" | "remove" => {
                return Err(CoreError::Invalid(format!("a {} party cannot be {step}ed", e.status.as_str())));
            }
            other => return Err(CoreError::Invalid(format!("{other:?} is not a waitlist step"))),
        };
        let now = OffsetDateTime::now_utc();
        e.status = next;
        if next == WaitlistStatus::Offered {
            e.offered_at = Some(now);
        } else {
            e.closed_at = Some(now);
        }
        let body = match (step, table_ids) {
            ("seat", Some(t)) => Some(to_json(&SeatWaitlistEntry { table_ids: Some(t), duration_minutes: None })?),
            _ => None,
        };
        let tx = self.conn.transaction().map_err(db)?;
        store_record(&tx, Kind::Waitlist, &to_json(&e)?, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/waitlist/{id}/{step}"), body.as_ref(), "waitlist", id)?;
        tx.commit().map_err(db)?;
        Ok(e)
    }
}
