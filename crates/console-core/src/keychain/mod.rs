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

/// The keychain account of a refresh token: one per server and user.
pub fn refresh_account(server: &str, email: &str) -> String {
    format!("refresh-token:{server}:{email}")
}
