//! Integrations (API.md, "Integrations (v1.1)"): API clients and the OAuth2 token endpoint.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::permission::Permission;

/// Every event a webhook endpoint may subscribe to.
pub const WEBHOOK_EVENTS: &[&str] = &[
    "booking.created",
    "booking.updated",
    "booking.status",
    "order.created",
    "order.status",
    "customer.erased",
    "security.alert",
];

/// What a person does, never a program: team and integration management. An API client
/// may hold any other permission its creator holds.
pub const PERSON_ONLY_PERMISSIONS: &[Permission] = &[
    Permission::MembersManage,
    Permission::RolesManage,
    Permission::ApiClientsManage,
    Permission::WebhooksManage,
    Permission::PaymentsManage,
];

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiClient {
    /// 1–100 characters, for people: "Till in the bar".
    pub name: String,
    /// Within the creator's own; never `members:manage`, `roles:manage` or an
    /// integration-management permission (a person does those).
    pub permissions: Vec<String>,
}

/// An API client as listed: never its secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiClient {
    pub id: Uuid,
    /// What `POST /v1/oauth/token` takes as `client_id` (the same UUID as `id`).
    pub client_id: String,
    pub name: String,
    pub permissions: Vec<String>,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// While the secret before the last rotation is still accepted.
    #[serde(with = "crate::timestamp::option", default)]
    #[schema(value_type = Option<String>)]
    pub previous_secret_expires_at: Option<OffsetDateTime>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiClientCreated {
    pub id: Uuid,
    pub client_id: String,
    /// Shown once; only a hash is kept.
    pub client_secret: String,
    pub name: String,
    pub permissions: Vec<String>,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for ApiClientCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClientCreated").field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiClientSecret {
    /// Shown once; only a hash is kept.
    pub client_secret: String,
    /// The previous secret is accepted until then (24 hours).
    #[serde(with = "crate::timestamp")]
    pub previous_secret_expires_at: OffsetDateTime,
}

impl std::fmt::Debug for ApiClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClientSecret").finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ApiClientList {
    pub items: Vec<ApiClient>,
    pub next_cursor: Option<String>,
}

/// `POST /v1/oauth/token`, form-encoded (RFC 6749 §4.4.2).
#[derive(Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TokenRequest {
    pub grant_type: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest").field("grant_type", &self.grant_type).finish_non_exhaustive()
    }
}

/// RFC 6749 §5.1.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct ClientToken {
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    pub expires_in: u64,
    /// The granted permissions, space-separated.
    pub scope: String,
}

impl std::fmt::Debug for ClientToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientToken").field("scope", &self.scope).finish_non_exhaustive()
    }
}

/// RFC 6749 §5.2.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_client`, `invalid_request`, `invalid_scope`, `unsupported_grant_type` or `unauthorized_client`.
    pub error: String,
    pub error_description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// `https://`, resolving to public addresses only.
    pub url: String,
    /// One or more of `booking.created`, `booking.updated`, `booking.status`,
    /// `order.created`, `order.status`, `customer.erased`.
    pub events: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// `true` resumes an endpoint (also one disabled by a `410`) and its paused deliveries.
    pub enabled: Option<bool>,
}

/// A webhook endpoint as listed: never its secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub version: i64,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// While the secret before the last rotation still signs too.
    #[serde(with = "crate::timestamp::option", default)]
    #[schema(value_type = Option<String>)]
    pub previous_secret_expires_at: Option<OffsetDateTime>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookCreated {
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    /// `whsec_…`: shown once (and on rotation); verify `webhook-signature` with it.
    pub secret: String,
    pub enabled: bool,
    pub version: i64,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for WebhookCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookCreated").field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookSecret {
    pub secret: String,
    /// Until then the previous secret signs every delivery too.
    #[serde(with = "crate::timestamp")]
    pub previous_secret_expires_at: OffsetDateTime,
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSecret").finish_non_exhaustive()
    }
}

/// One event's delivery to an endpoint: its latest attempt and what comes next.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub event_id: Uuid,
    pub event: String,
    /// Attempts made so far.
    pub attempt: i64,
    /// `pending`, `delivered`, `failed` (out of retries or `410`) or `paused` (endpoint disabled).
    pub status: String,
    /// The receiver's answer to the latest attempt; null before one or when none came.
    pub status_code: Option<i64>,
    #[serde(with = "crate::timestamp::option", default)]
    #[schema(value_type = Option<String>)]
    pub at: Option<OffsetDateTime>,
    #[serde(with = "crate::timestamp::option", default)]
    #[schema(value_type = Option<String>)]
    pub next_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPublicKey {
    /// Origins of the venue's website, `https://host[:port]` (at most 10).
    pub allowed_origins: Vec<String>,
}

/// A publishable key as listed: its prefix, not the whole key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicKey {
    pub id: Uuid,
    /// The first characters of the key, to tell keys apart.
    pub key_prefix: String,
    pub allowed_origins: Vec<String>,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

/// How many leading characters of a publishable key a list shows (`pk_live_` and 6 more).
pub const PUBLIC_KEY_SHOWN_CHARS: usize = 14;

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicKeyCreated {
    pub id: Uuid,
    /// `pk_live_…`: a read-only capability for the website, shown once.
    pub key: String,
    pub allowed_origins: Vec<String>,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for PublicKeyCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKeyCreated").field("id", &self.id).finish_non_exhaustive()
    }
}

/// What a venue's website may show about it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicVenue {
    pub id: Uuid,
    pub name: String,
    pub timezone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicMenuItem {
    pub id: Uuid,
    pub name: String,
    pub category: String,
    pub price_cents: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicMenu {
    pub items: Vec<PublicMenuItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AvailableTime {
    #[serde(with = "crate::timestamp")]
    pub starts_at: OffsetDateTime,
    /// `HH:MM` in the venue's time zone.
    pub local_time: String,
}

/// Bookable start times for a party on a date (the venue's time zone).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Availability {
    pub date: String,
    pub party_size: i64,
    /// The length each time is checked for.
    pub duration_minutes: i64,
    pub times: Vec<AvailableTime>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentSettingsInput {
    /// `stripe`.
    pub provider: String,
    /// The provider's webhook signing secret (`whsec_…` for Stripe). Sealed at rest, never
    /// returned.
    pub webhook_secret: String,
}

impl std::fmt::Debug for PaymentSettingsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentSettingsInput").field("provider", &self.provider).finish_non_exhaustive()
    }
}

/// A venue's payment settings as shown: never the secret.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentSettings {
    pub configured: bool,
    pub provider: Option<String>,
    #[serde(with = "crate::timestamp::option", default)]
    #[schema(value_type = Option<String>)]
    pub updated_at: Option<OffsetDateTime>,
}

/// What the payment webhook answers the provider.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PaymentEventReceipt {
    pub received: bool,
    /// This event id was already applied: nothing changed.
    pub duplicate: bool,
}
