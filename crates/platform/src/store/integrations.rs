//! Records of the integrations a venue sets up: API clients (OAuth2 client credentials).

use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::permission::PermissionSet;

/// An API client. Its secret is kept only as a SHA-256 (256 random bits need no slow hash:
/// nothing can be guessed from a digest of a value nobody can enumerate).
#[derive(Clone)]
pub struct ApiClientRecord {
    pub venue_id: Uuid,
    pub id: Uuid,
    pub name: String,
    pub permissions: PermissionSet,
    pub secret_hash: [u8; 32],
    /// The secret replaced by the last rotation, accepted until `previous_expires_at`.
    pub previous_secret_hash: Option<[u8; 32]>,
    pub previous_expires_at: Option<OffsetDateTime>,
    pub created_by: Uuid,
    pub created_at: OffsetDateTime,
}

// The secret hashes stay out of Debug output.
impl std::fmt::Debug for ApiClientRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClientRecord")
            .field("venue_id", &self.venue_id)
            .field("id", &self.id)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A webhook endpoint. Its signing secrets are sealed with the venue's data key.
#[derive(Clone)]
pub struct WebhookRecord {
    pub venue_id: Uuid,
    pub id: Uuid,
    pub url: String,
    pub events: Vec<String>,
    pub secret_enc: Vec<u8>,
    /// The secret before the last rotation, signing too until `previous_expires_at`.
    pub previous_secret_enc: Option<Vec<u8>>,
    pub previous_expires_at: Option<OffsetDateTime>,
    pub enabled: bool,
    pub created_at: OffsetDateTime,
    pub version: i64,
}

impl std::fmt::Debug for WebhookRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookRecord").field("venue_id", &self.venue_id).field("id", &self.id).finish_non_exhaustive()
    }
}

/// An event for the outbox, fanned out to the venue's subscribed endpoints in the
/// transaction of the write that caused it.
#[derive(Debug, Clone)]
pub struct OutgoingEvent {
    pub id: Uuid,
    pub kind: &'static str,
    /// The JSON body as it will be sent (and signed).
    pub payload: String,
}

/// One event's delivery to one endpoint.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub seq: i64,
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub event: String,
    /// Attempts made so far.
    pub attempt: i64,
    /// `pending`, `delivered`, `failed` (given up) or `paused` (endpoint disabled).
    pub status: String,
    pub status_code: Option<i64>,
    /// When the last attempt was made.
    pub at: Option<OffsetDateTime>,
    /// When the next attempt is due, while pending.
    pub next_at: Option<OffsetDateTime>,
}

/// A delivery a worker has leased: nobody else sends it until the lease ends.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub venue_id: Uuid,
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: Uuid,
    pub payload: String,
    pub attempt: i64,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    Retry(OffsetDateTime),
    /// Out of retries.
    Failed,
    /// `410 Gone`: the endpoint is disabled, its queue paused.
    Gone,
    /// Not attempted (an earlier delivery to its endpoint failed first): the lease is
    /// given back, nothing else changes.
    NotSent,
}

/// The end of one leased delivery.
#[derive(Debug, Clone)]
pub struct DeliveryResult {
    pub venue_id: Uuid,
    pub delivery_id: Uuid,
    pub at: OffsetDateTime,
    pub status_code: Option<i64>,
    pub outcome: DeliveryOutcome,
}

/// A publishable key for a venue's own website: read-only, bound to origins. Only its
/// SHA-256 is kept (and a short prefix, so people can tell keys apart).
#[derive(Debug, Clone)]
pub struct PublicKeyRecord {
    pub venue_id: Uuid,
    pub id: Uuid,
    pub key_hash: [u8; 32],
    pub key_prefix: String,
    pub allowed_origins: Vec<String>,
    pub created_at: OffsetDateTime,
}

/// A venue's payment provider settings; the webhook signing secret is sealed.
#[derive(Clone)]
pub struct PaymentSettingsRecord {
    pub venue_id: Uuid,
    pub provider: String,
    pub webhook_secret_enc: Vec<u8>,
    pub updated_at: OffsetDateTime,
}

impl std::fmt::Debug for PaymentSettingsRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentSettingsRecord").field("venue_id", &self.venue_id).finish_non_exhaustive()
    }
}

/// A payment provider's event, kept once per id: the authoritative payment state.
#[derive(Debug, Clone)]
pub struct PaymentEventRecord {
    pub venue_id: Uuid,
    /// The provider's event id (`evt_…`).
    pub event_id: String,
    pub kind: String,
    pub order_id: Option<Uuid>,
    /// What it did: `paid`, `payment_failed`, or `no_change` (and why, in the audit).
    pub outcome: String,
    pub received_at: OffsetDateTime,
}
