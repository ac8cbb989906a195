//! Which webhook events a venue write announces, and what they carry: ids and states,
//! never personal data (guest names and notes stay sealed). One pure rule both backends
//! call inside the write's transaction.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::AuditDraft;
use crate::store::{DocWrite, Entity, OutgoingEvent};

/// Every event an endpoint may subscribe to (the wire contract's list).
pub use venuedesk_api::integrations::WEBHOOK_EVENTS as EVENT_TYPES;

fn kind_of(action: &str) -> Option<&'static str> {
    Some(match action {
        "booking.create" => "booking.created",
        "booking.update" => "booking.updated",
        "booking.seat" | "booking.complete" | "booking.cancel" | "booking.no_show" => "booking.status",
        "order.create" => "order.created",
        "order.status" => "order.status",
        "customer.erase" => "customer.erased",
        _ => return None,
    })
}

fn ts(t: Option<time::OffsetDateTime>) -> Value {
    t.map_or(Value::Null, |t| Value::String(venuedesk_api::timestamp::format(t)))
}

/// The events of one audited write (at most one per write: the audited action names it).
pub fn from_writes(audit: &AuditDraft, writes: &[DocWrite]) -> Vec<OutgoingEvent> {
    let Some(kind) = kind_of(&audit.action) else { return Vec::new() };
    let subject = audit.target_id.as_deref().and_then(|s| Uuid::parse_str(s).ok());
    let Some(write) = writes.iter().find(|w| Some(w.doc.id) == subject) else { return Vec::new() };
    let d = &write.doc;
    let data = match d.entity {
        Entity::Booking => json!({
            "id": d.id, "version": d.version, "status": d.status,
            "starts_at": ts(d.starts_at), "ends_at": ts(d.ends_at), "party_size": d.party_size,
        }),
        Entity::Order => json!({ "id": d.id, "version": d.version, "status": d.status, "booking_id": d.ref_id }),
        Entity::Customer => json!({ "id": d.id }),
        Entity::Product | Entity::Table | Entity::OpeningHours | Entity::WaitlistEntry => return Vec::new(),
    };
    let id = Uuid::now_v7();
    let payload = json!({
        "type": kind,
        "timestamp": venuedesk_api::timestamp::format(audit.at),
        "venue_id": audit.venue_id,
        "data": data,
    });
    vec![OutgoingEvent { id, kind, payload: payload.to_string() }]
}
