//! The desktop console on a shared front-desk PC, headless against a live demo platform:
//! signing out leaves nothing of the account of any venue it opened, and a role that comes
//! to require MFA signs the person out *keeping* their queued changes, which go once they
//! sign in again with their code.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};
use venuedesk_console_app::error::Code;
use venuedesk_console_app::views::{BookingInput, SignInOutcome};
use venuedesk_console_app::{AppError, Console};
use venuedesk_console_core::MemoryKeychain;

mod common;

use common::{Demo, MANAGER, OWNER, PASSWORD, demo_platform};

fn desk(dir: &Path, keychain: Arc<MemoryKeychain>) -> Console {
    Console::new(dir.to_path_buf(), keychain, "shared desk".into(), None, Arc::new(|_| {})).unwrap()
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

/// The owner's access token, straight from the API (for set-up the console does not do).
async fn owner_token(d: &Demo) -> String {
    let pair: Value = reqwest::Client::new()
        .post(format!("{}/v1/auth/login", d.base))
        .json(&json!({"email": OWNER, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    pair["access_token"].as_str().unwrap().to_string()
}

fn booking(name: &str) -> BookingInput {
    let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
    let date = (chrono::Utc::now().with_timezone(&tz).date_naive() + chrono::Duration::days(2)).to_string();
    BookingInput {
        guest_name: name.into(),
        party_size: 2,
        date,
        time: "13:00".into(),
        duration_minutes: 60,
        notes: None,
        customer_id: None,
    }
}

#[tokio::test]
async fn signing_out_of_the_desktop_wipes_every_venue_opened_here() {
    let d = demo_platform().await;
    // The owner has a second venue.
    reqwest::Client::new()
        .post(format!("{}/v1/venues", d.base))
        .bearer_auth(owner_token(&d).await)
        .header("Idempotency-Key", "second-venue")
        .json(&json!({"name": "Harbour Terrace", "timezone": "Europe/London", "capacity": 30}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::default());
    let c = desk(data.path(), keychain.clone());
    let SignInOutcome::SignedIn { state } = c.sign_in(&d.base, OWNER, PASSWORD).await.unwrap() else {
        panic!("no MFA")
    };
    assert_eq!(state.venues.len(), 2);
    // The day's work in one venue, then the other.
    for v in &state.venues {
        c.select_venue(&v.id).await.unwrap();
        c.sync_now().await.unwrap();
        c.create_booking(&booking("Una Wipe")).unwrap();
    }
    assert!(keychain.len() >= 3, "refresh token and two cache keys: {:?}", keychain.accounts());
    assert!(files_under(&data.path().join("caches")).len() >= 2);

    c.sign_out().await.unwrap();
    assert!(keychain.is_empty(), "left in the keychain: {:?}", keychain.accounts());
    let left: Vec<_> = files_under(data.path()).into_iter().filter(|p| !p.ends_with("console.json")).collect();
    assert!(left.is_empty(), "{left:?}");
    let state = c.state();
    assert!(!state.signed_in && state.venues.is_empty());
    assert_eq!(state.email.as_deref(), Some(OWNER), "the sign-in screen is prefilled");
}

#[tokio::test]
async fn a_role_that_now_requires_mfa_signs_out_keeping_the_queued_changes() {
    let d = demo_platform().await;
    let data = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::default());
    let c = desk(data.path(), keychain.clone());
    let SignInOutcome::SignedIn { state } = c.sign_in(&d.base, MANAGER, PASSWORD).await.unwrap() else {
        panic!("no MFA")
    };
    c.sync_now().await.unwrap();
    // The manager enrols TOTP.
    let enrolment = c.totp_begin(PASSWORD).await.unwrap();
    let key = totp_rs::Secret::Encoded(enrolment.secret.clone()).to_bytes().unwrap();
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, key).unwrap();
    c.totp_confirm(&totp.generate_current().unwrap()).await.unwrap();
    // A booking waits to sync; meanwhile the owner makes MFA a must for managers.
    let made = c.create_booking(&booking("Vera Verify")).unwrap();
    let token = owner_token(&d).await;
    let vid = &state.venue.as_ref().unwrap().id;
    let http = reqwest::Client::new();
    let roles: Value = http
        .get(format!("{}/v1/venues/{vid}/roles", d.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let manager = roles["items"].as_array().unwrap().iter().find(|r| r["name"] == "manager").unwrap();
    http.patch(format!("{}/v1/venues/{vid}/roles/{}", d.base, manager["id"].as_str().unwrap()))
        .bearer_auth(&token)
        .header("Idempotency-Key", "mfa-for-managers")
        .header("If-Match", format!("\"{}\"", manager["version"]))
        .json(&json!({"require_mfa": true}))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap();

    // Sync stops and says why; the console asks for a new sign-in, and keeps the data.
    let err: AppError = c.sync_now().await.unwrap_err();
    assert_eq!(err.code, Code::MfaRequired);
    assert!(err.message.contains("sign in again"), "{}", err.message);
    let state = c.state();
    assert!(!state.signed_in, "the sign-in screen comes up");
    assert_eq!(state.email.as_deref(), Some(MANAGER));
    assert_eq!(state.venue.as_ref().map(|v| v.id.as_str()), Some(vid.as_str()), "the venue is remembered");
    assert!(files_under(&data.path().join("caches")).iter().any(|f| f.extension().is_some_and(|e| e == "db")));
    assert_eq!(keychain.accounts().iter().filter(|a| a.starts_with("refresh-token:")).count(), 0);
    assert!(keychain.accounts().iter().any(|a| a.starts_with("cache-key:")), "the cache key stays");

    // Signing in again with the code: the queued booking goes, once.
    assert!(matches!(c.sign_in(&d.base, MANAGER, PASSWORD).await.unwrap(), SignInOutcome::MfaRequired { .. }));
    d.clock.advance(time::Duration::seconds(30));
    let later = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 30;
    let state = c.complete_mfa(&totp.generate(later)).await.unwrap();
    assert!(state.signed_in);
    let status = c.sync_now().await.unwrap();
    assert_eq!((status.pending, status.conflicts.len()), (0, 0));
    let day = c.day_view(Some(&booking("x").date), Some("vera")).unwrap();
    assert_eq!(day.bookings.len(), 1);
    assert_eq!(day.bookings[0].id, made.id);
    assert!(!day.bookings[0].pending, "confirmed by the platform");
}
