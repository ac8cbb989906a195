//! A venue with one signed-in member per built-in role, and request helpers.

use std::collections::HashMap;

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::common::TestPlatform;

pub struct Team {
    pub vid: String,
    /// Access tokens by built-in role name: owner, manager, front_desk, kitchen.
    pub tokens: HashMap<&'static str, String>,
    pub user_ids: HashMap<&'static str, String>,
    pub role_ids: HashMap<String, String>,
}

pub const ROLES: [&str; 4] = ["owner", "manager", "front_desk", "kitchen"];

impl Team {
    pub fn token(&self, role: &str) -> &str {
        self.tokens.get(role).map(String::as_str).unwrap_or_default()
    }

    pub fn owner(&self) -> &str {
        self.token("owner")
    }

    pub fn path(&self, rest: &str) -> String {
        format!("/v1/venues/{}{rest}", self.vid)
    }
}

impl TestPlatform {
    pub async fn send(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Response {
        let mut rb = self.authed(method, path, token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        rb.send().await.unwrap()
    }

    pub async fn get_ok(&self, path: &str, token: &str) -> Value {
        let res = self.send(Method::GET, path, token, None).await;
        assert_eq!(res.status(), StatusCode::OK, "GET {path}");
        res.json().await.unwrap()
    }

    pub async fn post_ok(&self, path: &str, token: &str, body: Value) -> Value {
        let res = self.send(Method::POST, path, token, Some(body)).await;
        let status = res.status();
        let v: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "POST {path}: {status} {v}");
        v
    }

    pub async fn patch(&self, path: &str, token: &str, version: i64, body: Value) -> Response {
        self.authed(Method::PATCH, path, token)
            .header("If-Match", format!("\"{version}\""))
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// A venue (capacity as given) and one member per built-in role.
    pub async fn team(&self, prefix: &str, capacity: i64) -> Team {
        let mut tokens = HashMap::new();
        let mut user_ids = HashMap::new();
        for role in ROLES {
            let email = format!("{prefix}-{role}@example.com").replace('_', "-");
            let user = self.signup(&email).await;
            user_ids.insert(role, user["user"]["id"].as_str().unwrap().to_string());
            tokens.insert(role, self.login(&email).await["access_token"].as_str().unwrap().to_string());
        }
        let owner = tokens["owner"].clone();
        let venue = self
            .post_ok(
                "/v1/venues",
                &owner,
                json!({"name": format!("{prefix} venue"), "timezone": "Europe/London", "capacity": capacity}),
            )
            .await;
        let vid = venue["id"].as_str().unwrap().to_string();
        let roles = self.get_ok(&format!("/v1/venues/{vid}/roles"), &owner).await;
        let role_ids: HashMap<String, String> = roles["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["name"].as_str().unwrap().to_string(), r["id"].as_str().unwrap().to_string()))
            .collect();
        for role in &ROLES[1..] {
            let email = format!("{prefix}-{role}@example.com").replace('_', "-");
            let inv = self
                .post_ok(
                    &format!("/v1/venues/{vid}/invitations"),
                    &owner,
                    json!({"email": email, "role_id": role_ids[*role]}),
                )
                .await;
            self.post_ok("/v1/invitations/accept", &tokens[role], json!({"token": inv["token"]})).await;
        }
        Team { vid, tokens, user_ids, role_ids }
    }

    /// Number of audit events in a venue (read as its owner).
    pub async fn audit_count(&self, team: &Team) -> usize {
        let mut n = 0;
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => team.path(&format!("/audit?limit=200&cursor={c}")),
                None => team.path("/audit?limit=200"),
            };
            let page = self.get_ok(&path, team.owner()).await;
            n += page["items"].as_array().unwrap().len();
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return n,
            }
        }
    }
}

/// An RFC 3339 instant `hours` from now, on a whole minute.
pub fn in_hours(hours: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::hours(hours);
    let t = t.replace_second(0).unwrap().replace_nanosecond(0).unwrap();
    t.format(&time::format_description::well_known::Rfc3339).unwrap()
}

pub fn booking(guest: &str, party: i64, starts_at: &str) -> Value {
    json!({"guest_name": guest, "party_size": party, "starts_at": starts_at, "duration_minutes": 90})
}
