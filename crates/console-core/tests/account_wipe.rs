//! Signing out, or the platform ending the session, leaves nothing of the account on the
//! device: no cache file and no keychain item of ANY venue it opened — not only the one in
//! use — while another account's data on the same device stays. Against a live platform,
//! with the in-memory keychain (`os_keychain.rs` checks the same in a real GNOME Keyring).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::Digest;
use uuid::Uuid;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::keychain::{cache_key_account, refresh_account};
use venuedesk_console_core::{ApiClient, CoreError, EndReason, Keychain, LoginOutcome, MemoryKeychain, Session};

use common::{Live, PASSWORD, live};

async fn sign_in(l: &Live, keychain: Arc<MemoryKeychain>, email: &str) -> Session {
    let client = ApiClient::new(&l.base).unwrap();
    match Session::login(client, keychain, email, &SecretString::from(PASSWORD), "desk").await.unwrap() {
        LoginOutcome::SignedIn(s) => s,
        LoginOutcome::MfaRequired { .. } => panic!("no MFA expected"),
    }
}

async fn new_venue(s: &Session, name: &str) -> Uuid {
    let v: Value = s
        .call(Method::POST, "/v1/venues", Some(&json!({"name": name, "timezone": "UTC", "capacity": 20})), None, None)
        .await
        .unwrap();
    v["id"].as_str().unwrap().parse().unwrap()
}

/// Opens the venue's cache, fills it from the platform and queues a booking, as a day's
/// work does.
async fn work_in(dir: &Path, l: &Live, s: &Session, keychain: &Arc<MemoryKeychain>, venue_id: Uuid) {
    let mut cache =
        Cache::open(dir, CacheId { server: l.base.clone(), email: s.email().into(), venue_id }, keychain.clone())
            .unwrap();
    cache.pull(s, venue_id, &mut |_, _| {}).await.unwrap();
    let at = (time::OffsetDateTime::now_utc() + time::Duration::hours(3)).replace_nanosecond(0).unwrap();
    cache
        .create_booking(
            venue_id,
            venuedesk_console_core::sync::NewBooking {
                guest_name: "Wanda Wipe".into(),
                party_size: 2,
                starts_at: at,
                duration_minutes: 60,
                notes: None,
                customer_id: None,
            },
        )
        .unwrap();
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Every keychain item of `email` on the server `base`.
fn items_of(keychain: &MemoryKeychain, base: &str, email: &str) -> Vec<String> {
    keychain.accounts().into_iter().filter(|a| a.contains(&format!("{base}:{email}"))).collect()
}

/// A cache as a console before per-account folders left it: straight in the caches folder,
/// its key in the keychain, and no registry entry.
fn legacy_cache(dir: &Path, keychain: &MemoryKeychain, server: &str, email: &str, venue_id: Uuid) -> PathBuf {
    let digest = sha2::Sha256::digest(format!("{server}\n{email}\n{venue_id}").as_bytes());
    let path = dir.join(format!("cache-{}.db", &hex::encode(digest)[..32]));
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(&path, b"an old encrypted cache").unwrap();
    keychain.set(&cache_key_account(server, email, venue_id), &SecretString::from("00".repeat(32))).unwrap();
    path
}

#[tokio::test]
async fn signing_out_wipes_every_venue_of_the_account_and_nothing_of_another() {
    let l = live().await;
    let data = tempfile::tempdir().unwrap();
    let caches = data.path().join("caches");
    let keychain = Arc::new(MemoryKeychain::default());
    // Ana works in two venues on this PC, and a third one was opened by an older console.
    let ana = sign_in(&l, keychain.clone(), "ana@example.com").await;
    let (quay, pier, old) =
        (new_venue(&ana, "Quay").await, new_venue(&ana, "Pier").await, new_venue(&ana, "Old Mill").await);
    work_in(&caches, &l, &ana, &keychain, quay).await;
    work_in(&caches, &l, &ana, &keychain, pier).await;
    let old_file = legacy_cache(&caches, &keychain, &l.base, "ana@example.com", old);
    // Bob shares the PC, with his own venue.
    reqwest::Client::new()
        .post(format!("{}/v1/auth/signup", l.base))
        .json(&json!({"email": "bob@example.com", "password": PASSWORD, "display_name": "Bob"}))
        .send()
        .await
        .unwrap();
    let bob = sign_in(&l, keychain.clone(), "bob@example.com").await;
    let bobs = new_venue(&bob, "Bob's").await;
    work_in(&caches, &l, &bob, &keychain, bobs).await;
    let bob_items = items_of(&keychain, &l.base, "bob@example.com");
    let bob_files: Vec<PathBuf> =
        files_under(&caches).into_iter().filter(|f| f.starts_with(caches.join(bob_dir(&l.base)))).collect();
    assert!(!bob_files.is_empty());
    assert!(items_of(&keychain, &l.base, "ana@example.com").len() >= 4, "refresh token and three cache keys");

    // Ana signs out while working in Pier: nothing of hers stays, of any venue.
    ana.keep_local_data(caches.clone(), &[pier]);
    ana.logout().await.unwrap();
    assert_eq!(items_of(&keychain, &l.base, "ana@example.com"), Vec::<String>::new(), "no keychain item of Ana");
    assert!(!old_file.exists(), "the older console's cache is gone too");
    let mut left = files_under(&caches);
    left.retain(|f| !f.starts_with(caches.join(bob_dir(&l.base))));
    assert!(left.is_empty(), "no cache file of Ana: {left:?}");
    // Bob's data is his, and stays.
    assert_eq!(items_of(&keychain, &l.base, "bob@example.com"), bob_items);
    assert!(bob_files.iter().all(|f| f.exists()));
    let _: Value = bob.get("/v1/me").await.unwrap();
}

fn bob_dir(base: &str) -> PathBuf {
    venuedesk_console_core::cache::account_dir(Path::new(""), base, "bob@example.com")
}

#[tokio::test]
async fn a_session_ended_by_the_platform_wipes_every_venue_of_the_account() {
    let l = live().await;
    let data = tempfile::tempdir().unwrap();
    let caches = data.path().join("caches");
    let keychain = Arc::new(MemoryKeychain::default());
    let ana = sign_in(&l, keychain.clone(), "ana@example.com").await;
    let (quay, pier) = (new_venue(&ana, "Quay").await, new_venue(&ana, "Pier").await);
    work_in(&caches, &l, &ana, &keychain, quay).await;
    work_in(&caches, &l, &ana, &keychain, pier).await;
    // The console says where its caches are, knowing only the venue in use.
    ana.keep_local_data(caches.clone(), &[pier]);
    assert!(!files_under(&caches).is_empty());
    // A copy of the refresh token is used elsewhere after the console rotated it: reuse.
    let stolen = keychain.get(&refresh_account(&l.base, "ana@example.com")).unwrap().unwrap();
    l.clock.advance(time::Duration::minutes(16));
    let _: Value = ana.get("/v1/me").await.unwrap();
    let res = reqwest::Client::new()
        .post(format!("{}/v1/auth/refresh", l.base))
        .json(&json!({"refresh_token": stolen.expose_secret()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let err = ana.get::<Value>("/v1/me").await.unwrap_err();
    assert!(matches!(err, CoreError::SessionEnded(EndReason::SessionRevoked)), "{err:?}");
    assert!(keychain.is_empty(), "no keychain item left: {:?}", keychain.accounts());
    assert_eq!(files_under(&caches), Vec::<PathBuf>::new(), "no cache file left, of either venue");
}

/// `incident revoke-sessions --venue`: the operator's command (the same library function the
/// binary runs) ends the session, and the console wipes itself on its next contact.
#[tokio::test]
async fn an_incident_revocation_of_the_venue_wipes_the_console_on_its_next_contact() {
    use venuedesk_platform::ops::incident::{RevokeScope, revoke_sessions};
    let l = live().await;
    let data = tempfile::tempdir().unwrap();
    let caches = data.path().join("caches");
    let keychain = Arc::new(MemoryKeychain::default());
    let ana = sign_in(&l, keychain.clone(), "ana@example.com").await;
    let quay = new_venue(&ana, "Quay").await;
    work_in(&caches, &l, &ana, &keychain, quay).await;
    ana.keep_local_data(caches.clone(), &[quay]);
    assert!(!files_under(&caches).is_empty() && !keychain.is_empty());

    let done =
        revoke_sessions(l.state().store.as_ref(), l.state().clock.now(), RevokeScope::Venue(quay)).await.unwrap();
    assert_eq!((done.accounts, done.sessions, done.venues_audited), (1, 1, 1));
    // The access token the console holds is still unexpired: the platform refuses it anyway.
    let err = ana.get::<Value>("/v1/me").await.unwrap_err();
    assert!(matches!(err, CoreError::SessionEnded(EndReason::SessionRevoked)), "{err:?}");
    assert!(keychain.is_empty(), "no keychain item left: {:?}", keychain.accounts());
    assert_eq!(files_under(&caches), Vec::<PathBuf>::new(), "no cache file left");
}
