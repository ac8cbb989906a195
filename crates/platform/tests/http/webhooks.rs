//! Outgoing webhooks through the real server and a real loopback receiver: written with
//! the change (none for a refused one), signed per Standard Webhooks v1 (checked here with
//! the `hmac` crate, not the platform's code), in order, retried on the schedule, 410
//! disables, manual retry, secret rotation with both secrets signing, several workers
//! never sending one delivery twice, and the SSRF rules.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use venuedesk_platform::state::Settings;
use venuedesk_test_support::{Receiver, verifies};

use crate::common::{TestPlatform, expect_problem, relaxed};
use crate::venue_fixture::{Team, booking, in_hours};

pub(crate) fn allow_private() -> Settings {
    Settings { webhooks_allow_private: true, ..relaxed() }
}

pub(crate) async fn add_webhook(p: &TestPlatform, t: &Team, url: &str, events: &[&str]) -> Value {
    let res = p.send(Method::POST, &t.path("/webhooks"), t.owner(), Some(json!({"url": url, "events": events}))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let v: Value = res.json().await.unwrap();
    assert!(v["secret"].as_str().unwrap().starts_with("whsec_"));
    v
}

async fn deliveries(p: &TestPlatform, t: &Team, hook: &str) -> Vec<Value> {
    p.get_ok(&t.path(&format!("/webhooks/{hook}/deliveries")), t.owner()).await["items"].as_array().unwrap().clone()
}

/// Waits until the endpoint's newest delivery satisfies `done`.
async fn wait_newest(p: &TestPlatform, t: &Team, hook: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..200 {
        if let Some(d) = deliveries(p, t, hook).await.first()
            && done(d)
        {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("delivery never reached the expected state: {:?}", deliveries(p, t, hook).await.first());
}

#[tokio::test]
async fn events_are_signed_ordered_retried_and_never_carry_personal_data() {
    let p = TestPlatform::start_with(allow_private()).await;
    let t = p.team("hooks", 4).await;
    let rx = Receiver::start().await;
    let hook = add_webhook(&p, &t, &rx.url, &["booking.created", "booking.status"]).await;
    let (hid, secret) = (hook["id"].as_str().unwrap().to_string(), hook["secret"].as_str().unwrap().to_string());
    // The list and the endpoint never show the secret again.
    let listed = p.get_ok(&t.path("/webhooks"), t.owner()).await;
    assert!(!listed.to_string().contains(&secret) && listed["items"][0].get("secret").is_none());
    assert!(!p.get_ok(&t.path(&format!("/webhooks/{hid}")), t.owner()).await.to_string().contains(&secret));

    let mut ids = Vec::new();
    for i in 0..3 {
        let b = p.post_ok(&t.path("/bookings"), t.owner(), booking("Private Person", 1, &in_hours(30 + i))).await;
        ids.push(b["id"].as_str().unwrap().to_string());
    }
    p.post_ok(&t.path(&format!("/bookings/{}/cancel", ids[0])), t.owner(), json!({})).await;
    // Refused by capacity (4 seats): no event for a change that did not happen.
    let res = p.send(Method::POST, &t.path("/bookings"), t.owner(), Some(booking("Too many", 4, &in_hours(31)))).await;
    expect_problem(res, 409, "capacity_exceeded").await;
    // Customers are not subscribed to: nothing sent for them.
    p.post_ok(&t.path("/customers"), t.owner(), json!({"name": "Someone"})).await;

    let got = rx.wait_for(4).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_now = rx.all();
    assert_eq!(got_now.len(), 4, "exactly the four events: {got_now:?}");
    let kinds: Vec<(String, String)> = got
        .iter()
        .map(|r| {
            let v: Value = serde_json::from_str(&r.body).unwrap();
            (v["type"].as_str().unwrap().to_string(), v["data"]["id"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("booking.created".into(), ids[0].clone()),
            ("booking.created".into(), ids[1].clone()),
            ("booking.created".into(), ids[2].clone()),
            ("booking.status".into(), ids[0].clone()),
        ],
        "in order"
    );
    for r in &got {
        assert_eq!(verifies(&secret, r), 1, "signature of {r:?}");
        assert!(!r.body.contains("Private Person"), "no guest name in {}", r.body);
        assert!(r.timestamp.parse::<i64>().is_ok());
    }
    let status: Value = serde_json::from_str(&got[3].body).unwrap();
    assert_eq!(status["data"]["status"], "cancelled");
    // A tampered body does not verify.
    let mut forged = got[0].clone();
    forged.body = forged.body.replace("booking", "Booking");
    assert_eq!(verifies(&secret, &forged), 0);
    let log = deliveries(&p, &t, &hid).await;
    assert_eq!(log.len(), 4);
    assert!(log.iter().all(|d| d["status"] == "delivered" && d["status_code"] == 200 && d["attempt"] == 1));

    // A failing receiver: retried after 5 s (the platform's clock), then delivered.
    rx.answer_with(500);
    p.post_ok(&t.path("/bookings"), t.owner(), booking("Later", 1, &in_hours(40))).await;
    let first = wait_newest(&p, &t, &hid, |d| d["attempt"] == 1).await;
    assert_eq!((first["status"].as_str(), first["status_code"].as_i64()), (Some("pending"), Some(500)));
    let (at, next) = (first["at"].as_str().unwrap(), first["next_at"].as_str().unwrap());
    let gap = time::OffsetDateTime::parse(next, &time::format_description::well_known::Rfc3339).unwrap()
        - time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).unwrap();
    assert_eq!(gap.whole_seconds(), 5);
    rx.answer_with(200);
    p.clock.advance(time::Duration::seconds(6));
    let done = wait_newest(&p, &t, &hid, |d| d["status"] == "delivered").await;
    assert_eq!(done["attempt"], 2);

    // 410 Gone disables the endpoint; a manual retry and re-enabling deliver it.
    rx.answer_with(410);
    p.post_ok(&t.path("/bookings"), t.owner(), booking("Gone", 1, &in_hours(41))).await;
    let gone = wait_newest(&p, &t, &hid, |d| d["status"] == "failed").await;
    assert_eq!(gone["status_code"], 410);
    let endpoint = p.get_ok(&t.path(&format!("/webhooks/{hid}")), t.owner()).await;
    assert_eq!(endpoint["enabled"], false);
    rx.answer_with(200);
    let did = gone["id"].as_str().unwrap();
    p.post_ok(&t.path(&format!("/webhooks/{hid}/deliveries/{did}/retry")), t.owner(), json!({})).await;
    let version = endpoint["version"].as_i64().unwrap();
    let res = p.patch(&t.path(&format!("/webhooks/{hid}")), t.owner(), version, json!({"enabled": true})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let redelivered = wait_newest(&p, &t, &hid, |d| d["status"] == "delivered").await;
    assert_eq!(redelivered["attempt"], 2);

    // Rotation: both secrets sign for a day, then only the new one.
    let rotated = p.post_ok(&t.path(&format!("/webhooks/{hid}/secret")), t.owner(), json!({})).await;
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    let before = rx.all().len();
    p.post_ok(&t.path("/bookings"), t.owner(), booking("Rotated", 1, &in_hours(42))).await;
    let r = rx.wait_for(before + 1).await[before].clone();
    assert_eq!((verifies(&secret, &r), verifies(&new_secret, &r)), (1, 1));
    assert_eq!(r.signature.split(' ').count(), 2);
    p.clock.advance(time::Duration::hours(25));
    // A day on: the owner's access token has long expired.
    let owner = p.login("hooks-owner@example.com").await["access_token"].as_str().unwrap().to_string();
    p.post_ok(&t.path("/bookings"), &owner, booking("Next day", 1, &in_hours(50))).await;
    let r = rx.wait_for(before + 2).await[before + 1].clone();
    assert_eq!((verifies(&secret, &r), verifies(&new_secret, &r)), (0, 1));

    let actions: Vec<String> = p.get_ok(&t.path("/audit?limit=200"), &owner).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    for a in ["webhook.create", "webhook.update", "webhook.retry", "webhook.rotate_secret"] {
        assert!(actions.contains(&a.to_string()), "{a} audited");
    }
}

#[tokio::test]
async fn several_workers_never_send_a_delivery_twice() {
    let p = TestPlatform::start_with(allow_private()).await;
    let t = p.team("hook-workers", 1000).await;
    let rx = Receiver::start().await;
    add_webhook(&p, &t, &rx.url, &["booking.created"]).await;
    // Three more workers on the same database, as three more nodes would run.
    let extra: Vec<_> = (0..3).map(|_| venuedesk_platform::webhooks::worker::spawn(p.state.clone())).collect();
    let mut made = Vec::new();
    for i in 0..20 {
        let b = p.post_ok(&t.path("/bookings"), t.owner(), booking("Guest", 1, &in_hours(30 + i))).await;
        made.push(b["id"].as_str().unwrap().to_string());
    }
    rx.wait_for(20).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let got = rx.all();
    let order: Vec<String> = got
        .iter()
        .map(|r| serde_json::from_str::<Value>(&r.body).unwrap()["data"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order, made, "in the order the bookings were made, whichever worker sent them");
    let mut ids: Vec<String> = got.iter().map(|r| r.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((got.len(), ids.len()), (20, 20), "each event once");
    for w in extra {
        w.abort();
    }
}

#[tokio::test]
async fn targets_must_be_public_https_and_endpoints_stay_in_their_venue() {
    let p = TestPlatform::start().await;
    let a = p.team("hook-ssrf-a", 10).await;
    let b = p.team("hook-ssrf-b", 10).await;
    for url in [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.7/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://user:pw@93.184.216.34/hook",
        "not a url",
    ] {
        let res = p
            .send(
                Method::POST,
                &a.path("/webhooks"),
                a.owner(),
                Some(json!({"url": url, "events": ["booking.created"]})),
            )
            .await;
        let problem = expect_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "url", "{url}");
    }
    let res = p
        .send(
            Method::POST,
            &a.path("/webhooks"),
            a.owner(),
            Some(json!({"url": "https://93.184.216.34/h", "events": ["nope"]})),
        )
        .await;
    expect_problem(res, 422, "validation_failed").await;
    let res = p
        .send(
            Method::POST,
            &a.path("/webhooks"),
            a.owner(),
            Some(json!({"url": "https://93.184.216.34/h", "events": []})),
        )
        .await;
    expect_problem(res, 422, "validation_failed").await;
    assert!(p.get_ok(&a.path("/webhooks"), a.owner()).await["items"].as_array().unwrap().is_empty());
    // A public literal address is accepted (nothing is sent: nothing is subscribed yet).
    let ok = add_webhook(&p, &a, "https://93.184.216.34/h", &["order.created"]).await;
    let hid = ok["id"].as_str().unwrap();
    // Venue B's owner: A's endpoint does not exist.
    for (m, path) in [
        (Method::GET, format!("/v1/venues/{}/webhooks/{hid}", a.vid)),
        (Method::DELETE, format!("/v1/venues/{}/webhooks/{hid}", a.vid)),
        (Method::GET, format!("/v1/venues/{}/webhooks/{hid}", b.vid)),
        (Method::POST, format!("/v1/venues/{}/webhooks/{hid}/secret", b.vid)),
        (Method::GET, format!("/v1/venues/{}/webhooks/{hid}/deliveries", b.vid)),
    ] {
        expect_problem(p.send(m, &path, b.owner(), None).await, 404, "not_found").await;
    }
    // Bad cursor, bad limit.
    let path = a.path(&format!("/webhooks/{hid}/deliveries?cursor=x"));
    expect_problem(p.send(Method::GET, &path, a.owner(), None).await, 400, "bad_request").await;
    let path = a.path(&format!("/webhooks/{hid}/deliveries?limit=0"));
    expect_problem(p.send(Method::GET, &path, a.owner(), None).await, 400, "bad_request").await;
    // PATCH without If-Match, stale If-Match.
    let res =
        p.send(Method::PATCH, &a.path(&format!("/webhooks/{hid}")), a.owner(), Some(json!({"enabled": false}))).await;
    expect_problem(res, 428, "precondition_required").await;
    let res = p.patch(&a.path(&format!("/webhooks/{hid}")), a.owner(), 9, json!({"enabled": false})).await;
    expect_problem(res, 412, "version_mismatch").await;
    let res = p.patch(&a.path(&format!("/webhooks/{hid}")), a.owner(), 1, json!({"url": "https://127.0.0.1/x"})).await;
    expect_problem(res, 422, "validation_failed").await;
    let res = p.send(Method::DELETE, &a.path(&format!("/webhooks/{hid}")), a.owner(), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}
