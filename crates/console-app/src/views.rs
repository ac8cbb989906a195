//! What the screens show and send: the payload types of every desktop command. The UI's
//! TypeScript types are generated from these (`ts-rs`, into ui/src/lib/bindings) when the
//! tests run, so the two cannot drift. No token or key is ever part of a view.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
/// The statuses are the wire contract's own (their TypeScript comes with the views using them).
pub use venuedesk_api::{BookingStatus, OrderStatus};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct VenueView {
    pub id: String,
    pub name: String,
    pub timezone: String,
    #[ts(type = "number")]
    pub capacity: i64,
    pub role_name: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppState {
    pub server: Option<String>,
    pub signed_in: bool,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub mfa_enabled: bool,
    pub venues: Vec<VenueView>,
    pub venue: Option<VenueView>,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum SignInOutcome {
    SignedIn { state: Box<AppState> },
    MfaRequired { methods: Vec<String> },
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConflictView {
    #[ts(type = "number")]
    pub seq: i64,
    pub entity: String,
    pub entity_id: String,
    pub code: String,
    pub message: String,
    /// What the change was, in words ("Booking for Ava, 4 people, 19:30").
    pub summary: String,
    /// An edit made on a booking someone else changed meanwhile: this console's version
    /// (the edit) and the platform's, side by side. `retry` keeps mine (sent again on
    /// their version); `discard` takes theirs. `theirs` is null when it could not be read.
    pub mine: Option<BookingView>,
    pub theirs: Option<BookingView>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    pub online: bool,
    #[ts(type = "number")]
    pub pending: u64,
    pub last_sync: Option<String>,
    pub syncing: bool,
    pub conflicts: Vec<ConflictView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ProgressTask {
    Sync,
    Export,
}

/// Sent as the Tauri event `progress`. `total` 0 means "unknown" (a streamed export).
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[ts(export)]
pub struct Progress {
    pub task: ProgressTask,
    #[ts(type = "number")]
    pub done: u64,
    #[ts(type = "number")]
    pub total: u64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BookingView {
    pub id: String,
    pub guest_name: String,
    pub customer_id: Option<String>,
    #[ts(type = "number")]
    pub party_size: i64,
    pub starts_at: String,
    pub ends_at: String,
    pub local_date: String,
    pub local_time: String,
    #[ts(type = "number")]
    pub duration_minutes: i64,
    pub status: BookingStatus,
    pub notes: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
    pub pending: bool,
    /// The tables it holds (empty in a venue without tables, or until the platform picks).
    pub table_ids: Vec<String>,
    /// `phone`, `walk_in`, `online` or `console`.
    pub source: String,
}

/// A table on the floor.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TableView {
    pub id: String,
    pub name: String,
    pub area: String,
    #[ts(type = "number")]
    pub seats_min: i64,
    #[ts(type = "number")]
    pub seats_max: i64,
    pub combinable_with: Vec<String>,
}

/// One opening period of the day, venue-local `HH:MM` (`closes` may be past midnight:
/// then `closes_next_day`).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PeriodView {
    pub opens: String,
    pub closes: String,
    pub closes_next_day: bool,
}

/// The timeline of a day: tables × time, every booking that holds a table or seats.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FloorView {
    pub date: String,
    pub timezone: String,
    pub tables: Vec<TableView>,
    pub bookings: Vec<BookingView>,
    /// Empty: no opening hours set (open all day).
    pub periods: Vec<PeriodView>,
    /// Now, RFC 3339 (the now-line).
    pub now: String,
    #[ts(type = "number")]
    pub turnover_minutes: i64,
}

/// One free start time and the tables a booking then gets (by name).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AvailableTimeView {
    pub time: String,
    pub table_ids: Vec<String>,
    pub table_names: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AvailabilityView {
    pub date: String,
    #[ts(type = "number")]
    pub party_size: i64,
    #[ts(type = "number")]
    pub duration_minutes: i64,
    /// Offline: worked out from this console's cache; the platform decides when it is sent.
    pub estimate: bool,
    pub times: Vec<AvailableTimeView>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct WaitlistView {
    pub id: String,
    pub guest_name: String,
    #[ts(type = "number")]
    pub party_size: i64,
    pub phone: Option<String>,
    pub notes: Option<String>,
    /// `waiting`, `offered`, `seated` or `removed`.
    pub status: String,
    pub created_at: String,
    /// Minutes since the party was put on the list.
    #[ts(type = "number")]
    pub waited_minutes: i64,
    pub pending: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct WaitlistInput {
    pub guest_name: String,
    #[ts(type = "number")]
    pub party_size: i64,
    pub phone: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct WalkInInput {
    pub guest_name: String,
    #[ts(type = "number")]
    pub party_size: i64,
    /// Empty: the platform seats them at the smallest free fit.
    pub table_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SlotView {
    pub time: String,
    #[ts(type = "number")]
    pub covers: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DayView {
    pub date: String,
    pub timezone: String,
    #[ts(type = "number")]
    pub capacity: i64,
    pub bookings: Vec<BookingView>,
    pub slots: Vec<SlotView>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct BookingInput {
    pub guest_name: String,
    #[ts(type = "number")]
    pub party_size: i64,
    pub date: String,
    pub time: String,
    #[ts(type = "number")]
    pub duration_minutes: i64,
    pub notes: Option<String>,
    pub customer_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OrderItemView {
    pub product_id: String,
    pub name: String,
    #[ts(type = "number")]
    pub quantity: i64,
    #[ts(type = "number")]
    pub unit_price_cents: i64,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OrderView {
    pub id: String,
    pub status: OrderStatus,
    pub items: Vec<OrderItemView>,
    #[ts(type = "number")]
    pub total_cents: i64,
    pub currency: String,
    pub booking_id: Option<String>,
    pub table_label: Option<String>,
    pub created_at: String,
    pub local_time: String,
    #[ts(type = "number")]
    pub version: i64,
    pub pending: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct OrderLineInput {
    pub product_id: String,
    #[ts(type = "number")]
    pub quantity: i64,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProductView {
    pub id: String,
    pub name: String,
    pub category: String,
    #[ts(type = "number")]
    pub price_cents: i64,
    pub currency: String,
    pub available: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CustomerView {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub allergens: Vec<String>,
    pub dietary_notes: Option<String>,
    #[ts(type = "number")]
    pub version: i64,
    pub pending: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct CustomerInput {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub allergens: Vec<String>,
    pub dietary_notes: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MemberView {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub role_id: String,
    pub role_name: String,
    pub mfa_enabled: bool,
    pub joined_at: String,
    pub is_me: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RoleView {
    pub id: String,
    pub name: String,
    pub builtin: bool,
    pub permissions: Vec<String>,
    pub require_mfa: bool,
    #[ts(type = "number")]
    pub version: i64,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct RoleInput {
    pub name: String,
    pub permissions: Vec<String>,
    pub require_mfa: bool,
}

/// The invitation's single-use token is shown once, to hand to the invitee.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct InvitationView {
    pub id: String,
    pub token: String,
    pub expires_at: String,
    pub email: String,
}

impl std::fmt::Debug for InvitationView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvitationView").field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct AuditFilter {
    pub from: Option<String>,
    pub to: Option<String>,
    pub actor_id: Option<String>,
    pub action: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AuditEventView {
    #[ts(type = "number")]
    pub seq: i64,
    pub at: String,
    pub actor_type: String,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    /// The event's details as JSON text (personal data stays an opaque sealed string).
    pub details: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AuditPage {
    pub items: Vec<AuditEventView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExportResult {
    pub path: String,
    #[ts(type = "number")]
    pub events: u64,
    pub verified: bool,
    pub message: String,
}

/// The TOTP secret is shown to the user once, to put in an authenticator app.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct TotpEnrollment {
    pub secret: String,
    pub otpauth_uri: String,
    /// `data:image/svg+xml;base64,…`
    pub qr_svg_data_uri: String,
}

impl std::fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrollment { .. }")
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SessionView {
    pub id: String,
    pub device_name: Option<String>,
    pub created_at: String,
    pub last_used_at: String,
    pub ip: Option<String>,
    pub current: bool,
}

// ── Integrations (owners): API clients, publishable keys, webhooks, payment settings ──

/// An API client as listed (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ApiClientView {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub permissions: Vec<String>,
    pub created_at: String,
    /// While the secret before the last rotation still works.
    pub previous_secret_expires_at: Option<String>,
}

/// A client secret, shown once: right after creating the client or rotating its secret.
/// Never cached, never logged.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct ApiClientSecretView {
    pub client: ApiClientView,
    pub client_secret: String,
}

impl std::fmt::Debug for ApiClientSecretView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClientSecretView").field("client", &self.client).finish_non_exhaustive()
    }
}

/// A publishable key as listed: its prefix, not the key.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PublicKeyView {
    pub id: String,
    pub key_prefix: String,
    pub allowed_origins: Vec<String>,
    pub created_at: String,
}

/// A new publishable key, shown once (it is a read-only capability for the website).
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct PublicKeyCreatedView {
    pub public_key: PublicKeyView,
    pub key: String,
}

impl std::fmt::Debug for PublicKeyCreatedView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKeyCreatedView").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

/// A webhook endpoint as listed (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub created_at: String,
    /// While the secret before the last rotation still signs too.
    pub previous_secret_expires_at: Option<String>,
}

/// A webhook signing secret (`whsec_…`), shown once: on creation or rotation.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct WebhookSecretView {
    pub webhook: WebhookView,
    pub secret: String,
}

impl std::fmt::Debug for WebhookSecretView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecretView").field("webhook", &self.webhook).finish_non_exhaustive()
    }
}

/// One event's delivery to an endpoint: its latest attempt and what comes next.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DeliveryView {
    pub id: String,
    pub event_id: String,
    pub event: String,
    #[ts(type = "number")]
    pub attempt: i64,
    /// `pending`, `delivered`, `failed` or `paused`.
    pub status: String,
    #[ts(type = "number | null")]
    pub status_code: Option<i64>,
    pub at: Option<String>,
    pub next_at: Option<String>,
}

/// An endpoint's delivery log, newest first.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DeliveryLog {
    pub deliveries: Vec<DeliveryView>,
    /// When it was read from the platform.
    pub read_at: Option<String>,
    /// The platform could not be reached: this is the last log read on this computer.
    pub offline: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PaymentSettingsView {
    pub configured: bool,
    pub provider: Option<String>,
    pub updated_at: Option<String>,
}

/// The Integrations screen. A section is null when the user's role does not manage it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct IntegrationsView {
    pub api_clients: Option<Vec<ApiClientView>>,
    pub public_keys: Option<Vec<PublicKeyView>>,
    pub webhooks: Option<Vec<WebhookView>>,
    pub payments: Option<PaymentSettingsView>,
    /// When the lists were read from the platform; null when never read on this computer.
    pub read_at: Option<String>,
    /// The platform could not be reached: these are the last lists read on this computer,
    /// and changes wait until it can be.
    pub offline: bool,
    /// What an endpoint may subscribe to.
    pub webhook_events: Vec<String>,
    /// What the user may give an API client: their own permissions, less the person-only ones.
    pub client_permissions: Vec<String>,
}

/// One security alert, as Security › Alerts shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AlertView {
    pub id: String,
    pub kind: String,
    /// What happened, for people ("Audit trail exported").
    pub title: String,
    pub summary: String,
    /// The first event of the burst (RFC 3339).
    pub at: String,
    pub last_at: String,
    pub count: i64,
    /// The audit event to look up, when an audited action raised it.
    pub audit_seq: Option<i64>,
    /// Newer than what this person last looked at on this computer.
    pub unseen: bool,
}

/// Security › Alerts. `items` is null when the user's role does not see alerts
/// (`settings:manage`).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AlertsView {
    pub items: Option<Vec<AlertView>>,
    /// How many are unseen: the badge.
    pub unseen: u32,
    /// When the list was read from the platform (RFC 3339); offline, the last read here.
    pub read_at: Option<String>,
    pub offline: bool,
}

/// A table as the settings screen sends it (`combinable_with`: table ids).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct TableInput {
    pub name: String,
    pub area: String,
    #[ts(type = "number")]
    pub seats_min: i64,
    #[ts(type = "number")]
    pub seats_max: i64,
    pub combinable_with: Vec<String>,
}

/// One weekly period: `weekday` 1 (Monday) to 7, venue-local `HH:MM` (past midnight when
/// `closes` is not after `opens`).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WeeklyPeriodView {
    pub weekday: u8,
    pub opens: String,
    pub closes: String,
}

/// A date unlike the week: closed, or open `opens`–`closes` instead.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HoursExceptionView {
    pub date: String,
    pub closed: bool,
    pub opens: Option<String>,
    pub closes: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DurationRuleView {
    #[ts(type = "number")]
    pub party_size_from: i64,
    #[ts(type = "number")]
    pub minutes: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BookingRulesView {
    #[ts(type = "number")]
    pub slot_minutes: i64,
    pub default_duration_minutes: Vec<DurationRuleView>,
    #[ts(type = "number")]
    pub min_notice_minutes: i64,
    #[ts(type = "number")]
    pub max_advance_days: i64,
    #[ts(type = "number")]
    pub turnover_minutes: i64,
}

/// Settings › Floor (`settings:manage`): read from the platform; offline, the copy kept
/// here (`offline: true`) — changes need the platform and say so.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FloorSettingsView {
    pub tables: Vec<TableView>,
    pub weekly: Vec<WeeklyPeriodView>,
    pub exceptions: Vec<HoursExceptionView>,
    pub rules: Option<BookingRulesView>,
    pub offline: bool,
}
