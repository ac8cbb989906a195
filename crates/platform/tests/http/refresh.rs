//! Refresh-token rotation: single use, reuse revokes the session at once, the lost-response
//! retry rule, idle and absolute expiry.

use reqwest::StatusCode;
use serde_json::Value;
use time::Duration;

use crate::common::{TestPlatform, expect_problem};

fn tok<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

#[tokio::test]
async fn rotation_issues_a_new_pair_and_reuse_revokes_the_session_at_once() {
    let p = TestPlatform::start().await;
    let first = p.user_with_session("r@example.com").await;
    let res = p.refresh(tok(&first, "refresh_token"), None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let second: Value = res.json().await.unwrap();
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["session_id"], first["session_id"]);
    assert_eq!(p.me_status(tok(&second, "access_token")).await.0, StatusCode::OK);

    // Replaying the rotated token: reuse. The whole session dies in the same instant.
    let res = p.refresh(tok(&first, "refresh_token"), None).await;
    expect_problem(res, 401, "refresh_token_reused").await;
    let (status, body) = p.me_status(tok(&second, "access_token")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "session_revoked");
    let (_, body) = p.me_status(tok(&first, "access_token")).await;
    assert_eq!(body["code"], "session_revoked");
    expect_problem(p.refresh(tok(&second, "refresh_token"), None).await, 401, "session_revoked").await;

    // The user sees it among their security events (from a new session).
    let fresh = p.login("r@example.com").await;
    let kinds = p.security_event_kinds(tok(&fresh, "access_token")).await;
    assert!(kinds.contains(&"refresh_reuse_detected".to_string()), "{kinds:?}");
}

#[tokio::test]
async fn unknown_token_is_invalid() {
    let p = TestPlatform::start().await;
    expect_problem(p.refresh("not-a-token", None).await, 401, "refresh_token_invalid").await;
}

#[tokio::test]
async fn lost_response_retry_with_the_same_key_is_the_same_rotation() {
    let p = TestPlatform::start().await;
    let first = p.user_with_session("s@example.com").await;
    let key = "rotate-7f3a";
    let lost: Value = p.refresh(tok(&first, "refresh_token"), Some(key)).await.json().await.unwrap();
    // The client never saw `lost`; it retries with the same key.
    let res = p.refresh(tok(&first, "refresh_token"), Some(key)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let retried: Value = res.json().await.unwrap();
    assert_ne!(retried["refresh_token"], lost["refresh_token"]);
    assert_eq!(p.me_status(tok(&retried, "access_token")).await.0, StatusCode::OK);
    // The pair of the first attempt is void.
    let (status, body) = p.me_status(tok(&lost, "access_token")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
    // The retried pair keeps rotating normally.
    let res = p.refresh(tok(&retried, "refresh_token"), None).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn retry_after_the_window_or_with_another_key_is_reuse() {
    let p = TestPlatform::start().await;
    let a = p.user_with_session("t@example.com").await;
    assert_eq!(p.refresh(tok(&a, "refresh_token"), Some("k1")).await.status(), StatusCode::OK);
    expect_problem(p.refresh(tok(&a, "refresh_token"), Some("k2")).await, 401, "refresh_token_reused").await;

    let b = p.login("t@example.com").await;
    assert_eq!(p.refresh(tok(&b, "refresh_token"), Some("k3")).await.status(), StatusCode::OK);
    p.clock.advance(Duration::seconds(61));
    expect_problem(p.refresh(tok(&b, "refresh_token"), Some("k3")).await, 401, "refresh_token_reused").await;
}

#[tokio::test]
async fn idle_and_absolute_expiry() {
    let p = TestPlatform::start().await;
    let a = p.user_with_session("u@example.com").await;
    p.clock.advance(Duration::days(14) + Duration::seconds(1));
    expect_problem(p.refresh(tok(&a, "refresh_token"), None).await, 401, "refresh_token_invalid").await;

    // Used every 10 days the session lives, but never past 30 days from its start.
    let b = p.login("u@example.com").await;
    let mut current = tok(&b, "refresh_token").to_string();
    // Day 10: idle expiry (14 days) comes first; day 20: the absolute end (day 30) does.
    for expected_days in [14, 10] {
        p.clock.advance(Duration::days(10));
        let res = p.refresh(&current, None).await;
        assert_eq!(res.status(), StatusCode::OK);
        let pair: Value = res.json().await.unwrap();
        let left = pair["refresh_expires_in"].as_u64().unwrap();
        assert!(left.abs_diff(expected_days * 86_400) <= 5, "{left} s left, expected {expected_days} days");
        current = tok(&pair, "refresh_token").to_string();
    }
    p.clock.advance(Duration::days(10));
    expect_problem(p.refresh(&current, None).await, 401, "refresh_token_invalid").await;
}

#[tokio::test]
async fn access_token_expires_after_fifteen_minutes() {
    let p = TestPlatform::start().await;
    let a = p.user_with_session("v@example.com").await;
    p.clock.advance(Duration::minutes(14));
    assert_eq!(p.me_status(tok(&a, "access_token")).await.0, StatusCode::OK);
    p.clock.advance(Duration::minutes(1) + Duration::seconds(1));
    let (status, body) = p.me_status(tok(&a, "access_token")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthenticated")));
}
