//! The kitchen's queue and the menu, offline too.

use venuedesk_api::venue::{Order, Product};
use venuedesk_console_core::sync::NewOrderLine;

use crate::bookings::parse_id;
use crate::console::Console;
use crate::error::AppError;
use crate::local_time::{self, rfc3339};
use crate::views::{OrderItemView, OrderLineInput, OrderView, ProductView};

fn view(tz: chrono_tz::Tz, o: &Order, pending: bool) -> OrderView {
    OrderView {
        id: o.id.to_string(),
        status: o.status,
        items: o
            .items
            .iter()
            .map(|i| OrderItemView {
                product_id: i.product_id.to_string(),
                name: i.name.clone(),
                quantity: i.quantity,
                unit_price_cents: i.unit_price_cents,
                notes: i.notes.clone(),
            })
            .collect(),
        total_cents: o.total_cents,
        currency: o.currency.clone(),
        booking_id: o.booking_id.map(|b| b.to_string()),
        table_label: o.table_label.clone(),
        created_at: rfc3339(o.created_at),
        local_time: local_time::local(tz, o.created_at).1,
        version: o.version,
        pending,
    }
}

fn product_view(p: Product) -> ProductView {
    ProductView {
        id: p.id.to_string(),
        name: p.name,
        category: p.category,
        price_cents: p.price_cents,
        currency: p.currency,
        available: p.available,
    }
}

impl Console {
    /// Every order, oldest first (the board groups them by status).
    pub fn list_orders(&self) -> Result<Vec<OrderView>, AppError> {
        let tz = local_time::zone(&self.venue()?.timezone)?;
        let rows = self.with_cache(|cache, _| Ok(cache.orders(None)?))?;
        Ok(rows.iter().map(|(o, p)| view(tz, o, *p)).collect())
    }

    pub fn create_order(&self, items: &[OrderLineInput], table_label: Option<String>) -> Result<OrderView, AppError> {
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let vid = parse_id(&venue.id, "venue")?;
        let lines = items
            .iter()
            .map(|i| {
                Ok(NewOrderLine {
                    product_id: parse_id(&i.product_id, "product")?,
                    quantity: i.quantity,
                    notes: i.notes.clone().filter(|n| !n.trim().is_empty()),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let table = table_label.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
        let o = self.with_cache(|cache, _| Ok(cache.create_order(vid, lines, table, None)?))?;
        Ok(view(tz, &o, true))
    }

    pub fn set_order_status(&self, id: &str, status: &str) -> Result<OrderView, AppError> {
        let venue = self.venue()?;
        let tz = local_time::zone(&venue.timezone)?;
        let (id, vid) = (parse_id(id, "order")?, parse_id(&venue.id, "venue")?);
        let o = self.with_cache(|cache, _| Ok(cache.set_order_status(vid, id, status)?))?;
        Ok(view(tz, &o, true))
    }

    pub fn list_products(&self) -> Result<Vec<ProductView>, AppError> {
        Ok(self.with_cache(|cache, _| Ok(cache.products()?))?.into_iter().map(product_view).collect())
    }
}
