//! Cross-cutting behaviour on every response, errors and 404s included; the operational
//! endpoints; the generated OpenAPI document.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::common::{TestPlatform, expect_problem};

fn assert_security_headers(res: &Response, what: &str) {
    let h = res.headers();
    let get = |k: &str| h.get(k).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(get("x-content-type-options").as_deref(), Some("nosniff"), "{what}");
    assert_eq!(get("x-frame-options").as_deref(), Some("DENY"), "{what}");
    assert_eq!(get("referrer-policy").as_deref(), Some("no-referrer"), "{what}");
    assert_eq!(get("content-security-policy").as_deref(), Some("default-src 'none'; frame-ancestors 'none'"), "{what}");
    assert_eq!(get("permissions-policy").as_deref(), Some("camera=(), microphone=(), geolocation=()"), "{what}");
    assert!(get("strict-transport-security").is_none(), "no HSTS over plain HTTP: {what}");
    let rid = get("x-request-id").unwrap_or_default();
    assert!(!rid.is_empty(), "{what}");
}

#[tokio::test]
async fn every_response_carries_request_id_and_security_headers() {
    let p = TestPlatform::start().await;
    let pair = p.user_with_session("h@example.com").await;
    let access = pair["access_token"].as_str().unwrap();
    let big = "x".repeat(1024 * 1024 + 10);
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, bool)> = vec![
        ("health", p.req(Method::GET, "/healthz"), 200, false),
        ("openapi", p.req(Method::GET, "/openapi.json"), 200, false),
        ("jwks", p.req(Method::GET, "/.well-known/jwks.json"), 200, false),
        ("security.txt", p.req(Method::GET, "/.well-known/security.txt"), 200, false),
        ("unknown path", p.req(Method::GET, "/nope"), 404, false),
        ("unknown v1 path", p.req(Method::GET, "/v1/auth/nope"), 404, true),
        ("wrong method", p.req(Method::GET, "/v1/auth/login"), 405, true),
        (
            "malformed json",
            p.req(Method::POST, "/v1/auth/login").header("content-type", "application/json").body("{"),
            400,
            true,
        ),
        (
            "wrong content type",
            p.req(Method::POST, "/v1/auth/login").header("content-type", "text/plain").body("{}"),
            415,
            true,
        ),
        (
            "too large",
            p.req(Method::POST, "/v1/auth/signup").header("content-type", "application/json").body(big),
            413,
            true,
        ),
        ("no token", p.req(Method::GET, "/v1/me"), 401, true),
        ("me", p.authed(Method::GET, "/v1/me", access), 200, true),
        ("sessions", p.authed(Method::GET, "/v1/auth/sessions", access), 200, true),
        ("me subpath", p.authed(Method::GET, "/v1/me/security-events", access), 200, true),
        (
            "login ok",
            p.req(Method::POST, "/v1/auth/login")
                .json(&json!({"email": "h@example.com", "password": crate::common::PASSWORD})),
            200,
            true,
        ),
        ("no idempotency key", p.req(Method::POST, "/v1/auth/logout").bearer_auth(access), 400, true),
    ];
    for (what, rb, status, no_store) in cases {
        let res = rb.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{what}");
        assert_security_headers(&res, what);
        let cache = res.headers().get("cache-control").map(|v| v.to_str().unwrap().to_string());
        if no_store {
            assert_eq!(cache.as_deref(), Some("no-store"), "{what}");
        }
        if status >= 400 {
            let ct = res.headers()["content-type"].to_str().unwrap().to_string();
            assert!(ct.starts_with("application/problem+json"), "{what}: {ct}");
            let rid = res.headers()["x-request-id"].to_str().unwrap().to_string();
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["request_id"], rid, "{what}");
            assert_eq!(body["status"], status, "{what}");
        }
    }
}

#[tokio::test]
async fn request_id_is_echoed_only_when_well_formed() {
    let p = TestPlatform::start().await;
    let res = p.req(Method::GET, "/nope").header("X-Request-ID", "client-id_1.2").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "client-id_1.2");
    let body = expect_problem(res, 404, "not_found").await;
    assert_eq!(body["request_id"], "client-id_1.2");
    for bad in ["has space", "semi;colon", &"a".repeat(129)] {
        let res = p.req(Method::GET, "/healthz").header("X-Request-ID", bad).send().await.unwrap();
        let got = res.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_ne!(got, bad);
        assert!(uuid::Uuid::parse_str(&got).is_ok(), "a fresh id: {got}");
    }
}

#[tokio::test]
async fn operational_endpoints() {
    let p = TestPlatform::start().await;
    let health: Value = p.req(Method::GET, "/healthz").send().await.unwrap().json().await.unwrap();
    assert_eq!(health, json!({"status": "ok"}));
    let txt = p.req(Method::GET, "/.well-known/security.txt").send().await.unwrap().text().await.unwrap();
    let field = |name: &str| txt.lines().find_map(|l| l.strip_prefix(&format!("{name}: "))).map(str::to_string);
    assert!(field("Contact").unwrap().starts_with("mailto:"));
    assert!(field("Policy").is_some());
    let expires =
        time::OffsetDateTime::parse(&field("Expires").unwrap(), &time::format_description::well_known::Rfc3339)
            .unwrap();
    let now = time::OffsetDateTime::now_utc();
    assert!(expires > now && expires < now + time::Duration::days(366), "RFC 9116: less than a year ahead");
}

/// Every route the platform serves, with whether it needs a bearer token.
const ROUTES: &[(&str, &str, bool)] = &[
    ("get", "/healthz", false),
    ("get", "/readyz", false),
    ("get", "/.well-known/jwks.json", false),
    ("get", "/.well-known/security.txt", false),
    ("get", "/.well-known/retention-policy.json", false),
    ("post", "/v1/auth/signup", false),
    ("post", "/v1/auth/login", false),
    ("post", "/v1/auth/mfa", false),
    ("post", "/v1/auth/refresh", false),
    ("post", "/v1/auth/logout", true),
    ("get", "/v1/auth/sessions", true),
    ("delete", "/v1/auth/sessions/{id}", true),
    ("get", "/v1/me", true),
    ("post", "/v1/me/password", true),
    ("get", "/v1/me/security-events", true),
    ("post", "/v1/me/mfa/totp", true),
    ("delete", "/v1/me/mfa/totp", true),
    ("post", "/v1/me/mfa/totp/confirm", true),
    ("post", "/v1/me/mfa/recovery-codes", true),
    ("post", "/v1/venues", true),
    ("get", "/v1/venues/{vid}", true),
    ("patch", "/v1/venues/{vid}", true),
    ("get", "/v1/venues/{vid}/roles", true),
    ("post", "/v1/venues/{vid}/roles", true),
    ("patch", "/v1/venues/{vid}/roles/{rid}", true),
    ("delete", "/v1/venues/{vid}/roles/{rid}", true),
    ("get", "/v1/venues/{vid}/members", true),
    ("patch", "/v1/venues/{vid}/members/{uid}", true),
    ("delete", "/v1/venues/{vid}/members/{uid}", true),
    ("post", "/v1/venues/{vid}/invitations", true),
    ("post", "/v1/invitations/accept", true),
    ("get", "/v1/venues/{vid}/products", true),
    ("post", "/v1/venues/{vid}/products", true),
    ("patch", "/v1/venues/{vid}/products/{id}", true),
    ("get", "/v1/venues/{vid}/customers", true),
    ("post", "/v1/venues/{vid}/customers", true),
    ("get", "/v1/venues/{vid}/customers/{id}", true),
    ("patch", "/v1/venues/{vid}/customers/{id}", true),
    ("delete", "/v1/venues/{vid}/customers/{id}", true),
    ("get", "/v1/venues/{vid}/customers/{id}/export", true),
    ("get", "/v1/venues/{vid}/bookings", true),
    ("post", "/v1/venues/{vid}/bookings", true),
    ("get", "/v1/venues/{vid}/bookings/{id}", true),
    ("patch", "/v1/venues/{vid}/bookings/{id}", true),
    ("post", "/v1/venues/{vid}/bookings/{id}/seat", true),
    ("post", "/v1/venues/{vid}/bookings/{id}/complete", true),
    ("post", "/v1/venues/{vid}/bookings/{id}/cancel", true),
    ("post", "/v1/venues/{vid}/bookings/{id}/no-show", true),
    ("get", "/v1/venues/{vid}/tables", true),
    ("post", "/v1/venues/{vid}/tables", true),
    ("patch", "/v1/venues/{vid}/tables/{id}", true),
    ("delete", "/v1/venues/{vid}/tables/{id}", true),
    ("get", "/v1/venues/{vid}/opening-hours", true),
    ("put", "/v1/venues/{vid}/opening-hours", true),
    ("get", "/v1/venues/{vid}/availability", true),
    ("get", "/v1/venues/{vid}/waitlist", true),
    ("post", "/v1/venues/{vid}/waitlist", true),
    ("post", "/v1/venues/{vid}/waitlist/{id}/offer", true),
    ("post", "/v1/venues/{vid}/waitlist/{id}/seat", true),
    ("post", "/v1/venues/{vid}/waitlist/{id}/remove", true),
    ("get", "/v1/venues/{vid}/orders", true),
    ("post", "/v1/venues/{vid}/orders", true),
    ("post", "/v1/venues/{vid}/orders/{id}/status", true),
    ("get", "/v1/venues/{vid}/changes", true),
    ("get", "/v1/venues/{vid}/audit", true),
    ("get", "/v1/venues/{vid}/audit/export", true),
    ("get", "/v1/venues/{vid}/alerts", true),
    ("post", "/v1/oauth/token", false),
    ("get", "/v1/venues/{vid}/api-clients", true),
    ("post", "/v1/venues/{vid}/api-clients", true),
    ("delete", "/v1/venues/{vid}/api-clients/{id}", true),
    ("post", "/v1/venues/{vid}/api-clients/{id}/secret", true),
    ("get", "/v1/venues/{vid}/webhooks", true),
    ("post", "/v1/venues/{vid}/webhooks", true),
    ("get", "/v1/venues/{vid}/webhooks/{id}", true),
    ("patch", "/v1/venues/{vid}/webhooks/{id}", true),
    ("delete", "/v1/venues/{vid}/webhooks/{id}", true),
    ("post", "/v1/venues/{vid}/webhooks/{id}/secret", true),
    ("get", "/v1/venues/{vid}/webhooks/{id}/deliveries", true),
    ("post", "/v1/venues/{vid}/webhooks/{id}/deliveries/{did}/retry", true),
    ("get", "/v1/venues/{vid}/public-keys", true),
    ("post", "/v1/venues/{vid}/public-keys", true),
    ("delete", "/v1/venues/{vid}/public-keys/{id}", true),
    ("get", "/v1/public/venue", false),
    ("get", "/v1/public/menu", false),
    ("get", "/v1/public/availability", false),
    ("get", "/v1/venues/{vid}/payments", true),
    ("put", "/v1/venues/{vid}/payments", true),
    ("post", "/v1/payments/webhooks/{vid}", false),
];

#[tokio::test]
async fn openapi_documents_every_route_and_its_errors() {
    let p = TestPlatform::start().await;
    let doc: Value = p.req(Method::GET, "/openapi.json").send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    let ops: usize =
        paths.values().map(|item| item.as_object().unwrap().keys().filter(|k| *k != "parameters").count()).sum();
    assert_eq!(ops, ROUTES.len(), "documented operations match the route table");
    for (method, path, bearer) in ROUTES {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is documented");
        let responses = op["responses"].as_object().unwrap();
        assert!(responses.keys().any(|k| k.starts_with('2')), "{method} {path} success");
        assert!(responses.contains_key("500"), "{method} {path} 500");
        if op.get("requestBody").is_some() && *path != "/v1/oauth/token" {
            for s in ["400", "413", "415", "422"] {
                assert!(responses.contains_key(s), "{method} {path} {s}");
            }
        }
        if *bearer {
            assert!(responses["401"]["description"].as_str().unwrap().contains("session_revoked"), "{method} {path}");
            assert!(op["security"].is_array(), "{method} {path} security");
            if *method != "get" {
                let params = op["parameters"].as_array().unwrap();
                assert!(
                    params.iter().any(|p| p["name"] == "Idempotency-Key" && p["required"] == true),
                    "{method} {path}"
                );
                assert!(responses["422"]["description"].as_str().unwrap().contains("idempotency_key_reused"));
            }
        }
        // Statuses that follow from the operation's shape are documented wherever it has
        // that shape (schemathesis found undocumented 400s for malformed path ids).
        if path.contains('{') {
            assert!(responses["400"]["description"].as_str().unwrap().contains("malformed id"), "{method} {path}");
            assert!(responses.contains_key("404"), "{method} {path} 404");
        }
        if path.starts_with("/v1/venues/{vid}") {
            assert!(responses["403"]["description"].as_str().unwrap().contains("mfa_required"), "{method} {path}");
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        if params.iter().any(|p| p["in"] == "query") {
            assert!(responses["400"]["description"].as_str().unwrap().contains("query"), "{method} {path}");
        }
        if params.iter().any(|p| p["name"] == "If-Match") {
            assert!(responses.contains_key("412") && responses.contains_key("428"), "{method} {path}");
        }
        // Every error response is a problem document, but the health probes' 503, which
        // the contract gives as `{"status": "unavailable"}`.
        for (status, r) in responses {
            let rfc6749 = *path == "/v1/oauth/token" && (status == "400" || status == "401");
            if (status == "503" && matches!(*path, "/healthz" | "/readyz")) || rfc6749 {
                assert!(r["content"]["application/json"].is_object(), "{method} {path} {status}");
            } else if status.starts_with('4') || status.starts_with('5') {
                assert!(r["content"]["application/problem+json"].is_object(), "{method} {path} {status}");
            }
        }
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
