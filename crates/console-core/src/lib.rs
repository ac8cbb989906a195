//! The console engine, with no GUI dependency: the platform API client, the session (access
//! token in memory only, refresh token in the OS keychain), and — next — the encrypted
//! offline cache, the outbox and sync. The desktop app and the `venuedesk` CLI sit on it.

pub mod account;
pub mod cache;
pub mod client;
pub mod error;
pub mod keychain;
pub mod session;
pub mod sync;

pub use client::ApiClient;
pub use error::{CoreError, EndReason};
pub use keychain::{Keychain, MemoryKeychain, OsKeychain};
pub use session::{LoginOutcome, Session};
