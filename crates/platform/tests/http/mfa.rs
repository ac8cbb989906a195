//! TOTP enrolment, the MFA login step, replay protection and recovery codes.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use venuedesk_platform::auth::totp;
use venuedesk_platform::clock::Clock;

use crate::common::{PASSWORD, TestPlatform, expect_problem};

pub(crate) fn decode_base32(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bits = 0u64;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base32") as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    out
}

/// Moves the clock to one second into a fresh 30 s step, so a test's codes cannot straddle
/// a step boundary by accident.
pub(crate) fn align_to_step_start(p: &TestPlatform) {
    let now = p.clock.now().unix_timestamp();
    p.clock.advance(Duration::seconds(30 - now.rem_euclid(30) + 1));
}

pub(crate) fn code_now(p: &TestPlatform, secret: &[u8]) -> String {
    totp::code_at(secret, p.clock.now().unix_timestamp() as u64, 6).unwrap()
}

/// Signs up, logs in and enables TOTP; returns (access token, secret, recovery codes).
pub(crate) async fn enrolled(p: &TestPlatform, email: &str) -> (String, Vec<u8>, Vec<String>) {
    let pair = p.user_with_session(email).await;
    let access = pair["access_token"].as_str().unwrap().to_string();
    let res =
        p.authed(Method::POST, "/v1/me/mfa/totp", &access).json(&json!({"password": PASSWORD})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let enrol: Value = res.json().await.unwrap();
    let secret_b32 = enrol["secret"].as_str().unwrap();
    assert_eq!(
        enrol["otpauth_uri"],
        format!(
            "otpauth://totp/Venuedesk:{email}?secret={secret_b32}&issuer=Venuedesk&algorithm=SHA1&digits=6&period=30"
        )
    );
    let secret = decode_base32(secret_b32);
    assert_eq!(secret.len(), 20);
    align_to_step_start(p);
    let res = p
        .authed(Method::POST, "/v1/me/mfa/totp/confirm", &access)
        .json(&json!({"code": code_now(p, &secret)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let codes: Vec<String> =
        serde_json::from_value(res.json::<Value>().await.unwrap()["recovery_codes"].clone()).unwrap();
    assert_eq!(codes.len(), 10);
    (access, secret, codes)
}

pub(crate) async fn mfa_token(p: &TestPlatform, email: &str) -> String {
    let body: Value = p.login_raw(email, PASSWORD).await.json().await.unwrap();
    assert_eq!(body["mfa_required"], true, "{body}");
    assert_eq!(body["methods"], json!(["totp", "recovery_code"]));
    assert!(body.get("access_token").is_none());
    body["mfa_token"].as_str().unwrap().to_string()
}

pub(crate) async fn mfa(p: &TestPlatform, body: Value) -> reqwest::Response {
    p.req(Method::POST, "/v1/auth/mfa").json(&body).send().await.unwrap()
}

#[tokio::test]
async fn totp_login_and_a_replayed_code_is_rejected() {
    let p = TestPlatform::start().await;
    let (access, secret, _) = enrolled(&p, "m@example.com").await;
    let (_, me) = p.me_status(&access).await;
    assert_eq!(me["user"]["mfa_enabled"], true);

    // The code used to confirm cannot sign in: a step is accepted once.
    let token = mfa_token(&p, "m@example.com").await;
    let used = code_now(&p, &secret);
    expect_problem(mfa(&p, json!({"mfa_token": token, "code": used})).await, 401, "invalid_mfa_code").await;

    p.clock.advance(Duration::seconds(30));
    let code = code_now(&p, &secret);
    let res = mfa(&p, json!({"mfa_token": token, "code": code})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let pair: Value = res.json().await.unwrap();
    assert_eq!(p.me_status(pair["access_token"].as_str().unwrap()).await.0, StatusCode::OK);

    // The same code again, with a fresh mfa_token: replay.
    let token2 = mfa_token(&p, "m@example.com").await;
    expect_problem(mfa(&p, json!({"mfa_token": token2, "code": code})).await, 401, "invalid_mfa_code").await;
    // The mfa_token is single use.
    p.clock.advance(Duration::seconds(30));
    let next = code_now(&p, &secret);
    expect_problem(mfa(&p, json!({"mfa_token": token, "code": next})).await, 401, "invalid_mfa_code").await;
    assert_eq!(mfa(&p, json!({"mfa_token": token2, "code": next})).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn mfa_token_expires_after_five_minutes_and_bad_bodies_are_refused() {
    let p = TestPlatform::start().await;
    let (_, secret, _) = enrolled(&p, "n@example.com").await;
    let token = mfa_token(&p, "n@example.com").await;
    expect_problem(mfa(&p, json!({"mfa_token": token})).await, 422, "validation_failed").await;
    expect_problem(
        mfa(&p, json!({"mfa_token": token, "code": "1", "recovery_code": "x"})).await,
        422,
        "validation_failed",
    )
    .await;
    p.clock.advance(Duration::minutes(5) + Duration::seconds(1));
    let code = code_now(&p, &secret);
    expect_problem(mfa(&p, json!({"mfa_token": token, "code": code})).await, 401, "invalid_mfa_code").await;
}

#[tokio::test]
async fn recovery_codes_are_single_use_and_can_be_regenerated() {
    let p = TestPlatform::start().await;
    let (access, secret, codes) = enrolled(&p, "o@example.com").await;
    let token = mfa_token(&p, "o@example.com").await;
    let res = mfa(&p, json!({"mfa_token": token, "recovery_code": codes[0].to_uppercase()})).await;
    assert_eq!(res.status(), StatusCode::OK, "codes are case-insensitive");
    let token = mfa_token(&p, "o@example.com").await;
    expect_problem(mfa(&p, json!({"mfa_token": token, "recovery_code": codes[0]})).await, 401, "invalid_mfa_code")
        .await;

    // Regenerating needs the password and a code; the old codes stop working.
    p.clock.advance(Duration::seconds(30));
    let res = p
        .authed(Method::POST, "/v1/me/mfa/recovery-codes", &access)
        .json(&json!({"password": PASSWORD, "code": code_now(&p, &secret)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let fresh: Vec<String> =
        serde_json::from_value(res.json::<Value>().await.unwrap()["recovery_codes"].clone()).unwrap();
    let token = mfa_token(&p, "o@example.com").await;
    expect_problem(mfa(&p, json!({"mfa_token": token, "recovery_code": codes[1]})).await, 401, "invalid_mfa_code")
        .await;
    assert_eq!(mfa(&p, json!({"mfa_token": token, "recovery_code": fresh[1]})).await.status(), StatusCode::OK);

    let kinds = p.security_event_kinds(&access).await;
    for k in ["mfa_enrolled", "recovery_code_used", "recovery_codes_regenerated", "mfa_failed"] {
        assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
    }
}

#[tokio::test]
async fn changing_mfa_needs_the_password_and_a_code() {
    let p = TestPlatform::start().await;
    let (access, secret, codes) = enrolled(&p, "q@example.com").await;
    // Enrolling again while enabled.
    let res =
        p.authed(Method::POST, "/v1/me/mfa/totp", &access).json(&json!({"password": PASSWORD})).send().await.unwrap();
    expect_problem(res, 409, "mfa_already_enabled").await;
    // Wrong password.
    let res = p
        .authed(Method::DELETE, "/v1/me/mfa/totp", &access)
        .json(&json!({"password": "Wrong-Guess-123!", "code": codes[2]}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 401, "invalid_credentials").await;
    // Wrong code.
    let res = p
        .authed(Method::DELETE, "/v1/me/mfa/totp", &access)
        .json(&json!({"password": PASSWORD, "code": "000000"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 401, "invalid_mfa_code").await;
    p.clock.advance(Duration::seconds(30));
    let res = p
        .authed(Method::DELETE, "/v1/me/mfa/totp", &access)
        .json(&json!({"password": PASSWORD, "code": code_now(&p, &secret)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Now login is one step again.
    let body: Value = p.login_raw("q@example.com", PASSWORD).await.json().await.unwrap();
    assert!(body["access_token"].is_string());
    let res = p
        .authed(Method::POST, "/v1/me/mfa/totp/confirm", &access)
        .json(&json!({"code": "123456"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 409, "mfa_enrollment_not_started").await;
    let res = p
        .authed(Method::POST, "/v1/me/mfa/recovery-codes", &access)
        .json(&json!({"password": PASSWORD, "code": "123456"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 409, "mfa_not_enabled").await;
}

#[tokio::test]
async fn the_totp_secret_is_not_stored_in_plaintext() {
    let p = TestPlatform::start().await;
    let (_, secret, codes) = enrolled(&p, "z@example.com").await;
    let raw = p.stored_bytes().await;
    let hay = |needle: &[u8]| crate::common::stored_contains(&raw, needle);
    assert!(!hay(&secret), "raw secret bytes");
    assert!(!hay(totp::base32(&secret).as_bytes()), "base32 secret");
    assert!(!hay(codes[0].as_bytes()), "recovery code");
}
