//! Offline work and sync against a live platform behind a proxy that can cut the network:
//! every change made offline arrives exactly once, in order, with one audit event each.

mod common;

use std::sync::Arc;

use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::sync::NewBooking;
use venuedesk_console_core::{ApiClient, LoginOutcome, MemoryKeychain, Session};

use common::{PASSWORD, Proxy, live};

fn new_booking(name: &str, party: i64, hours: i64) -> NewBooking {
    let at = (time::OffsetDateTime::now_utc() + time::Duration::hours(hours)).replace_nanosecond(0).unwrap();
    NewBooking {
        guest_name: name.into(),
        party_size: party,
        starts_at: at,
        duration_minutes: 90,
        notes: None,
        customer_id: None,
    }
}

#[tokio::test]
async fn offline_changes_sync_exactly_once_in_order() {
    let l = live().await;
    let proxy = Proxy::start(l.addr).await;
    let keychain = Arc::new(MemoryKeychain::default());
    let client = ApiClient::new(&proxy.base).unwrap();
    let LoginOutcome::SignedIn(s) =
        Session::login(client, keychain.clone(), "ana@example.com", &SecretString::from(PASSWORD), "desk")
            .await
            .unwrap()
    else {
        panic!("no MFA")
    };
    let venue: Value = s
        .call(
            Method::POST,
            "/v1/venues",
            Some(&json!({"name": "Quay", "timezone": "Europe/London", "capacity": 10})),
            None,
            None,
        )
        .await
        .unwrap();
    let vid: Uuid = venue["id"].as_str().unwrap().parse().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(
        data.path(),
        CacheId { server: proxy.base.clone(), email: "ana@example.com".into(), venue_id: vid },
        keychain.clone(),
    )
    .unwrap();
    let mut progress = |_done: u64, _total: u64| {};

    // Online: a booking made here is confirmed by the next sync.
    let a = cache.create_booking(vid, new_booking("Ava", 2, 3)).unwrap();
    assert!(cache.booking(a.id).unwrap().unwrap().1, "pending until the platform confirms");
    let report = cache.drain(&s, &mut progress).await.unwrap();
    assert_eq!((report.sent, report.remaining), (1, 0));
    let (confirmed, pending) = cache.booking(a.id).unwrap().unwrap();
    assert_eq!((confirmed.version, pending), (1, false));

    // The Wi-Fi drops. Work goes on: a new booking, a seat, another booking.
    proxy.set_online(false);
    let b = cache.create_booking(vid, new_booking("Ben", 3, 4)).unwrap();
    cache.transition_booking(vid, a.id, "seat").unwrap();
    let c = cache.create_booking(vid, new_booking("Cai", 1, 5)).unwrap();
    let offline = cache.drain(&s, &mut progress).await.unwrap();
    assert!(offline.offline && offline.sent == 0 && offline.remaining == 3, "{offline:?}");
    assert_eq!(cache.outbox_len().unwrap(), 3);
    // Reads still work from the cache, pending changes marked.
    let day = cache
        .bookings(
            time::OffsetDateTime::now_utc(),
            time::OffsetDateTime::now_utc() + time::Duration::days(1),
            None,
            None,
        )
        .unwrap();
    assert_eq!(day.len(), 3);
    assert!(day.iter().all(|(_, pending)| *pending));

    // Back online: everything lands once, in order.
    proxy.set_online(true);
    let mut seen = Vec::new();
    let mut record = |done: u64, total: u64| seen.push((done, total));
    let report = cache.drain(&s, &mut record).await.unwrap();
    assert_eq!((report.sent, report.remaining, report.offline), (3, 0, false));
    assert_eq!(seen, vec![(1, 3), (2, 3), (3, 3)], "progress is reported");
    cache.pull(&s, vid, &mut progress).await.unwrap();
    let day = cache
        .bookings(
            time::OffsetDateTime::now_utc(),
            time::OffsetDateTime::now_utc() + time::Duration::days(1),
            None,
            None,
        )
        .unwrap();
    assert!(day.iter().all(|(_, pending)| !*pending), "all confirmed");

    // On the platform: each booking exactly once, the seat applied, one event per change.
    let on_platform: Value = s.get(&format!("/v1/venues/{vid}/bookings?from=2000-01-01&to=2100-01-01")).await.unwrap();
    let items = on_platform["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let status =
        |id: Uuid| items.iter().find(|b| b["id"] == id.to_string()).unwrap()["status"].as_str().unwrap().to_string();
    assert_eq!((status(a.id), status(b.id), status(c.id)), ("seated".into(), "confirmed".into(), "confirmed".into()));
    let creates: Value = s.get(&format!("/v1/venues/{vid}/audit?action=booking.create")).await.unwrap();
    let seats: Value = s.get(&format!("/v1/venues/{vid}/audit?action=booking.seat")).await.unwrap();
    let created: Vec<&str> =
        creates["items"].as_array().unwrap().iter().map(|e| e["target"]["id"].as_str().unwrap()).collect();
    assert_eq!(created, vec![a.id.to_string(), b.id.to_string(), c.id.to_string()], "in order, once each");
    assert_eq!(seats["items"].as_array().unwrap().len(), 1);

    // A change the platform refuses is parked for the user, not lost and not retried blindly.
    let big = cache.create_booking(vid, new_booking("Party", 10, 3)).unwrap();
    let report = cache.drain(&s, &mut progress).await.unwrap();
    let conflict = report.conflict.expect("a conflict");
    assert_eq!((conflict.entity_id, conflict.code.as_str()), (big.id, "capacity_exceeded"));
    assert_eq!(cache.conflicts().unwrap().len(), 1);
    cache.discard(conflict.seq).unwrap();
    assert!(cache.booking(big.id).unwrap().is_none(), "discarded: the platform's version (none) stands");
    assert_eq!(cache.outbox_len().unwrap(), 0);
}
