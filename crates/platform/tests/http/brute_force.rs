//! Per-email lockout and per-IP rate limit: independent, in the database, with Retry-After.
//! The platform trusts 127.0.0.1 as a proxy here, so each request can name its client IP in
//! X-Forwarded-For, as it would behind a load balancer.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use venuedesk_platform::state::Settings;

use crate::common::{PASSWORD, TestPlatform, expect_problem};

async fn start() -> TestPlatform {
    TestPlatform::start_with(Settings { trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..Settings::default() })
        .await
}

async fn login_from(p: &TestPlatform, ip: &str, email: &str, password: &str) -> reqwest::Response {
    p.req(Method::POST, "/v1/auth/login")
        .header("X-Forwarded-For", ip)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn signup_from(p: &TestPlatform, ip: &str, email: &str) {
    let res = p
        .req(Method::POST, "/v1/auth/signup")
        .header("X-Forwarded-For", ip)
        .json(&json!({"email": email, "password": PASSWORD, "display_name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers().get("retry-after").expect("Retry-After").to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn five_failures_lock_the_email_whatever_the_ip_and_password() {
    let p = start().await;
    signup_from(&p, "198.51.100.1", "victim@example.com").await;
    signup_from(&p, "198.51.100.1", "bystander@example.com").await;
    for i in 0..5 {
        let res = login_from(&p, &format!("203.0.113.{i}"), "victim@example.com", "Wrong-Guess-123!").await;
        expect_problem(res, 401, "invalid_credentials").await;
    }
    // Locked: even the right password, from a fresh IP.
    let res = login_from(&p, "203.0.113.99", "victim@example.com", PASSWORD).await;
    let secs = retry_after(&res);
    assert!((850..=900).contains(&secs), "Retry-After {secs}");
    expect_problem(res, 429, "locked_out").await;
    // Another email from the same addresses is untouched.
    assert_eq!(login_from(&p, "203.0.113.0", "bystander@example.com", PASSWORD).await.status(), StatusCode::OK);
    // The lock ends after 15 minutes.
    p.clock.advance(Duration::minutes(15) + Duration::seconds(1));
    assert_eq!(login_from(&p, "203.0.113.99", "victim@example.com", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn failures_spread_over_more_than_fifteen_minutes_do_not_lock() {
    let p = start().await;
    signup_from(&p, "198.51.100.1", "slow@example.com").await;
    for _ in 0..4 {
        expect_problem(
            login_from(&p, "203.0.113.1", "slow@example.com", "Wrong-Guess-123!").await,
            401,
            "invalid_credentials",
        )
        .await;
    }
    p.clock.advance(Duration::minutes(16));
    expect_problem(
        login_from(&p, "203.0.113.1", "slow@example.com", "Wrong-Guess-123!").await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(login_from(&p, "203.0.113.1", "slow@example.com", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn twenty_requests_a_minute_per_ip_independent_of_the_email() {
    let p = start().await;
    signup_from(&p, "198.51.100.1", "real@example.com").await;
    let pair: Value = login_from(&p, "198.51.100.2", "real@example.com", PASSWORD).await.json().await.unwrap();
    // 20 attempts for 20 different emails from one address: each a plain failure.
    for i in 0..20 {
        let res = login_from(&p, "192.0.2.7", &format!("guess{i}@example.com"), "Wrong-Guess-123!").await;
        expect_problem(res, 401, "invalid_credentials").await;
    }
    let res = login_from(&p, "192.0.2.7", "real@example.com", PASSWORD).await;
    let secs = retry_after(&res);
    assert!((1..=60).contains(&secs), "Retry-After {secs}");
    expect_problem(res, 429, "rate_limited").await;
    // Signup and the MFA step count against the same limit.
    let res = p
        .req(Method::POST, "/v1/auth/signup")
        .header("X-Forwarded-For", "192.0.2.7")
        .json(&json!({"email": "new@example.com", "password": PASSWORD, "display_name": "N"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 429, "rate_limited").await;
    let res = p
        .req(Method::POST, "/v1/auth/mfa")
        .header("X-Forwarded-For", "192.0.2.7")
        .json(&json!({"mfa_token": "x", "code": "123456"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 429, "rate_limited").await;
    // The real user, from their own address, is not locked out by someone else's storm…
    assert_eq!(login_from(&p, "198.51.100.2", "real@example.com", PASSWORD).await.status(), StatusCode::OK);
    // …and refresh is not counted, even from the limited address.
    let res = p
        .req(Method::POST, "/v1/auth/refresh")
        .header("X-Forwarded-For", "192.0.2.7")
        .json(&json!({"refresh_token": pair["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A minute later the address may try again.
    p.clock.advance(Duration::seconds(61));
    assert_eq!(login_from(&p, "192.0.2.7", "real@example.com", PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn forwarded_for_is_ignored_from_an_untrusted_peer() {
    let p = TestPlatform::start_with(Settings::default()).await;
    signup_from(&p, "198.51.100.1", "w@example.com").await; // XFF ignored: counted for 127.0.0.1
    for i in 0..19 {
        let res = login_from(&p, &format!("203.0.113.{i}"), &format!("g{i}@example.com"), "Wrong-Guess-123!").await;
        expect_problem(res, 401, "invalid_credentials").await;
    }
    let res = login_from(&p, "203.0.113.200", "w@example.com", PASSWORD).await;
    expect_problem(res, 429, "rate_limited").await;
}

#[tokio::test]
async fn counters_survive_a_restart_of_the_platform() {
    // Two platform instances over one database file behave as two nodes or a restart.
    let p = start().await;
    signup_from(&p, "198.51.100.1", "persist@example.com").await;
    for _ in 0..5 {
        login_from(&p, "203.0.113.1", "persist@example.com", "Wrong-Guess-123!").await;
    }
    let store = p.database.open().await;
    let lock = store.lockout("persist@example.com", p.clock_now()).await.unwrap();
    assert!(matches!(lock, venuedesk_platform::store::Admission::RetryAfter(_)), "{lock:?}");
}

impl TestPlatform {
    fn clock_now(&self) -> time::OffsetDateTime {
        use venuedesk_platform::clock::Clock;
        self.clock.now()
    }
}

#[tokio::test]
async fn a_concurrent_burst_cannot_try_more_than_a_handful_of_passwords() {
    let p = start().await;
    signup_from(&p, "198.51.100.1", "burst@example.com").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let rb = p
            .req(Method::POST, "/v1/auth/login")
            .header("X-Forwarded-For", format!("203.0.113.{}", 10 + i))
            .json(&json!({"email": "burst@example.com", "password": format!("Wrong-Guess-{i}!")}));
        tasks.push(tokio::spawn(async move { rb.send().await.unwrap().status().as_u16() }));
    }
    let mut answered_401 = 0;
    for t in tasks {
        match t.await.unwrap() {
            401 => answered_401 += 1,
            429 => {}
            other => panic!("unexpected {other}"),
        }
    }
    // Five failures lock the account; attempts already queued behind them may still finish
    // hashing, but learn nothing: only the hashing threads' worth can slip past.
    let threads = venuedesk_platform::auth::password::PasswordHasher::default_parallelism();
    assert!(answered_401 <= 5 + threads, "{answered_401} wrong passwords were judged");
    expect_problem(login_from(&p, "203.0.113.200", "burst@example.com", PASSWORD).await, 429, "locked_out").await;
    // The owner sees why, once the lock is over.
    p.clock.advance(Duration::minutes(16));
    let pair: Value = login_from(&p, "203.0.113.200", "burst@example.com", PASSWORD).await.json().await.unwrap();
    let kinds = p.security_event_kinds(pair["access_token"].as_str().unwrap()).await;
    assert!(kinds.contains(&"locked_out".to_string()), "{kinds:?}");
}

#[tokio::test]
async fn malformed_sign_in_requests_count_against_the_ip_limit() {
    let p = start().await;
    for _ in 0..20 {
        let res = p
            .req(Method::POST, "/v1/auth/login")
            .header("X-Forwarded-For", "192.0.2.50")
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        expect_problem(res, 400, "bad_request").await;
    }
    let res = p
        .req(Method::POST, "/v1/auth/login")
        .header("X-Forwarded-For", "192.0.2.50")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    expect_problem(res, 429, "rate_limited").await;
}

#[tokio::test]
async fn every_forwarded_for_line_is_read_from_the_right() {
    let p = start().await;
    // A client-supplied first line cannot pick the bucket: the proxy's own (last) line wins.
    for i in 0..20 {
        let res = p
            .req(Method::POST, "/v1/auth/login")
            .header("X-Forwarded-For", format!("6.6.6.{i}"))
            .header("X-Forwarded-For", "192.0.2.60")
            .json(&json!({"email": format!("x{i}@example.com"), "password": "Wrong-Guess-123!"}))
            .send()
            .await
            .unwrap();
        expect_problem(res, 401, "invalid_credentials").await;
    }
    let res = p
        .req(Method::POST, "/v1/auth/login")
        .header("X-Forwarded-For", "7.7.7.7")
        .header("X-Forwarded-For", "192.0.2.60")
        .json(&json!({"email": "y@example.com", "password": "Wrong-Guess-123!"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 429, "rate_limited").await;
}
