//! The OS keychain through `keyring`. On Linux: the Secret Service (GNOME Keyring, KWallet)
//! with the kernel keyutils as fallback.

use secrecy::{ExposeSecret, SecretString};

use super::{Keychain, SERVICE};
use crate::error::CoreError;

#[derive(Debug, Default, Clone, Copy)]
pub struct OsKeychain;

fn entry(account: &str) -> Result<keyring::Entry, CoreError> {
    keyring::Entry::new(SERVICE, account).map_err(|e| CoreError::Keychain(e.to_string()))
}

impl Keychain for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<SecretString>, CoreError> {
        match entry(account)?.get_password() {
            Ok(p) => Ok(Some(SecretString::from(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(CoreError::Keychain(e.to_string())),
        }
    }

    fn set(&self, account: &str, secret: &SecretString) -> Result<(), CoreError> {
        entry(account)?.set_password(secret.expose_secret()).map_err(|e| CoreError::Keychain(e.to_string()))
    }

    fn delete(&self, account: &str) -> Result<(), CoreError> {
        match entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(CoreError::Keychain(e.to_string())),
        }
    }
}
