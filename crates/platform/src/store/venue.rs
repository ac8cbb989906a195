//! Records of the venue domain as the store keeps them. Venue data (products, customers,
//! bookings, orders) is kept as sealed documents with the few plain columns that queries
//! and the capacity check need.

use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::permission::PermissionSet;

use crate::audit::AuditDraft;

#[derive(Debug, Clone)]
pub struct VenueRecord {
    pub id: Uuid,
    pub name: String,
    pub timezone: String,
    pub capacity: i64,
    pub created_at: OffsetDateTime,
    pub version: i64,
    /// Kept as JSON; what is missing reads as the defaults.
    pub rules: venuedesk_api::front_desk::BookingRules,
}

#[derive(Debug, Clone)]
pub struct RoleRecord {
    pub id: Uuid,
    pub name: String,
    pub builtin: bool,
    pub permissions: PermissionSet,
    pub require_mfa: bool,
    pub version: i64,
}

#[derive(Debug, Clone)]
pub struct MemberRecord {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role_id: Uuid,
    pub mfa_enabled: bool,
    pub joined_at: OffsetDateTime,
    pub version: i64,
}

#[derive(Clone)]
pub struct InvitationRecord {
    pub venue_id: Uuid,
    pub id: Uuid,
    pub email: String,
    pub role_id: Uuid,
    pub token_hash: [u8; 32],
    pub expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
}

/// The kinds of sealed documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Product,
    Customer,
    Booking,
    Order,
    Table,
    /// One per venue, its id the venue's.
    OpeningHours,
    WaitlistEntry,
}

impl Entity {
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Product => "product",
            Entity::Customer => "customer",
            Entity::Booking => "booking",
            Entity::Order => "order",
            Entity::Table => "table",
            Entity::OpeningHours => "opening_hours",
            Entity::WaitlistEntry => "waitlist",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        Some(match s {
            "product" => Entity::Product,
            "customer" => Entity::Customer,
            "booking" => Entity::Booking,
            "order" => Entity::Order,
            "table" => Entity::Table,
            "opening_hours" => Entity::OpeningHours,
            "waitlist" => Entity::WaitlistEntry,
            _ => return None,
        })
    }
}

#[derive(Clone)]
pub struct DocRecord {
    pub entity: Entity,
    pub id: Uuid,
    pub version: i64,
    pub status: Option<String>,
    pub starts_at: Option<OffsetDateTime>,
    pub ends_at: Option<OffsetDateTime>,
    pub party_size: Option<i64>,
    pub ref_id: Option<Uuid>,
    pub data_enc: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub deleted: bool,
    /// A booking's tables: `Some` sets them (checked against every other booking holding
    /// one of them), `None` leaves what is stored. A booking that no longer holds seats
    /// (cancelled, completed, no-show, deleted) frees its tables either way.
    pub tables: Option<TableHold>,
}

/// The tables a booking holds, from its start until `until` (its end plus the turnover).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableHold {
    pub ids: Vec<Uuid>,
    pub until: OffsetDateTime,
}

impl std::fmt::Debug for DocRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocRecord").field("entity", &self.entity).field("id", &self.id).finish_non_exhaustive()
    }
}

/// One document write inside an atomic batch.
#[derive(Debug, Clone)]
pub struct DocWrite {
    pub doc: DocRecord,
    /// `None`: create (the id must be free). `Some(v)`: update, only if the stored version is `v`.
    pub expected_version: Option<i64>,
}

/// What a list of documents is filtered by.
#[derive(Debug, Clone, Default)]
pub struct DocQuery {
    pub status: Option<String>,
    pub starts_from: Option<OffsetDateTime>,
    pub starts_before: Option<OffsetDateTime>,
    pub ref_id: Option<Uuid>,
    /// Keyset cursor: documents after this (sort key in ms, id); the sort key is `starts_at`
    /// with `by_start`, else `created_at`.
    pub after: Option<(i64, Uuid)>,
    pub limit: u32,
    /// Order by `starts_at` (bookings) instead of creation.
    pub by_start: bool,
}

/// Why a venue write was refused. Maps one-to-one onto problem codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    NotFound,
    IdConflict,
    VersionMismatch(i64),
    CapacityExceeded,
    /// A table the booking holds is held by another booking at an overlapping time.
    TableUnavailable,
    LastOwner,
    RoleInUse,
    NameTaken,
    Builtin,
    InvitationInvalid,
    /// The invitation (of this venue) is for another email.
    EmailMismatch(Uuid),
    AlreadyMember,
}

#[derive(Debug, Clone)]
pub struct ChangeRecord {
    pub seq: i64,
    pub entity: String,
    pub id: Uuid,
    pub op: String,
}

#[derive(Debug, Clone)]
pub struct StoredAuditEvent {
    pub seq: i64,
    pub canonical: String,
    pub prev_hash: String,
    pub hash: String,
    /// The columns filters and range exports select on; `audit verify` checks each agrees
    /// with the hashed event, so a changed column cannot hide an event from filtered views.
    pub at_ms: i64,
    pub actor_id: Option<String>,
    pub action: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub after_seq: i64,
    pub limit: u32,
}

/// A venue change plus the audit event that records it, written in one transaction.
#[derive(Debug, Clone)]
pub struct Audited<T> {
    pub change: T,
    pub audit: AuditDraft,
}
