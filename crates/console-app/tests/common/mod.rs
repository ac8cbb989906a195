//! A demo platform (Harbour Bistro, one user per built-in role) started in-process on a
//! loopback port, shared by this crate's whole-system tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use secrecy::SecretString;
use venuedesk_platform::clock::OffsetClock;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::demo;

pub const PASSWORD: &str = "Harbour-Lights-Tide-42!";
pub const OWNER: &str = "owner@demo.venuedesk.test";
pub const MANAGER: &str = "manager@demo.venuedesk.test";
pub const FRONT_DESK: &str = "frontdesk@demo.venuedesk.test";
pub const KITCHEN: &str = "kitchen@demo.venuedesk.test";

pub struct Demo {
    pub base: String,
    pub clock: Arc<OffsetClock>,
    /// Stops the HTTP server (the console then finds the platform unreachable).
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Demo {
    /// Takes the platform off the network: its listener closes and open connections end.
    pub async fn go_offline(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

pub async fn demo_platform() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let store = venuedesk_test_support::TestDatabase::fresh(dir.path()).await.open().await;
    let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
    let clock = OffsetClock::new();
    let settings = venuedesk_platform::state::Settings {
        auth_requests_per_ip_minute: 10_000,
        // Webhook endpoints on this computer (the tests' receivers).
        webhooks_allow_private: true,
        ..venuedesk_platform::state::Settings::default()
    };
    let platform = venuedesk_platform::app::build(store, master, settings, clock.clone(), "test".into()).await.unwrap();
    demo::seed(&platform.state, &SecretString::from(PASSWORD)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(venuedesk_platform::app::serve_http(listener, platform.router, async move {
        let _ = stopped.await;
    }));
    Demo { base, clock, stop: Some(stop), server: Some(server), _dir: dir }
}
