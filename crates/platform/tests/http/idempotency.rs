//! Idempotency-Key on authenticated writes: required, replayed, fingerprinted, scoped per
//! user, stored sealed, safe under concurrent retries.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;

use crate::common::{PASSWORD, TestPlatform, expect_problem};

#[tokio::test]
async fn writes_need_a_valid_key_and_nothing_happens_without_one() {
    let p = TestPlatform::start().await;
    let pair = p.user_with_session("i@example.com").await;
    let access = pair["access_token"].as_str().unwrap();
    let body = json!({"password": PASSWORD});
    let res = p.req(Method::POST, "/v1/me/mfa/totp").bearer_auth(access).json(&body).send().await.unwrap();
    expect_problem(res, 400, "idempotency_key_missing").await;
    for bad in ["", "with space", &"k".repeat(256), "\"unterminated"] {
        let res = p
            .req(Method::POST, "/v1/me/mfa/totp")
            .bearer_auth(access)
            .header("Idempotency-Key", bad)
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_problem(res, 400, "idempotency_key_invalid").await;
    }
    // No enrolment was started by any of them.
    let res = p
        .authed(Method::POST, "/v1/me/mfa/totp/confirm", access)
        .json(&json!({"code": "123456"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 409, "mfa_enrollment_not_started").await;
    // Reads and the anonymous endpoints do not need one.
    assert_eq!(p.req(Method::GET, "/v1/me").bearer_auth(access).send().await.unwrap().status(), StatusCode::OK);
    // Authentication comes first: no token is 401 whatever the key.
    expect_problem(p.req(Method::POST, "/v1/auth/logout").send().await.unwrap(), 401, "unauthenticated").await;
}

#[tokio::test]
async fn replay_returns_the_stored_answer_and_mismatch_is_refused() {
    let p = TestPlatform::start().await;
    let pair = p.user_with_session("i2@example.com").await;
    let access = pair["access_token"].as_str().unwrap();
    let send = |key: &'static str, path: &'static str, body: Value| {
        p.req(Method::POST, path).bearer_auth(access).header("Idempotency-Key", key).json(&body).send()
    };
    let first = send("enrol-1", "/v1/me/mfa/totp", json!({"password": PASSWORD})).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();

    let again = send("enrol-1", "/v1/me/mfa/totp", json!({"password": PASSWORD})).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert!(again.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert_eq!(again.json::<Value>().await.unwrap(), first, "same secret: applied once");

    // The sf-string form is the same key.
    let quoted = send("\"enrol-1\"", "/v1/me/mfa/totp", json!({"password": PASSWORD})).await.unwrap();
    assert_eq!(quoted.headers()["idempotent-replayed"], "true");

    // Same key, another body or path.
    let res = send("enrol-1", "/v1/me/mfa/totp", json!({"password": "Other-Password-99!"})).await.unwrap();
    expect_problem(res, 422, "idempotency_key_reused").await;
    let res = send("enrol-1", "/v1/me/mfa/totp/confirm", json!({"code": "123456"})).await.unwrap();
    expect_problem(res, 422, "idempotency_key_reused").await;

    // Error answers are replayed too (a 401 for a wrong password stays that answer).
    let res = send(
        "wrong-1",
        "/v1/me/password",
        json!({"current_password": "Nope-Nope-123!", "new_password": "Brand-New-Phrase-88?"}),
    )
    .await
    .unwrap();
    let original = expect_problem(res, 401, "invalid_credentials").await;
    let res = send(
        "wrong-1",
        "/v1/me/password",
        json!({"current_password": "Nope-Nope-123!", "new_password": "Brand-New-Phrase-88?"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/problem+json"));
    // The stored body comes back byte for byte, with the first attempt's request_id.
    assert_eq!(res.json::<Value>().await.unwrap(), original);

    // The stored answer holds a TOTP secret: it is sealed at rest.
    let raw = p.stored_bytes().await;
    let secret = first["secret"].as_str().unwrap().as_bytes();
    assert!(!crate::common::stored_contains(&raw, secret), "stored response is encrypted");

    // After 24 hours the key is forgotten and the request is new.
    p.clock.advance(Duration::hours(24) + Duration::seconds(1));
    let fresh = p.login("i2@example.com").await;
    let res = p
        .req(Method::POST, "/v1/me/mfa/totp")
        .bearer_auth(fresh["access_token"].as_str().unwrap())
        .header("Idempotency-Key", "enrol-1")
        .json(&json!({"password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers().get("idempotent-replayed").is_none());
    assert_ne!(res.json::<Value>().await.unwrap()["secret"], first["secret"]);
}

#[tokio::test]
async fn keys_are_scoped_per_user() {
    let p = TestPlatform::start().await;
    let a = p.user_with_session("ia@example.com").await;
    let b = p.user_with_session("ib@example.com").await;
    for pair in [&a, &b] {
        let res = p
            .req(Method::POST, "/v1/me/mfa/totp")
            .bearer_auth(pair["access_token"].as_str().unwrap())
            .header("Idempotency-Key", "shared-key")
            .json(&json!({"password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        assert!(res.headers().get("idempotent-replayed").is_none(), "another user's key is not ours");
    }
}

#[tokio::test]
async fn concurrent_retries_apply_once() {
    let p = TestPlatform::start().await;
    let pair = p.user_with_session("ic@example.com").await;
    let access = pair["access_token"].as_str().unwrap().to_string();
    let body = json!({"current_password": PASSWORD, "new_password": "Concurrent-Phrase-31!"});
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let rb =
            p.req(Method::POST, "/v1/me/password").bearer_auth(&access).header("Idempotency-Key", "pw-1").json(&body);
        tasks.push(tokio::spawn(async move {
            let res = rb.send().await.unwrap();
            let status = res.status().as_u16();
            let code = res.json::<Value>().await.ok().and_then(|v| v["code"].as_str().map(str::to_string));
            (status, code)
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            (204, _) => ok += 1,
            (409, Some(code)) => assert_eq!(code, "idempotency_key_in_use"),
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert!(ok >= 1);
    let kinds = p.security_event_kinds(&access).await;
    assert_eq!(kinds.iter().filter(|k| *k == "password_changed").count(), 1, "{kinds:?}");
    // After completion every retry is a replay.
    let res = p
        .req(Method::POST, "/v1/me/password")
        .bearer_auth(&access)
        .header("Idempotency-Key", "pw-1")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
}

#[tokio::test]
async fn a_write_whose_client_went_away_is_finished_and_replayed() {
    let p = TestPlatform::start().await;
    let pair = p.user_with_session("gone@example.com").await;
    let access = pair["access_token"].as_str().unwrap().to_string();
    let body = json!({"current_password": PASSWORD, "new_password": "Vanishing-Client-Phrase-8!"});
    // The client gives up long before the (deliberately slow) password hash is done.
    let impatient = reqwest::Client::builder().timeout(std::time::Duration::from_millis(5)).build().unwrap();
    let res = impatient
        .post(format!("{}/v1/me/password", p.base))
        .bearer_auth(&access)
        .header("Idempotency-Key", "gone-1")
        .json(&body)
        .send()
        .await;
    assert!(res.is_err(), "the client timed out");
    // Its retry is answered from the finished record, not refused as in flight for minutes.
    let mut answer = None;
    for _ in 0..50 {
        let res = p
            .req(Method::POST, "/v1/me/password")
            .bearer_auth(&access)
            .header("Idempotency-Key", "gone-1")
            .json(&body)
            .send()
            .await
            .unwrap();
        if res.status() != StatusCode::CONFLICT {
            answer = Some(res);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let res = answer.expect("the first attempt finished");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    let kinds = p.security_event_kinds(&access).await;
    assert_eq!(kinds.iter().filter(|k| *k == "password_changed").count(), 1);
}
