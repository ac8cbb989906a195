//! `GET /v1/venues/{vid}/alerts`: the venue's security alerts.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A security alert. `kind` is one of `refresh_token_reuse`, `lockout`, `mfa_disabled`,
/// `new_owner`, `role_widened`, `customer_erased`, `audit_exported`. A burst of one kind
/// within 5 minutes of its first event is one alert: `at` is its first event, `count` how
/// many, `last_at` the latest; `audit_seq` the audit event that raised it (null for
/// account events, which have none in the venue's trail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SecurityAlert {
    pub id: Uuid,
    pub kind: String,
    #[serde(with = "crate::timestamp")]
    pub at: OffsetDateTime,
    #[serde(with = "crate::timestamp")]
    pub last_at: OffsetDateTime,
    pub summary: String,
    pub count: i64,
    pub audit_seq: Option<i64>,
}
