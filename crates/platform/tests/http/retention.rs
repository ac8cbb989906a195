//! The retention policy: what `/.well-known/retention-policy.json` publishes is what
//! `prune` enforces — each class kept until its period has passed, then deleted — and the
//! policy covers every table of the schema (on SQLite and PostgreSQL).

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use venuedesk_platform::ops::incident::{RevokeScope, revoke_sessions};
use venuedesk_platform::ops::retention;
use venuedesk_test_support::Receiver;

use crate::common::{TestPlatform, platform_command};
use crate::venue_fixture::{booking, in_hours};
use crate::{mfa, payments, webhooks};

#[tokio::test]
async fn the_published_policy_covers_every_table_and_says_how_each_class_goes() {
    let p = TestPlatform::start().await;
    let res = p.req(Method::GET, "/.well-known/retention-policy.json").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let policy: Vec<Value> = res.json().await.unwrap();
    let find = |class: &str| policy.iter().find(|e| e["data_class"] == class).cloned().unwrap_or(Value::Null);
    // The promises API.md names.
    for (class, retention, deletion) in [
        ("idempotency_records", json!("P1D"), "delete"),
        ("sessions", json!("P30D"), "delete"),
        ("login_failures", json!("P1D"), "delete"),
        ("lockouts", json!("P1D"), "delete"),
        ("security_events", json!("P1Y"), "delete"),
        ("audit_events", Value::Null, "never"),
    ] {
        let e = find(class);
        assert_eq!((&e["retention"], e["deletion"].as_str()), (&retention, Some(deletion)), "{class}: {e}");
    }
    let iso = regex_lite_iso8601();
    for e in &policy {
        match e["deletion"].as_str() {
            Some("delete") => assert!(iso(e["retention"].as_str().unwrap_or("")), "{e}"),
            Some("never" | "with_owner") => assert!(e["retention"].is_null(), "{e}"),
            other => panic!("unknown deletion {other:?}"),
        }
        assert!(!e["description"].as_str().unwrap_or("").is_empty(), "{e}");
    }
    // Every table the schema has is in some class, and no class names a table it lacks.
    let covered: BTreeSet<String> = policy
        .iter()
        .flat_map(|e| e["tables"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()))
        .collect();
    let tables: BTreeSet<String> = p.state.store.tables().await.unwrap().into_iter().collect();
    assert!(tables.len() >= 28, "{tables:?}");
    assert_eq!(covered, tables, "the policy covers exactly the schema's tables");
}

/// `PnD`, `PnY`, `PTnH`, `PT0S`: the forms the policy uses.
fn regex_lite_iso8601() -> impl Fn(&str) -> bool {
    |s: &str| {
        let digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
        match s.strip_prefix("PT") {
            Some(rest) => rest.strip_suffix('H').or_else(|| rest.strip_suffix('S')).is_some_and(digits),
            None => s
                .strip_prefix('P')
                .and_then(|r| r.strip_suffix('D').or_else(|| r.strip_suffix('Y')))
                .is_some_and(digits),
        }
    }
}

async fn prune(p: &TestPlatform) {
    retention::prune(p.state.store.as_ref(), p.state.clock.now()).await.unwrap();
}

#[tokio::test]
async fn prune_deletes_each_class_once_its_period_has_passed_and_not_before() {
    let p = TestPlatform::start_with(webhooks::allow_private()).await;
    let db = &p.database;
    // t0: a venue's day makes a row of every class.
    let t = p.team("keep", 10).await; // sessions, security events, idempotency records, IP hits, accepted invitations
    p.post_ok(
        &t.path("/invitations"),
        t.owner(),
        json!({"email": "late@example.com", "role_id": t.role_ids["kitchen"]}),
    )
    .await;
    // Two failures count; six lock the address out (a lock clears its failures).
    p.signup("failing@example.com").await;
    for _ in 0..2 {
        p.login_raw("failing@example.com", "not-the-password").await;
    }
    p.signup("locked@example.com").await;
    for _ in 0..6 {
        p.login_raw("locked@example.com", "not-the-password").await;
    }
    mfa::enrolled(&p, "mfa@example.com").await;
    mfa::mfa_token(&p, "mfa@example.com").await;
    p.user_with_session("bystander@example.com").await;
    revoke_sessions(p.state.store.as_ref(), p.state.clock.now(), RevokeScope::User("bystander@example.com".into()))
        .await
        .unwrap();
    let res = p.authed(Method::GET, &t.path("/audit"), t.token("kitchen")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let rx = Receiver::start().await;
    webhooks::add_webhook(&p, &t, &rx.url, &["booking.created"]).await;
    p.post_ok(&t.path("/bookings"), t.owner(), booking("Kept", 2, &in_hours(30))).await;
    rx.wait_for(1).await;
    for _ in 0..100 {
        if db.count("webhook_deliveries WHERE status = 'delivered'").await == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let res = p
        .send(
            Method::PUT,
            &t.path("/payments"),
            t.owner(),
            Some(json!({"provider": "stripe", "webhook_secret": payments::SECRET})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let order = payments::order(&p, &t, Some("required")).await;
    let paid = payments::event("evt_kept", "payment_intent.succeeded", order["id"].as_str().unwrap());
    let sig = payments::stripe_signature(payments::SECRET, p.state.clock.now().unix_timestamp(), &paid);
    assert_eq!(payments::send(&p, &t.vid, &paid, Some(sig)).await.status(), StatusCode::OK);

    let all = [
        "idempotency_records",
        "ip_hits",
        "login_failures",
        "lockouts",
        "mfa_challenges",
        "sessions WHERE revoked_at IS NOT NULL",
        "sessions WHERE revoked_at IS NULL",
        "security_events",
        "authz_denials",
        "invitations WHERE accepted_at IS NULL",
        "invitations WHERE accepted_at IS NOT NULL",
        "webhook_deliveries WHERE status = 'delivered'",
        "payment_events",
    ];
    let mut start = Vec::new();
    for what in all {
        let n = db.count(what).await;
        assert!(n > 0, "the setup made {what}");
        start.push(n);
    }
    let kept_for_good = ["audit_events", "docs", "members", "users", "venues", "webhook_endpoints"];
    let mut kept_start = Vec::new();
    for what in kept_for_good {
        kept_start.push(db.count(what).await);
    }
    let t0 = p.state.clock.now();

    // Each step: move to t0 + `at`, prune, and see exactly the classes due gone.
    let steps: [(Duration, &[&str]); 11] = [
        (Duration::minutes(10), &["mfa_challenges"]),
        (Duration::minutes(70), &["ip_hits", "authz_denials"]),
        (Duration::hours(23), &[]),
        (Duration::hours(25), &["idempotency_records", "login_failures", "lockouts"]),
        (Duration::days(7) + Duration::hours(23), &[]),
        (Duration::days(8) + Duration::hours(1), &["invitations WHERE accepted_at IS NULL"]),
        (Duration::days(29), &[]),
        (
            Duration::days(31),
            &[
                "sessions WHERE revoked_at IS NOT NULL",
                "invitations WHERE accepted_at IS NOT NULL",
                "webhook_deliveries WHERE status = 'delivered'",
            ],
        ),
        // Unused sessions end when their refresh token does (14 days idle), then 30 days more.
        (Duration::days(45), &["sessions WHERE revoked_at IS NULL"]),
        (Duration::days(364), &[]),
        (Duration::days(366), &["security_events", "payment_events"]),
    ];
    let mut gone: BTreeSet<&str> = BTreeSet::new();
    for (at, due) in steps {
        let now = p.state.clock.now();
        p.clock.advance(t0 + at - now);
        if at == Duration::hours(25) {
            // Several nodes pruning at once is safe: both succeed, each row goes once.
            let (a, b) = tokio::join!(
                retention::prune(p.state.store.as_ref(), p.state.clock.now()),
                retention::prune(p.state.store.as_ref(), p.state.clock.now())
            );
            let total = |r: Vec<(&str, u64)>| {
                r.into_iter().filter(|(c, _)| *c == "idempotency_records").map(|(_, n)| n).sum::<u64>()
            };
            assert_eq!(total(a.unwrap()) + total(b.unwrap()), start[0] as u64, "each idempotency record deleted once");
        } else {
            prune(&p).await;
        }
        gone.extend(due.iter().copied());
        for (what, n0) in all.iter().zip(&start) {
            let n = db.count(what).await;
            if gone.contains(what) {
                assert_eq!(n, 0, "{what} is deleted at t0 + {at}");
            } else {
                assert_eq!(n, *n0, "{what} is still kept at t0 + {at}");
            }
        }
    }
    assert_eq!(db.count("refresh_tokens").await, 0, "the refresh tokens went with their sessions");
    for (what, n0) in kept_for_good.iter().zip(&kept_start) {
        assert_eq!(db.count(what).await, *n0, "{what} is not pruned");
    }

    // The operator's command runs the same policy (against the real clock: nothing more is due).
    let out = platform_command(["prune", "--database", p.db_url()]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    for class in ["idempotency_records", "sessions", "security_events", "webhook_deliveries"] {
        assert!(text.lines().any(|l| l.starts_with(class) && l.contains("row(s) deleted")), "{text}");
    }
    assert!(!text.contains("audit_events"), "the audit trail is never pruned: {text}");
}
