//! `incident revoke-sessions`, run as the operator runs it: the binary against the
//! database a live platform is serving from.

use std::process::Output;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::common::{TestPlatform, expect_problem, platform_command};
use crate::venue_fixture::ROLES;

async fn revoke(p: &TestPlatform, scope: &[&str]) -> Output {
    let mut args = vec!["incident", "revoke-sessions", "--database", p.db_url()];
    args.extend_from_slice(scope);
    platform_command(&args).await
}

fn stdout(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn me(p: &TestPlatform, access: &str) -> StatusCode {
    p.authed(Method::GET, "/v1/me", access).send().await.unwrap().status()
}

fn email(prefix: &str, role: &str) -> String {
    format!("{prefix}-{role}@example.com").replace('_', "-")
}

#[tokio::test]
async fn revoke_sessions_by_venue_user_and_all_ends_them_at_once_and_is_audited() {
    let p = TestPlatform::start().await;
    let t = p.team("incident", 10).await;
    // A second session of the owner (another device) and its refresh token.
    let owner_laptop = p.login(&email("incident", "owner")).await;
    let bystander = p.user_with_session("bystander@example.com").await;
    let bystander_access = bystander["access_token"].as_str().unwrap().to_string();

    // Mistyped targets change nothing and say so.
    let out = revoke(&p, &["--user", "nobody@example.com"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(stdout(&out).contains("nothing was changed"), "{}", stdout(&out));
    let out = revoke(&p, &["--venue", "0190f0e0-0000-7000-8000-000000000000"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert_eq!(me(&p, t.owner()).await, StatusCode::OK);

    // --venue: every member's sessions end (five: four members, the owner twice).
    let out = revoke(&p, &["--venue", &t.vid]).await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("ended 5 session(s) of 4 account(s)"), "{}", stdout(&out));
    for role in ROLES {
        let res = p.authed(Method::GET, "/v1/me", t.token(role)).send().await.unwrap();
        expect_problem(res, 401, "session_revoked").await;
    }
    let res = p.refresh(owner_laptop["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "the refresh token of a revoked session is refused");
    assert_eq!(me(&p, &bystander_access).await, StatusCode::OK, "someone outside the venue is untouched");

    // The venue's trail records it as the platform's act, and still verifies.
    let owner = p.login(&email("incident", "owner")).await["access_token"].as_str().unwrap().to_string();
    let audit = p.get_ok(&t.path("/audit?action=incident.revoke_sessions"), &owner).await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["actor"]["type"], "system");
    assert_eq!(items[0]["details"]["scope"], "venue");
    assert_eq!(items[0]["details"]["sessions"], 5);
    // Each account sees why in its security events.
    let events = p.get_ok("/v1/me/security-events?limit=50", &owner).await;
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "incident_revoked").count(), 2, "{kinds:?}");

    // --user: that account only, in every venue it belongs to.
    let out = revoke(&p, &["--user", "  Bystander@Example.com "]).await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("ended 1 session(s) of 1 account(s)"), "{}", stdout(&out));
    let res = p.authed(Method::GET, "/v1/me", &bystander_access).send().await.unwrap();
    expect_problem(res, 401, "session_revoked").await;
    assert_eq!(me(&p, &owner).await, StatusCode::OK, "only the named account");

    // --all: everyone, the fresh sessions included.
    let again = p.login("bystander@example.com").await["access_token"].as_str().unwrap().to_string();
    let out = revoke(&p, &["--all"]).await;
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("ended 2 session(s) of 2 account(s)"), "{}", stdout(&out));
    for token in [&owner, &again] {
        let res = p.authed(Method::GET, "/v1/me", token).send().await.unwrap();
        expect_problem(res, 401, "session_revoked").await;
    }
    let owner = p.login(&email("incident", "owner")).await["access_token"].as_str().unwrap().to_string();
    let audit = p.get_ok(&t.path("/audit?action=incident.revoke_sessions"), &owner).await;
    let scopes: Vec<&str> =
        audit["items"].as_array().unwrap().iter().map(|e| e["details"]["scope"].as_str().unwrap()).collect();
    assert_eq!(scopes, ["venue", "all"], "in order; --user of an outsider is not this venue's business");
    let verify = platform_command(["audit", "verify", "--database", p.db_url(), "--venue", &t.vid]).await;
    assert!(verify.status.success(), "{}", stdout(&verify));
    let body: Value = p.get_ok("/v1/me", &owner).await;
    assert_eq!(body["user"]["email"], email("incident", "owner"), "a new sign-in works after an incident");
}
