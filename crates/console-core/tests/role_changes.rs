//! A member's role changes while their changes wait in the outbox, against a live platform:
//! a change the new role may not make (`403 forbidden`) becomes a conflict the person sees
//! and discards, and never blocks the changes after it; a role that now requires MFA stops
//! the sync (`CoreError::MfaRequired`) with nothing lost, until they sign in again with
//! their second factor. Changes the cached permissions do not allow are refused locally.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;
use venuedesk_api::permission::Permission;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::session::Factor;
use venuedesk_console_core::sync::NewBooking;
use venuedesk_console_core::{ApiClient, CoreError, LoginOutcome, MemoryKeychain, Session};

use common::{Live, PASSWORD, live};

async fn sign_in(l: &Live, keychain: Arc<MemoryKeychain>, email: &str) -> Session {
    match Session::login(ApiClient::new(&l.base).unwrap(), keychain, email, &SecretString::from(PASSWORD), "d")
        .await
        .unwrap()
    {
        LoginOutcome::SignedIn(s) => s,
        LoginOutcome::MfaRequired { .. } => panic!("no MFA expected"),
    }
}

async fn post(s: &Session, path: &str, body: Value) -> Value {
    s.call(Method::POST, path, Some(&body), None, None).await.unwrap()
}

fn booking(name: &str) -> NewBooking {
    let at = (time::OffsetDateTime::now_utc() + time::Duration::hours(5)).replace_nanosecond(0).unwrap();
    NewBooking {
        guest_name: name.into(),
        party_size: 2,
        starts_at: at,
        duration_minutes: 60,
        notes: None,
        customer_id: None,
    }
}

/// Ana owns a venue with custom roles; Bob works there as `role` and has its cache, synced.
struct Venue {
    owner: Session,
    vid: Uuid,
    bob: Session,
    bob_keychain: Arc<MemoryKeychain>,
    cache: Cache,
    _data: tempfile::TempDir,
}

async fn venue_with_bob(l: &Live, roles: &[(&str, &[&str])], bob_role: &str) -> Venue {
    let owner = sign_in(l, Arc::new(MemoryKeychain::default()), "ana@example.com").await;
    let v = post(&owner, "/v1/venues", json!({"name": "Roles", "timezone": "UTC", "capacity": 50})).await;
    let vid: Uuid = v["id"].as_str().unwrap().parse().unwrap();
    for (name, permissions) in roles {
        post(&owner, &format!("/v1/venues/{vid}/roles"), json!({"name": name, "permissions": permissions})).await;
    }
    reqwest::Client::new()
        .post(format!("{}/v1/auth/signup", l.base))
        .json(&json!({"email": "bob@example.com", "password": PASSWORD, "display_name": "Bob"}))
        .send()
        .await
        .unwrap();
    let inv = post(
        &owner,
        &format!("/v1/venues/{vid}/invitations"),
        json!({"email": "bob@example.com", "role_id": role(&owner, vid, bob_role).await["id"]}),
    )
    .await;
    let bob_keychain = Arc::new(MemoryKeychain::default());
    let bob = sign_in(l, bob_keychain.clone(), "bob@example.com").await;
    post(&bob, "/v1/invitations/accept", json!({"token": inv["token"]})).await;
    let data = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(
        data.path(),
        CacheId { server: l.base.clone(), email: "bob@example.com".into(), venue_id: vid },
        bob_keychain.clone(),
    )
    .unwrap();
    cache.pull(&bob, vid, &mut |_, _| {}).await.unwrap();
    Venue { owner, vid, bob, bob_keychain, cache, _data: data }
}

async fn role(owner: &Session, vid: Uuid, name: &str) -> Value {
    let roles: Value = owner.get(&format!("/v1/venues/{vid}/roles")).await.unwrap();
    roles["items"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap().clone()
}

#[tokio::test]
async fn a_forbidden_change_is_a_conflict_and_later_changes_still_drain() {
    let l = live().await;
    let host: &[&str] = &["bookings:read", "bookings:write", "customers:read", "customers:write"];
    let greeter: &[&str] = &["bookings:read", "customers:read", "customers:write"];
    let Venue { owner, vid, bob, mut cache, .. } =
        venue_with_bob(&l, &[("host", host), ("greeter", greeter)], "host").await;

    // Offline, Bob books a table, seats the party, and adds a customer.
    let b = cache.create_booking(vid, booking("Fern")).unwrap();
    cache.transition_booking(vid, b.id, "seat").unwrap();
    let c = cache.create_customer(vid, "Gil Green".into(), None, None, vec![], None).unwrap();
    assert_eq!(cache.outbox_len().unwrap(), 3);

    // Meanwhile Bob becomes a greeter: no more bookings:write.
    let members: Value = owner.get(&format!("/v1/venues/{vid}/members")).await.unwrap();
    let m = members["items"].as_array().unwrap().iter().find(|m| m["email"] == "bob@example.com").unwrap().clone();
    let _: Value = owner
        .call(
            Method::PATCH,
            &format!("/v1/venues/{vid}/members/{}", m["user_id"].as_str().unwrap()),
            Some(&json!({"role_id": role(&owner, vid, "greeter").await["id"]})),
            None,
            m["version"].as_i64(),
        )
        .await
        .unwrap();

    // Back online: the booking is refused (a conflict Bob sees), the seat waits behind it,
    // and the customer, a change Bob may still make, is sent.
    let report = cache.drain(&bob, &mut |_, _| {}).await.unwrap();
    assert_eq!((report.sent, report.remaining, report.offline, report.busy), (1, 2, false, false), "{report:?}");
    let conflict = report.conflict.expect("the refused booking is a conflict");
    assert_eq!((conflict.entity_id, conflict.code.as_str()), (b.id, "forbidden"));
    assert!(conflict.detail.contains("bookings:write"), "{}", conflict.detail);
    assert_eq!(cache.conflicts().unwrap(), vec![conflict.clone()], "listed for the person");
    let customer: Value = bob.get(&format!("/v1/venues/{vid}/customers/{}", c.id)).await.unwrap();
    assert_eq!(customer["name"], "Gil Green");
    // Draining again changes nothing (nothing is resent, the conflict stays).
    let again = cache.drain(&bob, &mut |_, _| {}).await.unwrap();
    assert_eq!((again.sent, again.remaining), (0, 2));

    // Bob discards it: the booking and the seat that built on it are gone from the device.
    cache.discard(conflict.seq).unwrap();
    assert_eq!(cache.outbox_len().unwrap(), 0);
    assert!(cache.booking(b.id).unwrap().is_none());
    cache.pull(&bob, vid, &mut |_, _| {}).await.unwrap();
    assert!(!cache.may(Permission::BookingsWrite).unwrap());

    // With the permissions now cached, a new booking is refused here, before it is queued.
    let err = cache.create_booking(vid, booking("Hal")).unwrap_err();
    assert!(matches!(err, CoreError::NotPermitted(Permission::BookingsWrite)), "{err:?}");
    assert!(err.to_string().contains("bookings:write"), "{err}");
    assert_eq!(cache.outbox_len().unwrap(), 0, "nothing queued");
    let day = (time::OffsetDateTime::now_utc(), time::OffsetDateTime::now_utc() + time::Duration::days(1));
    assert!(cache.bookings(day.0, day.1, None, None).unwrap().is_empty(), "and nothing applied to the cache");
    // What the role still allows is still accepted.
    cache.create_customer(vid, "Ida Ink".into(), None, None, vec![], None).unwrap();
    assert_eq!(cache.drain(&bob, &mut |_, _| {}).await.unwrap().sent, 1);
    // On the platform: no booking, two customers.
    let bookings: Value = owner.get(&format!("/v1/venues/{vid}/bookings?from=2000-01-01&to=2100-01-01")).await.unwrap();
    assert!(bookings["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_role_that_now_requires_mfa_stops_the_sync_and_loses_nothing() {
    let l = live().await;
    let host: &[&str] = &["bookings:read", "bookings:write", "customers:read", "customers:write"];
    let Venue { owner, vid, bob, bob_keychain, mut cache, .. } = venue_with_bob(&l, &[("host", host)], "host").await;

    // Offline, Bob books a table; then the owner requires MFA for hosts.
    let b = cache.create_booking(vid, booking("Jo")).unwrap();
    let host_role = role(&owner, vid, "host").await;
    let _: Value = owner
        .call(
            Method::PATCH,
            &format!("/v1/venues/{vid}/roles/{}", host_role["id"].as_str().unwrap()),
            Some(&json!({"require_mfa": true})),
            None,
            host_role["version"].as_i64(),
        )
        .await
        .unwrap();

    // Sync stops: Bob must enrol a second factor, then sign in again. Nothing is parked as
    // a conflict, nothing leaves the outbox.
    let err = cache.drain(&bob, &mut |_, _| {}).await.unwrap_err();
    assert!(matches!(err, CoreError::MfaRequired { enrollment_required: true, .. }), "{err:?}");
    assert_eq!((cache.outbox_len().unwrap(), cache.conflicts().unwrap().len()), (1, 0));
    assert!(cache.booking(b.id).unwrap().unwrap().1, "still pending here");
    let err = cache.pull(&bob, vid, &mut |_, _| {}).await.unwrap_err();
    assert!(matches!(err, CoreError::MfaRequired { .. }), "reading stops the same way: {err:?}");

    // Bob enrols TOTP; this sign-in still has no second factor.
    let enrol = bob.enroll_totp(&SecretString::from(PASSWORD)).await.unwrap();
    let secret = base32_decode(&enrol.secret);
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    bob.confirm_totp(&venuedesk_platform::auth::totp::code_at(&secret, now, 6).unwrap()).await.unwrap();
    let err = cache.drain(&bob, &mut |_, _| {}).await.unwrap_err();
    assert!(matches!(err, CoreError::MfaRequired { enrollment_required: false, .. }), "{err:?}");
    assert_eq!(cache.outbox_len().unwrap(), 1);

    // He signs in again with his code; the same cache sends what waited, once.
    let client = ApiClient::new(&l.base).unwrap();
    let LoginOutcome::MfaRequired { mfa_token, .. } =
        Session::login(client.clone(), bob_keychain.clone(), "bob@example.com", &SecretString::from(PASSWORD), "d")
            .await
            .unwrap()
    else {
        panic!("MFA is on")
    };
    let code = venuedesk_platform::auth::totp::code_at(&secret, now + 30, 6).unwrap();
    let again =
        Session::complete_mfa(client, bob_keychain, "bob@example.com", &mfa_token, Factor::Totp(code)).await.unwrap();
    let report = cache.drain(&again, &mut |_, _| {}).await.unwrap();
    assert_eq!((report.sent, report.remaining, report.conflict), (1, 0, None));
    cache.pull(&again, vid, &mut |_, _| {}).await.unwrap();
    assert!(!cache.booking(b.id).unwrap().unwrap().1, "confirmed");
    let bookings: Value = owner.get(&format!("/v1/venues/{vid}/bookings?from=2000-01-01&to=2100-01-01")).await.unwrap();
    assert_eq!(bookings["items"].as_array().unwrap().len(), 1, "sent exactly once");
}

fn base32_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut n, mut out) = (0u64, 0, Vec::new());
    for c in s.bytes() {
        bits = (bits << 5) | ALPHABET.iter().position(|&a| a == c).unwrap() as u64;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}
