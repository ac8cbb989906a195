//! What every whole-system test needs, written once: a fresh database on the backend the
//! environment names (`VENUEDESK_TEST_DATABASE`), a live platform on a loopback port, a
//! proxy that can cut the network and a webhook receiver. Test code: a failed set-up panics with its reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod database;
pub mod live;
pub mod proxy;
pub mod webhook_receiver;

pub use database::{Backend, TestDatabase};
pub use live::{Live, PASSWORD};
pub use proxy::Proxy;
pub use webhook_receiver::{Receiver, verifies};
