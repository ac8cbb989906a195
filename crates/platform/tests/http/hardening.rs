//! What an outside review of the platform found (issue "Hardening"), each tried as the
//! attacker or auditor would, over HTTP against a real platform. API.md, "Limits and
//! hardening (v1.1)", is the contract.

use std::collections::HashSet;

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use venuedesk_platform::auth::totp;
use venuedesk_platform::clock::Clock;
use venuedesk_platform::state::Settings;

use crate::common::{Backend, PASSWORD, TestPlatform, expect_problem, platform_command};
use crate::mfa::{align_to_step_start, code_now, decode_base32, enrolled, mfa, mfa_token};
use crate::venue_fixture::{Team, booking, in_hours};

/// Each request may name its client IP in X-Forwarded-For, as behind a load balancer.
async fn behind_proxy(settings: Settings) -> TestPlatform {
    TestPlatform::start_with(Settings { trusted_proxies: vec!["127.0.0.1/32".parse().unwrap()], ..settings }).await
}

/// A six-digit code that is wrong for every step the platform accepts now.
fn wrong_code(p: &TestPlatform, secret: &[u8]) -> String {
    let now = p.clock.now().unix_timestamp() as u64;
    let valid: HashSet<String> =
        [now - 30, now, now + 30].iter().map(|t| totp::code_at(secret, *t, 6).unwrap()).collect();
    (0..).map(|n: u32| format!("{:06}", n * 7919 % 1_000_000)).find(|c| !valid.contains(c)).unwrap()
}

// --- 1. MFA brute force by racing ----------------------------------------------------------

#[tokio::test]
async fn forty_concurrent_wrong_codes_from_forty_addresses_are_at_most_five_judged() {
    let p = behind_proxy(Settings::default()).await;
    let (access, secret, _) = enrolled(&p, "race@example.com").await;
    let token = mfa_token(&p, "race@example.com").await;
    let wrong = wrong_code(&p, &secret);
    let answers = join_all((0..40).map(|i| {
        p.req(Method::POST, "/v1/auth/mfa")
            .header("X-Forwarded-For", format!("203.0.113.{}", i + 1))
            .json(&json!({"mfa_token": token, "code": wrong}))
            .send()
    }))
    .await;
    for res in answers {
        let res = res.unwrap();
        match res.status().as_u16() {
            // Judged, or refused because the one challenge died with its fifth failure.
            401 => drop(expect_problem(res, 401, "invalid_mfa_code").await),
            429 => {
                assert!(res.headers().contains_key("retry-after"));
                expect_problem(res, 429, "locked_out").await;
            }
            other => panic!("unexpected status {other}"),
        }
    }
    let kinds = p.security_event_kinds(&access).await;
    let judged = kinds.iter().filter(|k| *k == "mfa_failed").count();
    assert!(judged <= 5, "{judged} wrong codes were judged; at most 5 may be");
    // The account is locked now: even the right code, on a fresh challenge, is refused.
    p.clock.advance(Duration::seconds(30));
    let res = p.login_raw("race@example.com", PASSWORD).await;
    expect_problem(res, 429, "locked_out").await;
    let kinds = p.security_event_kinds(&access).await;
    assert_eq!(kinds.iter().filter(|k| *k == "locked_out").count(), 1, "{kinds:?}");
}

#[tokio::test]
async fn a_new_password_login_voids_earlier_mfa_challenges() {
    let p = TestPlatform::start().await;
    let (_, secret, _) = enrolled(&p, "void@example.com").await;
    let first = mfa_token(&p, "void@example.com").await;
    let second = mfa_token(&p, "void@example.com").await;
    p.clock.advance(Duration::seconds(30));
    let code = code_now(&p, &secret);
    expect_problem(mfa(&p, json!({"mfa_token": first, "code": code})).await, 401, "invalid_mfa_code").await;
    assert_eq!(mfa(&p, json!({"mfa_token": second, "code": code})).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_right_code_after_four_wrong_ones_still_signs_in() {
    // Counting before judging must not turn a user's typos into a lockout.
    let p = TestPlatform::start().await;
    let (_, secret, _) = enrolled(&p, "typos@example.com").await;
    p.clock.advance(Duration::seconds(30));
    let wrong = wrong_code(&p, &secret);
    for _ in 0..4 {
        let token = mfa_token(&p, "typos@example.com").await;
        expect_problem(mfa(&p, json!({"mfa_token": token, "code": wrong})).await, 401, "invalid_mfa_code").await;
    }
    let token = mfa_token(&p, "typos@example.com").await;
    let res = mfa(&p, json!({"mfa_token": token, "code": code_now(&p, &secret)})).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn concurrent_wrong_codes_on_the_confirm_step_are_counted_before_judging() {
    // The same race on TOTP confirmation, with a stolen access token.
    let p = TestPlatform::start().await;
    let pair = p.user_with_session("confirm-race@example.com").await;
    let access = pair["access_token"].as_str().unwrap();
    let res =
        p.authed(Method::POST, "/v1/me/mfa/totp", access).json(&json!({"password": PASSWORD})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let answers =
        join_all((0..20).map(|_| {
            p.authed(Method::POST, "/v1/me/mfa/totp/confirm", access).json(&json!({"code": "000000"})).send()
        }))
        .await;
    let judged = answers.iter().filter(|r| r.as_ref().unwrap().status() == StatusCode::UNAUTHORIZED).count();
    let locked = answers.iter().filter(|r| r.as_ref().unwrap().status() == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(judged <= 5, "{judged} judged");
    assert_eq!(judged + locked, 20);
}

// --- 2. A panic on input -------------------------------------------------------------------

#[tokio::test]
async fn far_instants_answer_422_and_leave_no_key_in_flight() {
    let p = TestPlatform::start().await;
    let t = p.team("far", 50).await;
    let m = t.token("manager");
    for far in ["9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+23:59", "0000-06-01T00:00:00Z"] {
        let key = uuid::Uuid::new_v4().to_string();
        let body = booking("Far", 2, far);
        let send = || {
            p.req(Method::POST, &t.path("/bookings")).bearer_auth(m).header("Idempotency-Key", &key).json(&body).send()
        };
        let problem = expect_problem(send().await.unwrap(), 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "starts_at", "{problem}");
        // The same key again replays the stored 422: it was not left "in flight".
        let again = send().await.unwrap();
        assert_eq!((again.status().as_u16(), again.headers()["idempotent-replayed"].to_str().unwrap()), (422, "true"));
    }
    let b = p.post_ok(&t.path("/bookings"), m, booking("Near", 2, &in_hours(5))).await;
    let path = t.path(&format!("/bookings/{}", b["id"].as_str().unwrap()));
    let res = p.patch(&path, m, 1, json!({"starts_at": "9999-12-31T23:59:59-23:59"})).await;
    expect_problem(res, 422, "validation_failed").await;
    let res = p.send(Method::GET, &t.path("/bookings?from=9999-12-31T23:59:59-23:59"), m, None).await;
    expect_problem(res, 422, "validation_failed").await;
    let res = p.send(Method::GET, &t.path("/audit?to=0000-01-01T00:00:00%2B23:59"), m, None).await;
    expect_problem(res, 422, "validation_failed").await;
}

mod instants {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    use super::*;

    fn rfc3339() -> impl Strategy<Value = String> {
        let year = prop_oneof![Just(0), Just(1), Just(9998), Just(9999), 0..10_000i32];
        let offset = prop_oneof![
            Just("Z".to_string()),
            (any::<bool>(), 0..24u32, 0..60u32)
                .prop_map(|(plus, h, m)| format!("{}{h:02}:{m:02}", if plus { '+' } else { '-' })),
        ];
        let fraction = prop_oneof![Just(String::new()), "[0-9]{1,9}".prop_map(|d| format!(".{d}"))];
        (year, 1..=12u32, 1..=28u32, 0..24u32, 0..60u32, 0..60u32, fraction, offset)
            .prop_map(|(y, mo, d, h, mi, s, f, o)| format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{f}{o}"))
    }

    /// Every endpoint that takes an instant, with extreme years and offsets: never a 5xx.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_instant_anywhere_is_answered_with_a_5xx() {
        let p = TestPlatform::start().await;
        let t = p.team("instants", 50).await;
        let m = t.token("manager").to_string();
        let b = p.post_ok(&t.path("/bookings"), &m, booking("Prop", 2, &in_hours(4))).await;
        let booking_path = t.path(&format!("/bookings/{}", b["id"].as_str().unwrap()));
        let handle = tokio::runtime::Handle::current();
        let mut runner = TestRunner::new(Config { cases: 48, failure_persistence: None, ..Config::default() });
        let outcome = runner.run(&rfc3339(), |instant| {
            let statuses = tokio::task::block_in_place(|| {
                handle.block_on(async {
                    let q = instant.replace('+', "%2B");
                    let mut out = Vec::new();
                    let res = p.send(Method::POST, &t.path("/bookings"), &m, Some(booking("P", 2, &instant))).await;
                    out.push(("POST bookings", res.status().as_u16()));
                    let res = p.patch(&booking_path, &m, 1, json!({"starts_at": instant})).await;
                    out.push(("PATCH booking", res.status().as_u16()));
                    for path in [
                        format!("/bookings?from={q}"),
                        format!("/bookings?from=2026-01-01&to={q}"),
                        format!("/audit?from={q}"),
                        format!("/audit/export?format=jsonl&to={q}"),
                    ] {
                        let res = p.send(Method::GET, &t.path(&path), &m, None).await;
                        out.push(("GET", res.status().as_u16()));
                    }
                    out
                })
            });
            for (what, status) in statuses {
                prop_assert!(
                    [200, 201, 400, 409, 412, 422].contains(&status),
                    "{what} with {instant} answered {status}"
                );
            }
            Ok(())
        });
        outcome.unwrap();
    }
}

// --- 3. One tenant or an anonymous client cannot stall everyone --------------------------------

#[tokio::test]
async fn refresh_is_limited_per_ip_apart_from_sign_in() {
    let p = behind_proxy(Settings::default()).await;
    let garbage = |ip: &'static str| {
        p.req(Method::POST, "/v1/auth/refresh")
            .header("X-Forwarded-For", ip)
            .json(&json!({"refresh_token": "garbage-garbage-garbage"}))
            .send()
    };
    let answers = join_all((0..60).map(|_| garbage("198.51.100.7"))).await;
    for res in answers {
        expect_problem(res.unwrap(), 401, "refresh_token_invalid").await;
    }
    let res = garbage("198.51.100.7").await.unwrap();
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    expect_problem(res, 429, "rate_limited").await;
    // Another address is not affected, and sign-in from the same one is counted apart.
    expect_problem(garbage("198.51.100.8").await.unwrap(), 401, "refresh_token_invalid").await;
    let res = p
        .req(Method::POST, "/v1/auth/signup")
        .header("X-Forwarded-For", "198.51.100.7")
        .json(&json!({"email": "same-ip@example.com", "password": PASSWORD, "display_name": "X"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    // A minute later the address may refresh again.
    p.clock.advance(Duration::seconds(61));
    expect_problem(garbage("198.51.100.7").await.unwrap(), 401, "refresh_token_invalid").await;
}

async fn denials(p: &TestPlatform, t: &Team) -> usize {
    p.get_ok(&t.path("/audit?action=authz.denied&limit=200"), t.owner()).await["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn identical_denials_are_audited_once_a_minute() {
    let p = TestPlatform::start().await;
    let t = p.team("denied", 50).await;
    let k = t.token("kitchen");
    let before = denials(&p, &t).await;
    for _ in 0..60 {
        expect_problem(p.send(Method::GET, &t.path("/customers"), k, None).await, 403, "forbidden").await;
    }
    assert_eq!(denials(&p, &t).await, before + 1, "60 identical denials, one event");
    // Another permission is another denial; so is the same one a minute later.
    expect_problem(p.send(Method::GET, &t.path("/audit"), k, None).await, 403, "forbidden").await;
    assert_eq!(denials(&p, &t).await, before + 2);
    p.clock.advance(Duration::seconds(61));
    expect_problem(p.send(Method::GET, &t.path("/customers"), k, None).await, 403, "forbidden").await;
    assert_eq!(denials(&p, &t).await, before + 3);
    // Another actor's denial is its own.
    let fd_member = t.user_ids["kitchen"].clone();
    let res = p.send(Method::DELETE, &t.path(&format!("/members/{fd_member}")), t.token("front_desk"), None).await;
    expect_problem(res, 403, "forbidden").await;
    assert_eq!(denials(&p, &t).await, before + 4);
}

#[tokio::test]
async fn venue_capacity_is_at_most_one_hundred_thousand() {
    let p = TestPlatform::start().await;
    let pair = p.user_with_session("big@example.com").await;
    let a = pair["access_token"].as_str().unwrap();
    let res = p
        .send(
            Method::POST,
            "/v1/venues",
            a,
            Some(json!({"name": "Stadium", "timezone": "Europe/London", "capacity": 100_001})),
        )
        .await;
    expect_problem(res, 422, "validation_failed").await;
}

// --- 4. Acting above one's level ---------------------------------------------------------------

struct Ladder {
    t: Team,
    supervisor: String,
    role_admin: String,
    viewer: String,
    viewer2: String,
    secure_viewer: String,
    secure_user: String,
}

/// Custom roles under the owner: a Supervisor (members:manage, bookings:read), a RoleAdmin
/// (roles:manage, bookings:read), Viewer/Viewer2 (bookings:read) and a Secure viewer
/// (bookings:read, MFA required). The built-in manager stands above the Supervisor.
async fn ladder(p: &TestPlatform) -> Ladder {
    let t = p.team("ladder", 50).await;
    let o = t.owner().to_string();
    let role = |name: &'static str, perms: Vec<&'static str>, mfa: bool| {
        let o = o.clone();
        let path = t.path("/roles");
        async move {
            p.post_ok(&path, &o, json!({"name": name, "permissions": perms, "require_mfa": mfa})).await["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let supervisor_role = role("Supervisor", vec!["members:read", "members:manage", "bookings:read"], false).await;
    let role_admin_role = role("RoleAdmin", vec!["members:read", "roles:manage", "bookings:read"], false).await;
    let viewer = role("Viewer", vec!["bookings:read"], false).await;
    let viewer2 = role("Viewer2", vec!["bookings:read"], false).await;
    let secure_viewer = role("Secure viewer", vec!["bookings:read"], true).await;
    let member = |email: &'static str, role_id: String| {
        let o = o.clone();
        let path = t.path("/invitations");
        async move {
            let user = p.signup(email).await;
            let token = p.login(email).await["access_token"].as_str().unwrap().to_string();
            let inv = p.post_ok(&path, &o, json!({"email": email, "role_id": role_id})).await;
            p.post_ok("/v1/invitations/accept", &token, json!({"token": inv["token"]})).await;
            (token, user["user"]["id"].as_str().unwrap().to_string())
        }
    };
    let (supervisor, _) = member("sup@example.com", supervisor_role).await;
    let (role_admin, _) = member("radmin@example.com", role_admin_role).await;
    let (_, secure_user) = member("secure@example.com", secure_viewer.clone()).await;
    Ladder { t, supervisor, role_admin, viewer, viewer2, secure_viewer, secure_user }
}

async fn member_version(p: &TestPlatform, t: &Team, uid: &str) -> i64 {
    let members = p.get_ok(&t.path("/members"), t.owner()).await;
    members["items"].as_array().unwrap().iter().find(|m| m["user_id"] == uid).unwrap()["version"].as_i64().unwrap()
}

async fn role_version(p: &TestPlatform, t: &Team, rid: &str) -> i64 {
    let roles = p.get_ok(&t.path("/roles"), t.owner()).await;
    roles["items"].as_array().unwrap().iter().find(|r| r["id"] == rid).unwrap()["version"].as_i64().unwrap()
}

#[tokio::test]
async fn members_above_the_caller_are_out_of_reach() {
    let p = TestPlatform::start().await;
    let l = ladder(&p).await;
    let t = &l.t;
    let manager = t.user_ids["manager"].clone();
    let path = t.path(&format!("/members/{manager}"));
    // Demoting the manager to a role within the Supervisor's own permissions.
    let v = member_version(&p, t, &manager).await;
    let res = p.patch(&path, &l.supervisor, v, json!({"role_id": l.viewer})).await;
    expect_problem(res, 403, "forbidden").await;
    expect_problem(p.send(Method::DELETE, &path, &l.supervisor, None).await, 403, "forbidden").await;
    assert_eq!(member_version(&p, t, &manager).await, v, "nothing changed");
    // A member within reach can be moved.
    let front_desk = t.user_ids["front_desk"].clone();
    let fd_path = t.path(&format!("/members/{front_desk}"));
    let v = member_version(&p, t, &front_desk).await;
    let res = p.patch(&fd_path, t.owner(), v, json!({"role_id": l.viewer})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = p.patch(&fd_path, &l.supervisor, v + 1, json!({"role_id": l.viewer2})).await;
    assert_eq!(res.status(), StatusCode::OK, "a Viewer is within a Supervisor's reach");
    // The owner may act on anyone.
    let v = member_version(&p, t, &manager).await;
    assert_eq!(p.patch(&path, t.owner(), v, json!({"role_id": l.viewer})).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn only_owners_lower_an_mfa_requirement() {
    let p = TestPlatform::start().await;
    let l = ladder(&p).await;
    let t = &l.t;
    // Moving a member from a role that requires MFA to one that does not.
    let path = t.path(&format!("/members/{}", l.secure_user));
    let v = member_version(&p, t, &l.secure_user).await;
    expect_problem(p.patch(&path, &l.supervisor, v, json!({"role_id": l.viewer})).await, 403, "forbidden").await;
    // Lowering require_mfa on a role.
    let role_path = t.path(&format!("/roles/{}", l.secure_viewer));
    let rv = role_version(&p, t, &l.secure_viewer).await;
    expect_problem(p.patch(&role_path, &l.role_admin, rv, json!({"require_mfa": false})).await, 403, "forbidden").await;
    // Raising it is not lowering.
    let viewer_path = t.path(&format!("/roles/{}", l.viewer2));
    let vv = role_version(&p, t, &l.viewer2).await;
    assert_eq!(p.patch(&viewer_path, &l.role_admin, vv, json!({"require_mfa": true})).await.status(), StatusCode::OK);
    // Owners may.
    assert_eq!(p.patch(&role_path, t.owner(), rv, json!({"require_mfa": false})).await.status(), StatusCode::OK);
    assert_eq!(p.patch(&path, t.owner(), v, json!({"role_id": l.viewer})).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn roles_above_the_caller_are_out_of_reach() {
    let p = TestPlatform::start().await;
    let l = ladder(&p).await;
    let t = &l.t;
    let o = t.owner();
    let big = p
        .post_ok(
            &t.path("/roles"),
            o,
            json!({"name": "Big", "permissions": ["bookings:read", "customers:erase"], "require_mfa": false}),
        )
        .await;
    let big_path = t.path(&format!("/roles/{}", big["id"].as_str().unwrap()));
    // Stripping a role above oneself down to one's own level is still acting above it.
    let res = p.patch(&big_path, &l.role_admin, 1, json!({"permissions": ["bookings:read"]})).await;
    expect_problem(res, 403, "forbidden").await;
    expect_problem(p.send(Method::DELETE, &big_path, &l.role_admin, None).await, 403, "forbidden").await;
    let res = p.patch(&big_path, o, 1, json!({"permissions": ["bookings:read"]})).await;
    assert_eq!(res.status(), StatusCode::OK);
}

// --- 5. Erasure leaves no copy -----------------------------------------------------------------

#[tokio::test]
async fn stored_answers_holding_a_customer_are_erased_with_them() {
    let p = TestPlatform::start().await;
    let t = p.team("erase-copy", 50).await;
    let m = t.token("manager");
    let c = p.post_ok(&t.path("/customers"), m, json!({"name": "Yolanda Verity", "phone": "+44 7700 900555"})).await;
    let cid = c["id"].as_str().unwrap().to_string();
    let patch_key = uuid::Uuid::new_v4().to_string();
    let patch_body = json!({"dietary_notes": "Coeliac, severe"});
    let send_patch = || {
        p.req(Method::PATCH, &t.path(&format!("/customers/{cid}")))
            .bearer_auth(m)
            .header("Idempotency-Key", &patch_key)
            .header("If-Match", "\"1\"")
            .json(&patch_body)
            .send()
    };
    assert_eq!(send_patch().await.unwrap().status(), StatusCode::OK);
    let mut b = booking("Yolanda Verity", 2, &in_hours(7));
    b["customer_id"] = json!(cid);
    let b = p.post_ok(&t.path("/bookings"), m, b).await;
    let soup = p
        .post_ok(
            &t.path("/products"),
            m,
            json!({"name": "Soup", "category": "S", "price_cents": 500, "currency": "GBP"}),
        )
        .await;
    let order_key = uuid::Uuid::new_v4().to_string();
    let order_body = json!({"items": [{"product_id": soup["id"], "quantity": 1, "notes": "for Yolanda"}], "booking_id": b["id"], "table_label": "Verity table"});
    let send_order = || {
        p.req(Method::POST, &t.path("/orders"))
            .bearer_auth(m)
            .header("Idempotency-Key", &order_key)
            .json(&order_body)
            .send()
    };
    let order: Value = send_order().await.unwrap().json().await.unwrap();
    let status_key = uuid::Uuid::new_v4().to_string();
    let send_status = || {
        p.req(Method::POST, &t.path(&format!("/orders/{}/status", order["id"].as_str().unwrap())))
            .bearer_auth(m)
            .header("Idempotency-Key", &status_key)
            .json(&json!({"status": "preparing"}))
            .send()
    };
    assert_eq!(send_status().await.unwrap().status(), StatusCode::OK);
    // Before erasure the stored answers replay.
    let replay = send_patch().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");

    let res = p.send(Method::DELETE, &t.path(&format!("/customers/{cid}")), m, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    for (what, res) in [
        ("customer PATCH", send_patch().await.unwrap()),
        ("linked order create", send_order().await.unwrap()),
        ("linked order status", send_status().await.unwrap()),
    ] {
        let text = res.text().await.unwrap();
        assert!(!text.contains("Coeliac") && !text.contains("Yolanda") && !text.contains("Verity"), "{what}: {text}");
        let problem: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(problem["code"], "not_found", "{what}: {problem}");
    }
}

#[tokio::test]
async fn an_erased_customers_key_does_not_linger_in_free_pages() {
    let p = TestPlatform::start().await;
    // PostgreSQL keeps a deleted row's bytes until VACUUM reclaims them (documented in the
    // README); the wrapped key is useless without the master key either way.
    if !p.on_sqlite("secure_delete overwrites deleted content in the file") {
        return;
    }
    let t = p.team("secure-delete", 50).await;
    let m = t.token("manager");
    let c = p.post_ok(&t.path("/customers"), m, json!({"name": "Zeno Lingerfree"})).await;
    let cid = c["id"].as_str().unwrap();
    let scope = format!("customer:{}:{cid}", t.vid);
    let pool = sqlx::SqlitePool::connect(p.db_url()).await.unwrap();
    let wrapped: Vec<u8> = sqlx::query_scalar("SELECT wrapped_key FROM data_keys WHERE scope = ?")
        .bind(&scope)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(wrapped.len() >= 32);
    let res = p.send(Method::DELETE, &t.path(&format!("/customers/{cid}")), m, None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // Move every page back into the main file, then read the file and its WAL raw.
    let (busy, _, _): (i64, i64, i64) =
        sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&pool).await.unwrap();
    assert_eq!(busy, 0, "the checkpoint completed");
    pool.close().await;
    let raw = p.stored_bytes().await;
    assert!(!raw.windows(wrapped.len()).any(|w| w == wrapped.as_slice()), "the destroyed key is still in the file");
}

// --- 6. Small ones -----------------------------------------------------------------------------

#[tokio::test]
async fn every_bearer_response_is_no_store() {
    let p = TestPlatform::start().await;
    let t = p.team("nostore", 50).await;
    let m = t.token("manager");
    for (method, path) in [
        (Method::GET, t.path("/bookings")),
        (Method::GET, t.path("/customers")),
        (Method::GET, t.path("/changes?since=0")),
        (Method::GET, t.path("/audit")),
        (Method::GET, t.path("/nope")),
        (Method::GET, "/v1/venues/not-a-uuid".to_string()),
    ] {
        let res = p.send(method, &path, m, None).await;
        assert_eq!(res.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
    }
    let res = p.send(Method::POST, &t.path("/customers"), m, Some(json!({"name": "Cache Me Not"}))).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn audit_at_never_goes_backwards_along_seq_and_a_range_export_verifies() {
    let p = TestPlatform::start().await;
    let t = p.team("monotonic", 50).await;
    let m = t.token("manager");
    p.post_ok(&t.path("/customers"), m, json!({"name": "First"})).await;
    // A request stamped earlier (a clock step back, or one that started first) commits later.
    p.clock.advance(Duration::minutes(-10));
    p.post_ok(&t.path("/customers"), m, json!({"name": "Second"})).await;
    p.clock.advance(Duration::minutes(10));
    let page = p.get_ok(&t.path("/audit?limit=200"), t.owner()).await;
    let events = page["items"].as_array().unwrap();
    let ats: Vec<&str> = events.iter().map(|e| e["at"].as_str().unwrap()).collect();
    for pair in ats.windows(2) {
        assert!(pair[0] <= pair[1], "at went backwards along seq: {pair:?}");
    }
    // Every `at` has exactly three fraction digits, so string order is time order.
    for at in &ats[ats.len() - 2..] {
        assert_eq!(at.len(), "2026-11-26T18:30:00.000Z".len(), "{at}");
    }
    // A range export from the first event's time on is a contiguous, verifiable slice.
    let from = ats[ats.len() - 2].replace('+', "%2B");
    let export = p
        .authed(Method::GET, &t.path(&format!("/audit/export?format=jsonl&from={from}")), t.owner())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<Value> = export.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.len() >= 2);
    venuedesk_api::audit_chain::verify(lines).unwrap();
}

#[tokio::test]
async fn confirming_totp_ends_every_other_session() {
    let p = TestPlatform::start().await;
    p.signup("victim@example.com").await;
    let intruder = p.login("victim@example.com").await["access_token"].as_str().unwrap().to_string();
    let victim = p.login("victim@example.com").await["access_token"].as_str().unwrap().to_string();
    let res =
        p.authed(Method::POST, "/v1/me/mfa/totp", &victim).json(&json!({"password": PASSWORD})).send().await.unwrap();
    let secret_b32 = res.json::<Value>().await.unwrap()["secret"].as_str().unwrap().to_string();
    let secret = decode_base32(&secret_b32);
    align_to_step_start(&p);
    let res = p
        .authed(Method::POST, "/v1/me/mfa/totp/confirm", &victim)
        .json(&json!({"code": code_now(&p, &secret)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(p.me_status(&victim).await.0, StatusCode::OK, "the confirming session stays");
    let (status, body) = p.me_status(&intruder).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("session_revoked")));
}

async fn verify_cli(p: &TestPlatform, venue: &str) -> std::process::Output {
    verify_url(p.db_url(), venue).await
}

async fn verify_url(url: &str, venue: &str) -> std::process::Output {
    platform_command(["audit", "verify", "--database", url, "--venue", venue]).await
}

#[tokio::test]
async fn audit_verify_says_when_it_found_nothing() {
    let p = TestPlatform::start().await;
    let t = p.team("verify-empty", 50).await;
    assert!(verify_cli(&p, &t.vid).await.status.success());
    let out = verify_cli(&p, &uuid::Uuid::new_v4().to_string()).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("NO events found"), "{stdout}");
    // A mistyped database path is reported, and no empty file is left behind.
    let missing = p.dir.path().join("no-such.db");
    let out = platform_command([
        "audit",
        "verify",
        "--database",
        &format!("sqlite://{}", missing.display()),
        "--venue",
        &t.vid,
    ])
    .await;
    assert_eq!(out.status.code(), Some(3));
    assert!(!missing.exists());
}

#[tokio::test]
async fn audit_verify_finds_a_changed_filter_column() {
    let p = TestPlatform::start().await;
    let t = p.team("verify-columns", 50).await;
    p.post_ok(&t.path("/customers"), t.token("manager"), json!({"name": "Column Case"})).await;
    for (column, value) in [("action", "'customer.read'"), ("actor_id", "NULL"), ("at_ms", "at_ms + 1")] {
        let (last, out) = match p.database.backend {
            Backend::Sqlite => change_a_sqlite_copy(&p, &t.vid, column, value).await,
            Backend::Postgres => change_in_place_on_postgres(&p, &t.vid, column, value).await,
        };
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(2), "{column}: {stdout}");
        assert!(stdout.contains(&format!("BROKEN at seq {last}")) && stdout.contains(column), "{stdout}");
    }
}

/// What an attacker with the file could do: copy it, drop the trigger, edit a column.
async fn change_a_sqlite_copy(p: &TestPlatform, vid: &str, column: &str, value: &str) -> (i64, std::process::Output) {
    let copy = p.dir.path().join(format!("copy-{column}.db"));
    let pool = sqlx::SqlitePool::connect(p.db_url()).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{}'", copy.display()))).execute(&pool).await.unwrap();
    pool.close().await;
    let copy_url = format!("sqlite://{}", copy.display());
    let pool = sqlx::SqlitePool::connect(&copy_url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_events_no_update").execute(&pool).await.unwrap();
    let last: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM audit_events WHERE venue_id = ?")
        .bind(vid)
        .fetch_one(&pool)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE audit_events SET {column} = {value} WHERE venue_id = '{vid}' AND seq = {last}"
    )))
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    (last, verify_url(&copy_url, vid).await)
}

/// What a database superuser could do: disable the trigger and edit a column in place
/// (then put it back, so the next column is judged alone).
async fn change_in_place_on_postgres(
    p: &TestPlatform,
    vid: &str,
    column: &str,
    value: &str,
) -> (i64, std::process::Output) {
    use sqlx::Connection;
    let mut su = sqlx::PgConnection::connect(&p.database.superuser_url().unwrap()).await.unwrap();
    let (last, action, actor, at): (i64, String, Option<String>, i64) = sqlx::query_as(
        "SELECT seq, action, actor_id, at_ms FROM audit_events WHERE venue_id = $1::uuid ORDER BY seq DESC LIMIT 1",
    )
    .bind(vid)
    .fetch_one(&mut su)
    .await
    .unwrap();
    let edit = |sql: String| sqlx::query(sqlx::AssertSqlSafe(sql));
    edit("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete".into())
        .execute(&mut su)
        .await
        .unwrap();
    edit(format!("UPDATE audit_events SET {column} = {value} WHERE venue_id = '{vid}' AND seq = {last}"))
        .execute(&mut su)
        .await
        .unwrap();
    let out = verify_url(p.db_url(), vid).await;
    sqlx::query(
        "UPDATE audit_events SET action = $1, actor_id = $2, at_ms = $3 WHERE venue_id = $4::uuid AND seq = $5",
    )
    .bind(action)
    .bind(actor)
    .bind(at)
    .bind(vid)
    .bind(last)
    .execute(&mut su)
    .await
    .unwrap();
    edit("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete".into())
        .execute(&mut su)
        .await
        .unwrap();
    (last, out)
}

// --- 7. What outside tools saw -----------------------------------------------------------------

#[tokio::test]
async fn every_timestamp_has_milliseconds() {
    let p = TestPlatform::start().await;
    let t = p.team("millis", 50).await;
    let m = t.token("manager");
    let b = p.post_ok(&t.path("/bookings"), m, booking("Ms", 2, &in_hours(3))).await;
    let sessions = p.get_ok("/v1/auth/sessions", m).await;
    let events = p.get_ok("/v1/me/security-events", m).await;
    let mut stamps = vec![b["starts_at"].clone(), b["ends_at"].clone(), b["created_at"].clone()];
    stamps.extend(
        sessions["items"].as_array().unwrap().iter().flat_map(|s| [s["created_at"].clone(), s["last_used_at"].clone()]),
    );
    stamps.extend(events["items"].as_array().unwrap().iter().map(|e| e["at"].clone()));
    let shape = regex_lite_ms();
    for s in stamps {
        let s = s.as_str().unwrap();
        assert!(shape(s), "{s} is not YYYY-MM-DDTHH:MM:SS.mmmZ");
    }
}

fn regex_lite_ms() -> impl Fn(&str) -> bool {
    |s: &str| {
        let b = s.as_bytes();
        b.len() == 24
            && b[4] == b'-'
            && b[10] == b'T'
            && b[19] == b'.'
            && b[20..23].iter().all(u8::is_ascii_digit)
            && b[23] == b'Z'
    }
}

#[tokio::test]
async fn a_403_is_not_replayed_once_the_caller_may() {
    // A queued change refused while the role lacked a permission is judged again once the
    // role has it, under the same Idempotency-Key (the console's outbox keeps its keys).
    let p = TestPlatform::start().await;
    let t = p.team("judged-again", 50).await;
    let key = uuid::Uuid::new_v4().to_string();
    let send = || {
        p.req(Method::POST, &t.path("/customers"))
            .bearer_auth(t.token("kitchen"))
            .header("Idempotency-Key", &key)
            .json(&json!({"name": "Queued Offline"}))
            .send()
    };
    expect_problem(send().await.unwrap(), 403, "forbidden").await;
    let kitchen = t.user_ids["kitchen"].clone();
    let v = member_version(&p, &t, &kitchen).await;
    let res =
        p.patch(&t.path(&format!("/members/{kitchen}")), t.owner(), v, json!({"role_id": t.role_ids["manager"]})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(send().await.unwrap().status(), StatusCode::CREATED);
}
