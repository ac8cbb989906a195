//! Orders taken and moved through the kitchen, offline too: applied here at once (the
//! total is estimated from the cached menu until the platform computes it), then queued.

use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::venue::{Order, OrderItem, Product};

use super::{db, enqueue};
use crate::cache::{Cache, Kind, records::store_record};
use crate::error::CoreError;

/// One line of a new order.
#[derive(Debug, Clone)]
pub struct NewOrderLine {
    pub product_id: Uuid,
    pub quantity: i64,
    pub notes: Option<String>,
}

/// The kitchen's status machine, as the platform enforces it.
pub fn may_move(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("received", "preparing")
            | ("preparing", "ready")
            | ("ready", "served")
            | ("received" | "preparing" | "ready", "cancelled")
    )
}

impl Cache {
    pub fn create_order(
        &mut self,
        venue_id: Uuid,
        lines: Vec<NewOrderLine>,
        table_label: Option<String>,
        booking_id: Option<Uuid>,
    ) -> Result<Order, CoreError> {
        if lines.is_empty() {
            return Err(CoreError::Invalid("an order needs at least one item".into()));
        }
        let mut items = Vec::with_capacity(lines.len());
        let mut currency = String::new();
        for line in &lines {
            if !(1..=1000).contains(&line.quantity) {
                return Err(CoreError::Invalid("quantities are between 1 and 1000".into()));
            }
            let (p, _) = self.record::<Product>(Kind::Product, line.product_id)?.ok_or_else(|| {
                CoreError::Invalid(format!("product {} is not on this venue's menu", line.product_id))
            })?;
            if !p.available {
                return Err(CoreError::Invalid(format!("{} is not available", p.name)));
            }
            currency = p.currency.clone();
            items.push(OrderItem {
                product_id: p.id,
                name: p.name,
                quantity: line.quantity,
                unit_price_cents: p.price_cents,
                notes: line.notes.clone(),
            });
        }
        let order = Order {
            id: Uuid::now_v7(),
            status: "received".into(),
            total_cents: items.iter().map(|i| i.quantity * i.unit_price_cents).sum(),
            items,
            currency,
            booking_id,
            table_label,
            version: 0,
            created_at: OffsetDateTime::now_utc(),
        };
        let body = json!({
            "id": order.id,
            "items": lines.iter().map(|l| json!({"product_id": l.product_id, "quantity": l.quantity, "notes": l.notes})).collect::<Vec<_>>(),
            "booking_id": order.booking_id, "table_label": order.table_label,
        });
        let tx = self.conn.transaction().map_err(db)?;
        store_record(
            &tx,
            Kind::Order,
            &serde_json::to_value(&order).map_err(|e| CoreError::Cache(e.to_string()))?,
            true,
        )?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/orders"), Some(&body), "order", order.id)?;
        tx.commit().map_err(db)?;
        Ok(order)
    }

    /// Moves an order to `status` (preparing, ready, served or cancelled).
    pub fn set_order_status(&mut self, venue_id: Uuid, id: Uuid, status: &str) -> Result<Order, CoreError> {
        let (mut order, _) =
            self.record::<Order>(Kind::Order, id)?.ok_or_else(|| CoreError::Invalid(format!("no order {id} here")))?;
        if !may_move(&order.status, status) {
            return Err(CoreError::Invalid(format!("an order that is {} cannot become {status}", order.status)));
        }
        order.status = status.to_string();
        let tx = self.conn.transaction().map_err(db)?;
        store_record(
            &tx,
            Kind::Order,
            &serde_json::to_value(&order).map_err(|e| CoreError::Cache(e.to_string()))?,
            true,
        )?;
        enqueue(
            &tx,
            "POST",
            &format!("/v1/venues/{venue_id}/orders/{id}/status"),
            Some(&json!({ "status": status })),
            "order",
            id,
        )?;
        tx.commit().map_err(db)?;
        Ok(order)
    }
}

#[cfg(test)]
mod tests {
    use super::may_move;

    #[test]
    fn kitchen_status_machine() {
        assert!(may_move("received", "preparing") && may_move("preparing", "ready") && may_move("ready", "served"));
        assert!(may_move("received", "cancelled") && may_move("ready", "cancelled"));
        assert!(!may_move("served", "cancelled") && !may_move("received", "ready") && !may_move("ready", "preparing"));
    }
}
