//! Bad input answers the documented 4xx problem, never a 500, and stores nothing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestPlatform, expect_problem};

#[tokio::test]
async fn malformed_bodies_on_anonymous_endpoints() {
    let p = TestPlatform::start().await;
    // (what, path, content type, body, status, code)
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, String, u16, &'a str);
    let cases: Vec<Case> = vec![
        ("malformed", "/v1/auth/signup", Some("application/json"), "{\"email\":".into(), 400, "bad_request"),
        ("not an object", "/v1/auth/signup", Some("application/json"), "[1,2]".into(), 400, "bad_request"),
        (
            "wrong type",
            "/v1/auth/signup",
            Some("application/json"),
            json!({"email": 5, "password": PASSWORD, "display_name": "x"}).to_string(),
            400,
            "bad_request",
        ),
        (
            "null field",
            "/v1/auth/login",
            Some("application/json"),
            json!({"email": null, "password": PASSWORD}).to_string(),
            400,
            "bad_request",
        ),
        (
            "unknown field",
            "/v1/auth/login",
            Some("application/json"),
            json!({"email": "a@b.co", "password": "x", "admin": true}).to_string(),
            400,
            "bad_request",
        ),
        (
            "missing field",
            "/v1/auth/signup",
            Some("application/json"),
            json!({"email": "a@b.co", "password": PASSWORD}).to_string(),
            422,
            "validation_failed",
        ),
        ("empty body", "/v1/auth/refresh", Some("application/json"), String::new(), 400, "bad_request"),
        (
            "no content type",
            "/v1/auth/login",
            None,
            json!({"email": "a@b.co", "password": "x"}).to_string(),
            415,
            "unsupported_media_type",
        ),
        (
            "form body",
            "/v1/auth/login",
            Some("application/x-www-form-urlencoded"),
            "email=a&password=b".into(),
            415,
            "unsupported_media_type",
        ),
        (
            "oversized",
            "/v1/auth/login",
            Some("application/json"),
            format!("{{\"email\":\"{}\"}}", "a".repeat(2 * 1024 * 1024)),
            413,
            "payload_too_large",
        ),
    ];
    for (what, path, ct, body, status, code) in cases {
        let mut rb = p.req(Method::POST, path).body(body);
        if let Some(ct) = ct {
            rb = rb.header("content-type", ct);
        }
        let res = rb.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{what}");
        expect_problem(res, status, code).await;
    }
    // Invalid UTF-8 inside a JSON string.
    let res = p
        .req(Method::POST, "/v1/auth/login")
        .header("content-type", "application/json")
        .body(b"{\"email\":\"\xff\xfe\",\"password\":\"x\"}".to_vec())
        .send()
        .await
        .unwrap();
    expect_problem(res, 400, "bad_request").await;
}

#[tokio::test]
async fn unicode_tricks_in_emails_are_refused_and_nothing_is_stored() {
    let p = TestPlatform::start().await;
    p.signup("kate@example.com").await;
    for email in [
        "\u{212a}ate@example.com",  // Kelvin sign: lower-cases to "kate"
        "kate@ex\u{0430}mple.com",  // Cyrillic a
        "ka\u{200b}te@example.com", // zero-width space
        "\u{202e}kate@example.com", // right-to-left override
        "kate@example.com\u{0000}",
        "not-an-email",
        "",
    ] {
        let res = p
            .req(Method::POST, "/v1/auth/signup")
            .json(&json!({"email": email, "password": PASSWORD, "display_name": "Kate"}))
            .send()
            .await
            .unwrap();
        let body = expect_problem(res, 422, "validation_failed").await;
        assert_eq!(body["errors"][0]["field"], "email", "{email:?}");
        // Login with a look-alike never reaches the real account.
        expect_problem(p.login_raw(email, PASSWORD).await, 401, "invalid_credentials").await;
    }
    for name in ["", "   ", "bad\u{0007}name"] {
        let res = p
            .req(Method::POST, "/v1/auth/signup")
            .json(&json!({"email": "other@example.com", "password": PASSWORD, "display_name": name}))
            .send()
            .await
            .unwrap();
        expect_problem(res, 422, "validation_failed").await;
    }
    // Only Kate's real account exists: the failed signups stored nothing.
    let pair = p.login("kate@example.com").await;
    let kinds = p.security_event_kinds(pair["access_token"].as_str().unwrap()).await;
    assert_eq!(kinds.iter().filter(|k| *k == "signup").count(), 1);
    expect_problem(p.login_raw("other@example.com", PASSWORD).await, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn bad_bodies_on_bearer_endpoints_store_nothing() {
    let p = TestPlatform::start().await;
    let pair = p.user_with_session("bb@example.com").await;
    let access = pair["access_token"].as_str().unwrap();
    let res = p
        .authed(Method::POST, "/v1/me/password", access)
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    expect_problem(res, 400, "bad_request").await;
    let res = p.authed(Method::POST, "/v1/me/mfa/totp", access).json(&json!({"password": 12})).send().await.unwrap();
    expect_problem(res, 400, "bad_request").await;
    let res = p.authed(Method::POST, "/v1/me/mfa/totp/confirm", access).json(&json!({})).send().await.unwrap();
    expect_problem(res, 422, "validation_failed").await;
    let (_, me): (_, Value) = p.me_status(access).await;
    assert_eq!(me["user"]["mfa_enabled"], false);
    let kinds = p.security_event_kinds(access).await;
    assert_eq!(kinds, vec!["login".to_string(), "signup".to_string()]);
}
