//! Customers added at the front desk (a phone booking for a new guest), offline too.

use serde_json::json;
use uuid::Uuid;
use venuedesk_api::venue::Customer;

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
        let body = json!({
            "id": c.id, "name": c.name, "email": c.email, "phone": c.phone,
            "allergens": c.allergens, "dietary_notes": c.dietary_notes,
        });
        let tx = self.conn.transaction().map_err(db)?;
        store_record(
            &tx,
            Kind::Customer,
            &serde_json::to_value(&c).map_err(|e| CoreError::Cache(e.to_string()))?,
            true,
        )?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/customers"), Some(&body), "customer", c.id)?;
        tx.commit().map_err(db)?;
        Ok(c)
    }
}
