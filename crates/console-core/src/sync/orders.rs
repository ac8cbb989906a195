//! Orders taken and moved through the kitchen, offline too: applied here at once (the
//! total is estimated from the cached menu until the platform computes it), then queued.

use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::OrderStatus;
use venuedesk_api::venue::{NewOrder, NewOrderItem, Order, OrderItem, OrderStatusChange, Product};

use super::bookings::to_json;
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
            status: OrderStatus::Received,
            total_cents: items.iter().map(|i| i.quantity * i.unit_price_cents).sum(),
            items,
            currency,
            booking_id,
            table_label,
            version: 0,
            created_at: OffsetDateTime::now_utc(),
        };
        let request = to_json(&NewOrder {
            id: Some(order.id),
            items: lines
                .into_iter()
                .map(|l| NewOrderItem { product_id: l.product_id, quantity: l.quantity, notes: l.notes })
                .collect(),
            booking_id: order.booking_id,
            table_label: order.table_label.clone(),
            payment: None,
        })?;
        let tx = self.conn.transaction().map_err(db)?;
        store_record(&tx, Kind::Order, &to_json(&order)?, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/orders"), Some(&request), "order", order.id)?;
        tx.commit().map_err(db)?;
        Ok(order)
    }

    /// Moves an order to `status` (preparing, ready, served or cancelled), checked against
    /// the kitchen's machine the platform enforces.
    pub fn set_order_status(&mut self, venue_id: Uuid, id: Uuid, status: &str) -> Result<Order, CoreError> {
        let to = status.parse::<OrderStatus>().map_err(|e| CoreError::Invalid(e.to_string()))?;
        let (mut order, _) =
            self.record::<Order>(Kind::Order, id)?.ok_or_else(|| CoreError::Invalid(format!("no order {id} here")))?;
        order.status = order.status.move_to(to).map_err(|refused| {
            CoreError::Invalid(format!("an order that is {} cannot become {}", refused.from, refused.to))
        })?;
        let request = to_json(&OrderStatusChange::new(to))?;
        let tx = self.conn.transaction().map_err(db)?;
        store_record(&tx, Kind::Order, &to_json(&order)?, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/orders/{id}/status"), Some(&request), "order", id)?;
        tx.commit().map_err(db)?;
        Ok(order)
    }
}
