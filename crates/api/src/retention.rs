//! `GET /.well-known/retention-policy.json`: how long each class of data is kept.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One data class of the retention policy (the document is a JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RetentionEntry {
    /// Stable name, e.g. `idempotency_records`.
    pub data_class: String,
    /// ISO 8601 duration the data is kept for, counted from `from` (`P1Y` is 365 days);
    /// `null` when it is not deleted on a schedule (see `deletion`).
    pub retention: Option<String>,
    /// `delete`: rows are deleted once `retention` has passed (the `prune` job, hourly on
    /// every node). `never`: kept for good (the audit trail; personal data in it is
    /// crypto-shredded on erasure). `with_owner`: kept while the account or venue it belongs
    /// to exists, deleted or crypto-shredded with it (e.g. a customer's erasure).
    pub deletion: String,
    /// The moment `retention` counts from: `creation`, `expiry`, `end`, `acceptance`,
    /// `last_attempt`, `last_event` or `receipt`.
    pub from: String,
    /// The database tables holding this class.
    pub tables: Vec<String>,
    pub description: String,
}
