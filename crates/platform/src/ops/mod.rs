//! Operations an operator runs from the command line (API.md "Operations (v1.1)"): each is a
//! library function here, so whole-system tests call the same code the binary runs.

pub mod backup;
pub mod incident;
pub mod keys;
pub mod retention;

use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{Actor, AuditDraft};
use crate::store::{Store, StoreError};

/// Records a platform-wide act (a key rotation) in every venue's audit trail, as the
/// platform's own (`system`) action; how many venues.
pub async fn audit_every_venue(
    store: &dyn Store,
    now: OffsetDateTime,
    action: &str,
    details: Value,
) -> Result<usize, StoreError> {
    let venues = store.venue_ids().await?;
    for venue_id in &venues {
        store
            .append_audit(AuditDraft {
                venue_id: *venue_id,
                id: Uuid::now_v7(),
                at: now,
                actor: Actor::System,
                action: action.into(),
                target_type: "platform".into(),
                target_id: None,
                request_id: None,
                ip: None,
                details: details.clone(),
            })
            .await?;
    }
    Ok(venues.len())
}
