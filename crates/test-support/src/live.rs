//! A live platform in this process, on a loopback port, with its own database, master key
//! and a clock the test can move forward.

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::json;
use tempfile::TempDir;
use tokio::net::TcpListener;
use venuedesk_platform::app;
use venuedesk_platform::clock::OffsetClock;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::state::{AppState, Settings};

use crate::database::TestDatabase;

pub const PASSWORD: &str = "Quiet-Lantern-Orbit-77!";

pub struct Live {
    pub base: String,
    pub addr: SocketAddr,
    pub clock: Arc<OffsetClock>,
    pub state: AppState,
    pub database: TestDatabase,
    pub dir: TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Live {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Settings for most tests: the per-IP limit is raised so a test's many logins from
/// 127.0.0.1 do not trip it (the brute-force tests use the real default).
pub fn relaxed() -> Settings {
    Settings { auth_requests_per_ip_minute: 10_000, ..Settings::default() }
}

impl Live {
    pub async fn start() -> Live {
        Self::start_with(relaxed(), "venuedesk-test").await
    }

    pub async fn start_with(settings: Settings, issuer: &str) -> Live {
        let dir = tempfile::tempdir().unwrap();
        let database = TestDatabase::fresh(dir.path()).await;
        let store = database.open().await;
        let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
        let clock = OffsetClock::new();
        let platform = app::build(store, master, settings, clock.clone(), issuer.into()).await.unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = platform.router;
        let task = tokio::spawn(async move {
            let _ = app::serve_http(listener, router, std::future::pending()).await;
        });
        Live { base: format!("http://{addr}"), addr, clock, state: platform.state, database, dir, task }
    }

    /// Signs up a user with [`PASSWORD`].
    pub async fn signup(&self, email: &str, display_name: &str) {
        let res = reqwest::Client::new()
            .post(format!("{}/v1/auth/signup", self.base))
            .json(&json!({"email": email, "password": PASSWORD, "display_name": display_name}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201, "signup {email}");
    }
}
