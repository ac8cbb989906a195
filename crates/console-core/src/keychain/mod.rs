//! Where secrets live on the device: the OS keychain (Secret Service, macOS Keychain,
//! Windows Credential Manager) through `keyring`; an in-memory one for unit tests.

mod os;

use std::collections::HashMap;
use std::sync::Mutex;

use secrecy::{ExposeSecret, SecretString};

pub use os::OsKeychain;

use crate::error::CoreError;

/// The keychain service name every Venuedesk item is stored under.
pub const SERVICE: &str = "venuedesk";

pub trait Keychain: Send + Sync {
    fn get(&self, account: &str) -> Result<Option<SecretString>, CoreError>;
    fn set(&self, account: &str, secret: &SecretString) -> Result<(), CoreError>;
    /// Deleting a missing item is not an error.
    fn delete(&self, account: &str) -> Result<(), CoreError>;
}

/// For unit tests: nothing leaves the process.
#[derive(Default)]
pub struct MemoryKeychain {
    items: Mutex<HashMap<String, SecretString>>,
}

impl MemoryKeychain {
    pub fn len(&self) -> usize {
        self.items.lock().map(|i| i.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The names of the items held (never their secrets), sorted.
    pub fn accounts(&self) -> Vec<String> {
        let mut names: Vec<String> = self.items.lock().map(|i| i.keys().cloned().collect()).unwrap_or_default();
        names.sort();
        names
    }
}

impl Keychain for MemoryKeychain {
    fn get(&self, account: &str) -> Result<Option<SecretString>, CoreError> {
        let items = self.items.lock().map_err(|_| CoreError::Keychain("poisoned".into()))?;
        Ok(items.get(account).map(|s| SecretString::from(s.expose_secret().to_owned())))
    }

    fn set(&self, account: &str, secret: &SecretString) -> Result<(), CoreError> {
        let mut items = self.items.lock().map_err(|_| CoreError::Keychain("poisoned".into()))?;
        items.insert(account.to_string(), SecretString::from(secret.expose_secret().to_owned()));
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), CoreError> {
        let mut items = self.items.lock().map_err(|_| CoreError::Keychain("poisoned".into()))?;
        items.remove(account);
        Ok(())
    }
}

// Every item of one account on one server is named `<kind>:<server>:<email>[:<venue>]`;
// `cache::wipe_account` deletes all of them.

/// The keychain account of a refresh token: one per server and user.
pub fn refresh_account(server: &str, email: &str) -> String {
    format!("refresh-token:{server}:{email}")
}

/// The Idempotency-Key of a refresh-token rotation in progress (see `Session`).
pub fn rotation_account(server: &str, email: &str) -> String {
    format!("refresh-rotation:{server}:{email}")
}

/// The key of one venue's offline cache.
pub fn cache_key_account(server: &str, email: &str, venue_id: uuid::Uuid) -> String {
    format!("cache-key:{server}:{email}:{venue_id}")
}

/// The venues whose cache keys this account has on this device (a keychain cannot be
/// searched portably, so the list is kept beside the keys).
pub fn cache_registry_account(server: &str, email: &str) -> String {
    format!("cache-venues:{server}:{email}")
}
