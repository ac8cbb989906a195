//! The console engine, with no GUI dependency: the platform API client, the session (access
//! token in memory only, refresh token in the OS keychain), the encrypted offline cache,
//! the outbox and sync, and verified audit exports. The desktop app and the `venuedesk` CLI sit on it.

pub mod account;
pub mod audit;
pub mod cache;
pub mod client;
pub mod error;
pub mod keychain;
pub mod session;
pub mod settings;
pub mod sync;

pub use client::ApiClient;
pub use error::{CoreError, EndReason};
pub use keychain::{Keychain, MemoryKeychain, OsKeychain};
pub use session::{LoginOutcome, Session};
pub use settings::Settings;
