//! Security alerts: every critical event raises one for the venue's owners and sends
//! `security.alert` to its webhooks; a burst folds into one alert and sends its first
//! event and one closing summary; a refused change raises nothing.

use std::time::Duration as StdDuration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use venuedesk_test_support::{Receiver, verifies};

use crate::common::{PASSWORD, TestPlatform, expect_problem};
use crate::{mfa, webhooks};

async fn alerts(p: &TestPlatform, t: &crate::venue_fixture::Team) -> Vec<Value> {
    p.get_ok(&t.path("/alerts"), t.owner()).await["items"].as_array().unwrap().clone()
}

fn of_kind<'a>(all: &'a [Value], kind: &str) -> Vec<&'a Value> {
    all.iter().filter(|a| a["kind"] == kind).collect()
}

/// The `security.alert` events the receiver got, as their `data`.
fn received(rx: &Receiver) -> Vec<Value> {
    rx.all()
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap())
        .filter(|v| v["type"] == "security.alert")
        .map(|v| v["data"].clone())
        .collect()
}

async fn wait_received(rx: &Receiver, n: usize) -> Vec<Value> {
    for _ in 0..150 {
        let got = received(rx);
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("expected {n} security.alert events, got {:?}", received(rx));
}

#[tokio::test]
async fn every_critical_event_raises_an_alert_and_a_signed_webhook_without_personal_data() {
    let p = TestPlatform::start_with(webhooks::allow_private()).await;
    let t = p.team("alerts", 50).await;
    let rx = Receiver::start().await;
    let hook = webhooks::add_webhook(&p, &t, &rx.url, &["security.alert"]).await;
    let secret = hook["secret"].as_str().unwrap().to_string();
    let owner = t.owner().to_string();

    // Refused changes raise nothing.
    let res = p.send(Method::DELETE, &t.path(&format!("/customers/{}", uuid::Uuid::new_v4())), &owner, None).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = p.authed(Method::GET, &t.path("/audit/export?format=jsonl"), t.token("kitchen")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(alerts(&p, &t).await.is_empty());

    // customer_erased and audit_exported.
    let c = p.post_ok(&t.path("/customers"), &owner, json!({"name": "Erin Erased", "email": "erin@example.com"})).await;
    let res = p.send(Method::DELETE, &t.path(&format!("/customers/{}", c["id"].as_str().unwrap())), &owner, None).await;
    assert!(res.status().is_success(), "{}", res.status());
    let res = p.authed(Method::GET, &t.path("/audit/export?format=jsonl"), &owner).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap();
    // role_widened (and narrowing is no alert).
    let role = p.post_ok(&t.path("/roles"), &owner, json!({"name": "Host", "permissions": ["bookings:read"]})).await;
    let rid = role["id"].as_str().unwrap();
    let res = p
        .patch(
            &t.path(&format!("/roles/{rid}")),
            &owner,
            1,
            json!({"permissions": ["bookings:read", "customers:read"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = p.patch(&t.path(&format!("/roles/{rid}")), &owner, 2, json!({"permissions": ["bookings:read"]})).await;
    assert_eq!(res.status(), StatusCode::OK);
    // new_owner: a member made owner.
    let kitchen = &t.user_ids["kitchen"];
    let members = p.get_ok(&t.path("/members"), &owner).await;
    let version =
        members["items"].as_array().unwrap().iter().find(|m| m["user_id"] == kitchen.as_str()).unwrap()["version"]
            .as_i64()
            .unwrap();
    let res = p
        .patch(&t.path(&format!("/members/{kitchen}")), &owner, version, json!({"role_id": t.role_ids["owner"]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // mfa_disabled: a member turns off TOTP.
    let (access, secret_totp, _) = mfa::enrolled(&p, "alerts-mfa@example.com").await;
    let inv = p
        .post_ok(
            &t.path("/invitations"),
            &owner,
            json!({"email": "alerts-mfa@example.com", "role_id": t.role_ids["front_desk"]}),
        )
        .await;
    p.post_ok("/v1/invitations/accept", &access, json!({"token": inv["token"]})).await;
    p.clock.advance(Duration::seconds(30));
    let res = p
        .authed(Method::DELETE, "/v1/me/mfa/totp", &access)
        .json(&json!({"password": PASSWORD, "code": mfa::code_now(&p, &secret_totp)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // lockout: a member's email, wrong password until locked.
    for _ in 0..6 {
        p.login_raw("alerts-front-desk@example.com", "Not-The-Password-1!").await;
    }
    // refresh_token_reuse: a member's rotated refresh token presented again.
    let pair = p.login("alerts-manager@example.com").await;
    let first = pair["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(p.refresh(&first, None).await.status(), StatusCode::OK);
    expect_problem(p.refresh(&first, None).await, 401, "refresh_token_reused").await;

    let all = alerts(&p, &t).await;
    let mut kinds: Vec<&str> = all.iter().map(|a| a["kind"].as_str().unwrap()).collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "audit_exported",
            "customer_erased",
            "lockout",
            "mfa_disabled",
            "new_owner",
            "refresh_token_reuse",
            "role_widened"
        ],
        "{all:#?}"
    );
    let firsts: Vec<&str> = all.iter().map(|a| a["at"].as_str().unwrap()).collect();
    let mut sorted = firsts.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(firsts, sorted, "newest first");
    // Audited actions point at their audit event; account events have none in the venue.
    let export_seq = of_kind(&all, "audit_exported")[0]["audit_seq"].as_i64().unwrap();
    let audit = p.get_ok(&t.path("/audit?action=audit.export"), &owner).await;
    assert_eq!(audit["items"][0]["seq"].as_i64(), Some(export_seq));
    assert!(of_kind(&all, "lockout")[0]["audit_seq"].is_null());
    assert!(all.iter().all(|a| a["count"] == 1));

    // The webhooks: one signed event per alert, no personal data in any.
    let got = wait_received(&rx, 7).await;
    assert_eq!(got.len(), 7, "{got:#?}");
    for r in rx.all() {
        assert!(verifies(&secret, &r) >= 1, "signed");
        for private in ["erin@example.com", "Erin", "alerts-front-desk", "alerts-mfa@example.com"] {
            assert!(!r.body.contains(private), "{private} in {}", r.body);
        }
    }
}

#[tokio::test]
async fn a_storm_folds_into_one_alert_and_sends_its_first_event_and_one_summary() {
    let p = TestPlatform::start_with(webhooks::allow_private()).await;
    let t = p.team("storm", 50).await;
    let rx = Receiver::start().await;
    webhooks::add_webhook(&p, &t, &rx.url, &["security.alert"]).await;
    for _ in 0..30 {
        let res = p.authed(Method::GET, &t.path("/audit/export?format=csv"), t.owner()).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.text().await.unwrap();
    }
    let all = alerts(&p, &t).await;
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["count"], 30);
    let got = wait_received(&rx, 1).await;
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    assert_eq!(received(&rx).len(), 1, "one event for the storm so far: {got:?}");

    // The window closes: one summary with the final count, sent once however often asked.
    p.clock.advance(Duration::minutes(6));
    venuedesk_platform::alerts::send_summaries(&p.state).await.unwrap();
    venuedesk_platform::alerts::send_summaries(&p.state).await.unwrap();
    let got = wait_received(&rx, 2).await;
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    let got_now = received(&rx);
    assert_eq!(got_now.len(), 2, "{got:#?}");
    let summary = got_now.iter().find(|d| d["burst_closed"] == true).unwrap();
    assert_eq!((summary["count"].as_i64(), summary["kind"].as_str()), (Some(30), Some("audit_exported")));
    // After the window, the next export is a new alert.
    let res = p.authed(Method::GET, &t.path("/audit/export?format=csv"), t.owner()).send().await.unwrap();
    res.text().await.unwrap();
    let all = alerts(&p, &t).await;
    assert_eq!(all.iter().map(|a| a["count"].as_i64().unwrap()).collect::<Vec<_>>(), [1, 30], "newest first");
    wait_received(&rx, 3).await;
}
