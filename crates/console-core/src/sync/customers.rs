//! Customers added at the front desk (a phone booking for a new guest), offline too.

use uuid::Uuid;
use venuedesk_api::venue::{Customer, NewCustomer};

use super::bookings::to_json;
use super::{db, enqueue};
use crate::cache::{Cache, Kind, records::store_record};
use crate::error::CoreError;

impl Cache {
    pub fn create_customer(
        &mut self,
        venue_id: Uuid,
        name: String,
        email: Option<String>,
        phone: Option<String>,
        allergens: Vec<String>,
        dietary_notes: Option<String>,
    ) -> Result<Customer, CoreError> {
        if name.trim().is_empty() {
            return Err(CoreError::Invalid("a customer needs a name".into()));
        }
        let c = Customer { id: Uuid::now_v7(), name, email, phone, allergens, dietary_notes, version: 0 };
        let request = to_json(&NewCustomer {
            id: Some(c.id),
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            allergens: c.allergens.clone(),
            dietary_notes: c.dietary_notes.clone(),
        })?;
        let tx = self.conn.transaction().map_err(db)?;
        store_record(&tx, Kind::Customer, &to_json(&c)?, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/customers"), Some(&request), "customer", c.id)?;
        tx.commit().map_err(db)?;
        Ok(c)
    }
}
