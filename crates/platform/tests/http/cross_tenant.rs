//! Tenant isolation: a member of venue A using venue B's ids — in the path or inside a
//! body — gets 404, exactly like for ids that do not exist, and changes nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestPlatform, expect_problem};
use crate::venue_fixture::{booking, in_hours};

#[tokio::test]
async fn foreign_ids_are_not_found_and_change_nothing() {
    let p = TestPlatform::start().await;
    let a = p.team("tenant-a", 100).await;
    let b = p.team("tenant-b", 100).await;
    let bo = b.owner();
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    // Venue B's things.
    let b_product = p
        .post_ok(
            &b.path("/products"),
            bo,
            json!({"name": "B soup", "category": "S", "price_cents": 100, "currency": "GBP"}),
        )
        .await;
    let b_customer = p.post_ok(&b.path("/customers"), bo, json!({"name": "B person", "allergens": ["nuts"]})).await;
    let b_booking = p.post_ok(&b.path("/bookings"), bo, booking("B guest", 2, &in_hours(30))).await;
    let b_order =
        p.post_ok(&b.path("/orders"), bo, json!({"items": [{"product_id": id(&b_product), "quantity": 1}]})).await;
    let b_role = p.post_ok(&b.path("/roles"), bo, json!({"name": "b-custom", "permissions": []})).await;
    let b_member = b.user_ids["kitchen"].clone();
    let b_client =
        p.post_ok(&b.path("/api-clients"), bo, json!({"name": "B till", "permissions": ["orders:read"]})).await;
    let bcl = id(&b_client);
    let b_table = p.post_ok(&b.path("/tables"), bo, json!({"name": "B1", "seats_max": 4})).await;
    let bt = id(&b_table);
    let b_wait = p.post_ok(&b.path("/waitlist"), bo, json!({"guest_name": "B waiting", "party_size": 2})).await;
    let bw = id(&b_wait);
    // Venue A's own things, to point at B's from inside bodies.
    let ao = a.owner();
    let a_product = p
        .post_ok(
            &a.path("/products"),
            ao,
            json!({"name": "A soup", "category": "S", "price_cents": 100, "currency": "GBP"}),
        )
        .await;
    let a_booking = p.post_ok(&a.path("/bookings"), ao, booking("A guest", 2, &in_hours(30))).await;

    let audit_a = p.audit_count(&a).await;
    let audit_b = p.audit_count(&b).await;
    let bv = &b.vid;
    let (bp, bc, bb, bor, br) = (id(&b_product), id(&b_customer), id(&b_booking), id(&b_order), id(&b_role));

    // B's venue id in the path, with A's owner token: every venue route.
    let foreign_paths: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/venues/{bv}"), None),
        (Method::PATCH, format!("/v1/venues/{bv}"), Some(json!({"capacity": 1}))),
        (Method::GET, format!("/v1/venues/{bv}/roles"), None),
        (Method::POST, format!("/v1/venues/{bv}/roles"), Some(json!({"name": "x", "permissions": []}))),
        (Method::PATCH, format!("/v1/venues/{bv}/roles/{br}"), Some(json!({"require_mfa": true}))),
        (Method::DELETE, format!("/v1/venues/{bv}/roles/{br}"), None),
        (Method::GET, format!("/v1/venues/{bv}/members"), None),
        (Method::PATCH, format!("/v1/venues/{bv}/members/{b_member}"), Some(json!({"role_id": br}))),
        (Method::DELETE, format!("/v1/venues/{bv}/members/{b_member}"), None),
        (Method::POST, format!("/v1/venues/{bv}/invitations"), Some(json!({"email": "x@example.com", "role_id": br}))),
        (Method::GET, format!("/v1/venues/{bv}/products"), None),
        (
            Method::POST,
            format!("/v1/venues/{bv}/products"),
            Some(json!({"name": "x", "category": "x", "price_cents": 1, "currency": "GBP"})),
        ),
        (Method::PATCH, format!("/v1/venues/{bv}/products/{bp}"), Some(json!({"price_cents": 1}))),
        (Method::GET, format!("/v1/venues/{bv}/customers"), None),
        (Method::POST, format!("/v1/venues/{bv}/customers"), Some(json!({"name": "x"}))),
        (Method::GET, format!("/v1/venues/{bv}/customers/{bc}"), None),
        (Method::PATCH, format!("/v1/venues/{bv}/customers/{bc}"), Some(json!({"name": "x"}))),
        (Method::DELETE, format!("/v1/venues/{bv}/customers/{bc}"), None),
        (Method::GET, format!("/v1/venues/{bv}/customers/{bc}/export"), None),
        (Method::GET, format!("/v1/venues/{bv}/bookings"), None),
        (Method::POST, format!("/v1/venues/{bv}/bookings"), Some(booking("x", 1, &in_hours(40)))),
        (Method::GET, format!("/v1/venues/{bv}/bookings/{bb}"), None),
        (Method::PATCH, format!("/v1/venues/{bv}/bookings/{bb}"), Some(json!({"party_size": 1}))),
        (Method::POST, format!("/v1/venues/{bv}/bookings/{bb}/seat"), None),
        (Method::POST, format!("/v1/venues/{bv}/bookings/{bb}/complete"), None),
        (Method::POST, format!("/v1/venues/{bv}/bookings/{bb}/cancel"), None),
        (Method::POST, format!("/v1/venues/{bv}/bookings/{bb}/no-show"), None),
        (Method::GET, format!("/v1/venues/{bv}/orders"), None),
        (Method::POST, format!("/v1/venues/{bv}/orders"), Some(json!({"items": [{"product_id": bp, "quantity": 1}]}))),
        (Method::POST, format!("/v1/venues/{bv}/orders/{bor}/status"), Some(json!({"status": "preparing"}))),
        (Method::GET, format!("/v1/venues/{bv}/changes"), None),
        (Method::GET, format!("/v1/venues/{bv}/audit"), None),
        (Method::GET, format!("/v1/venues/{bv}/audit/export?format=jsonl"), None),
        (Method::GET, format!("/v1/venues/{bv}/alerts"), None),
        (Method::GET, format!("/v1/venues/{bv}/api-clients"), None),
        (
            Method::POST,
            format!("/v1/venues/{bv}/api-clients"),
            Some(json!({"name": "x", "permissions": ["orders:read"]})),
        ),
        (Method::DELETE, format!("/v1/venues/{bv}/api-clients/{bcl}"), None),
        (Method::POST, format!("/v1/venues/{bv}/api-clients/{bcl}/secret"), None),
        (Method::GET, format!("/v1/venues/{bv}/webhooks"), None),
        (
            Method::POST,
            format!("/v1/venues/{bv}/webhooks"),
            Some(json!({"url": "https://93.184.216.34/h", "events": ["order.created"]})),
        ),
        (Method::GET, format!("/v1/venues/{bv}/public-keys"), None),
        (Method::GET, format!("/v1/venues/{bv}/tables"), None),
        (Method::POST, format!("/v1/venues/{bv}/tables"), Some(json!({"name": "x", "seats_max": 2}))),
        (Method::PATCH, format!("/v1/venues/{bv}/tables/{bt}"), Some(json!({"seats_max": 2}))),
        (Method::DELETE, format!("/v1/venues/{bv}/tables/{bt}"), None),
        (Method::GET, format!("/v1/venues/{bv}/opening-hours"), None),
        (Method::GET, format!("/v1/venues/{bv}/waitlist"), None),
        (Method::POST, format!("/v1/venues/{bv}/waitlist"), Some(json!({"guest_name": "x", "party_size": 2}))),
        (Method::POST, format!("/v1/venues/{bv}/waitlist/{bw}/offer"), None),
        (Method::POST, format!("/v1/venues/{bv}/waitlist/{bw}/seat"), None),
        (Method::POST, format!("/v1/venues/{bv}/waitlist/{bw}/remove"), None),
        (Method::GET, format!("/v1/venues/{bv}/availability?date=2030-01-01&party_size=2"), None),
        (
            Method::PUT,
            format!("/v1/venues/{bv}/opening-hours"),
            Some(json!({"weekly": [{"weekday": 1, "opens": "09:00", "closes": "10:00"}]})),
        ),
        (Method::GET, format!("/v1/venues/{bv}/payments"), None),
        (
            Method::PUT,
            format!("/v1/venues/{bv}/payments"),
            Some(json!({"provider": "stripe", "webhook_secret": "whsec_cross_tenant_0001"})),
        ),
        (
            Method::POST,
            format!("/v1/venues/{bv}/public-keys"),
            Some(json!({"allowed_origins": ["https://shop.example"]})),
        ),
    ];
    // A's venue id in the path, B's resource ids after it or inside the body.
    let av = &a.vid;
    let (ap, ab) = (id(&a_product), id(&a_booking));
    let foreign_ids: Vec<(Method, String, Option<Value>)> = vec![
        (Method::PATCH, format!("/v1/venues/{av}/roles/{br}"), Some(json!({"require_mfa": true}))),
        (Method::DELETE, format!("/v1/venues/{av}/roles/{br}"), None),
        (Method::PATCH, format!("/v1/venues/{av}/members/{b_member}"), Some(json!({"role_id": a.role_ids["kitchen"]}))),
        (Method::DELETE, format!("/v1/venues/{av}/members/{b_member}"), None),
        (Method::PATCH, format!("/v1/venues/{av}/members/{}", a.user_ids["kitchen"]), Some(json!({"role_id": br}))),
        (Method::POST, format!("/v1/venues/{av}/invitations"), Some(json!({"email": "y@example.com", "role_id": br}))),
        (Method::PATCH, format!("/v1/venues/{av}/products/{bp}"), Some(json!({"price_cents": 1}))),
        (Method::GET, format!("/v1/venues/{av}/customers/{bc}"), None),
        (Method::PATCH, format!("/v1/venues/{av}/customers/{bc}"), Some(json!({"name": "x"}))),
        (Method::DELETE, format!("/v1/venues/{av}/customers/{bc}"), None),
        (Method::GET, format!("/v1/venues/{av}/customers/{bc}/export"), None),
        (Method::GET, format!("/v1/venues/{av}/bookings/{bb}"), None),
        (Method::PATCH, format!("/v1/venues/{av}/bookings/{bb}"), Some(json!({"party_size": 1}))),
        (Method::POST, format!("/v1/venues/{av}/bookings/{bb}/seat"), None),
        (Method::POST, format!("/v1/venues/{av}/bookings/{bb}/complete"), None),
        (Method::POST, format!("/v1/venues/{av}/bookings/{bb}/cancel"), None),
        (Method::POST, format!("/v1/venues/{av}/bookings/{bb}/no-show"), None),
        (Method::POST, format!("/v1/venues/{av}/orders/{bor}/status"), Some(json!({"status": "preparing"}))),
        (Method::DELETE, format!("/v1/venues/{av}/api-clients/{bcl}"), None),
        (Method::POST, format!("/v1/venues/{av}/api-clients/{bcl}/secret"), None),
        (Method::PATCH, format!("/v1/venues/{av}/tables/{bt}"), Some(json!({"seats_max": 2}))),
        (Method::DELETE, format!("/v1/venues/{av}/tables/{bt}"), None),
        (Method::POST, format!("/v1/venues/{av}/waitlist/{bw}/offer"), None),
        (Method::POST, format!("/v1/venues/{av}/waitlist/{bw}/seat"), None),
        (Method::POST, format!("/v1/venues/{av}/waitlist/{bw}/remove"), None),
        (Method::POST, format!("/v1/venues/{av}/waitlist/{bw}/seat"), Some(json!({"table_ids": [bt]}))),
        // B's ids inside A's bodies.
        (
            Method::POST,
            format!("/v1/venues/{av}/bookings"),
            Some(
                json!({"guest_name": "x", "party_size": 1, "starts_at": in_hours(40), "duration_minutes": 60, "customer_id": bc}),
            ),
        ),
        (Method::PATCH, format!("/v1/venues/{av}/bookings/{ab}"), Some(json!({"customer_id": bc}))),
        (
            Method::POST,
            format!("/v1/venues/{av}/tables"),
            Some(json!({"name": "A9", "seats_max": 2, "combinable_with": [bt]})),
        ),
        (Method::POST, format!("/v1/venues/{av}/orders"), Some(json!({"items": [{"product_id": bp, "quantity": 1}]}))),
        (
            Method::POST,
            format!("/v1/venues/{av}/orders"),
            Some(json!({"items": [{"product_id": ap, "quantity": 1}], "booking_id": bb})),
        ),
    ];
    for (method, path, body) in foreign_paths.into_iter().chain(foreign_ids) {
        let mut rb = p.authed(method.clone(), &path, ao);
        if method == Method::PATCH {
            rb = rb.header("If-Match", "\"1\"");
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let res = rb.send().await.unwrap();
        let what = format!("{method} {path}");
        assert_eq!(res.status().as_u16(), 404, "{what}");
        expect_problem(res, 404, "not_found").await;
    }
    // A made-up venue answers the same.
    let res = p.authed(Method::GET, &format!("/v1/venues/{}", uuid::Uuid::now_v7()), ao).send().await.unwrap();
    expect_problem(res, 404, "not_found").await;

    // Nothing changed in B, and A recorded nothing (no write happened, no 403 either).
    assert_eq!(p.audit_count(&b).await, audit_b);
    assert_eq!(p.audit_count(&a).await, audit_a);
    let still = p.get_ok(&b.path(&format!("/bookings/{bb}")), bo).await;
    assert_eq!((still["status"].as_str(), still["version"].as_i64()), (Some("confirmed"), Some(1)));
    let customer = p.get_ok(&b.path(&format!("/customers/{bc}")), bo).await;
    assert_eq!(customer["name"], "B person");
    let members = p.get_ok(&b.path("/members"), bo).await;
    assert_eq!(members["items"].as_array().unwrap().len(), 4);
    let table = p.get_ok(&b.path("/tables"), bo).await;
    assert_eq!((table["items"][0]["seats_max"].as_i64(), table["items"][0]["version"].as_i64()), (Some(4), Some(1)));
    assert_eq!(p.get_ok(&b.path("/opening-hours"), bo).await["version"], 0);
    let waiting = p.get_ok(&b.path("/waitlist"), bo).await;
    assert_eq!(
        (waiting["items"][0]["status"].as_str(), waiting["items"][0]["guest_name"].as_str()),
        (Some("waiting"), Some("B waiting"))
    );
}
