//! Signup, login, /v1/me, sessions, logout and password change, as a client sees them.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestPlatform, expect_problem};

#[tokio::test]
async fn signup_login_me_logout_happy_path() {
    let p = TestPlatform::start().await;
    let created = p.signup("  Ada@Example.COM ").await;
    assert_eq!(created["user"]["email"], "ada@example.com", "trimmed and lower-cased");
    assert_eq!(created["user"]["mfa_enabled"], false);
    assert!(created["user"].get("password_hash").is_none());

    let pair = p.login("ADA@example.com").await;
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    assert!(pair["refresh_expires_in"].as_u64().unwrap() > 13 * 86_400);
    let access = pair["access_token"].as_str().unwrap();

    let (status, me) = p.me_status(access).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["user"]["id"], created["user"]["id"]);
    assert_eq!(me["user"]["display_name"], "Test User");
    assert_eq!(me["memberships"], json!([]));

    let res = p.authed(Method::POST, "/v1/auth/logout", access).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = p.authed(Method::GET, "/v1/me", access).send().await.unwrap();
    expect_problem(res, 401, "session_revoked").await;
    let res = p.refresh(pair["refresh_token"].as_str().unwrap(), None).await;
    expect_problem(res, 401, "session_revoked").await;
}

#[tokio::test]
async fn duplicate_email_and_wrong_password() {
    let p = TestPlatform::start().await;
    p.signup("bo@example.com").await;
    let res = p
        .req(Method::POST, "/v1/auth/signup")
        .json(&json!({"email": "BO@example.com", "password": PASSWORD, "display_name": "Other"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 409, "email_taken").await;

    let wrong = p.login_raw("bo@example.com", "Not-The-Password-1!").await;
    let body_wrong = expect_problem(wrong, 401, "invalid_credentials").await;
    let unknown = p.login_raw("nobody@example.com", PASSWORD).await;
    let body_unknown = expect_problem(unknown, 401, "invalid_credentials").await;
    assert_eq!(body_wrong["detail"], body_unknown["detail"], "unknown email answers the same");
}

#[tokio::test]
async fn sessions_list_and_revoke_own_only() {
    let p = TestPlatform::start().await;
    let a1 = p.user_with_session("a@example.com").await;
    let a2 = p.login("a@example.com").await;
    let b = p.user_with_session("b@example.com").await;
    let a1_access = a1["access_token"].as_str().unwrap();

    let res = p.authed(Method::GET, "/v1/auth/sessions", a1_access).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let list: Value = res.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let current: Vec<_> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["id"], a1["session_id"]);
    assert_eq!(current[0]["device_name"], "test");
    assert_eq!(current[0]["ip"], "127.0.0.1");

    // Another user's session id is not found, and stays live.
    let b_sid = b["session_id"].as_str().unwrap();
    let res = p.authed(Method::DELETE, &format!("/v1/auth/sessions/{b_sid}"), a1_access).send().await.unwrap();
    expect_problem(res, 404, "not_found").await;
    assert_eq!(p.me_status(b["access_token"].as_str().unwrap()).await.0, StatusCode::OK);

    // Revoking our second session kills its access token at once.
    let a2_sid = a2["session_id"].as_str().unwrap();
    let res = p.authed(Method::DELETE, &format!("/v1/auth/sessions/{a2_sid}"), a1_access).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(p.me_status(a2["access_token"].as_str().unwrap()).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(p.me_status(a1_access).await.0, StatusCode::OK);

    let res = p.authed(Method::DELETE, "/v1/auth/sessions/not-a-uuid", a1_access).send().await.unwrap();
    expect_problem(res, 400, "bad_request").await;
}

#[tokio::test]
async fn password_change_revokes_every_other_session() {
    let p = TestPlatform::start().await;
    let keep = p.user_with_session("c@example.com").await;
    let other = p.login("c@example.com").await;
    let keep_access = keep["access_token"].as_str().unwrap();

    let res = p
        .authed(Method::POST, "/v1/me/password", keep_access)
        .json(&json!({"current_password": "wrong-Password-9!", "new_password": "Another-Strong-Phrase-42?"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 401, "invalid_credentials").await;

    let res = p
        .authed(Method::POST, "/v1/me/password", keep_access)
        .json(&json!({"current_password": PASSWORD, "new_password": "short"}))
        .send()
        .await
        .unwrap();
    let body = expect_problem(res, 422, "weak_password").await;
    assert!(!body["reasons"].as_array().unwrap().is_empty());

    let res = p
        .authed(Method::POST, "/v1/me/password", keep_access)
        .json(&json!({"current_password": PASSWORD, "new_password": "Another-Strong-Phrase-42?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(p.me_status(keep_access).await.0, StatusCode::OK, "the current session stays");
    let res = p.authed(Method::GET, "/v1/me", other["access_token"].as_str().unwrap()).send().await.unwrap();
    expect_problem(res, 401, "session_revoked").await;
    expect_problem(p.login_raw("c@example.com", PASSWORD).await, 401, "invalid_credentials").await;
    assert_eq!(p.login_raw("c@example.com", "Another-Strong-Phrase-42?").await.status(), StatusCode::OK);

    let kinds = p.security_event_kinds(keep_access).await;
    for k in ["signup", "login", "password_changed"] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
}

#[tokio::test]
async fn password_policy_cases_over_http() {
    let p = TestPlatform::start().await;
    let cases: &[(&str, &str)] = &[
        ("Sh0rt!", "at least 12"),
        ("alllowercase-123!", "upper-case"),
        ("ALLUPPERCASE-123!", "lower-case"),
        ("No-Digits-Here-At-All!", "digit"),
        ("NoSymbols1234567", "symbol"),
        ("Password1234!", "too easy"),
        ("dee@example.com-X1", "too easy"),
    ];
    for (pw, reason) in cases {
        let res = p
            .req(Method::POST, "/v1/auth/signup")
            .json(&json!({"email": "dee@example.com", "password": pw, "display_name": "Dee"}))
            .send()
            .await
            .unwrap();
        let body = expect_problem(res, 422, "weak_password").await;
        let reasons: Vec<String> = serde_json::from_value(body["reasons"].clone()).unwrap();
        assert!(reasons.iter().any(|r| r.contains(reason)), "{pw}: {reasons:?}");
    }
    let long = format!("Aa1!{}", "Zq9#".repeat(32));
    let res = p
        .req(Method::POST, "/v1/auth/signup")
        .json(&json!({"email": "dee@example.com", "password": long, "display_name": "Dee"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 422, "weak_password").await;
    // Nothing was stored by any of those.
    expect_problem(p.login_raw("dee@example.com", PASSWORD).await, 401, "invalid_credentials").await;
    p.signup("dee@example.com").await;
}

#[tokio::test]
async fn security_events_page_with_cursor() {
    let p = TestPlatform::start().await;
    let s = p.user_with_session("e@example.com").await;
    for _ in 0..3 {
        p.login("e@example.com").await;
    }
    let access = s["access_token"].as_str().unwrap();
    let res = p.authed(Method::GET, "/v1/me/security-events?limit=2", access).send().await.unwrap();
    let page1: Value = res.json().await.unwrap();
    assert_eq!(page1["items"].as_array().unwrap().len(), 2);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let res =
        p.authed(Method::GET, &format!("/v1/me/security-events?limit=2&cursor={cursor}"), access).send().await.unwrap();
    let page2: Value = res.json().await.unwrap();
    assert_eq!(page2["items"].as_array().unwrap().len(), 2);
    let res = p
        .authed(
            Method::GET,
            &format!("/v1/me/security-events?limit=2&cursor={}", page2["next_cursor"].as_str().unwrap()),
            access,
        )
        .send()
        .await
        .unwrap();
    let page3: Value = res.json().await.unwrap();
    assert_eq!(page3["items"].as_array().unwrap().len(), 1, "signup + 4 logins = 5 events");
    assert!(page3["next_cursor"].is_null());
    assert_eq!(page3["items"][0]["kind"], "signup");
    for bad in ["limit=0", "limit=201", "limit=abc", "cursor=zzz", "unknown=1"] {
        let res = p.authed(Method::GET, &format!("/v1/me/security-events?{bad}"), access).send().await.unwrap();
        expect_problem(res, 400, "bad_request").await;
    }
}
