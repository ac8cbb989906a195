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
    _dir: tempfile::TempDir,
}

pub async fn demo_platform() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let store = venuedesk_test_support::TestDatabase::fresh(dir.path()).await.open().await;
    let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
    let clock = OffsetClock::new();
    let settings = venuedesk_platform::state::Settings {
        auth_requests_per_ip_minute: 10_000,
        ..venuedesk_platform::state::Settings::default()
    };
    let platform = venuedesk_platform::app::build(store, master, settings, clock.clone(), "test".into()).await.unwrap();
    demo::seed(&platform.state, &SecretString::from(PASSWORD)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(venuedesk_platform::app::serve_http(listener, platform.router, std::future::pending()));
    Demo { base, clock, _dir: dir }
}
