//! Payment-gated orders: only the provider's signed event moves an order awaiting
//! payment; forged, stale, replayed and out-of-order events change nothing more; the
//! kitchen never sees an unpaid order; the secret is never returned or stored in plaintext.

use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::{TestPlatform, expect_problem, stored_contains};
use crate::venue_fixture::Team;

pub(crate) const SECRET: &str = "whsec_test_5f2b8c1e9a7d4b3c";

/// `Stripe-Signature` as Stripe computes it, with the `hmac` crate.
pub(crate) fn stripe_signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

pub(crate) fn event(id: &str, kind: &str, order: &str) -> String {
    json!({"id": id, "object": "event", "type": kind, "data": {"object": {"object": "payment_intent", "metadata": {"order_id": order}}}})
        .to_string()
}

pub(crate) async fn send(p: &TestPlatform, vid: &str, body: &str, signature: Option<String>) -> reqwest::Response {
    let mut rb = p
        .req(Method::POST, &format!("/v1/payments/webhooks/{vid}"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = signature {
        rb = rb.header("Stripe-Signature", s);
    }
    rb.send().await.unwrap()
}

pub(crate) async fn order(p: &TestPlatform, t: &Team, payment: Option<&str>) -> Value {
    let prod = p
        .post_ok(
            &t.path("/products"),
            t.owner(),
            json!({"name": "Tasting menu", "category": "Food", "price_cents": 9500, "currency": "GBP"}),
        )
        .await;
    let mut body = json!({"items": [{"product_id": prod["id"], "quantity": 2}]});
    if let Some(pay) = payment {
        body["payment"] = json!(pay);
    }
    p.post_ok(&t.path("/orders"), t.owner(), body).await
}

async fn order_status(p: &TestPlatform, t: &Team, id: &str) -> String {
    let all = p.get_ok(&t.path("/orders?limit=200"), t.owner()).await;
    all["items"].as_array().unwrap().iter().find(|o| o["id"] == id).unwrap()["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn only_a_signed_provider_event_moves_an_order_awaiting_payment() {
    let p = TestPlatform::start().await;
    let t = p.team("pay", 40).await;
    let other = p.team("pay-other", 40).await;
    // Without a provider, an order cannot require payment.
    let prod = p
        .post_ok(
            &t.path("/products"),
            t.owner(),
            json!({"name": "Tea", "category": "Drinks", "price_cents": 300, "currency": "GBP"}),
        )
        .await;
    let res = p
        .send(
            Method::POST,
            &t.path("/orders"),
            t.owner(),
            Some(json!({"items": [{"product_id": prod["id"], "quantity": 1}], "payment": "required"})),
        )
        .await;
    expect_problem(res, 422, "validation_failed").await;
    // Settings: sealed, never returned.
    for bad in [
        json!({"provider": "paypal", "webhook_secret": SECRET}),
        json!({"provider": "stripe", "webhook_secret": "short"}),
    ] {
        expect_problem(p.send(Method::PUT, &t.path("/payments"), t.owner(), Some(bad)).await, 422, "validation_failed")
            .await;
    }
    let res = p
        .send(
            Method::PUT,
            &t.path("/payments"),
            t.owner(),
            Some(json!({"provider": "stripe", "webhook_secret": SECRET})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let shown: Value = res.json().await.unwrap();
    assert_eq!((shown["configured"].as_bool(), shown["provider"].as_str()), (Some(true), Some("stripe")));
    assert!(!shown.to_string().contains(SECRET));
    assert!(!p.get_ok(&t.path("/payments"), t.owner()).await.to_string().contains(SECRET));
    assert!(!stored_contains(&p.stored_bytes().await, SECRET.as_bytes()), "the secret is sealed at rest");
    p.send(
        Method::PUT,
        &other.path("/payments"),
        other.owner(),
        Some(json!({"provider": "stripe", "webhook_secret": "whsec_other_venue_secret_1"})),
    )
    .await;
    let res = p
        .send(
            Method::POST,
            &t.path("/orders"),
            t.owner(),
            Some(json!({"items": [{"product_id": prod["id"], "quantity": 1}], "payment": "later"})),
        )
        .await;
    expect_problem(res, 422, "validation_failed").await;

    let o = order(&p, &t, Some("required")).await;
    let oid = o["id"].as_str().unwrap().to_string();
    assert_eq!(o["status"], "awaiting_payment");
    // The kitchen does not see it, in the list or the change feed; nobody moves it by hand.
    let kitchen = p.get_ok(&t.path("/orders"), t.token("kitchen")).await;
    assert!(kitchen["items"].as_array().unwrap().iter().all(|x| x["id"] != oid.as_str()));
    let feed = p.get_ok(&t.path("/changes?since=0&limit=200"), t.token("kitchen")).await;
    assert!(
        feed["changes"].as_array().unwrap().iter().filter(|c| c["id"] == oid.as_str()).all(|c| c["data"].is_null())
    );
    for to in ["received", "preparing", "cancelled"] {
        let res = p
            .send(Method::POST, &t.path(&format!("/orders/{oid}/status")), t.owner(), Some(json!({"status": to})))
            .await;
        expect_problem(res, 409, "invalid_transition").await;
    }

    let now = p.state.clock.now().unix_timestamp();
    let paid = event("evt_paid_1", "payment_intent.succeeded", &oid);
    // Forged (another secret, another venue's secret), stale, missing, tampered: 400, nothing changes.
    let audit_before = p.audit_count(&t).await;
    for sig in [
        Some(stripe_signature("whsec_not_the_venues_secret", now, &paid)),
        Some(stripe_signature("whsec_other_venue_secret_1", now, &paid)),
        // Well outside the five minutes allowed either way: a slow machine between `now`
        // above and the request must not bring a "future" timestamp back within them.
        Some(stripe_signature(SECRET, now - 600, &paid)),
        Some(stripe_signature(SECRET, now + 600, &paid)),
        Some(format!("t={now},v1=")),
        Some("garbage".into()),
        None,
    ] {
        expect_problem(send(&p, &t.vid, &paid, sig).await, 400, "bad_request").await;
    }
    let tampered = paid.replace("evt_paid_1", "evt_paid_X");
    expect_problem(send(&p, &t.vid, &tampered, Some(stripe_signature(SECRET, now, &paid))).await, 400, "bad_request")
        .await;
    // The other venue's path with this venue's signature: refused too.
    expect_problem(send(&p, &other.vid, &paid, Some(stripe_signature(SECRET, now, &paid))).await, 400, "bad_request")
        .await;
    expect_problem(
        send(&p, &uuid::Uuid::new_v4().to_string(), &paid, Some(stripe_signature(SECRET, now, &paid))).await,
        400,
        "bad_request",
    )
    .await;
    assert_eq!(order_status(&p, &t, &oid).await, "awaiting_payment");
    assert_eq!(p.audit_count(&t).await, audit_before);

    // The real event: received, seen by the kitchen, audited with the system as actor.
    let res = send(&p, &t.vid, &paid, Some(stripe_signature(SECRET, now, &paid))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"received": true, "duplicate": false}));
    assert_eq!(order_status(&p, &t, &oid).await, "received");
    let kitchen = p.get_ok(&t.path("/orders"), t.token("kitchen")).await;
    assert!(kitchen["items"].as_array().unwrap().iter().any(|x| x["id"] == oid.as_str()));
    let audit = p.get_ok(&t.path("/audit?limit=200"), t.owner()).await;
    let events = audit["items"].as_array().unwrap();
    let moved = events.iter().find(|e| e["action"] == "order.status" && e["target"]["id"] == oid.as_str()).unwrap();
    assert_eq!(moved["actor"]["type"], "system");
    assert_eq!(moved["details"]["payment_event"], "evt_paid_1");
    assert!(events.iter().any(|e| e["action"] == "payment.event" && e["details"]["outcome"] == "paid"));

    // Replayed: 200, nothing more. Out of order (a failure after the success): kept, no change.
    let count = p.audit_count(&t).await;
    let res = send(&p, &t.vid, &paid, Some(stripe_signature(SECRET, now, &paid))).await;
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"received": true, "duplicate": true}));
    assert_eq!(p.audit_count(&t).await, count);
    let late_failure = event("evt_failed_late", "payment_intent.payment_failed", &oid);
    let res = send(&p, &t.vid, &late_failure, Some(stripe_signature(SECRET, now, &late_failure))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(order_status(&p, &t, &oid).await, "received");
    let audit = p.get_ok(&t.path("/audit?action=payment.event"), t.owner()).await;
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["details"]["outcome"] == "no_change"));

    // A failed payment cancels its order; an unrelated event is kept and changes nothing.
    let o2 = order(&p, &t, Some("required")).await;
    let o2id = o2["id"].as_str().unwrap();
    let failed = event("evt_failed_2", "payment_intent.payment_failed", o2id);
    assert_eq!(send(&p, &t.vid, &failed, Some(stripe_signature(SECRET, now, &failed))).await.status(), StatusCode::OK);
    assert_eq!(order_status(&p, &t, o2id).await, "cancelled");
    let other_kind = json!({"id": "evt_other", "type": "charge.refunded", "data": {"object": {}}}).to_string();
    assert_eq!(
        send(&p, &t.vid, &other_kind, Some(stripe_signature(SECRET, now, &other_kind))).await.status(),
        StatusCode::OK
    );
    // Signed but not an event: 400.
    let junk = "not json";
    expect_problem(send(&p, &t.vid, junk, Some(stripe_signature(SECRET, now, junk))).await, 400, "bad_request").await;
    // An order that does not need payment starts received, as before.
    assert_eq!(order(&p, &t, None).await["status"], "received");
}
