//! The Integrations screen's operations, headless, against a live demo platform: an owner
//! creates and rotates API clients, publishable keys and webhook endpoints, sets payment
//! settings, and sees a booking's delivery arrive in the log at a receiver on this computer;
//! offline, the last lists read stay visible and every change says it needs the platform;
//! a role without the permissions sees no section and cannot change anything.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use venuedesk_console_app::Console;
use venuedesk_console_app::error::Code;
use venuedesk_console_app::views::{BookingInput, SignInOutcome};
use venuedesk_console_core::MemoryKeychain;
use venuedesk_test_support::{Receiver, verifies};

mod common;

use common::{Demo, MANAGER, OWNER, PASSWORD, demo_platform};

async fn signed_in(d: &Demo, email: &str) -> (Console, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let console = Console::new(
        dir.path().to_path_buf(),
        Arc::new(MemoryKeychain::default()),
        "test desk".into(),
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

fn tomorrow() -> String {
    let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
    (chrono::Utc::now().with_timezone(&tz).date_naive() + chrono::Duration::days(1)).to_string()
}

#[tokio::test]
async fn an_owner_runs_every_integration_from_the_console_and_sees_it_offline() {
    let mut d = demo_platform().await;
    let (owner, _dir) = signed_in(&d, OWNER).await;

    // The screen: every section, nothing yet, payments not set up.
    let screen = owner.integrations().await.unwrap();
    assert!(!screen.offline);
    assert!(screen.read_at.is_some());
    assert_eq!(screen.api_clients.as_ref().map(Vec::len), Some(0));
    assert_eq!(screen.public_keys.as_ref().map(Vec::len), Some(0));
    assert_eq!(screen.webhooks.as_ref().map(Vec::len), Some(0));
    assert!(!screen.payments.as_ref().unwrap().configured);
    assert_eq!(screen.webhook_events, venuedesk_api::integrations::WEBHOOK_EVENTS, "every event the platform sends");
    // An API client may get the owner's permissions except what only people do.
    assert!(screen.client_permissions.contains(&"bookings:read".to_string()));
    for person_only in ["members:manage", "roles:manage", "api_clients:manage", "webhooks:manage", "payments:manage"] {
        assert!(!screen.client_permissions.contains(&person_only.to_string()), "{person_only}");
    }

    // API client: the secret is shown once, the list never has it, rotation keeps the old one 24 h.
    let created =
        owner.create_api_client("Till in the bar", &["bookings:read".into(), "orders:read".into()]).await.unwrap();
    assert!(created.client_secret.starts_with("vdcs_"));
    assert!(!format!("{created:?}").contains(&created.client_secret), "Debug shows the secret");
    let rotated = owner.rotate_api_client_secret(&created.client.id).await.unwrap();
    assert_ne!(rotated.client_secret, created.client_secret);
    assert!(rotated.client.previous_secret_expires_at.is_some());
    let refused = owner.create_api_client("Sneaky", &["members:manage".into()]).await.unwrap_err();
    assert_eq!(refused.code, Code::ValidationFailed, "{refused:?}");

    // Publishable key: the key once, then its prefix and origins.
    let key = owner.create_public_key(&["https://harbourbistro.example/".into()]).await.unwrap();
    assert!(key.key.starts_with("pk_live_"));
    assert_eq!(key.public_key.allowed_origins, vec!["https://harbourbistro.example".to_string()]);
    let bad = owner.create_public_key(&["http://harbourbistro.example".into()]).await.unwrap_err();
    assert_eq!(bad.code, Code::InvalidInput);

    // Payment settings: the secret goes in, only "configured" comes back.
    let pay = owner.save_payment_settings("stripe", "whsec_test_payment_secret_0123456789").await.unwrap();
    assert!(pay.configured);
    assert_eq!(pay.provider.as_deref(), Some("stripe"));

    // Webhook endpoint at a receiver here; a booking made in the console arrives signed and
    // shows in the delivery log as delivered.
    let rx = Receiver::start().await;
    let url = rx.url.clone();
    let hook = owner.create_webhook(&url, &["booking.created".into()]).await.unwrap();
    assert!(hook.secret.starts_with("whsec_"));
    assert!(!format!("{hook:?}").contains(&hook.secret), "Debug shows the secret");
    owner
        .create_booking(&BookingInput {
            guest_name: "Webhook Guest".into(),
            party_size: 2,
            date: tomorrow(),
            time: "19:00".into(),
            duration_minutes: 90,
            notes: None,
            customer_id: None,
        })
        .unwrap();
    owner.sync_now().await.unwrap();
    let mut log = owner.webhook_deliveries(&hook.webhook.id).await.unwrap();
    for _ in 0..100 {
        if log.deliveries.iter().any(|x| x.status == "delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        log = owner.webhook_deliveries(&hook.webhook.id).await.unwrap();
    }
    let delivered = log.deliveries.iter().find(|x| x.event == "booking.created").expect("a delivery in the log");
    assert_eq!((delivered.status.as_str(), delivered.status_code, delivered.attempt), ("delivered", Some(200), 1));
    let got = rx.all();
    assert_eq!(got.len(), 1, "one delivery for one booking");
    assert_eq!(verifies(&hook.secret, &got[0]), 1, "signed with the secret the console showed");
    assert!(got[0].body.contains("\"booking.created\""), "{}", got[0].body);
    assert!(!got[0].body.contains("Webhook Guest"), "the payload carries no guest name");
    // Retry now: the same event goes again.
    let again = owner.retry_delivery(&hook.webhook.id, &delivered.id).await.unwrap();
    assert_eq!(again.event_id, delivered.event_id);
    // Pause and resume; rotate the signing secret.
    assert!(!owner.set_webhook_enabled(&hook.webhook.id, false).await.unwrap().enabled);
    assert!(owner.set_webhook_enabled(&hook.webhook.id, true).await.unwrap().enabled);
    let new_secret = owner.rotate_webhook_secret(&hook.webhook.id).await.unwrap();
    assert_ne!(new_secret.secret, hook.secret);
    assert!(new_secret.webhook.previous_secret_expires_at.is_some());

    let online = owner.integrations().await.unwrap();
    assert_eq!(online.api_clients.as_ref().unwrap().len(), 1);
    assert_eq!(online.public_keys.as_ref().unwrap().len(), 1);
    assert_eq!(online.webhooks.as_ref().unwrap().len(), 1);
    assert!(online.payments.as_ref().unwrap().configured);
    let listed = serde_json::to_string(&online).unwrap();
    for secret in [&created.client_secret, &rotated.client_secret, &key.key, &hook.secret, &new_secret.secret] {
        assert!(!listed.contains(secret.as_str()), "a list shows a secret");
    }

    // Offline: the last lists read, marked; every change says it needs the platform.
    d.go_offline().await;
    let offline = owner.integrations().await.unwrap();
    assert!(offline.offline);
    assert_eq!(offline.read_at, online.read_at);
    assert_eq!(offline.api_clients.as_ref().unwrap()[0].name, "Till in the bar");
    assert_eq!(offline.public_keys.as_ref().unwrap()[0].allowed_origins, key.public_key.allowed_origins);
    assert_eq!(offline.webhooks.as_ref().unwrap()[0].url, url);
    assert!(offline.payments.as_ref().unwrap().configured);
    let kept_log = owner.webhook_deliveries(&hook.webhook.id).await.unwrap();
    assert!(kept_log.offline);
    assert!(kept_log.deliveries.iter().any(|x| x.id == delivered.id));
    let e = owner.create_webhook(&url, &["order.created".into()]).await.unwrap_err();
    assert_eq!(e.code, Code::Offline);
    assert!(e.message.contains("nothing was changed"), "{}", e.message);
    let e = owner.delete_api_client(&created.client.id).await.unwrap_err();
    assert_eq!(e.code, Code::Offline);
}

#[tokio::test]
async fn deleting_takes_things_off_the_lists_and_a_manager_sees_no_section() {
    let d = demo_platform().await;
    let (owner, _o) = signed_in(&d, OWNER).await;
    let client = owner.create_api_client("Accounting export", &["orders:read".into()]).await.unwrap();
    let key = owner.create_public_key(&["https://harbourbistro.example".into()]).await.unwrap();
    let url = Receiver::start().await.url;
    let hook = owner.create_webhook(&url, &["order.created".into()]).await.unwrap();
    owner.delete_api_client(&client.client.id).await.unwrap();
    owner.delete_public_key(&key.public_key.id).await.unwrap();
    owner.delete_webhook(&hook.webhook.id).await.unwrap();
    let screen = owner.integrations().await.unwrap();
    assert_eq!(screen.api_clients.unwrap().len(), 0);
    assert_eq!(screen.public_keys.unwrap().len(), 0);
    assert_eq!(screen.webhooks.unwrap().len(), 0);
    assert_eq!(owner.webhook_deliveries(&hook.webhook.id).await.unwrap_err().code, Code::NotFound);

    // A manager manages none of it: no section, and a change is refused before it is sent.
    let (manager, _m) = signed_in(&d, MANAGER).await;
    let screen = manager.integrations().await.unwrap();
    assert!(screen.api_clients.is_none() && screen.public_keys.is_none());
    assert!(screen.webhooks.is_none() && screen.payments.is_none());
    assert_eq!(manager.create_api_client("x", &["orders:read".into()]).await.unwrap_err().code, Code::Forbidden);
    assert_eq!(manager.create_webhook(&url, &["order.created".into()]).await.unwrap_err().code, Code::Forbidden);
    assert_eq!(manager.save_payment_settings("stripe", "whsec_x").await.unwrap_err().code, Code::Forbidden);
}
