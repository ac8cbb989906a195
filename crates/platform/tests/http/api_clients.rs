//! API clients and `POST /v1/oauth/token` (API.md, Integrations): the grant as a real
//! OAuth2 client library performs it, the token stopping at its venue's edge and its
//! scope, deletion and secret rotation, the RFC 6749 §5.2 errors and the limits.

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{AuthType, ClientId, ClientSecret, RequestTokenError, Scope, TokenResponse, TokenUrl};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::common::{TestPlatform, expect_problem, stored_contains};
use crate::venue_fixture::{Team, booking, in_hours};

struct Created {
    id: String,
    secret: String,
}

async fn create_client(p: &TestPlatform, t: &Team, permissions: &[&str]) -> Created {
    let res = p
        .send(
            Method::POST,
            &t.path("/api-clients"),
            t.owner(),
            Some(json!({"name": "Till", "permissions": permissions})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["client_id"], body["id"]);
    let secret = body["client_secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("vdcs_") && secret.len() >= 5 + 43, "256 bits, base64url");
    Created { id: body["id"].as_str().unwrap().to_string(), secret }
}

type Grant = Result<
    (String, String),
    RequestTokenError<oauth2::HttpClientError<reqwest::Error>, oauth2::basic::BasicErrorResponse>,
>;

/// The client credentials exchange done by the `oauth2` crate.
async fn grant(p: &TestPlatform, id: &str, secret: &str, scopes: &[&str], auth: AuthType) -> Grant {
    let client = BasicClient::new(ClientId::new(id.into()))
        .set_client_secret(ClientSecret::new(secret.into()))
        .set_auth_type(auth)
        .set_token_uri(TokenUrl::new(format!("{}/v1/oauth/token", p.base)).unwrap());
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut req = client.exchange_client_credentials();
    for s in scopes {
        req = req.add_scope(Scope::new((*s).into()));
    }
    let token = req.request_async(&http).await?;
    let scope = token.scopes().map(|s| s.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(" "));
    assert_eq!(token.expires_in().map(|d| d.as_secs()), Some(3600));
    Ok((token.access_token().secret().clone(), scope.unwrap_or_default()))
}

fn server_error(g: Grant) -> BasicErrorResponseType {
    match g {
        Err(RequestTokenError::ServerResponse(e)) => e.error().clone(),
        other => panic!("expected an RFC 6749 error answer, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn a_client_credentials_token_acts_only_on_its_venue_within_its_scope() {
    let p = TestPlatform::start().await;
    let a = p.team("clients-a", 100).await;
    let b = p.team("clients-b", 100).await;
    let c = create_client(&p, &a, &["bookings:read", "bookings:write", "customers:read"]).await;

    // The list never carries the secret, and the database holds only its hash.
    let list = p.get_ok(&a.path("/api-clients"), a.owner()).await;
    let item = &list["items"][0];
    assert_eq!(item["id"], c.id.as_str());
    assert_eq!(item["permissions"], json!(["bookings:read", "bookings:write", "customers:read"]));
    assert!(item.get("client_secret").is_none() && !list.to_string().contains(&c.secret));
    assert!(!stored_contains(&p.stored_bytes().await, c.secret.as_bytes()), "the secret is stored only hashed");

    // Basic authentication (the library's default), a narrower scope than the client's.
    let (token, scope) =
        grant(&p, &c.id, &c.secret, &["bookings:read", "bookings:write"], AuthType::BasicAuth).await.unwrap();
    assert_eq!(scope, "bookings:read bookings:write");
    // Body authentication, no scope: every permission of the client.
    let (_, all) = grant(&p, &c.id, &c.secret, &[], AuthType::RequestBody).await.unwrap();
    assert_eq!(all, "bookings:read bookings:write customers:read");

    // Within scope, on its venue: reads and writes (writes still need Idempotency-Key).
    p.get_ok(&a.path("/bookings"), &token).await;
    let made = p.post_ok(&a.path("/bookings"), &token, booking("Till guest", 2, &in_hours(30))).await;
    let no_key = p.req(Method::POST, &a.path("/bookings")).bearer_auth(&token).json(&booking("X", 2, &in_hours(31)));
    expect_problem(no_key.send().await.unwrap(), 400, "idempotency_key_missing").await;
    // The audit names the client as the actor.
    let audit = p.get_ok(&a.path("/audit?action=booking.create"), a.owner()).await;
    let ev = audit["items"].as_array().unwrap().iter().find(|e| e["target"]["id"] == made["id"]).unwrap().clone();
    assert_eq!(ev["actor"], json!({"type": "api_client", "id": c.id}));
    // Outside its scope: 403, audited as a denial by the client.
    let res = p.send(Method::GET, &a.path("/customers"), &token, None).await;
    assert_eq!(expect_problem(res, 403, "forbidden").await["required_permission"], "customers:read");
    // Another venue's ids: 404, like ids that do not exist.
    expect_problem(p.send(Method::GET, &b.path("/bookings"), &token, None).await, 404, "not_found").await;
    expect_problem(p.send(Method::GET, &b.path(""), &token, None).await, 404, "not_found").await;
    // A person's account routes are not a client's.
    expect_problem(p.send(Method::GET, "/v1/me", &token, None).await, 403, "forbidden").await;
    let res =
        p.send(Method::POST, "/v1/venues", &token, Some(json!({"name": "x", "timezone": "UTC", "capacity": 5}))).await;
    expect_problem(res, 403, "forbidden").await;
    // Nor are the venue's API clients.
    expect_problem(p.send(Method::GET, &a.path("/api-clients"), &token, None).await, 403, "forbidden").await;

    // A scope beyond the client's, a wrong secret, an unknown client: RFC 6749 errors.
    assert_eq!(
        server_error(grant(&p, &c.id, &c.secret, &["orders:read"], AuthType::BasicAuth).await),
        BasicErrorResponseType::InvalidScope
    );
    assert_eq!(
        server_error(grant(&p, &c.id, "vdcs_wrong", &[], AuthType::BasicAuth).await),
        BasicErrorResponseType::InvalidClient
    );
    assert_eq!(
        server_error(grant(&p, &uuid::Uuid::new_v4().to_string(), &c.secret, &[], AuthType::RequestBody).await),
        BasicErrorResponseType::InvalidClient
    );
    // Another venue's owner cannot see, rotate or delete it.
    let foreign = format!("/v1/venues/{}/api-clients/{}", b.vid, c.id);
    expect_problem(p.send(Method::DELETE, &foreign, b.owner(), None).await, 404, "not_found").await;
    expect_problem(p.send(Method::POST, &format!("{foreign}/secret"), b.owner(), None).await, 404, "not_found").await;
    let cross = format!("/v1/venues/{}/api-clients/{}", a.vid, c.id);
    expect_problem(p.send(Method::DELETE, &cross, b.owner(), None).await, 404, "not_found").await;
    assert!(p.get_ok(&b.path("/api-clients"), b.owner()).await["items"].as_array().unwrap().is_empty());

    // Deleting the client kills its tokens at once.
    let res = p.send(Method::DELETE, &cross, a.owner(), None).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    expect_problem(p.send(Method::GET, &a.path("/bookings"), &token, None).await, 401, "unauthenticated").await;
    assert_eq!(
        server_error(grant(&p, &c.id, &c.secret, &[], AuthType::BasicAuth).await),
        BasicErrorResponseType::InvalidClient
    );
    let actions: Vec<String> = p.get_ok(&a.path("/audit?limit=200"), a.owner()).await["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert!(actions.contains(&"api_client.create".to_string()) && actions.contains(&"api_client.delete".to_string()));
}

#[tokio::test]
async fn a_rotated_secret_overlaps_for_a_day_and_tokens_last_an_hour() {
    let p = TestPlatform::start().await;
    let a = p.team("rotate", 100).await;
    let c = create_client(&p, &a, &["bookings:read"]).await;
    let rotated = p.post_ok(&a.path(&format!("/api-clients/{}/secret", c.id)), a.owner(), json!({})).await;
    let new_secret = rotated["client_secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, c.secret);
    assert!(rotated["previous_secret_expires_at"].is_string());
    // Both secrets work during the overlap.
    grant(&p, &c.id, &c.secret, &[], AuthType::BasicAuth).await.unwrap();
    let (token, _) = grant(&p, &c.id, &new_secret, &[], AuthType::BasicAuth).await.unwrap();
    let listed = p.get_ok(&a.path("/api-clients"), a.owner()).await;
    assert!(listed["items"][0]["previous_secret_expires_at"].is_string());
    // An hour on, the token has expired (there is no refresh token: ask again).
    p.clock.advance(time::Duration::hours(1) + time::Duration::seconds(1));
    expect_problem(p.send(Method::GET, &a.path("/bookings"), &token, None).await, 401, "unauthenticated").await;
    // A day on, only the new secret works.
    p.clock.advance(time::Duration::hours(23));
    assert_eq!(
        server_error(grant(&p, &c.id, &c.secret, &[], AuthType::BasicAuth).await),
        BasicErrorResponseType::InvalidClient
    );
    let (token, _) = grant(&p, &c.id, &new_secret, &[], AuthType::BasicAuth).await.unwrap();
    p.get_ok(&a.path("/bookings"), &token).await;
    let owner = p.login("rotate-owner@example.com").await["access_token"].as_str().unwrap().to_string();
    assert!(p.get_ok(&a.path("/api-clients"), &owner).await["items"][0]["previous_secret_expires_at"].is_null());
}

#[tokio::test]
async fn clients_get_no_more_than_their_creator_and_nothing_a_person_does() {
    let p = TestPlatform::start().await;
    let a = p.team("grant-limits", 100).await;
    let path = a.path("/api-clients");
    let bad = |perms: Value| json!({"name": "x", "permissions": perms});
    for (body, field) in [
        (bad(json!(["nope:read"])), "permissions"),
        (bad(json!([])), "permissions"),
        (bad(json!(["members:manage"])), "permissions"),
        (bad(json!(["webhooks:manage"])), "permissions"),
        (json!({"name": " ", "permissions": ["bookings:read"]}), "name"),
        (json!({"name": "x".repeat(101), "permissions": ["bookings:read"]}), "name"),
    ] {
        let res = p.send(Method::POST, &path, a.owner(), Some(body.clone())).await;
        let problem = expect_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let res = p.send(Method::POST, &path, a.owner(), Some(json!({"name": "x", "permissions": "bookings:read"}))).await;
    expect_problem(res, 400, "bad_request").await;
    // A custom role that may manage API clients but holds only bookings:read cannot give
    // a client orders:read.
    let role = p
        .post_ok(
            &a.path("/roles"),
            a.owner(),
            json!({"name": "integrator", "permissions": ["api_clients:manage", "bookings:read"]}),
        )
        .await;
    let email = "integrator@example.com";
    p.signup(email).await;
    let token = p.login(email).await["access_token"].as_str().unwrap().to_string();
    let inv = p.post_ok(&a.path("/invitations"), a.owner(), json!({"email": email, "role_id": role["id"]})).await;
    p.post_ok("/v1/invitations/accept", &token, json!({"token": inv["token"]})).await;
    let res = p.send(Method::POST, &path, &token, Some(bad(json!(["orders:read"])))).await;
    expect_problem(res, 403, "forbidden").await;
    let ok = p.send(Method::POST, &path, &token, Some(bad(json!(["bookings:read"])))).await;
    assert_eq!(ok.status(), StatusCode::CREATED);
    // Nothing else was created.
    assert_eq!(p.get_ok(&path, a.owner()).await["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_token_endpoint_answers_bad_requests_in_rfc_6749_form() {
    let p = TestPlatform::start().await;
    let a = p.team("oauth-errors", 100).await;
    let c = create_client(&p, &a, &["bookings:read"]).await;
    let url = format!("{}/v1/oauth/token", p.base);
    let form = |body: &str| {
        p.client.post(&url).header("content-type", "application/x-www-form-urlencoded").body(body.to_string())
    };
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (p.client.post(&url).json(&json!({"grant_type": "client_credentials"})), 400, "invalid_request"),
        (form(&format!("client_id={}&client_secret={}", c.id, c.secret)), 400, "invalid_request"),
        (
            form(&format!("grant_type=password&client_id={}&client_secret={}", c.id, c.secret)),
            400,
            "unsupported_grant_type",
        ),
        (form("grant_type=client_credentials"), 401, "invalid_client"),
        (
            form(&format!("grant_type=client_credentials&client_id=not-a-uuid&client_secret={}", c.secret)),
            401,
            "invalid_client",
        ),
        (
            form(&format!(
                "grant_type=client_credentials&grant_type=client_credentials&client_id={}&client_secret={}",
                c.id, c.secret
            )),
            400,
            "invalid_request",
        ),
        (
            form(&format!("grant_type=client_credentials&client_id={}&client_secret={}", c.id, c.secret))
                .basic_auth(&c.id, Some(&c.secret)),
            400,
            "invalid_request",
        ),
        (form("grant_type=client_credentials").header("authorization", "Basic %%%"), 401, "invalid_client"),
    ];
    for (rb, status, error) in cases {
        let res = rb.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{error}");
        if status == 401 {
            assert!(res.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
        }
        assert_eq!(res.headers()["cache-control"], "no-store");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], error, "{body}");
        assert!(body["error_description"].is_string());
    }
    // A good request after all that still works.
    grant(&p, &c.id, &c.secret, &[], AuthType::RequestBody).await.unwrap();
}

#[tokio::test]
async fn grants_are_limited_per_client_id_and_per_address() {
    let p = TestPlatform::start().await;
    let a = p.team("oauth-limits", 100).await;
    let c = create_client(&p, &a, &["bookings:read"]).await;
    // Five wrong secrets lock the client id; the right one then waits too.
    for _ in 0..5 {
        let e = server_error(grant(&p, &c.id, "vdcs_guess", &[], AuthType::BasicAuth).await);
        assert_eq!(e, BasicErrorResponseType::InvalidClient);
    }
    let url = format!("{}/v1/oauth/token", p.base);
    let res = p
        .client
        .post(&url)
        .basic_auth(&c.id, Some(&c.secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("retry-after"));
    expect_problem(res, 429, "locked_out").await;
    p.clock.advance(time::Duration::minutes(16));
    grant(&p, &c.id, &c.secret, &[], AuthType::BasicAuth).await.unwrap();

    // Per address: the sign-in default (20 a minute) on a platform with default settings.
    let strict = TestPlatform::start_with(venuedesk_platform::state::Settings::default()).await;
    let url = format!("{}/v1/oauth/token", strict.base);
    let mut limited = None;
    for i in 0..25 {
        let res = strict
            .client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("grant_type=client_credentials&client_id={}&client_secret=x", uuid::Uuid::new_v4()))
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(i);
            expect_problem(res, 429, "rate_limited").await;
            break;
        }
    }
    assert_eq!(limited, Some(20), "the 21st request from one address in a minute is refused");
}
