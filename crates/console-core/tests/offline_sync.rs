//! Offline work and sync against a live platform behind a proxy that can cut the network:
//! every change made offline arrives exactly once, in order, with one audit event each.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

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

/// Ana, signed in through a proxy that can cut the network, with a new venue and its
/// encrypted cache. Keep `_live` and `_data` alive for the test.
struct Desk {
    _live: common::Live,
    proxy: Proxy,
    s: Session,
    vid: Uuid,
    cache: Cache,
    _data: tempfile::TempDir,
}

async fn desk(venue_name: &str, capacity: i64) -> Desk {
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
    let body = json!({"name": venue_name, "timezone": "Europe/London", "capacity": capacity});
    let venue: Value = s.call(Method::POST, "/v1/venues", Some(&body), None, None).await.unwrap();
    let vid: Uuid = venue["id"].as_str().unwrap().parse().unwrap();
    let data = tempfile::tempdir().unwrap();
    let cache = Cache::open(
        data.path(),
        CacheId { server: proxy.base.clone(), email: "ana@example.com".into(), venue_id: vid },
        keychain,
    )
    .unwrap();
    Desk { _live: l, proxy, s, vid, cache, _data: data }
}

#[tokio::test]
async fn offline_changes_sync_exactly_once_in_order() {
    let Desk { _live, proxy, s, vid, mut cache, _data } = desk("Quay", 10).await;
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

#[tokio::test]
async fn a_removed_permission_removes_the_cached_data() {
    let l = live().await;
    let owner_kc = Arc::new(MemoryKeychain::default());
    let LoginOutcome::SignedIn(owner) = Session::login(
        ApiClient::new(&l.base).unwrap(),
        owner_kc,
        "ana@example.com",
        &SecretString::from(PASSWORD),
        "o",
    )
    .await
    .unwrap() else {
        panic!()
    };
    let venue: Value = owner
        .call(
            Method::POST,
            "/v1/venues",
            Some(&json!({"name": "Perms", "timezone": "UTC", "capacity": 50})),
            None,
            None,
        )
        .await
        .unwrap();
    let vid: Uuid = venue["id"].as_str().unwrap().parse().unwrap();
    let roles: Value = owner.get(&format!("/v1/venues/{vid}/roles")).await.unwrap();
    let role =
        |name: &str| roles["items"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap()["id"].clone();
    // Bob joins as front desk and caches the day.
    reqwest::Client::new()
        .post(format!("{}/v1/auth/signup", l.base))
        .json(&json!({"email": "bob@example.com", "password": PASSWORD, "display_name": "Bob"}))
        .send()
        .await
        .unwrap();
    let inv: Value = owner
        .call(
            Method::POST,
            &format!("/v1/venues/{vid}/invitations"),
            Some(&json!({"email": "bob@example.com", "role_id": role("front_desk")})),
            None,
            None,
        )
        .await
        .unwrap();
    let kc = Arc::new(MemoryKeychain::default());
    let LoginOutcome::SignedIn(bob) = Session::login(
        ApiClient::new(&l.base).unwrap(),
        kc.clone(),
        "bob@example.com",
        &SecretString::from(PASSWORD),
        "b",
    )
    .await
    .unwrap() else {
        panic!()
    };
    let member: Value = bob
        .call(Method::POST, "/v1/invitations/accept", Some(&json!({"token": inv["token"]})), None, None)
        .await
        .unwrap();
    assert_eq!(member["role"]["name"], "front_desk");
    let _: Value = owner
        .call(
            Method::POST,
            &format!("/v1/venues/{vid}/bookings"),
            Some(
                &json!({"guest_name": "Gus", "party_size": 2, "starts_at": common_in_hours(3), "duration_minutes": 60}),
            ),
            None,
            None,
        )
        .await
        .unwrap();
    let _: Value = owner
        .call(
            Method::POST,
            &format!("/v1/venues/{vid}/customers"),
            Some(&json!({"name": "Gus Grey", "allergens": ["sesame"]})),
            None,
            None,
        )
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(
        data.path(),
        CacheId { server: l.base.clone(), email: "bob@example.com".into(), venue_id: vid },
        kc.clone(),
    )
    .unwrap();
    cache.pull(&bob, vid, &mut |_, _| {}).await.unwrap();
    let window = (time::OffsetDateTime::now_utc(), time::OffsetDateTime::now_utc() + time::Duration::days(1));
    assert_eq!(cache.bookings(window.0, window.1, None, None).unwrap().len(), 1);
    assert_eq!(cache.customers(Some("gus")).unwrap()[0].0.allergens, vec!["sesame".to_string()]);
    assert!(cache.members().unwrap().is_empty(), "front desk may not read members");
    assert!(cache.may(venuedesk_api::permission::Permission::BookingsWrite).unwrap());
    // Bob moves to the kitchen: the next sync drops what he may no longer read.
    let bob_id = member_id(&owner, vid, "bob@example.com").await;
    let res: Value = owner
        .call(
            Method::PATCH,
            &format!("/v1/venues/{vid}/members/{bob_id}"),
            Some(&json!({"role_id": role("kitchen")})),
            None,
            Some(1),
        )
        .await
        .unwrap();
    assert_eq!(res["role_id"], role("kitchen"));
    cache.pull(&bob, vid, &mut |_, _| {}).await.unwrap();
    assert!(cache.bookings(window.0, window.1, None, None).unwrap().is_empty(), "bookings gone from the device");
    assert!(cache.customers(None).unwrap().is_empty(), "customers gone from the device");
    assert!(!cache.may(venuedesk_api::permission::Permission::BookingsRead).unwrap());
    // Back at the front desk: the feed is read again from the start, so nothing is missing.
    let _: Value = owner
        .call(
            Method::PATCH,
            &format!("/v1/venues/{vid}/members/{bob_id}"),
            Some(&json!({"role_id": role("front_desk")})),
            None,
            Some(2),
        )
        .await
        .unwrap();
    cache.pull(&bob, vid, &mut |_, _| {}).await.unwrap();
    assert_eq!(cache.bookings(window.0, window.1, None, None).unwrap().len(), 1, "bookings back");
    assert_eq!(cache.customers(None).unwrap().len(), 1, "customers back");
}

async fn member_id(owner: &Session, vid: Uuid, email: &str) -> String {
    let members: Value = owner.get(&format!("/v1/venues/{vid}/members")).await.unwrap();
    members["items"].as_array().unwrap().iter().find(|m| m["email"] == email).unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn common_in_hours(h: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(h))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

#[tokio::test]
async fn an_offline_edit_on_a_changed_booking_is_a_conflict_with_both_versions_and_either_can_win() {
    let Desk { _live, proxy, s, vid, mut cache, _data } = desk("Pier", 20).await;
    let mut progress = |_done: u64, _total: u64| {};
    let a = cache.create_booking(vid, new_booking("Ava", 2, 3)).unwrap();
    let b = cache.create_booking(vid, new_booking("Bo", 2, 5)).unwrap();
    cache.drain(&s, &mut progress).await.unwrap();
    let path = |id: Uuid| format!("/v1/venues/{vid}/bookings/{id}");
    // Someone else (another desk, online) changes both bookings: version 2 on the platform.
    for (id, party) in [(a.id, 3), (b.id, 6)] {
        let _: Value =
            s.call(Method::PATCH, &path(id), Some(&json!({"party_size": party})), None, Some(1)).await.unwrap();
    }

    // Offline here, on the version this console saw (1): Ava moves an hour later, then a
    // second edit on top of it (her notes); Bo gets a note.
    proxy.set_online(false);
    let mut later = new_booking("Ava", 2, 4);
    later.notes = None;
    let moved = cache.update_booking(vid, a.id, later.clone(), None).unwrap();
    assert_eq!((moved.starts_at, moved.version), (later.starts_at, 1), "applied here, on the version it was made on");
    assert!(cache.booking(a.id).unwrap().unwrap().1, "pending");
    let mut noted = later.clone();
    noted.notes = Some("window seat".into());
    cache.update_booking(vid, a.id, noted, None).unwrap();
    let mut bo = new_booking("Bo", 2, 5);
    bo.starts_at = b.starts_at;
    bo.notes = Some("birthday".into());
    cache.update_booking(vid, b.id, bo, None).unwrap();
    assert_eq!(cache.outbox_len().unwrap(), 3);

    // Back online: both first edits are refused (412), nothing is overwritten, and each
    // conflict shows mine and theirs.
    proxy.set_online(true);
    let report = cache.drain(&s, &mut progress).await.unwrap();
    assert_eq!(report.sent, 0, "{report:?}");
    let conflicts = cache.conflicts().unwrap();
    assert_eq!(conflicts.len(), 2, "Ava's second edit waits behind her first");
    for c in &conflicts {
        assert_eq!(c.code, "version_mismatch");
        let (mine, theirs) = c.versions.clone().expect("both versions");
        let theirs = theirs.expect("the platform's version was read");
        assert_eq!(theirs.version, 2);
        if c.entity_id == a.id {
            assert_eq!(
                (mine.starts_at, mine.party_size, mine.notes.as_deref()),
                (later.starts_at, 2, Some("window seat"))
            );
            assert_eq!((theirs.starts_at, theirs.party_size), (a.starts_at, 3));
        } else {
            assert_eq!((mine.notes.as_deref(), theirs.party_size), (Some("birthday"), 6));
        }
    }
    let on_platform = |id: Uuid| {
        let s = &s;
        let p = path(id);
        async move { s.get::<Value>(&p).await.unwrap() }
    };
    assert_eq!(on_platform(a.id).await["party_size"], 3, "theirs stands until someone decides");

    // Ava: keep mine — sent again on their version, then the edit queued behind it.
    let ava = conflicts.iter().find(|c| c.entity_id == a.id).unwrap();
    cache.retry(ava.seq).unwrap();
    // Bo: take theirs — here at once, my edit gone.
    let bo_conflict = conflicts.iter().find(|c| c.entity_id == b.id).unwrap();
    cache.discard(bo_conflict.seq).unwrap();
    let (bo_here, pending) = cache.booking(b.id).unwrap().unwrap();
    assert_eq!((bo_here.party_size, bo_here.notes.as_deref(), bo_here.version, pending), (6, None, 2, false));
    let report = cache.drain(&s, &mut progress).await.unwrap();
    assert_eq!((report.sent, report.remaining, report.conflict.is_none()), (2, 0, true), "{report:?}");
    let ava_now = on_platform(a.id).await;
    assert_eq!(ava_now["version"], 4, "their change, mine on top, then my second edit");
    assert_eq!(ava_now["party_size"], 2, "mine kept, deliberately, over theirs");
    assert_eq!(ava_now["notes"], "window seat");
    let (ava_here, pending) = cache.booking(a.id).unwrap().unwrap();
    assert_eq!((ava_here.version, pending), (4, false));
    let bo_now = on_platform(b.id).await;
    assert_eq!((bo_now["version"].as_i64(), bo_now["notes"].is_null()), (Some(2), true), "theirs, untouched");
}
