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

/// How long a node seals with a venue key version after a newer one was made (its list of
/// versions is re-read this often); `keys rotate-venue` waits this long before re-sealing.
pub const VENUE_VERSIONS_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// A venue's data key versions: the newest seals; any of them opens (newest first), so
/// nothing is unreadable while old data is being re-sealed, nor after (the audit trail's
/// sealed personal data names its version and is never re-sealed).
pub struct VenueKeys {
    /// (scope, key), newest first; never empty.
    versions: Vec<(String, Arc<DataKey>)>,
}

impl VenueKeys {
    /// The scope that seals now (`venue:<id>` or `venue:<id>#<n>`).
    pub fn current_scope(&self) -> &str {
        &self.versions[0].0
    }

    pub fn current(&self) -> &Arc<DataKey> {
        &self.versions[0].1
    }

    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, SealError> {
        self.current().seal(aad, plain)
    }

    /// Opens with whichever version sealed it.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, SealError> {
        let mut last = SealError::Open;
        for (_, key) in &self.versions {
            match key.open(aad, sealed) {
                Ok(plain) => return Ok(plain),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Whether the newest version sealed it (re-sealing skips what is done).
    pub fn is_current(&self, aad: &[u8], sealed: &[u8]) -> bool {
        self.current().open(aad, sealed).is_ok()
    }
}

/// The version number a venue key scope names: `venue:<id>` is 1, `venue:<id>#<n>` is n.
pub fn venue_version(scope: &str) -> u32 {
    scope.rsplit_once('#').and_then(|(_, n)| n.parse().ok()).unwrap_or(1)
}

pub struct KeyRing {
    master: RwLock<Arc<MasterKey>>,
    store: Arc<dyn Store>,
    cache: RwLock<HashMap<String, Arc<DataKey>>>,
    /// venue id → (its version scopes newest first, when read).
    venue_versions: RwLock<HashMap<uuid::Uuid, (Vec<String>, std::time::Instant)>>,
}

impl KeyRing {
    pub fn new(master: MasterKey, store: Arc<dyn Store>) -> Self {
        KeyRing {
            master: RwLock::new(Arc::new(master)),
            store,
            cache: RwLock::new(HashMap::new()),
            venue_versions: RwLock::new(HashMap::new()),
        }
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

    /// The venue's key versions (the first made on first use). The list is re-read at most
    /// every [`VENUE_VERSIONS_TTL`], so a node that was not restarted seals with a rotated
    /// version within seconds.
    pub async fn venue(&self, venue_id: uuid::Uuid) -> Result<VenueKeys, KeyRingError> {
        let fresh = self
            .venue_versions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&venue_id)
            .filter(|(_, at)| at.elapsed() < VENUE_VERSIONS_TTL)
            .map(|(scopes, _)| scopes.clone());
        let scopes = match fresh {
            Some(s) => s,
            None => {
                let base = crate::audit::pii::venue_scope(venue_id);
                let mut scopes = self.store.data_key_versions(&base).await?;
                if scopes.is_empty() {
                    scopes.push(base);
                }
                scopes.sort_by_key(|s| std::cmp::Reverse(venue_version(s)));
                self.venue_versions
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(venue_id, (scopes.clone(), std::time::Instant::now()));
                scopes
            }
        };
        let mut versions = Vec::with_capacity(scopes.len());
        for scope in scopes {
            let key = self.key(&scope).await?;
            versions.push((scope, key));
        }
        Ok(VenueKeys { versions })
    }

    /// Forgets the venue's version list (the rotating command's own ring).
    pub fn forget_venue_versions(&self, venue_id: uuid::Uuid) {
        self.venue_versions.write().unwrap_or_else(|p| p.into_inner()).remove(&venue_id);
    }
}
