//! The real OS keychain. On Linux this needs a Secret Service: `scripts/test.sh` runs it
//! inside `dbus-run-session` with an unlocked gnome-keyring and checks with `secret-tool`.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use secrecy::{ExposeSecret, SecretString};
use venuedesk_console_core::{Keychain, OsKeychain};

fn secret_tool_finds(account: &str) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "venuedesk", "username", account])
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).to_string()).filter(|s| !s.is_empty())
}

#[test]
#[ignore = "needs a Secret Service session: run by scripts/test.sh inside dbus-run-session"]
fn the_os_keychain_stores_reads_and_deletes() {
    let k = OsKeychain;
    let account = format!("refresh-token:test:{}", uuid::Uuid::new_v4());
    assert!(k.get(&account).unwrap().is_none());
    k.set(&account, &SecretString::from("s3cr3t-refresh-token")).unwrap();
    assert_eq!(k.get(&account).unwrap().unwrap().expose_secret(), "s3cr3t-refresh-token");
    assert_eq!(
        secret_tool_finds(&account).as_deref(),
        Some("s3cr3t-refresh-token"),
        "the item is in the Secret Service"
    );
    k.delete(&account).unwrap();
    assert!(k.get(&account).unwrap().is_none());
    assert!(secret_tool_finds(&account).is_none());
    k.delete(&account).unwrap();
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run by scripts/test.sh inside dbus-run-session"]
async fn a_signed_in_session_keeps_its_refresh_token_only_in_the_os_keychain() {
    use std::sync::Arc;
    use venuedesk_console_core::keychain::refresh_account;
    use venuedesk_console_core::{ApiClient, LoginOutcome, Session};

    let (base, _dir) = platform_with("os@example.com").await;
    let password = PASSWORD;

    let keychain: Arc<dyn Keychain> = Arc::new(OsKeychain);
    let outcome = Session::login(
        ApiClient::new(&base).unwrap(),
        keychain.clone(),
        "os@example.com",
        &SecretString::from(password),
        "ci",
    )
    .await
    .unwrap();
    let LoginOutcome::SignedIn(session) = outcome else { panic!("no MFA expected") };
    let account = refresh_account(&base, "os@example.com");
    let stored = secret_tool_finds(&account).expect("secret-tool finds the refresh-token item");
    assert_eq!(stored.len(), 43, "a 256-bit base64url token");
    let _: venuedesk_api::me::MeResponse = session.get("/v1/me").await.unwrap();
    // The offline cache's key goes to the keychain too; the data directory holds neither.
    let data = tempfile::tempdir().unwrap();
    let cache_id = venuedesk_console_core::cache::CacheId {
        server: base.clone(),
        email: "os@example.com".into(),
        venue_id: uuid::Uuid::now_v7(),
    };
    let cache = venuedesk_console_core::cache::Cache::open(data.path(), cache_id.clone(), keychain.clone()).unwrap();
    let cache_account = format!("cache-key:{}:{}:{}", base, "os@example.com", cache_id.venue_id);
    let cache_key = secret_tool_finds(&cache_account).expect("secret-tool finds the cache-key item");
    for file in files_under(data.path()) {
        let bytes = std::fs::read(file).unwrap();
        for secret in [&stored, &cache_key] {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "a secret is in a file of the data directory"
            );
        }
    }
    session.logout().await.unwrap();
    cache.wipe().unwrap();
    assert!(secret_tool_finds(&account).is_none(), "logout removed the refresh-token item");
    assert!(secret_tool_finds(&cache_account).is_none(), "wiping removed the cache-key item");
}

const PASSWORD: &str = "Quiet-Lantern-Orbit-77!";

/// A live platform on a loopback port with one user, `email`.
async fn platform_with(email: &str) -> (String, tempfile::TempDir) {
    use std::sync::Arc;
    let dir = tempfile::tempdir().unwrap();
    let store = venuedesk_test_support::TestDatabase::fresh(dir.path()).await.open().await;
    let (master, _) = venuedesk_platform::crypto::MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
    let platform = venuedesk_platform::app::build(
        store,
        master,
        venuedesk_platform::state::Settings::default(),
        Arc::new(venuedesk_platform::clock::SystemClock),
        "test".into(),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(venuedesk_platform::app::serve_http(listener, platform.router, std::future::pending()));
    let res = reqwest::Client::new()
        .post(format!("{base}/v1/auth/signup"))
        .json(&serde_json::json!({"email": email, "password": PASSWORD, "display_name": "OS"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    (base, dir)
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out
}

/// Every item `secret-tool` finds of the service, as its attribute lines.
fn secret_tool_items() -> String {
    let out =
        std::process::Command::new("secret-tool").args(["search", "--all", "service", "venuedesk"]).output().unwrap();
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test]
#[ignore = "needs a Secret Service session: run by scripts/test.sh inside dbus-run-session"]
async fn signing_out_leaves_no_keychain_item_of_any_venue_in_the_os_keychain() {
    use std::sync::Arc;
    use venuedesk_console_core::cache::{Cache, CacheId};
    use venuedesk_console_core::{ApiClient, LoginOutcome, Session};

    let (base, _dir) = platform_with("two@example.com").await;
    let keychain: Arc<dyn Keychain> = Arc::new(OsKeychain);
    let LoginOutcome::SignedIn(session) = Session::login(
        ApiClient::new(&base).unwrap(),
        keychain.clone(),
        "two@example.com",
        &SecretString::from(PASSWORD),
        "ci",
    )
    .await
    .unwrap() else {
        panic!("no MFA expected")
    };
    // Two venues worked in on this computer, one after the other.
    let data = tempfile::tempdir().unwrap();
    let mut venues = Vec::new();
    for name in ["Upstairs", "Downstairs"] {
        let v: serde_json::Value = session
            .call(
                reqwest::Method::POST,
                "/v1/venues",
                Some(&serde_json::json!({"name": name, "timezone": "UTC", "capacity": 10})),
                None,
                None,
            )
            .await
            .unwrap();
        let venue_id: uuid::Uuid = v["id"].as_str().unwrap().parse().unwrap();
        let id = CacheId { server: base.clone(), email: "two@example.com".into(), venue_id };
        let mut cache = Cache::open(data.path(), id, keychain.clone()).unwrap();
        cache.pull(&session, venue_id, &mut |_, _| {}).await.unwrap();
        venues.push(venue_id);
    }
    let account = format!("{base}:two@example.com");
    for v in &venues {
        assert!(secret_tool_finds(&format!("cache-key:{account}:{v}")).is_some(), "each venue's key is in the keyring");
    }
    assert!(files_under(data.path()).len() >= 2);
    // Signing out while in the second venue: nothing of the account stays, of either venue.
    session.keep_local_data(data.path().to_path_buf(), &venues[1..]);
    session.logout().await.unwrap();
    let left = secret_tool_items();
    assert!(!left.contains(&account), "items of the account left in the keyring:\n{left}");
    assert_eq!(files_under(data.path()), Vec::<std::path::PathBuf>::new(), "no cache file left");
}
