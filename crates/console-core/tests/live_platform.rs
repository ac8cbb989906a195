//! console-core against a live platform on a loopback port: the session life cycle,
//! single-flight refresh, and the end of a session whose refresh token was reused.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use venuedesk_api::me::MeResponse;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::keychain::refresh_account;
use venuedesk_console_core::{ApiClient, CoreError, EndReason, Keychain, LoginOutcome, MemoryKeychain, Session};

mod common;

use common::{Live, PASSWORD, live};

async fn sign_in(l: &Live, keychain: Arc<dyn Keychain>) -> Session {
    let client = ApiClient::new(&l.base).unwrap();
    match Session::login(client, keychain, "ana@example.com", &SecretString::from(PASSWORD), "test").await.unwrap() {
        LoginOutcome::SignedIn(s) => s,
        LoginOutcome::MfaRequired { .. } => panic!("no MFA expected"),
    }
}

#[tokio::test]
async fn session_life_cycle() {
    let l = live().await;
    let keychain = Arc::new(MemoryKeychain::default());
    let s = sign_in(&l, keychain.clone()).await;
    let me: MeResponse = s.get("/v1/me").await.unwrap();
    assert_eq!(me.user.email, "ana@example.com");
    assert!(
        keychain.get(&refresh_account(&l.base, "ana@example.com")).unwrap().is_some(),
        "refresh token in the keychain"
    );
    // Wrong password: the platform's code, typed.
    let bad = Session::login(
        ApiClient::new(&l.base).unwrap(),
        keychain.clone(),
        "ana@example.com",
        &SecretString::from("Nope-Nope-123!"),
        "t",
    )
    .await;
    assert!(matches!(bad, Err(CoreError::Problem { code: venuedesk_api::ProblemCode::InvalidCredentials, .. })));

    // The access token expires (platform time moves on): the next call refreshes by itself.
    let before =
        keychain.get(&refresh_account(&l.base, "ana@example.com")).unwrap().unwrap().expose_secret().to_string();
    l.clock.advance(time::Duration::minutes(16));
    let me: MeResponse = s.get("/v1/me").await.unwrap();
    assert_eq!(me.user.email, "ana@example.com");
    let after =
        keychain.get(&refresh_account(&l.base, "ana@example.com")).unwrap().unwrap().expose_secret().to_string();
    assert_ne!(before, after, "the refresh token was rotated");

    // A new process resumes from the keychain alone.
    let resumed =
        Session::resume(ApiClient::new(&l.base).unwrap(), keychain.clone(), "ana@example.com").unwrap().unwrap();
    let _: MeResponse = resumed.get("/v1/me").await.unwrap();

    resumed.logout().await.unwrap();
    assert!(keychain.is_empty(), "logout deletes the keychain entry");
    // The first handle's session was rotated by the resumed one and is now logged out.
    assert!(s.get::<MeResponse>("/v1/me").await.is_err());
}

#[tokio::test]
async fn concurrent_callers_share_one_refresh() {
    let l = live().await;
    let keychain = Arc::new(MemoryKeychain::default());
    let s = Arc::new(sign_in(&l, keychain.clone()).await);
    l.clock.advance(time::Duration::minutes(16));
    // Force every caller past the token's expiry at once.
    let resumed = Arc::new(
        Session::resume(ApiClient::new(&l.base).unwrap(), keychain.clone(), "ana@example.com").unwrap().unwrap(),
    );
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let r = resumed.clone();
        tasks.push(tokio::spawn(async move { r.get::<MeResponse>("/v1/me").await.map(|m| m.user.email) }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), "ana@example.com");
    }
    // Twelve refreshes of one token would have been reuse and revoked the session; one
    // shared refresh keeps it alive.
    let _: MeResponse = resumed.get("/v1/me").await.unwrap();
    drop(s);
}

#[tokio::test]
async fn a_reused_refresh_token_ends_the_session_and_wipes_the_keychain() {
    let l = live().await;
    let keychain = Arc::new(MemoryKeychain::default());
    let s = sign_in(&l, keychain.clone()).await;
    let reasons = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = reasons.clone();
    s.on_end(move |reason| seen.lock().unwrap().push(reason));
    // An offline cache for a venue; the console wipes it when the session ends.
    let data = tempfile::tempdir().unwrap();
    let cache_id = CacheId { server: l.base.clone(), email: "ana@example.com".into(), venue_id: uuid::Uuid::now_v7() };
    let cache = Cache::open(data.path(), cache_id.clone(), keychain.clone()).unwrap();
    let cache_file = cache.path().to_path_buf();
    drop(cache);
    {
        let (dir, id, kc) = (data.path().to_path_buf(), cache_id.clone(), keychain.clone());
        s.on_end(move |_| Cache::destroy(&dir, &id, kc.as_ref()).unwrap());
    }
    // Someone copies the refresh token; the console then rotates it.
    let account = refresh_account(&l.base, "ana@example.com");
    let stolen = keychain.get(&account).unwrap().unwrap().expose_secret().to_string();
    l.clock.advance(time::Duration::minutes(16));
    let _: MeResponse = s.get("/v1/me").await.unwrap();
    // The copy is presented: reuse. The platform revokes the whole session.
    let res = reqwest::Client::new()
        .request(Method::POST, format!("{}/v1/auth/refresh", l.base))
        .json(&json!({"refresh_token": stolen}))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "refresh_token_reused");
    // The console learns on its next call, says why, and wipes what it held.
    let err = s.get::<MeResponse>("/v1/me").await.unwrap_err();
    assert!(matches!(err, CoreError::SessionEnded(EndReason::SessionRevoked)), "{err:?}");
    assert!(keychain.get(&account).unwrap().is_none(), "keychain entry wiped");
    assert!(!cache_file.exists(), "offline cache wiped");
    // Its own refresh token is dead too: a fresh handle reports the reuse.
    keychain.set(&account, &SecretString::from(stolen)).unwrap();
    let again =
        Session::resume(ApiClient::new(&l.base).unwrap(), keychain.clone(), "ana@example.com").unwrap().unwrap();
    let seen = reasons.clone();
    again.on_end(move |reason| seen.lock().unwrap().push(reason));
    let err = again.get::<MeResponse>("/v1/me").await.unwrap_err();
    assert!(matches!(err, CoreError::SessionEnded(EndReason::RefreshTokenReused)), "{err:?}");
    assert!(keychain.is_empty());
    assert_eq!(
        *reasons.lock().unwrap(),
        vec![EndReason::SessionRevoked, EndReason::RefreshTokenReused],
        "each end ran the wipe hooks"
    );
}

#[tokio::test]
async fn an_unreachable_platform_is_a_network_error_not_a_sign_out() {
    let keychain = Arc::new(MemoryKeychain::default());
    let client = ApiClient::new("http://127.0.0.1:9").unwrap();
    let err = Session::login(client, keychain.clone(), "a@example.com", &SecretString::from(PASSWORD), "t")
        .await
        .err()
        .unwrap();
    assert!(matches!(err, CoreError::Network(_)), "{err:?}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn account_operations_through_the_session() {
    let l = live().await;
    let keychain = Arc::new(MemoryKeychain::default());
    let s = sign_in(&l, keychain.clone()).await;
    let other = sign_in(&l, Arc::new(MemoryKeychain::default())).await;
    let list = s.sessions().await.unwrap();
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items.iter().filter(|x| x.current).count(), 1);
    // TOTP: enrol, confirm with a code computed from the secret, recovery codes.
    let enrol = s.enroll_totp(&SecretString::from(PASSWORD)).await.unwrap();
    assert!(enrol.otpauth_uri.starts_with("otpauth://totp/Venuedesk:ana@example.com?"));
    let secret = base32_decode(&enrol.secret);
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let code = venuedesk_platform::auth::totp::code_at(&secret, now, 6).unwrap();
    let codes = s.confirm_totp(&code).await.unwrap();
    assert_eq!(codes.recovery_codes.len(), 10);
    assert!(s.me().await.unwrap().user.mfa_enabled);
    let fresh = s.regenerate_recovery_codes(&SecretString::from(PASSWORD), &codes.recovery_codes[0]).await.unwrap();
    s.disable_totp(&SecretString::from(PASSWORD), &fresh.recovery_codes[0]).await.unwrap();
    assert!(!s.me().await.unwrap().user.mfa_enabled);
    // Password change signs the other session out.
    s.change_password(&SecretString::from(PASSWORD), &SecretString::from("Brand-New-Harbour-91!")).await.unwrap();
    let err = other.me().await.unwrap_err();
    assert!(matches!(err, CoreError::SessionEnded(EndReason::SessionRevoked)), "{err:?}");
    assert_eq!(s.sessions().await.unwrap().items.len(), 1);
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
