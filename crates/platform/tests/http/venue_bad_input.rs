//! Every venue write endpoint × the bad-input classes: the documented 4xx, and no row and
//! no audit event left behind.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestPlatform, expect_problem};
use crate::venue_fixture::{booking, in_hours};

#[tokio::test]
async fn every_write_endpoint_refuses_bad_input_without_a_trace() {
    let p = TestPlatform::start().await;
    let t = p.team("bad", 50).await;
    let o = t.owner();
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    let product = p
        .post_ok(
            &t.path("/products"),
            o,
            json!({"name": "Soup", "category": "S", "price_cents": 500, "currency": "GBP"}),
        )
        .await;
    let customer = p.post_ok(&t.path("/customers"), o, json!({"name": "Cy"})).await;
    let b = p.post_ok(&t.path("/bookings"), o, booking("Bea", 2, &in_hours(5))).await;
    let order = p.post_ok(&t.path("/orders"), o, json!({"items": [{"product_id": id(&product), "quantity": 1}]})).await;
    let role = p.post_ok(&t.path("/roles"), o, json!({"name": "temp", "permissions": []})).await;
    let kitchen = &t.user_ids["kitchen"];
    // (method, path, a valid body)
    let writes: Vec<(Method, String, Value)> = vec![
        (Method::PATCH, t.path(""), json!({"capacity": 60})),
        (Method::POST, t.path("/roles"), json!({"name": "new", "permissions": []})),
        (Method::PATCH, t.path(&format!("/roles/{}", id(&role))), json!({"require_mfa": true})),
        (Method::PATCH, t.path(&format!("/members/{kitchen}")), json!({"role_id": t.role_ids["front_desk"]})),
        (Method::POST, t.path("/invitations"), json!({"email": "n@example.com", "role_id": t.role_ids["kitchen"]})),
        (
            Method::POST,
            t.path("/products"),
            json!({"name": "Tea", "category": "D", "price_cents": 1, "currency": "GBP"}),
        ),
        (Method::PATCH, t.path(&format!("/products/{}", id(&product))), json!({"price_cents": 2})),
        (Method::POST, t.path("/customers"), json!({"name": "Di"})),
        (Method::PATCH, t.path(&format!("/customers/{}", id(&customer))), json!({"name": "Cyd"})),
        (Method::POST, t.path("/bookings"), booking("Fi", 2, &in_hours(7))),
        (Method::PATCH, t.path(&format!("/bookings/{}", id(&b))), json!({"party_size": 3})),
        (Method::POST, t.path("/orders"), json!({"items": [{"product_id": id(&product), "quantity": 1}]})),
        (Method::POST, t.path(&format!("/orders/{}/status", id(&order))), json!({"status": "preparing"})),
    ];
    let before = p.audit_count(&t).await;
    for (method, path, body) in &writes {
        let what = format!("{method} {path}");
        let send = |key: Option<&str>, if_match: Option<&str>, content: Option<(&str, String)>| {
            let mut rb = p.req(method.clone(), path).bearer_auth(o);
            if let Some(k) = key {
                rb = rb.header("Idempotency-Key", k);
            }
            if let Some(v) = if_match {
                rb = rb.header("If-Match", v);
            }
            if let Some((ct, b)) = content {
                rb = rb.header("content-type", ct).body(b);
            }
            rb.send()
        };
        let fresh = || uuid::Uuid::new_v4().to_string();
        let ok_match = Some("\"1\"");
        let is_patch = *method == Method::PATCH;
        let json_body = || Some(("application/json", body.to_string()));
        // Missing and invalid Idempotency-Key.
        expect_problem(send(None, ok_match, json_body()).await.unwrap(), 400, "idempotency_key_missing").await;
        expect_problem(send(Some("bad key"), ok_match, json_body()).await.unwrap(), 400, "idempotency_key_invalid")
            .await;
        // Malformed JSON, wrong types, wrong content type.
        expect_problem(
            send(Some(&fresh()), ok_match, Some(("application/json", "{".into()))).await.unwrap(),
            400,
            "bad_request",
        )
        .await;
        let wrong_types =
            body.as_object().unwrap().keys().next().map(|k| json!({ k.clone(): [1, {"x": true}] })).unwrap();
        let res = send(Some(&fresh()), ok_match, Some(("application/json", wrong_types.to_string()))).await.unwrap();
        assert_eq!(res.status(), 400, "{what}: wrong types");
        let res = send(Some(&fresh()), ok_match, Some(("text/plain", body.to_string()))).await.unwrap();
        expect_problem(res, 415, "unsupported_media_type").await;
        if is_patch {
            expect_problem(send(Some(&fresh()), None, json_body()).await.unwrap(), 428, "precondition_required").await;
            let body = expect_problem(
                send(Some(&fresh()), Some("\"99\""), json_body()).await.unwrap(),
                412,
                "version_mismatch",
            )
            .await;
            assert!(body["current_version"].is_i64(), "{what}");
        }
        // A key reused for a different request.
        let key = fresh();
        let first = send(Some(&key), ok_match, json_body()).await.unwrap();
        assert!(first.status().is_success(), "{what}: {}", first.status());
        let mut other = body.clone();
        other["extra"] = json!(1);
        let res = send(Some(&key), ok_match, Some(("application/json", other.to_string()))).await.unwrap();
        expect_problem(res, 422, "idempotency_key_reused").await;
    }
    // Exactly one event per successful write; none for the refusals.
    assert_eq!(p.audit_count(&t).await, before + writes.len());
}
