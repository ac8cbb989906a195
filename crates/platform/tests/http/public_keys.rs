//! Publishable keys for a venue's website: read-only, origin-bound, CORS only for allowed
//! origins, deleted keys stop at once, availability from capacity against a hand-computed
//! case.

use chrono::{Duration as ChronoDuration, NaiveTime, TimeZone};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestPlatform, expect_problem, stored_contains};

const SHOP: &str = "https://shop.example";

async fn public(p: &TestPlatform, path: &str, key: &str, origin: Option<&str>) -> reqwest::Response {
    let mut rb = p.req(Method::GET, path).bearer_auth(key);
    if let Some(o) = origin {
        rb = rb.header("Origin", o);
    }
    rb.send().await.unwrap()
}

#[tokio::test]
async fn a_publishable_key_reads_its_venue_from_allowed_origins_only() {
    let p = TestPlatform::start().await;
    let t = p.team("pk", 4).await;
    let b = p.team("pk-other", 4).await;
    let path = t.path("/public-keys");
    for bad in [json!([]), json!(["http://shop.example"]), json!(["https://shop.example/path"]), json!(["*"])] {
        let res = p.send(Method::POST, &path, t.owner(), Some(json!({"allowed_origins": bad}))).await;
        expect_problem(res, 422, "validation_failed").await;
    }
    let made = p
        .post_ok(&path, t.owner(), json!({"allowed_origins": ["https://Shop.example/", "http://localhost:5173"]}))
        .await;
    let key = made["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("pk_live_"));
    assert_eq!(made["allowed_origins"], json!([SHOP, "http://localhost:5173"]));
    let listed = p.get_ok(&path, t.owner()).await;
    assert!(!listed.to_string().contains(&key), "the list shows a prefix only");
    assert!(key.starts_with(listed["items"][0]["key_prefix"].as_str().unwrap()));
    assert!(!stored_contains(&p.stored_bytes().await, key.as_bytes()), "only a hash is stored");

    // The venue, from the allowed origin: CORS for that origin, never `*`.
    let res = public(&p, "/v1/public/venue", &key, Some(SHOP)).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["access-control-allow-origin"], SHOP);
    assert_eq!(res.headers()["vary"], "Origin");
    let venue: Value = res.json().await.unwrap();
    assert_eq!(venue["id"], t.vid.as_str());
    // A browser on another site: refused. A program without an Origin: it only reads.
    expect_problem(public(&p, "/v1/public/venue", &key, Some("https://evil.example")).await, 403, "origin_not_allowed")
        .await;
    assert_eq!(public(&p, "/v1/public/venue", &key, None).await.status(), StatusCode::OK);
    // Preflights: answered for an allowed origin only.
    let pre = |origin: &'static str| {
        p.req(Method::OPTIONS, "/v1/public/menu")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let ok = pre(SHOP).await.unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(ok.headers()["access-control-allow-origin"], SHOP);
    assert_eq!(ok.headers()["access-control-allow-methods"], "GET");
    let refused = pre("https://evil.example").await.unwrap();
    assert!(refused.headers().get("access-control-allow-origin").is_none());
    expect_problem(refused, 403, "origin_not_allowed").await;

    // The menu: available products only.
    for (name, available) in [("Soup", true), ("Off menu", false)] {
        let prod = p
            .post_ok(
                &t.path("/products"),
                t.owner(),
                json!({"name": name, "category": "Food", "price_cents": 500, "currency": "GBP"}),
            )
            .await;
        if !available {
            let res = p
                .patch(
                    &t.path(&format!("/products/{}", prod["id"].as_str().unwrap())),
                    t.owner(),
                    1,
                    json!({"available": false}),
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK);
        }
    }
    let menu: Value = public(&p, "/v1/public/menu", &key, Some(SHOP)).await.json().await.unwrap();
    let names: Vec<&str> = menu["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Soup"]);

    // Availability, by hand: 4 seats, a party of 4 tomorrow 19:00-20:30 London time. A
    // 90-minute booking for one fits before 17:45 and from 20:30, not in between.
    let london = chrono_tz::Europe::London;
    let tomorrow = (chrono::Utc::now().with_timezone(&london) + ChronoDuration::days(1)).date_naive();
    let seven = london.from_local_datetime(&tomorrow.and_time(NaiveTime::from_hms_opt(19, 0, 0).unwrap())).unwrap();
    let starts = seven.with_timezone(&chrono::Utc).to_rfc3339();
    p.post_ok(
        &t.path("/bookings"),
        t.owner(),
        json!({"guest_name": "Full table", "party_size": 4, "starts_at": starts, "duration_minutes": 90}),
    )
    .await;
    let date = tomorrow.format("%Y-%m-%d").to_string();
    let res = public(&p, &format!("/v1/public/availability?date={date}&party_size=1"), &key, Some(SHOP)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let avail: Value = res.json().await.unwrap();
    let times: Vec<&str> =
        avail["times"].as_array().unwrap().iter().map(|t| t["local_time"].as_str().unwrap()).collect();
    for free in ["12:00", "17:30", "20:30", "23:45"] {
        assert!(times.contains(&free), "{free} is free: {times:?}");
    }
    for taken in ["17:45", "18:00", "19:00", "20:15"] {
        assert!(!times.contains(&taken), "{taken} is taken");
    }
    assert!(!avail.to_string().contains("Full table"), "no guest data");
    for (q, status, code) in [
        ("date=tomorrow&party_size=1", 422, "validation_failed"),
        (&*format!("date={date}&party_size=0"), 422, "validation_failed"),
        (&*format!("date={date}&party_size=5"), 422, "validation_failed"),
        ("party_size=1", 400, "bad_request"),
    ] {
        let res = public(&p, &format!("/v1/public/availability?{q}"), &key, Some(SHOP)).await;
        expect_problem(res, status, code).await;
    }

    // Once the venue has a table and opening hours (12:00-22:00), the website is offered what
    // the front desk would take: the four-top, booked 19:00-20:30 plus 15 minutes' turnover,
    // is free for a 90-minute party starting by 17:15 and not again before closing.
    p.post_ok(&t.path("/tables"), t.owner(), json!({"name": "T1", "seats_max": 4})).await;
    let week: Vec<Value> = (1..=7).map(|d| json!({"weekday": d, "opens": "12:00", "closes": "22:00"})).collect();
    let res = p
        .authed(Method::PUT, &t.path("/opening-hours"), t.owner())
        .json(&json!({"weekly": week}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    p.post_ok(
        &t.path("/bookings"),
        t.owner(),
        json!({"guest_name": "On T1", "party_size": 2, "starts_at": starts, "duration_minutes": 90}),
    )
    .await;
    let res = public(&p, &format!("/v1/public/availability?date={date}&party_size=2"), &key, Some(SHOP)).await;
    let avail: Value = res.json().await.unwrap();
    let times: Vec<&str> =
        avail["times"].as_array().unwrap().iter().map(|t| t["local_time"].as_str().unwrap()).collect();
    assert_eq!(
        (times.len(), times.first().copied(), times.last().copied()),
        (22, Some("12:00"), Some("17:15")),
        "{times:?}"
    );
    assert!(!avail.to_string().contains("table"), "tables are not named to the public: {avail}");
    // Beyond the venue's 90 days ahead: nothing offered.
    let far = (tomorrow + ChronoDuration::days(95)).format("%Y-%m-%d").to_string();
    let res = public(&p, &format!("/v1/public/availability?date={far}&party_size=2"), &key, Some(SHOP)).await;
    assert_eq!(res.json::<Value>().await.unwrap()["times"], json!([]));

    // Nothing else opens with it, and it never writes.
    expect_problem(public(&p, &t.path("/bookings"), &key, Some(SHOP)).await, 403, "forbidden").await;
    let res = p
        .req(Method::POST, &t.path("/bookings"))
        .bearer_auth(&key)
        .header("Idempotency-Key", "k1")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 403, "forbidden").await;
    expect_problem(public(&p, "/v1/me", &key, None).await, 403, "forbidden").await;
    // Another venue's owner cannot delete it; deleting it stops it at once.
    let kid = made["id"].as_str().unwrap();
    let foreign = format!("/v1/venues/{}/public-keys/{kid}", b.vid);
    expect_problem(p.send(Method::DELETE, &foreign, b.owner(), None).await, 404, "not_found").await;
    let cross = format!("/v1/venues/{}/public-keys/{kid}", t.vid);
    expect_problem(p.send(Method::DELETE, &cross, b.owner(), None).await, 404, "not_found").await;
    assert_eq!(p.send(Method::DELETE, &cross, t.owner(), None).await.status(), StatusCode::NO_CONTENT);
    expect_problem(public(&p, "/v1/public/venue", &key, Some(SHOP)).await, 401, "unauthenticated").await;
    expect_problem(public(&p, "/v1/public/venue", "pk_live_made-up", None).await, 401, "unauthenticated").await;
}

#[tokio::test]
async fn a_publishable_key_is_limited_per_key_and_address() {
    let p = TestPlatform::start().await;
    let t = p.team("pk-limit", 4).await;
    let made = p.post_ok(&t.path("/public-keys"), t.owner(), json!({"allowed_origins": [SHOP]})).await;
    let key = made["key"].as_str().unwrap();
    let mut refused_at = None;
    for i in 0..130 {
        let res = public(&p, "/v1/public/venue", key, Some(SHOP)).await;
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            refused_at = Some(i);
            assert!(res.headers().contains_key("retry-after"));
            expect_problem(res, 429, "rate_limited").await;
            break;
        }
    }
    assert_eq!(refused_at, Some(120), "120 a minute per key and address");
}
