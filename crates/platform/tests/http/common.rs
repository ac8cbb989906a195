//! A platform started in-process on 127.0.0.1:0 with its own database (SQLite, or
//! PostgreSQL when `VENUEDESK_TEST_DATABASE` names a server: see venuedesk-test-support),
//! master key and a clock the test can move forward.

use std::sync::Arc;

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;
use venuedesk_platform::app;
use venuedesk_platform::clock::OffsetClock;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::state::{AppState, Settings};
pub use venuedesk_test_support::database::{Backend, TestDatabase};

/// Runs the platform's binary (an operator's command) without blocking the test's runtime.
/// The in-process nodes and their background workers share that runtime: a blocking wait
/// here would freeze a worker mid-transaction, and a command needing its lock would then
/// wait for ever (this hung a backup restore in CI).
pub async fn platform_command<S: AsRef<std::ffi::OsStr>>(args: impl IntoIterator<Item = S>) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_venuedesk-platform"))
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .expect("the platform's binary runs")
}

pub const PASSWORD: &str = "Quiet-Lantern-Orbit-77!";

pub struct TestPlatform {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<OffsetClock>,
    pub state: AppState,
    pub database: TestDatabase,
    pub dir: TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestPlatform {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Settings for most tests: the per-IP limit is raised so a test's many logins from
/// 127.0.0.1 do not trip it (the brute-force tests use the real default).
pub fn relaxed() -> Settings {
    venuedesk_test_support::live::relaxed()
}

impl TestPlatform {
    pub async fn start() -> Self {
        Self::start_with(relaxed()).await
    }

    pub async fn start_with(settings: Settings) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::fresh(dir.path()).await;
        let store = database.open().await;
        let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
        let clock = OffsetClock::new();
        let platform = app::build(store, master, settings, clock.clone(), "venuedesk-test".into()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = platform.router;
        let task = tokio::spawn(async move {
            let _ = app::serve_http(listener, router, std::future::pending()).await;
        });
        TestPlatform { base, client: reqwest::Client::new(), clock, state: platform.state, database, dir, task }
    }

    /// The database URL `serve` and `audit verify` are given.
    pub fn db_url(&self) -> &str {
        &self.database.url
    }

    /// Whether this run is on SQLite; a test of a SQLite-only property (its file's free
    /// pages, `VACUUM INTO` copies) says so and checks nothing on PostgreSQL.
    pub fn on_sqlite(&self, what: &str) -> bool {
        let sqlite = self.database.backend == Backend::Sqlite;
        if !sqlite {
            eprintln!("SQLite only, not run on PostgreSQL: {what}");
        }
        sqlite
    }

    /// Everything the database holds at rest, as bytes to search: SQLite's file and WAL;
    /// on PostgreSQL every row of every table read as the superuser (past row-level
    /// security), with binary columns as hex — search with [`stored_contains`].
    pub async fn stored_bytes(&self) -> Vec<u8> {
        self.database.stored_bytes().await
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, format!("{}{}", self.base, path))
    }

    /// An authenticated request; mutating methods get a fresh Idempotency-Key.
    pub fn authed(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        let mutating = matches!(method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
        let mut rb = self.req(method, path).bearer_auth(token);
        if mutating {
            rb = rb.header("Idempotency-Key", uuid::Uuid::new_v4().to_string());
        }
        rb
    }

    pub async fn signup(&self, email: &str) -> Value {
        let res = self
            .req(Method::POST, "/v1/auth/signup")
            .json(&json!({"email": email, "password": PASSWORD, "display_name": "Test User"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "signup {email}");
        res.json().await.unwrap()
    }

    pub async fn login_raw(&self, email: &str, password: &str) -> Response {
        self.req(Method::POST, "/v1/auth/login")
            .json(&json!({"email": email, "password": password, "device_name": "test"}))
            .send()
            .await
            .unwrap()
    }

    /// Logs in (no MFA) and returns the token pair.
    pub async fn login(&self, email: &str) -> Value {
        let res = self.login_raw(email, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        assert!(body["access_token"].is_string(), "{body}");
        body
    }

    pub async fn user_with_session(&self, email: &str) -> Value {
        self.signup(email).await;
        self.login(email).await
    }

    pub async fn refresh(&self, refresh_token: &str, key: Option<&str>) -> Response {
        let mut rb = self.req(Method::POST, "/v1/auth/refresh").json(&json!({"refresh_token": refresh_token}));
        if let Some(k) = key {
            rb = rb.header("Idempotency-Key", k);
        }
        rb.send().await.unwrap()
    }

    pub async fn me_status(&self, access: &str) -> (StatusCode, Value) {
        let res = self.authed(Method::GET, "/v1/me", access).send().await.unwrap();
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn security_event_kinds(&self, access: &str) -> Vec<String> {
        let res = self.authed(Method::GET, "/v1/me/security-events?limit=200", access).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        body["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect()
    }
}

/// Asserts an RFC 9457 problem with `code` and returns the body.
pub async fn expect_problem(res: Response, status: u16, code: &str) -> Value {
    let got = res.status().as_u16();
    let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let rid = res.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_string());
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "status for {code}: {body}");
    assert!(ct.starts_with("application/problem+json"), "content type {ct} for {body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert!(body["title"].is_string());
    assert_eq!(body["request_id"].as_str(), rid.as_deref(), "problem request_id matches the header");
    body
}

/// Whether `needle` is in what [`TestPlatform::stored_bytes`] returned, raw or hex-encoded
/// (PostgreSQL renders binary columns as hex).
pub fn stored_contains(hay: &[u8], needle: &[u8]) -> bool {
    let hex = hex::encode(needle);
    hay.windows(needle.len()).any(|w| w == needle) || hay.windows(hex.len()).any(|w| w == hex.as_bytes())
}
