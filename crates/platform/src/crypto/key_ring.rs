//! Data keys by scope, unwrapped once and kept in memory. Today: the platform's own key
//! (signing keys, TOTP secrets, idempotency records). Venue and customer keys join later.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use time::OffsetDateTime;

use super::{DataKey, MasterKey, SealError};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a data key could not be unwrapped: wrong master key or corrupted database")]
    Unwrap(#[from] SealError),
}

pub const PLATFORM_SCOPE: &str = "platform";

pub struct KeyRing {
    master: MasterKey,
    store: Arc<dyn Store>,
    cache: RwLock<HashMap<String, Arc<DataKey>>>,
}

impl KeyRing {
    pub fn new(master: MasterKey, store: Arc<dyn Store>) -> Self {
        KeyRing { master, store, cache: RwLock::new(HashMap::new()) }
    }

    /// The data key for `scope`, created and stored wrapped on first use.
    pub async fn key(&self, scope: &str) -> Result<Arc<DataKey>, KeyRingError> {
        if let Some(k) = self.cache.read().unwrap_or_else(|p| p.into_inner()).get(scope) {
            return Ok(k.clone());
        }
        let wrapped = match self.store.data_key(scope).await? {
            Some(w) => w,
            None => {
                let fresh = DataKey::generate();
                let wrapped = self.master.wrap(scope, &fresh)?;
                // A concurrent node may have won the insert: use whatever is stored.
                self.store.insert_data_key(scope, &wrapped, OffsetDateTime::now_utc()).await?
            }
        };
        let key = Arc::new(self.master.unwrap_key(scope, &wrapped)?);
        self.remember(scope, &key);
        Ok(key)
    }

    /// Caches venue and platform keys. A data subject's key is read from the store each
    /// time: a cached copy could outlive its erasure.
    fn remember(&self, scope: &str, key: &Arc<DataKey>) {
        if !crate::audit::pii::is_subject_scope(scope) {
            self.cache.write().unwrap_or_else(|p| p.into_inner()).insert(scope.to_string(), key.clone());
        }
    }

    /// The data key for `scope` if it exists; never creates one (reading after erasure).
    pub async fn existing(&self, scope: &str) -> Result<Option<Arc<DataKey>>, KeyRingError> {
        if let Some(k) = self.cache.read().unwrap_or_else(|p| p.into_inner()).get(scope) {
            return Ok(Some(k.clone()));
        }
        match self.store.data_key(scope).await? {
            Some(wrapped) => {
                let key = Arc::new(self.master.unwrap_key(scope, &wrapped)?);
                self.remember(scope, &key);
                Ok(Some(key))
            }
            None => Ok(None),
        }
    }

    /// Drops a key from memory after the store destroyed it (crypto-shredding).
    pub fn forget(&self, scope: &str) {
        self.cache.write().unwrap_or_else(|p| p.into_inner()).remove(scope);
    }

    pub async fn platform(&self) -> Result<Arc<DataKey>, KeyRingError> {
        self.key(PLATFORM_SCOPE).await
    }
}
