//! Venue data at rest: each document is JSON sealed with the venue's data key (AES-256-GCM,
//! bound to venue and id). Personal data inside audit details is sealed with its subject's key.

use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::audit::pii;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::DocRecord;

fn aad(venue_id: Uuid, id: Uuid) -> String {
    format!("doc:{venue_id}:{id}")
}

pub async fn seal<T: Serialize>(state: &AppState, venue_id: Uuid, id: Uuid, value: &T) -> ApiResult<Vec<u8>> {
    let key = state.keys.venue(venue_id).await?;
    let plain = zeroize::Zeroizing::new(serde_json::to_vec(value).map_err(ApiError::internal)?);
    Ok(key.seal(aad(venue_id, id).as_bytes(), &plain)?)
}

pub async fn open<T: DeserializeOwned>(state: &AppState, venue_id: Uuid, doc: &DocRecord) -> ApiResult<T> {
    let key = state.keys.venue(venue_id).await?;
    let plain = key.open(aad(venue_id, doc.id).as_bytes(), &doc.data_enc)?;
    serde_json::from_slice(&plain).map_err(ApiError::internal)
}

/// The AAD a venue document is sealed with (re-sealing after a key rotation needs it).
pub fn doc_aad(venue_id: Uuid, id: Uuid) -> String {
    aad(venue_id, id)
}

/// Seals personal data for an audit event under the venue's current key version.
pub async fn venue_pii(state: &AppState, venue_id: Uuid, text: &str) -> ApiResult<String> {
    let keys = state.keys.venue(venue_id).await?;
    Ok(pii::seal(keys.current_scope(), keys.current(), text)?)
}

/// Seals personal data for an audit event under `subject_scope`'s key.
pub async fn pii(state: &AppState, subject_scope: &str, text: &str) -> ApiResult<String> {
    let key = state.keys.key(subject_scope).await?;
    Ok(pii::seal(subject_scope, &key, text)?)
}

/// The key scope for personal data about a booking's guest: the booking's own key, so a
/// walk-in later linked to a customer is erased with that customer.
pub fn guest_scope(venue_id: Uuid, booking_id: Uuid) -> String {
    pii::booking_scope(venue_id, booking_id)
}
