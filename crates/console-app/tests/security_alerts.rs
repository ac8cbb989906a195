//! Security › Alerts, headless, against a live demo platform: an owner sees the venue's
//! alerts as they are raised (a lockout, a customer erased), with a badge of unseen ones
//! that clears when looked at and comes back when a burst grows; offline the last list
//! read stays, marked; a manager (no `settings:manage`) sees no alerts at all.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use serde_json::json;
use venuedesk_console_app::Console;
use venuedesk_console_app::views::SignInOutcome;
use venuedesk_console_core::MemoryKeychain;

mod common;

use common::{Demo, FRONT_DESK, KITCHEN, MANAGER, OWNER, PASSWORD, demo_platform};

async fn signed_in(d: &Demo, email: &str) -> (Console, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let console = Console::new(
        dir.path().to_path_buf(),
        Arc::new(MemoryKeychain::default()),
        "desk".into(),
        None,
        Arc::new(|_| {}),
    )
    .unwrap();
    match console.sign_in(&d.base, email, PASSWORD).await.unwrap() {
        SignInOutcome::SignedIn { state } => assert!(state.signed_in),
        SignInOutcome::MfaRequired { .. } => panic!("{email} has no MFA"),
    }
    console.sync_now().await.unwrap();
    (console, dir)
}

/// Wrong passwords for `email` until the platform locks it.
async fn lock_out(d: &Demo, email: &str) {
    let client = reqwest::Client::new();
    for _ in 0..6 {
        client
            .post(format!("{}/v1/auth/login", d.base))
            .json(&json!({"email": email, "password": "Not-The-Password-1!", "device_name": "x"}))
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_owner_sees_alerts_with_a_badge_offline_too_and_a_manager_sees_none() {
    let mut d = demo_platform().await;
    let (owner, _dir) = signed_in(&d, OWNER).await;
    let (manager, _mdir) = signed_in(&d, MANAGER).await;

    let screen = owner.security_alerts().await.unwrap();
    assert_eq!((screen.items.as_ref().map(Vec::len), screen.unseen, screen.offline), (Some(0), 0, false));
    assert!(manager.security_alerts().await.unwrap().items.is_none(), "a manager does not manage settings");

    // Raised on the platform: a member locked out, a customer erased from this console.
    lock_out(&d, KITCHEN).await;
    let customers = owner.list_customers(None).unwrap();
    owner.erase_customer(&customers[0].id).await.unwrap();
    let screen = owner.security_alerts().await.unwrap();
    let items = screen.items.clone().unwrap();
    let kinds: Vec<&str> = items.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(kinds, ["customer_erased", "lockout"], "newest first");
    assert_eq!(items[0].title, "Customer erased");
    assert!(items[0].audit_seq.is_some() && items[1].audit_seq.is_none());
    assert_eq!(screen.unseen, 2, "the badge");
    assert!(items.iter().all(|a| a.unseen));

    // Looked at: the badge clears; a burst that grows is unseen again.
    owner.mark_alerts_seen().unwrap();
    let screen = owner.security_alerts().await.unwrap();
    assert_eq!(screen.unseen, 0);
    lock_out(&d, FRONT_DESK).await;
    let screen = owner.security_alerts().await.unwrap();
    let lockout = screen.items.as_ref().unwrap().iter().find(|a| a.kind == "lockout").unwrap().clone();
    assert_eq!((lockout.count, lockout.unseen, screen.unseen), (2, true, 1), "one burst, two lockouts");

    // Offline: the last list read, marked with when.
    d.go_offline().await;
    let offline = owner.security_alerts().await.unwrap();
    assert!(offline.offline);
    assert_eq!(offline.read_at, screen.read_at);
    assert_eq!(offline.items.as_ref().map(Vec::len), Some(2));
    assert_eq!(offline.unseen, 1);
}
