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
    master: RwLock<Arc<MasterKey>>,
    store: Arc<dyn Store>,
    cache: RwLock<HashMap<String, Arc<DataKey>>>,
}

impl KeyRing {
    pub fn new(master: MasterKey, store: Arc<dyn Store>) -> Self {
        KeyRing { master: RwLock::new(Arc::new(master)), store, cache: RwLock::new(HashMap::new()) }
    }

    fn master(&self) -> Arc<MasterKey> {
        self.master.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Unwraps with the master key; when that fails, the key file is read again — after
    /// `keys rotate-master` the operator puts the new key in its place, and a running node
    /// carries on without a restart.
    fn unwrap_key(&self, scope: &str, wrapped: &[u8]) -> Result<DataKey, KeyRingError> {
        let master = self.master();
        match master.unwrap_key(scope, wrapped) {
            Ok(k) => Ok(k),
            Err(e) => {
                let Some(fresh) = master.reread() else { return Err(e.into()) };
                let key = fresh.unwrap_key(scope, wrapped)?;
                tracing::warn!(master_key = %fresh.fingerprint(), "the master key file changed (rotated); using the new key");
                *self.master.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fresh);
                Ok(key)
            }
        }
    }

    /// Before wrapping a new data key: the master key in use must be the one the stored
    /// keys are wrapped under (a node that missed a rotation must not wrap keys nobody
    /// else can open). The platform key, always present, is the witness.
    async fn check_master(&self, scope: &str) -> Result<(), KeyRingError> {
        if scope == PLATFORM_SCOPE {
            return Ok(());
        }
        if let Some(witness) = self.store.data_key(PLATFORM_SCOPE).await? {
            self.unwrap_key(PLATFORM_SCOPE, &witness)?;
        }
        Ok(())
    }

    /// The data key for `scope`, created and stored wrapped on first use.
    pub async fn key(&self, scope: &str) -> Result<Arc<DataKey>, KeyRingError> {
        if let Some(k) = self.cache.read().unwrap_or_else(|p| p.into_inner()).get(scope) {
            return Ok(k.clone());
        }
        let wrapped = match self.store.data_key(scope).await? {
            Some(w) => w,
            None => {
                self.check_master(scope).await?;
                let fresh = DataKey::generate();
                let wrapped = self.master().wrap(scope, &fresh)?;
                // A concurrent node may have won the insert: use whatever is stored.
                self.store.insert_data_key(scope, &wrapped, OffsetDateTime::now_utc()).await?
            }
        };
        let key = Arc::new(self.unwrap_key(scope, &wrapped)?);
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
                let key = Arc::new(self.unwrap_key(scope, &wrapped)?);
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
