//! A live platform on a loopback port, and a proxy in front of it that can cut the network.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use venuedesk_platform::clock::OffsetClock;
#[allow(unused_imports)] // not every test binary cuts the network
pub use venuedesk_test_support::{PASSWORD, Proxy};

pub struct Live {
    pub base: String,
    pub addr: SocketAddr,
    pub clock: Arc<OffsetClock>,
    live: venuedesk_test_support::Live,
}

impl Live {
    /// The platform's state, for what an operator does on the server (not over HTTP).
    pub fn state(&self) -> &venuedesk_platform::state::AppState {
        &self.live.state
    }
}

/// A platform with one user, ana@example.com (on the test run's database backend).
pub async fn live() -> Live {
    let live = venuedesk_test_support::Live::start().await;
    live.signup("ana@example.com", "Ana").await;
    Live { base: live.base.clone(), addr: live.addr, clock: live.clock.clone(), live }
}
