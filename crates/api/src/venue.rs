//! Venues, roles, members, invitations and the venue's data: products, customers,
//! bookings, orders, the change feed and the audit trail.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::booking_status::BookingStatus;
use crate::order_status::OrderStatus;
use crate::unknown_name::UnknownName;

/// Absent, null or a value: PATCH bodies distinguish "leave alone" from "clear".
pub type Patch<T> = Option<Option<T>>;

fn patch<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Venue {
    pub id: Uuid,
    pub name: String,
    /// IANA time zone, e.g. `Europe/London`.
    pub timezone: String,
    /// Seats.
    pub capacity: i64,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    pub version: i64,
    /// Booking rules (see `front_desk::BookingRules`): start times on multiples of this.
    pub slot_minutes: i64,
    /// By party size: the last rule whose `party_size_from` the party reaches applies.
    pub default_duration_minutes: Vec<crate::front_desk::DurationRule>,
    pub min_notice_minutes: i64,
    pub max_advance_days: i64,
    /// Kept free at a table between two bookings.
    pub turnover_minutes: i64,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVenue {
    pub name: String,
    pub timezone: String,
    pub capacity: i64,
}

/// Absent fields are left alone (and are not sent: `None` is skipped when serialised).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenuePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<i64>,
    /// One of 5, 10, 15, 20, 30, 60.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot_minutes: Option<i64>,
    /// Replaces the list: 1-20 rules, the first from party size 1, sizes increasing, 15-720 minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_duration_minutes: Option<Vec<crate::front_desk::DurationRule>>,
    /// 0-10080.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_notice_minutes: Option<i64>,
    /// 1-730.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_advance_days: Option<i64>,
    /// 0-240.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turnover_minutes: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Role {
    pub id: Uuid,
    pub name: String,
    pub builtin: bool,
    pub permissions: Vec<String>,
    pub require_mfa: bool,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub name: String,
    pub permissions: Vec<String>,
    #[serde(default)]
    pub require_mfa: bool,
}

/// Absent fields are left alone (and are not sent: `None` is skipped when serialised).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub require_mfa: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Member {
    pub user_id: Uuid,
    pub email: String,
    pub display_name: String,
    pub role_id: Uuid,
    pub mfa_enabled: bool,
    #[serde(with = "crate::timestamp")]
    pub joined_at: OffsetDateTime,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    pub role_id: Uuid,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    pub role_id: Uuid,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct InvitationCreated {
    pub id: Uuid,
    /// Single use; give it to the invitee. Shown once.
    pub token: String,
    #[serde(with = "crate::timestamp")]
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for InvitationCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvitationCreated").field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    pub token: String,
}

/// The membership an accepted invitation created.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MembershipCreated {
    pub venue_id: Uuid,
    pub venue_name: String,
    pub role: crate::me::RoleRef,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Product {
    pub id: Uuid,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    pub currency: String,
    pub available: bool,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProduct {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    pub currency: String,
    #[serde(default = "yes")]
    pub available: bool,
}

fn yes() -> bool {
    true
}

/// Absent fields are left alone (and are not sent: `None` is skipped when serialised).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_cents: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    pub id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub allergens: Vec<String>,
    pub dietary_notes: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub allergens: Vec<String>,
    #[serde(default)]
    pub dietary_notes: Option<String>,
}

/// Absent fields are left alone (and are not sent: `None` is skipped when serialised).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub email: Patch<String>,
    #[serde(skip_serializing_if = "Option::is_none", default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub phone: Patch<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allergens: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub dietary_notes: Patch<String>,
}

/// `GET /customers/{id}/export`: everything held about one customer (GDPR Art. 15/20).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CustomerExport {
    pub customer: Customer,
    pub bookings: Vec<Booking>,
    pub orders: Vec<Order>,
    #[serde(with = "crate::timestamp")]
    pub exported_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Booking {
    pub id: Uuid,
    pub guest_name: String,
    pub customer_id: Option<Uuid>,
    pub party_size: i64,
    #[serde(with = "crate::timestamp")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "crate::timestamp")]
    pub ends_at: OffsetDateTime,
    pub duration_minutes: i64,
    pub status: BookingStatus,
    pub notes: Option<String>,
    pub version: i64,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// The tables it holds (empty in a venue without tables).
    #[serde(default)]
    pub table_ids: Vec<Uuid>,
    #[serde(default)]
    pub source: BookingSource,
}

/// Where a booking came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookingSource {
    #[default]
    Phone,
    /// Starts now and is seated at once.
    WalkIn,
    Online,
    Console,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub guest_name: String,
    #[serde(default)]
    pub customer_id: Option<Uuid>,
    pub party_size: i64,
    #[serde(with = "crate::timestamp")]
    pub starts_at: OffsetDateTime,
    pub duration_minutes: i64,
    #[serde(default)]
    pub notes: Option<String>,
    /// In a venue with tables: the tables to hold (they must be free and, when several,
    /// combinable). Absent: the platform picks the smallest free fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_ids: Option<Vec<Uuid>>,
    /// `phone` when absent. A `walk_in` starts now (`starts_at` is ignored) and is seated at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<BookingSource>,
}

/// Absent fields are left alone (and are not sent: `None` is skipped when serialised).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookingPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default, deserialize_with = "patch")]
    #[schema(value_type = Option<Uuid>)]
    pub customer_id: Patch<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_size: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default, with = "crate::timestamp::option")]
    pub starts_at: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default, deserialize_with = "patch")]
    #[schema(value_type = Option<String>)]
    pub notes: Patch<String>,
    /// Move it to these tables (in a venue with tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OrderItem {
    pub product_id: Uuid,
    pub name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Order {
    pub id: Uuid,
    pub status: OrderStatus,
    pub items: Vec<OrderItem>,
    pub total_cents: i64,
    pub currency: String,
    pub booking_id: Option<Uuid>,
    pub table_label: Option<String>,
    pub version: i64,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrderItem {
    pub product_id: Uuid,
    pub quantity: i64,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    #[serde(default)]
    pub id: Option<Uuid>,
    pub items: Vec<NewOrderItem>,
    #[serde(default)]
    pub booking_id: Option<Uuid>,
    #[serde(default)]
    pub table_label: Option<String>,
    /// `"required"`: the order waits in `awaiting_payment` (unseen by the kitchen) until
    /// the payment provider confirms it; `"none"` (default): it starts `received`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<String>,
}

/// `POST /orders/{id}/status`: the status to move the order to. An unknown status answers
/// `422 validation_failed` naming `status`.
// `status` is read as any string and checked by `target`, so that an unknown one is a 422
// as it always was (serde would refuse it as 400); a non-string stays `400 bad_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderStatusChange {
    #[schema(value_type = OrderStatus)]
    status: String,
}

impl OrderStatusChange {
    pub fn new(to: OrderStatus) -> Self {
        OrderStatusChange { status: to.as_str().to_owned() }
    }

    /// The status asked for, or the unknown string.
    pub fn target(&self) -> Result<OrderStatus, UnknownName> {
        self.status.parse()
    }
}

/// A list page: `{"items": [...], "next_cursor": "…" | null}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Change {
    pub seq: i64,
    /// `booking`, `order`, `customer`, `product`, `member`, `role`, `table`, `opening_hours` or `waitlist`.
    pub entity: String,
    pub id: Uuid,
    /// `upsert` or `delete`.
    pub op: String,
    /// The entity as `GET` shows it now; `null` for `delete`.
    pub data: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChangeFeed {
    pub changes: Vec<Change>,
    pub next_since: i64,
    pub has_more: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditActor {
    /// `user`, `api_client` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditTarget {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Option<String>,
}

/// One audit event, exactly as hashed plus `hash` (API.md, Audit).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    pub id: Uuid,
    /// RFC 3339, UTC, as hashed.
    pub at: String,
    pub actor: AuditActor,
    pub action: String,
    pub target: AuditTarget,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}
