//! A cluster script's directory and a platform node on it.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};
use venuedesk_platform::app;
use venuedesk_platform::clock::SystemClock;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::store::postgres::PoolSettings;

pub const PASSWORD: &str = "Quiet-Lantern-Orbit-77!";

pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts").join(name)
}

/// A cluster started by `scripts/NAME start DIR`, stopped (and DIR removed) on drop.
pub struct Cluster {
    pub script: PathBuf,
    pub dir: PathBuf,
    /// The owner's URL the script printed.
    pub owner_url: String,
}

impl Cluster {
    pub fn start(name: &str) -> Cluster {
        let script = script(name);
        let dir = tempfile::Builder::new().prefix("venuedesk-drill").tempdir().unwrap().keep();
        let out = Command::new(&script).arg("start").arg(&dir).output().unwrap();
        assert!(out.status.success(), "{name} start: {}", String::from_utf8_lossy(&out.stderr));
        let owner_url = String::from_utf8(out.stdout).unwrap().trim().to_string();
        Cluster { script, dir, owner_url }
    }

    /// Runs `scripts/NAME VERB DIR ARGS…`; its stdout.
    pub fn run(&self, verb: &str, args: &[&str]) -> String {
        let out = Command::new(&self.script).arg(verb).arg(&self.dir).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{} {verb}: {}{}",
            self.script.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn app_url(&self) -> String {
        self.owner_url.replace("venuedesk_owner:venuedesk_owner@", "venuedesk_app:venuedesk_app@")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(&self.script).arg("stop").arg(&self.dir).output();
    }
}

/// A platform node serving from `url` on a loopback port, with the master key in `key`.
pub struct Node {
    pub base: String,
    pub client: reqwest::Client,
    /// Requests this node answered with a 5xx (the database was away).
    pub server_errors: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Node {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Node {
    pub async fn start(url: &str, key: &std::path::Path, pool: PoolSettings) -> Node {
        let store = app::open_serving_store(url, pool).await.unwrap();
        let (master, _) = MasterKey::load_or_create(key).unwrap();
        let settings = venuedesk_platform::state::Settings {
            auth_requests_per_ip_minute: 10_000,
            ..venuedesk_platform::state::Settings::default()
        };
        let platform =
            app::build(store, master, settings, Arc::new(SystemClock), "venuedesk-drill".into()).await.unwrap();
        let server_errors = Arc::new(AtomicU32::new(0));
        let counted = server_errors.clone();
        let router = platform.router.layer(axum::middleware::from_fn(move |req, next: axum::middleware::Next| {
            let counted = counted.clone();
            async move {
                let res = next.run(req).await;
                if res.status().is_server_error() {
                    counted.fetch_add(1, Ordering::Relaxed);
                }
                res
            }
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = app::serve_http(listener, router, std::future::pending()).await;
        });
        Node { base, client: reqwest::Client::new(), server_errors, task }
    }

    /// Signs up (when new) and logs in; the access token.
    pub async fn owner(&self, email: &str) -> String {
        self.client
            .post(format!("{}/v1/auth/signup", self.base))
            .json(&json!({"email": email, "password": PASSWORD, "display_name": "Drill"}))
            .send()
            .await
            .unwrap();
        let body: Value = self
            .client
            .post(format!("{}/v1/auth/login", self.base))
            .json(&json!({"email": email, "password": PASSWORD, "device_name": "drill"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn venue(&self, token: &str, name: &str) -> String {
        let v: Value = self
            .client
            .post(format!("{}/v1/venues", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&json!({"name": name, "timezone": "UTC", "capacity": 100_000}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["id"].as_str().unwrap().to_string()
    }

    /// A booking for `guest` with this idempotency key; the status answered (or None when
    /// the request did not get an answer).
    pub async fn book(&self, token: &str, vid: &str, guest: &str, hours: i64, key: &str) -> Option<u16> {
        let starts = (time::OffsetDateTime::now_utc() + time::Duration::hours(hours))
            .replace_nanosecond(0)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let res = self
            .client
            .post(format!("{}/v1/venues/{vid}/bookings", self.base))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .timeout(std::time::Duration::from_secs(15))
            .json(&json!({"guest_name": guest, "party_size": 2, "starts_at": starts, "duration_minutes": 60}))
            .send()
            .await
            .ok()?;
        Some(res.status().as_u16())
    }

    pub async fn guests(&self, token: &str, vid: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut url = format!("{}/v1/venues/{vid}/bookings?from=2000-01-01&to=2100-01-01&limit=200", self.base);
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let page: Value = self.client.get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
            out.extend(page["items"].as_array().unwrap().iter().map(|b| b["guest_name"].as_str().unwrap().to_string()));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => return out,
            }
        }
    }
}

/// `venuedesk-platform audit verify` against `url`.
pub fn audit_verifies(url: &str, vid: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_venuedesk-platform"))
        .args(["audit", "verify", "--database", url, "--venue", vid])
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}
