//! `keys rotate-signing` and `keys rotate-master`. Both work on the database every node
//! shares; running nodes pick the change up without a restart (signing keys are re-read
//! every few seconds and on an unknown `kid`; the master key file is re-read when a data
//! key no longer opens with the key in memory).

use serde_json::json;
use time::OffsetDateTime;

use crate::auth::tokens::{RETIRE_AFTER, new_signing_key};
use crate::crypto::key_ring::{KeyRingError, PLATFORM_SCOPE};
use crate::crypto::{KeyRing, MasterKey, SealError};
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum KeyOpsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    KeyRing(#[from] KeyRingError),
    #[error("a data key does not open with the current master key (scope {0}): wrong --master-key-file?")]
    WrongMaster(String),
    #[error("the new master key is the current one")]
    SameMaster,
    #[error("new keys were being made during the rotation; run it again")]
    Busy,
    #[error("no venue with id {0}")]
    UnknownVenue(uuid::Uuid),
    #[error("{0}")]
    Signing(String),
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// A new signing key signs from now on; the old ones stay in the JWKS (and verify) until
/// every token they signed has expired. Returns the new `kid`.
pub async fn rotate_signing(store: &dyn Store, keys: &KeyRing, now: OffsetDateTime) -> Result<String, KeyOpsError> {
    let platform = keys.platform().await?;
    let record = new_signing_key(&platform, now).map_err(|e| KeyOpsError::Signing(e.to_string()))?;
    store.insert_signing_key(&record).await?;
    super::audit_every_venue(
        store,
        now,
        "keys.rotate_signing",
        json!({ "kid": record.kid, "previous_verify_for_seconds": RETIRE_AFTER.whole_seconds() }),
    )
    .await?;
    Ok(record.kid)
}

/// Every data key re-wrapped under `new` in one transaction; afterwards `old` opens none
/// of them. How many keys.
pub async fn rotate_master(
    store: &dyn Store,
    old: &MasterKey,
    new: &MasterKey,
    now: OffsetDateTime,
) -> Result<usize, KeyOpsError> {
    if old.fingerprint() == new.fingerprint() {
        return Err(KeyOpsError::SameMaster);
    }
    // A few tries: a node may create a key (a new venue, a new customer) meanwhile.
    for _ in 0..5 {
        let stored = store.data_keys_all().await?;
        let mut replaced = Vec::with_capacity(stored.len());
        for (scope, wrapped) in stored {
            let key = old.unwrap_key(&scope, &wrapped).map_err(|_| KeyOpsError::WrongMaster(scope.clone()))?;
            let rewrapped = new.wrap(&scope, &key)?;
            replaced.push((scope, wrapped, rewrapped));
        }
        match store.replace_data_keys(&replaced).await {
            Ok(()) => {
                let n = replaced.len();
                super::audit_every_venue(
                    store,
                    now,
                    "keys.rotate_master",
                    json!({ "data_keys": n, "master_key": new.fingerprint() }),
                )
                .await?;
                return Ok(n);
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(KeyOpsError::Busy)
}

/// Whether `master` opens the platform key (a quick check of a key file).
pub async fn opens(store: &dyn Store, master: &MasterKey) -> Result<bool, KeyOpsError> {
    Ok(match store.data_key(PLATFORM_SCOPE).await? {
        Some(wrapped) => master.unwrap_key(PLATFORM_SCOPE, &wrapped).is_ok(),
        None => false,
    })
}

/// What `keys rotate-venue` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VenueRotation {
    pub version: u32,
    pub resealed: usize,
}

/// A new data key version for the venue: it seals from now on (every node within
/// [`crate::crypto::key_ring::VENUE_VERSIONS_TTL`]); after waiting `settle` for that, everything sealed under older
/// versions is re-sealed under it. Older versions stay, so nothing is unreadable at any
/// moment — the audit trail's sealed personal data names the version that sealed it and is
/// never rewritten.
pub async fn rotate_venue(
    store: &dyn Store,
    keys: &KeyRing,
    venue_id: uuid::Uuid,
    now: OffsetDateTime,
    settle: std::time::Duration,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<VenueRotation, KeyOpsError> {
    use crate::crypto::key_ring::venue_version;
    use crate::store::SealedField;
    if store.venue(venue_id).await?.is_none() {
        return Err(KeyOpsError::UnknownVenue(venue_id));
    }
    let base = crate::audit::pii::venue_scope(venue_id);
    keys.key(&base).await?;
    let version = store.data_key_versions(&base).await?.iter().map(|s| venue_version(s)).max().unwrap_or(1) + 1;
    keys.key(&format!("{base}#{version}")).await?;
    keys.forget_venue_versions(venue_id);
    progress(&format!("version {version} made; waiting {} s for every node to seal with it", settle.as_secs()));
    tokio::time::sleep(settle).await;
    let mut resealed = 0;
    // A value written meanwhile by a node still on the old version is caught by a later pass.
    for _ in 0..5 {
        keys.forget_venue_versions(venue_id);
        let ring = keys.venue(venue_id).await?;
        let mut batch = Vec::new();
        for v in store.venue_sealed(venue_id).await? {
            let aad = match v.field {
                SealedField::Doc => crate::domain::sealed::doc_aad(venue_id, v.id),
                SealedField::WebhookSecret | SealedField::WebhookPreviousSecret => {
                    crate::routes::integrations::webhooks::secret_aad(venue_id, v.id)
                }
                SealedField::PaymentSecret => crate::routes::integrations::payments::secret_aad(venue_id),
            };
            if ring.is_current(aad.as_bytes(), &v.sealed) {
                continue;
            }
            let plain = ring.open(aad.as_bytes(), &v.sealed)?;
            let fresh = ring.seal(aad.as_bytes(), &plain)?;
            batch.push((v, fresh));
        }
        if batch.is_empty() {
            break;
        }
        for chunk in batch.chunks(500) {
            resealed += store.replace_sealed(venue_id, chunk).await?;
            progress(&format!("re-sealed {resealed} value(s)"));
        }
    }
    store
        .append_audit(crate::audit::AuditDraft {
            venue_id,
            id: uuid::Uuid::now_v7(),
            at: now,
            actor: crate::audit::Actor::System,
            action: "keys.rotate_venue".into(),
            target_type: "venue".into(),
            target_id: Some(venue_id.to_string()),
            request_id: None,
            ip: None,
            details: json!({ "version": version, "resealed": resealed }),
        })
        .await?;
    Ok(VenueRotation { version, resealed })
}
