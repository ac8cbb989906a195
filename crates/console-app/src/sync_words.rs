//! A queued change in words, for the conflict dialog.

use uuid::Uuid;
use venuedesk_api::venue::{Customer, Order};
use venuedesk_console_core::cache::{Cache, Kind};

pub fn summary(cache: &Cache, tz: chrono_tz::Tz, entity: &str, id: Uuid) -> String {
    match entity {
        "booking" => match cache.booking(id) {
            Ok(Some((b, _))) => {
                let (date, time) = crate::local_time::local(tz, b.starts_at);
                format!("Booking for {}, {} people, {date} {time}", b.guest_name, b.party_size)
            }
            _ => "A booking no longer on this device".into(),
        },
        "order" => match cache.record::<Order>(Kind::Order, id) {
            Ok(Some((o, _))) => format!(
                "Order{} ({} item(s)), {}",
                o.table_label.map(|t| format!(" for table {t}")).unwrap_or_default(),
                o.items.len(),
                o.status
            ),
            _ => "An order no longer on this device".into(),
        },
        "customer" => match cache.record::<Customer>(Kind::Customer, id) {
            Ok(Some((c, _))) => format!("Customer {}", c.name),
            _ => "A customer no longer on this device".into(),
        },
        other => format!("A {other} change"),
    }
}
