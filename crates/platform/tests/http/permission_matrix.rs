//! Every venue route × every built-in role answers exactly the expected 2xx or 403.
//! The table below is API.md's built-in roles table, written out.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestPlatform, expect_problem};
use crate::venue_fixture::{ROLES, Team, booking, in_hours};

/// Permissions per built-in role (API.md, "Built-in roles").
fn role_has(role: &str, permission: &str) -> bool {
    let manager = [
        "bookings:read",
        "bookings:write",
        "orders:read",
        "orders:write",
        "customers:read",
        "customers:write",
        "customers:erase",
        "products:read",
        "products:write",
        "members:read",
        "audit:read",
        "audit:export",
    ];
    let front_desk =
        ["bookings:read", "bookings:write", "customers:read", "customers:write", "orders:read", "products:read"];
    let kitchen = ["orders:read", "orders:write", "products:read"];
    match role {
        "owner" => true,
        "manager" => manager.contains(&permission),
        "front_desk" => front_desk.contains(&permission),
        "kitchen" => kitchen.contains(&permission),
        _ => false,
    }
}

/// Every venue route, and the permission it needs (`None`: any member).
const ROUTES: &[(&str, Option<&str>)] = &[
    ("GET venue", None),
    ("PATCH venue", Some("settings:manage")),
    ("GET roles", Some("members:read")),
    ("POST roles", Some("roles:manage")),
    ("PATCH role", Some("roles:manage")),
    ("DELETE role", Some("roles:manage")),
    ("GET members", Some("members:read")),
    ("PATCH member", Some("members:manage")),
    ("DELETE member", Some("members:manage")),
    ("POST invitations", Some("members:manage")),
    ("GET products", Some("products:read")),
    ("POST products", Some("products:write")),
    ("PATCH product", Some("products:write")),
    ("GET customers", Some("customers:read")),
    ("POST customers", Some("customers:write")),
    ("GET customer", Some("customers:read")),
    ("PATCH customer", Some("customers:write")),
    ("DELETE customer", Some("customers:erase")),
    ("GET customer export", Some("customers:read")),
    ("GET bookings", Some("bookings:read")),
    ("POST bookings", Some("bookings:write")),
    ("GET booking", Some("bookings:read")),
    ("PATCH booking", Some("bookings:write")),
    ("POST seat", Some("bookings:write")),
    ("POST complete", Some("bookings:write")),
    ("POST cancel", Some("bookings:write")),
    ("POST no-show", Some("bookings:write")),
    ("GET orders", Some("orders:read")),
    ("POST orders", Some("orders:write")),
    ("POST order status", Some("orders:write")),
    ("GET changes", None),
    ("GET audit", Some("audit:read")),
    ("GET audit export", Some("audit:export")),
    ("GET alerts", Some("settings:manage")),
    ("GET api-clients", Some("api_clients:manage")),
    ("POST api-clients", Some("api_clients:manage")),
    ("DELETE api-client", Some("api_clients:manage")),
    ("POST api-client secret", Some("api_clients:manage")),
    ("GET webhooks", Some("webhooks:manage")),
    ("POST webhooks", Some("webhooks:manage")),
    ("GET webhook", Some("webhooks:manage")),
    ("PATCH webhook", Some("webhooks:manage")),
    ("DELETE webhook", Some("webhooks:manage")),
    ("POST webhook secret", Some("webhooks:manage")),
    ("GET webhook deliveries", Some("webhooks:manage")),
    ("POST webhook retry", Some("webhooks:manage")),
    ("GET public-keys", Some("api_clients:manage")),
    ("POST public-keys", Some("api_clients:manage")),
    ("DELETE public-key", Some("api_clients:manage")),
    ("GET payments", Some("payments:manage")),
    ("PUT payments", Some("payments:manage")),
    ("GET waitlist", Some("bookings:read")),
    ("POST waitlist", Some("bookings:write")),
    ("POST waitlist offer", Some("bookings:write")),
    ("POST waitlist seat", Some("bookings:write")),
    ("POST waitlist remove", Some("bookings:write")),
    // Last: once the venue has tables and hours, bookings follow them (floor.rs tests that).
    ("GET tables", Some("bookings:read")),
    ("POST tables", Some("settings:manage")),
    ("PATCH table", Some("settings:manage")),
    ("DELETE table", Some("settings:manage")),
    ("GET opening-hours", Some("bookings:read")),
    ("PUT opening-hours", Some("settings:manage")),
    ("GET availability", Some("bookings:read")),
];

/// Builds one request for `route`, creating (as the owner) whatever it acts on, fresh.
async fn request(p: &TestPlatform, t: &Team, route: &str, n: usize) -> (Method, String, Option<Value>, Option<i64>) {
    let owner = t.owner();
    let product = || async {
        p.post_ok(
            &t.path("/products"),
            owner,
            json!({"name": "Soup", "category": "Starters", "price_cents": 500, "currency": "GBP"}),
        )
        .await
    };
    let customer =
        || async { p.post_ok(&t.path("/customers"), owner, json!({"name": "Cara", "allergens": ["nuts"]})).await };
    let new_booking =
        || async { p.post_ok(&t.path("/bookings"), owner, booking("Guest", 2, &in_hours(24 + n as i64))).await };
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    let ver = |v: &Value| v["version"].as_i64().unwrap();
    match route {
        "GET venue" => (Method::GET, t.path(""), None, None),
        "PATCH venue" => {
            let v = p.get_ok(&t.path(""), owner).await;
            (Method::PATCH, t.path(""), Some(json!({"capacity": 80})), Some(ver(&v)))
        }
        "GET roles" => (Method::GET, t.path("/roles"), None, None),
        "POST roles" => (
            Method::POST,
            t.path("/roles"),
            Some(json!({"name": format!("role {n}"), "permissions": ["bookings:read"]})),
            None,
        ),
        "PATCH role" | "DELETE role" => {
            let r = p.post_ok(&t.path("/roles"), owner, json!({"name": format!("tmp {n}"), "permissions": []})).await;
            if route == "PATCH role" {
                (
                    Method::PATCH,
                    t.path(&format!("/roles/{}", id(&r))),
                    Some(json!({"require_mfa": false})),
                    Some(ver(&r)),
                )
            } else {
                (Method::DELETE, t.path(&format!("/roles/{}", id(&r))), None, None)
            }
        }
        "GET members" => (Method::GET, t.path("/members"), None, None),
        "PATCH member" | "DELETE member" => {
            let email = format!("extra{n}-{}@example.com", &t.vid[..8]);
            let user = p.signup(&email).await;
            let token = p.login(&email).await["access_token"].as_str().unwrap().to_string();
            let inv = p
                .post_ok(&t.path("/invitations"), owner, json!({"email": email, "role_id": t.role_ids["kitchen"]}))
                .await;
            p.post_ok("/v1/invitations/accept", &token, json!({"token": inv["token"]})).await;
            let uid = user["user"]["id"].as_str().unwrap().to_string();
            if route == "PATCH member" {
                (
                    Method::PATCH,
                    t.path(&format!("/members/{uid}")),
                    Some(json!({"role_id": t.role_ids["front_desk"]})),
                    Some(1),
                )
            } else {
                (Method::DELETE, t.path(&format!("/members/{uid}")), None, None)
            }
        }
        "POST invitations" => (
            Method::POST,
            t.path("/invitations"),
            Some(json!({"email": format!("inv{n}@example.com"), "role_id": t.role_ids["kitchen"]})),
            None,
        ),
        "GET products" => (Method::GET, t.path("/products"), None, None),
        "POST products" => (
            Method::POST,
            t.path("/products"),
            Some(json!({"name": "Tea", "category": "Drinks", "price_cents": 250, "currency": "GBP"})),
            None,
        ),
        "PATCH product" => {
            let pr = product().await;
            (
                Method::PATCH,
                t.path(&format!("/products/{}", id(&pr))),
                Some(json!({"price_cents": 550})),
                Some(ver(&pr)),
            )
        }
        "GET customers" => (Method::GET, t.path("/customers"), None, None),
        "POST customers" => (Method::POST, t.path("/customers"), Some(json!({"name": "Dan"})), None),
        "GET customer" | "PATCH customer" | "DELETE customer" | "GET customer export" => {
            let c = customer().await;
            let path = t.path(&format!("/customers/{}", id(&c)));
            match route {
                "GET customer" => (Method::GET, path, None, None),
                "PATCH customer" => (Method::PATCH, path, Some(json!({"phone": "+44 20 7946 0000"})), Some(ver(&c))),
                "DELETE customer" => (Method::DELETE, path, None, None),
                _ => (Method::GET, format!("{path}/export"), None, None),
            }
        }
        "GET bookings" => (Method::GET, t.path("/bookings"), None, None),
        "POST bookings" => (Method::POST, t.path("/bookings"), Some(booking("New", 2, &in_hours(48 + n as i64))), None),
        "GET booking" | "PATCH booking" | "POST seat" | "POST cancel" | "POST no-show" | "POST complete" => {
            let b = new_booking().await;
            let path = t.path(&format!("/bookings/{}", id(&b)));
            match route {
                "GET booking" => (Method::GET, path, None, None),
                "PATCH booking" => (Method::PATCH, path, Some(json!({"party_size": 3})), Some(ver(&b))),
                "POST seat" => (Method::POST, format!("{path}/seat"), None, None),
                "POST cancel" => (Method::POST, format!("{path}/cancel"), None, None),
                "POST no-show" => (Method::POST, format!("{path}/no-show"), None, None),
                _ => {
                    p.post_ok(&format!("{path}/seat"), owner, json!({})).await;
                    (Method::POST, format!("{path}/complete"), None, None)
                }
            }
        }
        "GET waitlist" => (Method::GET, t.path("/waitlist"), None, None),
        "POST waitlist" => {
            (Method::POST, t.path("/waitlist"), Some(json!({"guest_name": format!("W{n}"), "party_size": 2})), None)
        }
        "POST waitlist offer" | "POST waitlist seat" | "POST waitlist remove" => {
            let w = p.post_ok(&t.path("/waitlist"), owner, json!({"guest_name": "Wait", "party_size": 2})).await;
            let step = route.rsplit(' ').next().unwrap_or_default();
            (Method::POST, t.path(&format!("/waitlist/{}/{step}", id(&w))), None, None)
        }
        "GET tables" => (Method::GET, t.path("/tables"), None, None),
        "POST tables" => {
            (Method::POST, t.path("/tables"), Some(json!({"name": format!("T{n}"), "seats_max": 4})), None)
        }
        "PATCH table" | "DELETE table" => {
            let tb = p.post_ok(&t.path("/tables"), owner, json!({"name": format!("Tmp{n}"), "seats_max": 2})).await;
            let path = t.path(&format!("/tables/{}", id(&tb)));
            if route == "PATCH table" {
                (Method::PATCH, path, Some(json!({"seats_max": 6})), Some(ver(&tb)))
            } else {
                (Method::DELETE, path, None, None)
            }
        }
        "GET opening-hours" => (Method::GET, t.path("/opening-hours"), None, None),
        "GET availability" => (Method::GET, t.path("/availability?date=2030-01-01&party_size=2"), None, None),
        "PUT opening-hours" => {
            let h = p.get_ok(&t.path("/opening-hours"), owner).await;
            let body = json!({"weekly": [{"weekday": 1 + n % 7, "opens": "12:00", "closes": "23:00"}]});
            (Method::PUT, t.path("/opening-hours"), Some(body), Some(ver(&h)))
        }
        "GET orders" => (Method::GET, t.path("/orders"), None, None),
        "POST orders" | "POST order status" => {
            let pr = product().await;
            let body = json!({"items": [{"product_id": id(&pr), "quantity": 2}], "table_label": "T1"});
            if route == "POST orders" {
                (Method::POST, t.path("/orders"), Some(body), None)
            } else {
                let o = p.post_ok(&t.path("/orders"), owner, body).await;
                (
                    Method::POST,
                    t.path(&format!("/orders/{}/status", id(&o))),
                    Some(json!({"status": "preparing"})),
                    None,
                )
            }
        }
        "GET changes" => (Method::GET, t.path("/changes?since=0"), None, None),
        "GET audit" => (Method::GET, t.path("/audit"), None, None),
        "GET audit export" => (Method::GET, t.path("/audit/export?format=jsonl"), None, None),
        "GET alerts" => (Method::GET, t.path("/alerts"), None, None),
        "GET api-clients" => (Method::GET, t.path("/api-clients"), None, None),
        "POST api-clients" => (
            Method::POST,
            t.path("/api-clients"),
            Some(json!({"name": format!("client {n}"), "permissions": ["bookings:read"]})),
            None,
        ),
        "DELETE api-client" | "POST api-client secret" => {
            let c = p
                .post_ok(
                    &t.path("/api-clients"),
                    owner,
                    json!({"name": format!("tmp {n}"), "permissions": ["orders:read"]}),
                )
                .await;
            let path = t.path(&format!("/api-clients/{}", id(&c)));
            if route == "DELETE api-client" {
                (Method::DELETE, path, None, None)
            } else {
                (Method::POST, format!("{path}/secret"), None, None)
            }
        }
        "GET webhooks" => (Method::GET, t.path("/webhooks"), None, None),
        "POST webhooks" => (
            Method::POST,
            t.path("/webhooks"),
            Some(json!({"url": "https://93.184.216.34/hook", "events": ["customer.erased"]})),
            None,
        ),
        "GET webhook" | "PATCH webhook" | "DELETE webhook" | "POST webhook secret" | "GET webhook deliveries" => {
            // Subscribed to nothing this test does: no delivery is attempted.
            let w = p
                .post_ok(
                    &t.path("/webhooks"),
                    owner,
                    json!({"url": "https://93.184.216.34/hook", "events": ["customer.erased"]}),
                )
                .await;
            let path = t.path(&format!("/webhooks/{}", id(&w)));
            match route {
                "GET webhook" => (Method::GET, path, None, None),
                "PATCH webhook" => (Method::PATCH, path, Some(json!({"enabled": false})), Some(ver(&w))),
                "DELETE webhook" => (Method::DELETE, path, None, None),
                "POST webhook secret" => (Method::POST, format!("{path}/secret"), None, None),
                _ => (Method::GET, format!("{path}/deliveries"), None, None),
            }
        }
        "POST webhook retry" => {
            // A delivery to a target nobody answers (disabled at once, so nothing is sent).
            let w = p
                .post_ok(
                    &t.path("/webhooks"),
                    owner,
                    json!({"url": "https://93.184.216.34/hook", "events": ["booking.created"]}),
                )
                .await;
            let path = t.path(&format!("/webhooks/{}", id(&w)));
            new_booking().await;
            let res = p.patch(&path, owner, ver(&w), json!({"enabled": false})).await;
            assert!(res.status().is_success());
            let log = p.get_ok(&format!("{path}/deliveries"), owner).await;
            let did = log["items"][0]["id"].as_str().unwrap().to_string();
            (Method::POST, format!("{path}/deliveries/{did}/retry"), None, None)
        }
        "GET public-keys" => (Method::GET, t.path("/public-keys"), None, None),
        "POST public-keys" => {
            (Method::POST, t.path("/public-keys"), Some(json!({"allowed_origins": ["https://shop.example"]})), None)
        }
        "DELETE public-key" => {
            let k =
                p.post_ok(&t.path("/public-keys"), owner, json!({"allowed_origins": ["https://shop.example"]})).await;
            (Method::DELETE, t.path(&format!("/public-keys/{}", id(&k))), None, None)
        }
        "GET payments" => (Method::GET, t.path("/payments"), None, None),
        "PUT payments" => (
            Method::PUT,
            t.path("/payments"),
            Some(json!({"provider": "stripe", "webhook_secret": "whsec_matrix_secret_0001"})),
            None,
        ),
        other => panic!("no request for {other}"),
    }
}

#[tokio::test]
async fn every_route_times_every_builtin_role() {
    let p = TestPlatform::start().await;
    let t = p.team("matrix", 500).await;
    let mut n = 0;
    let mut checked = 0;
    for (route, permission) in ROUTES {
        for role in ROLES {
            n += 1;
            let (method, path, body, version) = request(&p, &t, route, n).await;
            let mut rb = p.authed(method, &path, t.token(role));
            if let Some(v) = version {
                rb = rb.header("If-Match", format!("\"{v}\""));
            }
            if let Some(b) = body {
                rb = rb.json(&b);
            }
            let res = rb.send().await.unwrap();
            let allowed = permission.is_none_or(|p| role_has(role, p));
            if allowed {
                let status = res.status();
                let text = res.text().await.unwrap_or_default();
                assert!(status.is_success(), "{route} as {role}: expected 2xx, got {status} {text}");
            } else {
                let body = expect_problem(res, 403, "forbidden").await;
                assert_eq!(body["required_permission"].as_str(), *permission, "{route} as {role}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, ROUTES.len() * 4);
    // Every refusal was audited as authz.denied, identical ones (same role member and
    // permission, within a minute) once.
    let denied = p.get_ok(&t.path("/audit?action=authz.denied&limit=200"), t.owner()).await;
    let expected = ROUTES
        .iter()
        .flat_map(|(_, perm)| ROLES.iter().filter_map(move |r| perm.filter(|p| !role_has(r, p)).map(|p| (*r, p))))
        .collect::<std::collections::HashSet<_>>()
        .len();
    assert_eq!(denied["items"].as_array().unwrap().len(), expected);
}
