//! Venues, team, bookings and orders as the console uses them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

use crate::common::{TestPlatform, expect_problem, platform_command};
use crate::venue_fixture::{booking, in_hours};

#[tokio::test]
async fn venue_creation_roles_memberships_and_versions() {
    let p = TestPlatform::start().await;
    let t = p.team("flow", 40).await;
    let me = p.get_ok("/v1/me", t.token("kitchen")).await;
    let m = &me["memberships"][0];
    assert_eq!(m["venue_id"], t.vid.as_str());
    assert_eq!(m["role"]["name"], "kitchen");
    assert_eq!(m["permissions"], json!(["orders:read", "orders:write", "products:read"]));
    let roles = p.get_ok(&t.path("/roles"), t.owner()).await;
    assert_eq!(roles["items"].as_array().unwrap().len(), 4);
    assert!(roles["items"].as_array().unwrap().iter().all(|r| r["builtin"] == true));

    // PATCH needs If-Match; stale versions are refused with the current one.
    let res = p.authed(Method::PATCH, &t.path(""), t.owner()).json(&json!({"capacity": 50})).send().await.unwrap();
    expect_problem(res, 428, "precondition_required").await;
    let res = p.patch(&t.path(""), t.owner(), 7, json!({"capacity": 50})).await;
    let body = expect_problem(res, 412, "version_mismatch").await;
    assert_eq!(body["current_version"], 1);
    let res = p.patch(&t.path(""), t.owner(), 1, json!({"capacity": 50, "timezone": "Mars/Olympus"})).await;
    expect_problem(res, 422, "validation_failed").await;
    let res = p.patch(&t.path(""), t.owner(), 1, json!({"capacity": 50})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"2\"");
}

#[tokio::test]
async fn invitations_team_changes_and_the_last_owner() {
    let p = TestPlatform::start().await;
    let t = p.team("team", 40).await;
    let owner = t.owner();
    // An invitation only works for its email, once.
    p.signup("eve@example.com").await;
    p.signup("zed@example.com").await;
    let eve = p.login("eve@example.com").await["access_token"].as_str().unwrap().to_string();
    let zed = p.login("zed@example.com").await["access_token"].as_str().unwrap().to_string();
    let inv = p
        .post_ok(
            &t.path("/invitations"),
            owner,
            json!({"email": "Eve@Example.com", "role_id": t.role_ids["front_desk"]}),
        )
        .await;
    let res = p.send(Method::POST, "/v1/invitations/accept", &zed, Some(json!({"token": inv["token"]}))).await;
    expect_problem(res, 403, "forbidden").await;
    let denied = p.get_ok(&t.path("/audit?action=authz.denied"), owner).await;
    assert_eq!(denied["items"][0]["details"]["reason"], "invitation_email_mismatch", "a 403 in the venue is audited");
    let joined = p.post_ok("/v1/invitations/accept", &eve, json!({"token": inv["token"]})).await;
    assert_eq!(joined["role"]["name"], "front_desk");
    let res = p.send(Method::POST, "/v1/invitations/accept", &eve, Some(json!({"token": inv["token"]}))).await;
    expect_problem(res, 404, "not_found").await;
    // Invitations expire after 7 days.
    let late = p
        .post_ok(&t.path("/invitations"), owner, json!({"email": "zed@example.com", "role_id": t.role_ids["kitchen"]}))
        .await;
    p.clock.advance(Duration::days(7) + Duration::seconds(1));
    let zed = p.login("zed@example.com").await["access_token"].as_str().unwrap().to_string();
    let owner = p.login("team-owner@example.com").await["access_token"].as_str().unwrap().to_string();
    let res = p.send(Method::POST, "/v1/invitations/accept", &zed, Some(json!({"token": late["token"]}))).await;
    expect_problem(res, 404, "not_found").await;

    // The only owner can neither leave nor stop being owner.
    let owner_id = &t.user_ids["owner"];
    let res = p.send(Method::DELETE, &t.path(&format!("/members/{owner_id}")), &owner, None).await;
    expect_problem(res, 409, "last_owner").await;
    let res =
        p.patch(&t.path(&format!("/members/{owner_id}")), &owner, 1, json!({"role_id": t.role_ids["manager"]})).await;
    let body = expect_problem(res, 409, "last_owner").await;
    assert!(body["detail"].as_str().unwrap().contains("owner first"), "the rule is explained");
    // With a second owner, the first may step down.
    let manager_id = &t.user_ids["manager"];
    let res =
        p.patch(&t.path(&format!("/members/{manager_id}")), &owner, 1, json!({"role_id": t.role_ids["owner"]})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res =
        p.patch(&t.path(&format!("/members/{owner_id}")), &owner, 1, json!({"role_id": t.role_ids["manager"]})).await;
    assert_eq!(res.status(), StatusCode::OK);

    // Custom roles: create, use, protect.
    let manager = p.login("team-manager@example.com").await["access_token"].as_str().unwrap().to_string();
    let role = p.post_ok(&t.path("/roles"), &manager, json!({"name": "host", "permissions": ["bookings:read"]})).await;
    let res = p.send(Method::POST, &t.path("/roles"), &manager, Some(json!({"name": "host", "permissions": []}))).await;
    expect_problem(res, 409, "name_taken").await;
    let res = p
        .send(Method::POST, &t.path("/roles"), &manager, Some(json!({"name": "x", "permissions": ["bookings:fly"]})))
        .await;
    expect_problem(res, 422, "validation_failed").await;
    let kitchen_id = &t.user_ids["kitchen"];
    let res = p.patch(&t.path(&format!("/members/{kitchen_id}")), &manager, 1, json!({"role_id": role["id"]})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res =
        p.send(Method::DELETE, &t.path(&format!("/roles/{}", role["id"].as_str().unwrap())), &manager, None).await;
    expect_problem(res, 409, "role_in_use").await;
    let owner_role = &t.role_ids["owner"];
    let res = p.send(Method::DELETE, &t.path(&format!("/roles/{owner_role}")), &manager, None).await;
    expect_problem(res, 409, "builtin_role").await;
    let res = p.patch(&t.path(&format!("/roles/{owner_role}")), &manager, 1, json!({"permissions": []})).await;
    expect_problem(res, 409, "builtin_role").await;
}

#[tokio::test]
async fn roles_that_require_mfa_are_enforced_on_every_venue_request() {
    let p = TestPlatform::start().await;
    let t = p.team("mfa", 40).await;
    let fd_role = &t.role_ids["front_desk"];
    let res = p.patch(&t.path(&format!("/roles/{fd_role}")), t.owner(), 1, json!({"require_mfa": true})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = p.send(Method::GET, &t.path("/bookings"), t.token("front_desk"), None).await;
    let body = expect_problem(res, 403, "mfa_required").await;
    assert_eq!(body["enrollment_required"], true);
    // Other roles are unaffected; the refusal was audited.
    assert_eq!(p.send(Method::GET, &t.path("/bookings"), t.token("manager"), None).await.status(), StatusCode::OK);
    let denied = p.get_ok(&t.path("/audit?action=authz.denied"), t.owner()).await;
    assert_eq!(denied["items"][0]["details"]["reason"], "mfa_required");
}

#[tokio::test]
async fn bookings_validation_capacity_day_view_and_status_machine() {
    let p = TestPlatform::start().await;
    let t = p.team("book", 10).await;
    let fd = t.token("front_desk");
    let before = p.audit_count(&t).await;
    // Bad input: the documented 4xx, no row, no audit event.
    let bad: Vec<(Value, u16, &str)> = vec![
        (booking("A", 0, &in_hours(5)), 422, "validation_failed"),
        (booking("A", -3, &in_hours(5)), 422, "validation_failed"),
        (booking("A", 1_000_000, &in_hours(5)), 422, "validation_failed"),
        (booking("", 2, &in_hours(5)), 422, "validation_failed"),
        (booking("A", 2, &in_hours(-3)), 422, "validation_failed"),
        (
            json!({"guest_name": "A", "party_size": 2, "starts_at": in_hours(5), "duration_minutes": 0}),
            422,
            "validation_failed",
        ),
        (
            json!({"guest_name": "A", "party_size": 2, "starts_at": in_hours(5), "duration_minutes": -30}),
            422,
            "validation_failed",
        ),
        (
            json!({"guest_name": "A", "party_size": "two", "starts_at": in_hours(5), "duration_minutes": 60}),
            400,
            "bad_request",
        ),
        (
            json!({"guest_name": "A", "party_size": 2, "starts_at": "tomorrow", "duration_minutes": 60}),
            400,
            "bad_request",
        ),
        (
            json!({"guest_name": "A", "party_size": 2, "starts_at": in_hours(5), "duration_minutes": 60, "customer_id": uuid::Uuid::now_v7()}),
            404,
            "not_found",
        ),
        (booking("A", 11, &in_hours(5)), 409, "capacity_exceeded"),
    ];
    for (body, status, code) in bad {
        let res = p.send(Method::POST, &t.path("/bookings"), fd, Some(body.clone())).await;
        expect_problem(res, status, code).await;
    }
    assert_eq!(p.audit_count(&t).await, before, "no audit event for refused input");
    let all = p.get_ok(&t.path("/bookings?from=2000-01-01&to=2100-01-01"), fd).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 0, "no row for refused input");

    // Capacity counts overlapping confirmed and seated bookings only.
    let start = in_hours(6);
    let a = p.post_ok(&t.path("/bookings"), fd, booking("A", 6, &start)).await;
    assert_eq!(a["status"], "confirmed");
    let res = p.send(Method::POST, &t.path("/bookings"), fd, Some(booking("B", 5, &start))).await;
    expect_problem(res, 409, "capacity_exceeded").await;
    let later = in_hours(8); // 90 minutes after `start` has ended
    p.post_ok(&t.path("/bookings"), fd, booking("C", 10, &later)).await;
    let a_id = a["id"].as_str().unwrap();
    p.post_ok(&t.path(&format!("/bookings/{a_id}/cancel")), fd, json!({})).await;
    p.post_ok(&t.path("/bookings"), fd, booking("B", 5, &start)).await;

    // The status machine.
    let res = p.send(Method::POST, &t.path(&format!("/bookings/{a_id}/seat")), fd, None).await;
    expect_problem(res, 409, "invalid_transition").await;
    let d = p.post_ok(&t.path("/bookings"), fd, booking("D", 1, &in_hours(12))).await;
    let d_id = d["id"].as_str().unwrap();
    let res = p.send(Method::POST, &t.path(&format!("/bookings/{d_id}/complete")), fd, None).await;
    expect_problem(res, 409, "invalid_transition").await;
    let seated = p.post_ok(&t.path(&format!("/bookings/{d_id}/seat")), fd, json!({})).await;
    assert_eq!((seated["status"].as_str(), seated["version"].as_i64()), (Some("seated"), Some(2)));
    let res = p.send(Method::POST, &t.path(&format!("/bookings/{d_id}/no-show")), fd, None).await;
    expect_problem(res, 409, "invalid_transition").await;
    let done = p.post_ok(&t.path(&format!("/bookings/{d_id}/complete")), fd, json!({})).await;
    assert_eq!(done["status"], "completed");
    let res = p.patch(&t.path(&format!("/bookings/{d_id}")), fd, 3, json!({"party_size": 2})).await;
    expect_problem(res, 409, "invalid_transition").await;

    // Client-chosen ids: reusing one is a conflict.
    let id = uuid::Uuid::now_v7().to_string();
    let mut body = booking("E", 1, &in_hours(20));
    body["id"] = json!(id);
    let e = p.post_ok(&t.path("/bookings"), fd, body.clone()).await;
    assert_eq!(e["id"], id.as_str());
    let res = p.send(Method::POST, &t.path("/bookings"), fd, Some(body)).await;
    expect_problem(res, 409, "id_conflict").await;
}

#[tokio::test]
async fn day_queries_follow_the_venue_time_zone() {
    let p = TestPlatform::start().await;
    let t = p.team("tz", 100).await;
    let owner = t.owner();
    // Move the venue to New York; book 03:30 UTC on a day two days ahead: still the
    // previous calendar day in New York.
    let res = p.patch(&t.path(""), owner, 1, json!({"timezone": "America/New_York"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let day = (time::OffsetDateTime::now_utc() + Duration::days(2)).date();
    let late_utc = format!("{day}T03:30:00Z");
    p.post_ok(&t.path("/bookings"), owner, booking("Night owl", 2, &late_utc)).await;
    let prev = day.previous_day().unwrap();
    let on_prev = p.get_ok(&t.path(&format!("/bookings?from={prev}&to={prev}")), owner).await;
    assert_eq!(on_prev["items"].as_array().unwrap().len(), 1, "03:30 UTC is the evening before in New York");
    let on_day = p.get_ok(&t.path(&format!("/bookings?from={day}&to={day}")), owner).await;
    assert_eq!(on_day["items"].as_array().unwrap().len(), 0);
    for bad in ["from=yesterday", "to=2026-13-01", "status=lost", "limit=0", "nope=1"] {
        let res = p.send(Method::GET, &t.path(&format!("/bookings?{bad}")), owner, None).await;
        expect_problem(res, 400, "bad_request").await;
    }
}

#[tokio::test]
async fn twenty_parallel_bookings_for_the_last_four_seats() {
    let p = TestPlatform::start().await;
    let t = p.team("race", 10).await;
    let start = in_hours(10);
    p.post_ok(&t.path("/bookings"), t.owner(), booking("Big table", 6, &start)).await;
    let mut tasks = Vec::new();
    for i in 0..20 {
        let rb = p.authed(Method::POST, &t.path("/bookings"), t.token("front_desk")).json(&booking(
            &format!("G{i}"),
            1,
            &start,
        ));
        tasks.push(tokio::spawn(async move { rb.send().await.unwrap().status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 4, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 16, "{statuses:?}");
    let day = p.get_ok(&t.path("/bookings?from=2000-01-01&to=2100-01-01"), t.owner()).await;
    let seats: i64 = day["items"].as_array().unwrap().iter().map(|b| b["party_size"].as_i64().unwrap()).sum();
    assert_eq!(seats, 10);
    // Twenty concurrent writers (and sixteen refusals) did not fork the audit chain.
    let url = p.db_url().to_string();
    let out = platform_command(["audit", "verify", "--database", &url, "--venue", &t.vid]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[tokio::test]
async fn twenty_parallel_retries_of_one_create_make_one_booking_and_one_event() {
    let p = TestPlatform::start().await;
    let t = p.team("retry", 50).await;
    let before = p.audit_count(&t).await;
    let body = booking("Once", 2, &in_hours(10));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let rb = p
            .req(Method::POST, &t.path("/bookings"))
            .bearer_auth(t.token("front_desk"))
            .header("Idempotency-Key", "create-once")
            .json(&body);
        tasks.push(tokio::spawn(async move { rb.send().await.unwrap().status().as_u16() }));
    }
    for task in tasks {
        let s = task.await.unwrap();
        assert!(s == 201 || s == 409, "{s}");
    }
    let day = p.get_ok(&t.path("/bookings?from=2000-01-01&to=2100-01-01"), t.owner()).await;
    assert_eq!(day["items"].as_array().unwrap().len(), 1);
    assert_eq!(p.audit_count(&t).await, before + 1);
    // Once done, every retry is answered from the stored response.
    let res = p
        .req(Method::POST, &t.path("/bookings"))
        .bearer_auth(t.token("front_desk"))
        .header("Idempotency-Key", "create-once")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn orders_totals_and_the_kitchen_machine() {
    let p = TestPlatform::start().await;
    let t = p.team("kitchen", 50).await;
    let owner = t.owner();
    let soup = p
        .post_ok(
            &t.path("/products"),
            owner,
            json!({"name": "Soup", "category": "Starters", "price_cents": 650, "currency": "GBP"}),
        )
        .await;
    let pie = p
        .post_ok(
            &t.path("/products"),
            owner,
            json!({"name": "Pie", "category": "Mains", "price_cents": 1425, "currency": "GBP"}),
        )
        .await;
    let off = p
        .post_ok(
            &t.path("/products"),
            owner,
            json!({"name": "Off", "category": "Mains", "price_cents": 1, "currency": "GBP", "available": false}),
        )
        .await;
    let usd = p
        .post_ok(
            &t.path("/products"),
            owner,
            json!({"name": "Import", "category": "Mains", "price_cents": 1, "currency": "USD"}),
        )
        .await;
    let kitchen = t.token("kitchen");
    let order = p
        .post_ok(&t.path("/orders"), kitchen, json!({"items": [{"product_id": soup["id"], "quantity": 2}, {"product_id": pie["id"], "quantity": 1, "notes": "no peas"}], "table_label": "T4"}))
        .await;
    assert_eq!(
        (order["total_cents"].as_i64(), order["currency"].as_str(), order["status"].as_str()),
        (Some(2725), Some("GBP"), Some("received"))
    );
    assert_eq!(order["items"][0]["unit_price_cents"], 650);
    for (body, status, code) in [
        (json!({"items": []}), 422, "validation_failed"),
        (json!({"items": [{"product_id": soup["id"], "quantity": 0}]}), 422, "validation_failed"),
        (json!({"items": [{"product_id": off["id"], "quantity": 1}]}), 422, "validation_failed"),
        (
            json!({"items": [{"product_id": soup["id"], "quantity": 1}, {"product_id": usd["id"], "quantity": 1}]}),
            422,
            "validation_failed",
        ),
        (json!({"items": [{"product_id": uuid::Uuid::now_v7(), "quantity": 1}]}), 404, "not_found"),
        (json!({"items": [{"product_id": "not-a-uuid", "quantity": 1}]}), 400, "bad_request"),
    ] {
        let res = p.send(Method::POST, &t.path("/orders"), kitchen, Some(body)).await;
        expect_problem(res, status, code).await;
    }
    let oid = order["id"].as_str().unwrap();
    let path = t.path(&format!("/orders/{oid}/status"));
    let res = p.send(Method::POST, &path, kitchen, Some(json!({"status": "served"}))).await;
    expect_problem(res, 409, "invalid_transition").await;
    let res = p.send(Method::POST, &path, kitchen, Some(json!({"status": "flambé"}))).await;
    expect_problem(res, 422, "validation_failed").await;
    for next in ["preparing", "ready", "served"] {
        let o = p.post_ok(&path, kitchen, json!({"status": next})).await;
        assert_eq!(o["status"], next);
    }
    let res = p.send(Method::POST, &path, kitchen, Some(json!({"status": "cancelled"}))).await;
    expect_problem(res, 409, "invalid_transition").await;
    let served = p.get_ok(&t.path("/orders?status=served"), kitchen).await;
    assert_eq!(served["items"].as_array().unwrap().len(), 1);
    assert_eq!(served["items"][0]["version"], 4);
}

#[tokio::test]
async fn the_change_feed_follows_permissions_and_cursors() {
    let p = TestPlatform::start().await;
    let t = p.team("feed", 50).await;
    let owner = t.owner();
    let soup = p
        .post_ok(
            &t.path("/products"),
            owner,
            json!({"name": "Soup", "category": "S", "price_cents": 650, "currency": "GBP"}),
        )
        .await;
    p.post_ok(&t.path("/customers"), owner, json!({"name": "Cleo", "allergens": ["milk"]})).await;
    let b = p.post_ok(&t.path("/bookings"), owner, booking("Bo", 2, &in_hours(3))).await;
    p.post_ok(&t.path("/orders"), owner, json!({"items": [{"product_id": soup["id"], "quantity": 1}]})).await;
    p.post_ok(&t.path(&format!("/bookings/{}/seat", b["id"].as_str().unwrap())), owner, json!({})).await;

    let all = p.get_ok(&t.path("/changes?since=0&limit=200"), owner).await;
    let entities: Vec<&str> =
        all["changes"].as_array().unwrap().iter().map(|c| c["entity"].as_str().unwrap()).collect();
    for e in ["role", "member", "product", "customer", "booking", "order"] {
        assert!(entities.contains(&e), "{e} in {entities:?}");
    }
    // The seated booking appears once, with its current state.
    let bookings: Vec<&Value> =
        all["changes"].as_array().unwrap().iter().filter(|c| c["entity"] == "booking").collect();
    assert_eq!(bookings.len(), 1);
    assert_eq!(bookings[0]["data"]["status"], "seated");
    let seqs: Vec<i64> = all["changes"].as_array().unwrap().iter().map(|c| c["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq increases strictly");

    // The kitchen sees only orders and products.
    let k = p.get_ok(&t.path("/changes?since=0"), t.token("kitchen")).await;
    let kinds: std::collections::BTreeSet<&str> =
        k["changes"].as_array().unwrap().iter().map(|c| c["entity"].as_str().unwrap()).collect();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), vec!["order", "product"]);

    // Paging with next_since.
    let first = p.get_ok(&t.path("/changes?since=0&limit=2"), owner).await;
    assert_eq!(first["has_more"], true);
    let next = first["next_since"].as_i64().unwrap();
    let rest = p.get_ok(&t.path(&format!("/changes?since={next}&limit=200")), owner).await;
    assert_eq!(rest["has_more"], false);
    assert_eq!(first["changes"].as_array().unwrap().len() + rest["changes"].as_array().unwrap().len(), seqs.len());
    let tail = p.get_ok(&t.path(&format!("/changes?since={}", rest["next_since"])), owner).await;
    assert_eq!(tail["changes"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn nobody_grants_more_than_they_hold() {
    let p = TestPlatform::start().await;
    let t = p.team("escalate", 40).await;
    let owner = t.owner();
    // A custom role that manages the team and roles, but is no owner.
    let admin = p
        .post_ok(&t.path("/roles"), owner, json!({"name": "admin", "permissions": ["members:read", "members:manage", "roles:manage", "bookings:read"]}))
        .await;
    let aid = admin["id"].as_str().unwrap().to_string();
    let kitchen_id = t.user_ids["kitchen"].clone();
    let res = p.patch(&t.path(&format!("/members/{kitchen_id}")), owner, 1, json!({"role_id": aid})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let k = t.token("kitchen");
    let before = p.get_ok(&t.path("/audit?action=authz.denied"), owner).await["items"].as_array().unwrap().len();
    // Make themselves owner, raise their own role, create or invite above their level,
    // demote or remove the owner: all refused.
    let owner_role = t.role_ids["owner"].clone();
    let owner_id = t.user_ids["owner"].clone();
    let attempts: Vec<reqwest::Response> = vec![
        p.patch(&t.path(&format!("/members/{kitchen_id}")), k, 2, json!({"role_id": owner_role})).await,
        p.patch(&t.path(&format!("/roles/{aid}")), k, 1, json!({"permissions": ["audit:export"]})).await,
        p.send(Method::POST, &t.path("/roles"), k, Some(json!({"name": "super", "permissions": ["customers:erase"]})))
            .await,
        p.send(
            Method::POST,
            &t.path("/invitations"),
            k,
            Some(json!({"email": "friend@example.com", "role_id": owner_role})),
        )
        .await,
        p.send(
            Method::POST,
            &t.path("/invitations"),
            k,
            Some(json!({"email": "friend@example.com", "role_id": t.role_ids["manager"]})),
        )
        .await,
        p.patch(&t.path(&format!("/members/{owner_id}")), k, 1, json!({"role_id": aid})).await,
        p.send(Method::DELETE, &t.path(&format!("/members/{owner_id}")), k, None).await,
    ];
    for res in attempts {
        expect_problem(res, 403, "forbidden").await;
    }
    let after = p.get_ok(&t.path("/audit?action=authz.denied"), owner).await["items"].as_array().unwrap().len();
    // Each kind of refusal is audited; identical ones (same reason) once a minute: six
    // escalations and one own-role change.
    assert_eq!(after, before + 2, "each kind of refusal is audited");
    // Within their own permissions they may act.
    let host = p.post_ok(&t.path("/roles"), k, json!({"name": "host", "permissions": ["bookings:read"]})).await;
    p.post_ok(&t.path("/invitations"), k, json!({"email": "host@example.com", "role_id": host["id"]})).await;
}

#[tokio::test]
async fn booking_times_are_utc_and_far_dates_are_refused_cleanly() {
    let p = TestPlatform::start().await;
    let t = p.team("utc", 40).await;
    let local = (time::OffsetDateTime::now_utc() + Duration::days(3)).to_offset(time::macros::offset!(+2));
    let local = local.replace_nanosecond(0).unwrap().format(&time::format_description::well_known::Rfc3339).unwrap();
    let b = p.post_ok(&t.path("/bookings"), t.owner(), booking("Zoe", 2, &local)).await;
    assert!(b["starts_at"].as_str().unwrap().ends_with('Z'), "{}", b["starts_at"]);
    assert!(b["ends_at"].as_str().unwrap().ends_with('Z'));
    for far in ["9999-12-31T23:59:00Z", "9999-12-31T23:59:59+00:00"] {
        let mut body = booking("Far", 2, far);
        body["duration_minutes"] = json!(1440);
        let res = p.send(Method::POST, &t.path("/bookings"), t.owner(), Some(body)).await;
        expect_problem(res, 422, "validation_failed").await;
    }
}
