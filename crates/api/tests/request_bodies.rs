//! The request bodies a client builds from the contract's types serialise to what the
//! platform reads back the same way (the console's outbox stores these bodies as JSON).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use time::macros::datetime;
use uuid::Uuid;
use venuedesk_api::OrderStatus;
use venuedesk_api::venue::{BookingPatch, CustomerPatch, NewBooking, NewOrder, NewOrderItem, OrderStatusChange};

#[test]
fn a_patch_sends_only_what_changes_and_null_clears() {
    assert_eq!(serde_json::to_value(BookingPatch::default()).unwrap(), json!({}));
    let patch = BookingPatch {
        party_size: Some(3),
        customer_id: Some(None),
        notes: Some(Some("window".into())),
        starts_at: Some(datetime!(2026-07-01 18:30 UTC)),
        ..BookingPatch::default()
    };
    let sent = serde_json::to_value(&patch).unwrap();
    assert_eq!(sent["party_size"], 3);
    assert_eq!(sent["customer_id"], json!(null), "null clears the customer");
    assert_eq!(sent["notes"], "window");
    assert!(sent.get("guest_name").is_none() && sent.get("duration_minutes").is_none());
    let read: BookingPatch = serde_json::from_value(sent).unwrap();
    assert_eq!((read.customer_id, read.notes, read.guest_name), (Some(None), Some(Some("window".into())), None));
    assert_eq!(read.starts_at, Some(datetime!(2026-07-01 18:30 UTC)));

    let read: CustomerPatch = serde_json::from_value(
        serde_json::to_value(CustomerPatch { email: Some(None), ..Default::default() }).unwrap(),
    )
    .unwrap();
    assert_eq!((read.email, read.phone), (Some(None), None));
}

#[test]
fn creates_round_trip() {
    let id = Uuid::now_v7();
    let booking = NewBooking {
        id: Some(id),
        guest_name: "Ava".into(),
        customer_id: None,
        party_size: 4,
        starts_at: datetime!(2026-07-01 18:30 UTC),
        duration_minutes: 90,
        notes: None,
        table_ids: None,
        source: None,
    };
    let sent = serde_json::to_value(&booking).unwrap();
    let keys: Vec<_> = sent.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 7, "absent tables and source are not sent: {keys:?}");
    let read: NewBooking = serde_json::from_value(sent).unwrap();
    assert_eq!((read.id, read.party_size, read.starts_at), (Some(id), 4, booking.starts_at));

    let product = Uuid::now_v7();
    let order = NewOrder {
        id: None,
        items: vec![NewOrderItem { product_id: product, quantity: 2, notes: Some("no croutons".into()) }],
        booking_id: None,
        table_label: Some("T4".into()),
        payment: None,
    };
    let sent = serde_json::to_value(&order).unwrap();
    assert_eq!(sent["items"][0], json!({"product_id": product, "quantity": 2, "notes": "no croutons"}));
    let read: NewOrder = serde_json::from_value(sent).unwrap();
    assert_eq!((read.items.len(), read.table_label.as_deref()), (1, Some("T4")));
}

#[test]
fn an_order_status_change_carries_the_wire_string_and_reads_any_string() {
    let sent = serde_json::to_value(OrderStatusChange::new(OrderStatus::Preparing)).unwrap();
    assert_eq!(sent, json!({"status": "preparing"}));
    let read: OrderStatusChange = serde_json::from_value(sent).unwrap();
    assert_eq!(read.target(), Ok(OrderStatus::Preparing));
    // An unknown string is read, then refused by `target` (the platform's 422 naming the
    // field); a non-string is not read at all (400).
    let unknown: OrderStatusChange = serde_json::from_value(json!({"status": "flambé"})).unwrap();
    assert_eq!(unknown.target().unwrap_err().value, "flambé");
    assert!(serde_json::from_value::<OrderStatusChange>(json!({"status": [1]})).is_err());
    assert!(serde_json::from_value::<OrderStatusChange>(json!({"status": "ready", "x": 1})).is_err());
}
