//! Storage seam. The platform talks to its database only through [`Store`] (Atuin's
//! `Database` pattern): each backend lives in its own module with its own migrations.
//! Every method that must be atomic is one method, so each backend owns its transaction.
//! Venue-scoped data (later issues) takes a venue scope built only from a membership check.

pub mod integrations;
pub mod postgres;
pub mod sqlite;
pub mod venue;

use async_trait::async_trait;

use crate::audit::AuditDraft;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub use integrations::*;
pub use venue::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unique constraint violated")]
    Conflict,
    /// The write was refused for a domain reason; nothing was written.
    #[error("refused: {0:?}")]
    Domain(DomainError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Instants are stored as Unix milliseconds (UTC) on both backends.
pub(crate) fn ms(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn from_ms(v: i64) -> StoreResult<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(v as i128 * 1_000_000)
        .map_err(|e| StoreError::Corrupt(format!("timestamp {v}: {e}")))
}

/// A stored hash column as the 32 bytes it must be.
pub(crate) fn hash32(v: Option<Vec<u8>>) -> Option<[u8; 32]> {
    v.and_then(|b| <[u8; 32]>::try_from(b.as_slice()).ok())
}

#[derive(Clone)]
pub struct UserRecord {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub totp_secret_enc: Option<Vec<u8>>,
    pub totp_pending_enc: Option<Vec<u8>>,
    pub totp_last_step: Option<i64>,
    pub created_at: OffsetDateTime,
}

impl UserRecord {
    pub fn mfa_enabled(&self) -> bool {
        self.totp_secret_enc.is_some()
    }
}

// The hash and secrets stay out of Debug output.
impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord").field("id", &self.id).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct NewSecurityEvent {
    pub user_id: Uuid,
    pub kind: &'static str,
    pub at: OffsetDateTime,
    pub ip: Option<String>,
    pub session_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct SecurityEventRecord {
    pub id: Uuid,
    pub kind: String,
    pub at: OffsetDateTime,
    pub ip: Option<String>,
    pub session_id: Option<Uuid>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: Uuid,
    pub user_id: Uuid,
    pub device_name: Option<String>,
    pub ip: Option<String>,
    pub mfa_passed: bool,
    pub created_at: OffsetDateTime,
    pub absolute_expires_at: OffsetDateTime,
}

/// A refresh token about to be stored; only its SHA-256 is kept.
#[derive(Debug, Clone)]
pub struct NewRefreshToken {
    pub id: Uuid,
    pub token_hash: [u8; 32],
    pub issued_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub id: Uuid,
    pub device_name: Option<String>,
    pub ip: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
}

/// What every authenticated request checks: is the session live, is this token's pair void.
#[derive(Debug, Clone)]
pub struct SessionAuthState {
    pub user_id: Uuid,
    pub revoked: bool,
    pub pair_voided: bool,
    pub mfa_passed: bool,
}

/// Input of one refresh-token rotation.
#[derive(Debug, Clone)]
pub struct RotateRequest {
    pub presented_hash: [u8; 32],
    pub idempotency_key_hash: Option<[u8; 32]>,
    pub now: OffsetDateTime,
    pub idle_ttl: Duration,
    pub retry_window: Duration,
    /// Client IP, recorded on a reuse-detected security event.
    pub ip: Option<String>,
    pub next: NewRefreshToken,
}

#[derive(Debug, Clone)]
pub enum RotateOutcome {
    /// A new token was issued (a normal rotation or a lost-response retry).
    Rotated { user_id: Uuid, session_id: Uuid, token_id: Uuid, expires_at: OffsetDateTime, retried: bool },
    /// A rotated token was presented: the session has been revoked (by this call when
    /// `revoked_now`).
    Reused { user_id: Uuid, revoked_now: bool },
    /// The token is current but its session was revoked.
    SessionRevoked,
    /// Unknown or expired.
    Invalid,
}

#[derive(Clone)]
pub struct MfaChallengeRecord {
    pub user_id: Uuid,
    pub device_name: Option<String>,
    pub ip: Option<String>,
    pub expires_at: OffsetDateTime,
    pub failed_attempts: i64,
}

/// Outcome of a rate-limit or lockout check: allowed, or wait this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    RetryAfter(Duration),
}

#[derive(Debug, Clone)]
pub enum IdempotencyBegin {
    /// First sight of this key: the caller processes the request, then completes or releases.
    Started,
    InFlight,
    Replay(Vec<u8>),
    FingerprintMismatch,
    /// The stored answer held personal data of a subject since erased.
    Erased,
}

#[derive(Debug, Clone)]
pub struct SigningKeyRecord {
    pub kid: String,
    pub public_key: Vec<u8>,
    pub private_key_enc: Vec<u8>,
    pub created_at: OffsetDateTime,
}

// The platform reaches its database only through these narrow traits, one per area (as
// lldap's handler traits); `Store` is all of them, what a backend implements and what
// the platform holds (`Arc<dyn Store>` calls every area's methods).

/// The database itself: schema, reachability, housekeeping.
#[async_trait]
pub trait Lifecycle: Send + Sync + 'static {
    async fn migrate(&self) -> StoreResult<()>;
    async fn health(&self) -> StoreResult<()>;
    /// Whether every migration this binary embeds has been applied (`/readyz`).
    async fn migrations_current(&self) -> StoreResult<bool>;
    /// Deletes the rows `rule` covers that fall at or before `before` (the retention
    /// policy's `prune`); how many. Safe to run on several nodes at once.
    async fn prune(&self, rule: PruneRule, before: OffsetDateTime) -> StoreResult<u64>;
    /// Every table of the schema (the retention policy must cover each one).
    async fn tables(&self) -> StoreResult<Vec<String>>;
    /// Every venue's id (operations that record an act in every venue's audit trail).
    async fn venue_ids(&self) -> StoreResult<Vec<Uuid>>;
    /// This node's connections to the database, for `/metrics`.
    fn pool_stats(&self) -> PoolStats;
    /// Webhook deliveries not yet delivered, across venues: (pending, failed), for `/metrics`.
    async fn delivery_queue(&self) -> StoreResult<(i64, i64)>;
}

/// Where a venue keeps a value sealed with its data key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedField {
    /// `docs.data_enc` of the document `id`.
    Doc,
    /// `webhook_endpoints.secret_enc` of the endpoint `id`.
    WebhookSecret,
    /// `webhook_endpoints.previous_secret_enc` of the endpoint `id`.
    WebhookPreviousSecret,
    /// `payment_settings.webhook_secret_enc` (`id` is the venue's).
    PaymentSecret,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedValue {
    pub field: SealedField,
    pub id: Uuid,
    pub sealed: Vec<u8>,
}

/// A node's database connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub max: u32,
    pub open: u32,
    pub idle: u32,
}

/// A deletion rule of the retention policy (`ops::retention`): which rows of which table
/// are due once their moment is at or before the cutoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PruneRule {
    /// `idempotency_records` by `created_at`.
    IdempotencyRecords,
    /// `ip_hits` by `at`.
    RateLimitHits,
    /// `login_failures` by `failed_at`.
    LoginFailures,
    /// `lockouts` by `locked_until` (when the lockout ended).
    Lockouts,
    /// `mfa_challenges` by `expires_at`.
    MfaChallenges,
    /// `sessions` (and their `refresh_tokens`) by when they ended: revoked, past their
    /// absolute expiry, or every refresh token expired.
    Sessions,
    /// `security_events` by `at`.
    SecurityEvents,
    /// `authz_denials` (the once-a-minute denial records) by `last_at`.
    AuthzDenials,
    /// `invitations` never accepted, by `expires_at`.
    UnacceptedInvitations,
    /// `invitations` accepted, by `accepted_at`.
    AcceptedInvitations,
    /// `webhook_deliveries` finished (delivered or failed), by `last_at`.
    WebhookDeliveries,
    /// `payment_events` by `received_at`.
    PaymentEvents,
    /// `security_alerts` by `last_at`.
    SecurityAlerts,
}

/// Wrapped data keys and token-signing keys.
#[async_trait]
pub trait KeyStore: Send + Sync + 'static {
    async fn data_key(&self, scope: &str) -> StoreResult<Option<Vec<u8>>>;
    /// Inserts unless present; returns the stored wrapped key (ours or a concurrent node's).
    async fn insert_data_key(&self, scope: &str, wrapped: &[u8], now: OffsetDateTime) -> StoreResult<Vec<u8>>;
    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>>;
    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()>;
    /// Every wrapped data key: (scope, wrapped).
    async fn data_keys_all(&self) -> StoreResult<Vec<(String, Vec<u8>)>>;
    /// The scopes of `base` and its later versions (`base#2`, `base#3`…), any order.
    async fn data_key_versions(&self, base: &str) -> StoreResult<Vec<String>>;
    /// Everything a venue sealed with its data key (documents, webhook and payment secrets).
    async fn venue_sealed(&self, venue_id: Uuid) -> StoreResult<Vec<SealedValue>>;
    /// Replaces each value that still holds what was read (a value changed meanwhile is
    /// left alone), in one transaction; how many were replaced.
    async fn replace_sealed(&self, venue_id: Uuid, values: &[(SealedValue, Vec<u8>)]) -> StoreResult<usize>;
    /// Replaces every wrapped data key in one transaction: each `(scope, old, new)` must
    /// still hold `old`, and no other key may exist (a key made meanwhile, still wrapped
    /// under the old master, would be lost): otherwise `Conflict` and nothing changes.
    async fn replace_data_keys(&self, keys: &[(String, Vec<u8>, Vec<u8>)]) -> StoreResult<()>;
}

/// Users, sessions and refresh tokens, MFA and security events.
#[async_trait]
pub trait IdentityStore: Send + Sync + 'static {
    async fn create_user(&self, user: &UserRecord, event: NewSecurityEvent) -> StoreResult<()>;
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>>;
    /// Sets a new password hash and revokes every session of the user except `keep`.
    async fn change_password(
        &self,
        user_id: Uuid,
        hash: &str,
        keep: Option<Uuid>,
        event: NewSecurityEvent,
    ) -> StoreResult<()>;
    async fn create_session(
        &self,
        session: &NewSession,
        token: &NewRefreshToken,
        event: NewSecurityEvent,
    ) -> StoreResult<()>;
    async fn session_auth_state(&self, session_id: Uuid, token_id: Uuid) -> StoreResult<Option<SessionAuthState>>;
    async fn rotate_refresh_token(&self, req: &RotateRequest) -> StoreResult<RotateOutcome>;
    async fn list_sessions(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<Vec<SessionRecord>>;
    /// Revokes a live session of `user_id`; false when there is none with that id.
    async fn revoke_session(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        reason: &str,
        event: NewSecurityEvent,
    ) -> StoreResult<bool>;
    /// Ends, in one transaction, every live session of these users (`None`: of every user),
    /// each with a security event of `event_kind` (an incident response). The users
    /// reached, each with how many sessions ended.
    async fn revoke_sessions(
        &self,
        users: Option<&[Uuid]>,
        now: OffsetDateTime,
        reason: &str,
        event_kind: &'static str,
    ) -> StoreResult<Vec<(Uuid, u64)>>;
    async fn create_mfa_challenge(&self, token_hash: [u8; 32], challenge: &MfaChallengeRecord) -> StoreResult<()>;
    async fn mfa_challenge(&self, token_hash: [u8; 32]) -> StoreResult<Option<MfaChallengeRecord>>;
    /// Counts a failed attempt; the challenge is deleted once it reaches `max_attempts`.
    async fn fail_mfa_challenge(&self, token_hash: [u8; 32], max_attempts: i64) -> StoreResult<()>;
    /// Deletes the challenge; true only for the one caller that consumed it.
    async fn consume_mfa_challenge(&self, token_hash: [u8; 32]) -> StoreResult<bool>;
    async fn set_pending_totp(&self, user_id: Uuid, secret_enc: &[u8]) -> StoreResult<()>;
    /// Moves the pending secret to active, records the accepted step, stores new codes and
    /// revokes every session of the user but `event.session_id` (the one confirming).
    async fn confirm_totp(
        &self,
        user_id: Uuid,
        pending_enc: &[u8],
        step: i64,
        recovery_hashes: &[[u8; 32]],
        event: NewSecurityEvent,
    ) -> StoreResult<bool>;
    async fn disable_totp(&self, user_id: Uuid, event: NewSecurityEvent) -> StoreResult<()>;
    /// Records `step` as used when it is newer than the last accepted one (compare-and-set).
    async fn use_totp_step(&self, user_id: Uuid, step: i64) -> StoreResult<bool>;
    async fn replace_recovery_codes(
        &self,
        user_id: Uuid,
        hashes: &[[u8; 32]],
        event: NewSecurityEvent,
    ) -> StoreResult<()>;
    /// Marks an unused code as used; true only for the one caller that used it.
    async fn use_recovery_code(&self, user_id: Uuid, hash: [u8; 32], now: OffsetDateTime) -> StoreResult<bool>;
    async fn add_security_event(&self, event: NewSecurityEvent) -> StoreResult<()>;
    async fn security_events(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<SecurityEventRecord>>;
}

/// Request guards shared by every node: rate limits, lockouts and idempotency keys.
#[async_trait]
pub trait GuardStore: Send + Sync + 'static {
    /// Sliding-window limit: admits and counts a hit unless `limit` hits happened within `window`.
    async fn admit_ip_hit(&self, ip: &str, now: OffsetDateTime, window: Duration, limit: u32)
    -> StoreResult<Admission>;
    async fn lockout(&self, identifier: &str, now: OffsetDateTime) -> StoreResult<Admission>;
    /// Counts a failure; locks the identifier for `lock_for` once `max` failures fall within `window`.
    async fn record_login_failure(
        &self,
        identifier: &str,
        now: OffsetDateTime,
        window: Duration,
        max: u32,
        lock_for: Duration,
    ) -> StoreResult<bool>;
    /// Counts an attempt as a failure *before* it is judged, in the transaction that checks
    /// the lock: however many arrive at once, at most `max` are admitted per `window`. The
    /// one that finds the allowance used locks the identifier (the `bool`: locked by this
    /// call).
    async fn begin_attempt(
        &self,
        identifier: &str,
        now: OffsetDateTime,
        window: Duration,
        max: u32,
        lock_for: Duration,
    ) -> StoreResult<(Admission, bool)>;
    /// Takes back the failure counted by [`Store::begin_attempt`] at `at` (the code was right).
    async fn withdraw_attempt(&self, identifier: &str, at: OffsetDateTime) -> StoreResult<()>;
    /// Locks the identifier when `max` failures fall within `window` (a judged wrong code).
    async fn lock_if_exhausted(
        &self,
        identifier: &str,
        now: OffsetDateTime,
        window: Duration,
        max: u32,
        lock_for: Duration,
    ) -> StoreResult<bool>;
    async fn clear_login_failures(&self, identifier: &str) -> StoreResult<()>;
    async fn idempotency_begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: [u8; 32],
        now: OffsetDateTime,
        lock_for: Duration,
        keep_for: Duration,
    ) -> StoreResult<IdempotencyBegin>;
    async fn idempotency_complete(
        &self,
        scope: &str,
        key: &str,
        response_enc: &[u8],
        subject: Option<&str>,
    ) -> StoreResult<()>;
    async fn idempotency_release(&self, scope: &str, key: &str) -> StoreResult<()>;
}

/// Venues (tenants), their roles, members and invitations. Every write appends its
/// audit event (and change-feed rows) in the same transaction; refusals are
/// `StoreError::Domain` and leave nothing behind.
#[async_trait]
pub trait TeamStore: Send + Sync + 'static {
    async fn create_venue(
        &self,
        venue: &VenueRecord,
        roles: &[RoleRecord],
        owner: Uuid,
        owner_role: Uuid,
        audit: AuditDraft,
    ) -> StoreResult<()>;
    async fn venue(&self, venue_id: Uuid) -> StoreResult<Option<VenueRecord>>;
    async fn update_venue(
        &self,
        venue: &VenueRecord,
        expected_version: i64,
        audit: AuditDraft,
    ) -> StoreResult<VenueRecord>;
    async fn membership(&self, venue_id: Uuid, user_id: Uuid) -> StoreResult<Option<(VenueRecord, RoleRecord)>>;
    async fn memberships(&self, user_id: Uuid) -> StoreResult<Vec<(VenueRecord, RoleRecord)>>;
    async fn roles(&self, venue_id: Uuid) -> StoreResult<Vec<RoleRecord>>;
    async fn put_role(
        &self,
        venue_id: Uuid,
        role: &RoleRecord,
        expected_version: Option<i64>,
        audit: AuditDraft,
    ) -> StoreResult<RoleRecord>;
    async fn delete_role(&self, venue_id: Uuid, role_id: Uuid, audit: AuditDraft) -> StoreResult<()>;
    async fn members(&self, venue_id: Uuid) -> StoreResult<Vec<MemberRecord>>;
    async fn set_member_role(
        &self,
        venue_id: Uuid,
        user_id: Uuid,
        role_id: Uuid,
        expected_version: i64,
        audit: AuditDraft,
    ) -> StoreResult<MemberRecord>;
    async fn remove_member(&self, venue_id: Uuid, user_id: Uuid, audit: AuditDraft) -> StoreResult<()>;
    async fn create_invitation(&self, invitation: &InvitationRecord, audit: AuditDraft) -> StoreResult<()>;
    /// Accepts a live invitation for `email`; the audit draft's venue is set by the store.
    async fn accept_invitation(
        &self,
        token_hash: [u8; 32],
        user_id: Uuid,
        email: &str,
        audit: AuditDraft,
    ) -> StoreResult<(VenueRecord, RoleRecord)>;
}

/// A venue's data as sealed documents.
#[async_trait]
pub trait DocumentStore: Send + Sync + 'static {
    async fn doc(&self, venue_id: Uuid, entity: Entity, id: Uuid) -> StoreResult<Option<DocRecord>>;
    async fn docs(&self, venue_id: Uuid, entity: Entity, query: &DocQuery) -> StoreResult<Vec<DocRecord>>;
    /// The tables some booking other than `except` holds at a moment of `[from, until)`
    /// (its hold runs to its end plus the turnover).
    async fn held_tables(
        &self,
        venue_id: Uuid,
        from: OffsetDateTime,
        until: OffsetDateTime,
        except: Uuid,
    ) -> StoreResult<Vec<Uuid>>;
    /// Every table hold overlapping `[from, until)`: (table, held from, held until).
    async fn table_holds(
        &self,
        venue_id: Uuid,
        from: OffsetDateTime,
        until: OffsetDateTime,
    ) -> StoreResult<Vec<(Uuid, OffsetDateTime, OffsetDateTime)>>;
    /// Writes documents atomically with one audit event. With `check_capacity`, confirmed
    /// and seated bookings among them are checked against the venue's capacity as it is in
    /// the same transaction (no double booking: writes are serialised). A created or
    /// re-linked booking's customer (an order's booking) must exist and not be erased.
    /// `drop_keys` destroy data keys — and stored idempotent responses naming them as
    /// subject — in the same transaction (erasure).
    async fn write_docs(
        &self,
        venue_id: Uuid,
        writes: &[DocWrite],
        check_capacity: bool,
        drop_keys: &[String],
        audit: AuditDraft,
    ) -> StoreResult<()>;
}

/// A venue's change feed and audit trail.
#[async_trait]
pub trait AuditFeedStore: Send + Sync + 'static {
    async fn changes(
        &self,
        venue_id: Uuid,
        since: i64,
        limit: u32,
        entities: &[&str],
    ) -> StoreResult<Vec<ChangeRecord>>;
    async fn append_audit(&self, audit: AuditDraft) -> StoreResult<i64>;
    /// Appends an `authz.denied` event unless one with the same `key` (actor and permission
    /// or reason) was recorded in this venue within `window`; true when it was appended.
    async fn append_denial(&self, audit: AuditDraft, key: &str, window: Duration) -> StoreResult<bool>;
    async fn audit_events(&self, venue_id: Uuid, query: &AuditQuery) -> StoreResult<Vec<StoredAuditEvent>>;
}

/// An alert about to be raised (see `alerts`).
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub venue_id: Uuid,
    pub kind: &'static str,
    pub summary: String,
    pub at: OffsetDateTime,
    /// The audit event that raised it, when one did.
    pub audit_seq: Option<i64>,
    /// A burst of the kind folds into one alert for this long from its first event.
    pub window: Duration,
}

/// A venue's security alert as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    pub id: Uuid,
    pub kind: String,
    pub summary: String,
    pub first_at: OffsetDateTime,
    pub last_at: OffsetDateTime,
    pub count: i64,
    pub audit_seq: Option<i64>,
}

/// Security alerts. Audited venue actions raise theirs inside the audit append (same
/// transaction); account events through [`AlertStore::raise_alert`].
#[async_trait]
pub trait AlertStore: Send + Sync + 'static {
    /// Folds into the open alert of its kind, or makes a new one and puts its
    /// `security.alert` event in the outbox, in one transaction. Whether it was new.
    async fn raise_alert(&self, alert: &NewAlert) -> StoreResult<bool>;
    /// Newest first.
    async fn alerts(&self, venue_id: Uuid, limit: u32) -> StoreResult<Vec<AlertRecord>>;
    /// Closes every burst that began before `closed_before`: one summary event for each
    /// with more than one event, sent once even with several nodes. How many were sent.
    async fn summarize_alerts(&self, closed_before: OffsetDateTime, now: OffsetDateTime) -> StoreResult<usize>;
}

/// What a venue connects: API clients. Writes are audited in their transaction.
#[async_trait]
pub trait IntegrationStore: Send + Sync + 'static {
    async fn create_api_client(&self, client: &ApiClientRecord, audit: AuditDraft) -> StoreResult<()>;
    async fn api_clients(&self, venue_id: Uuid) -> StoreResult<Vec<ApiClientRecord>>;
    async fn api_client(&self, venue_id: Uuid, id: Uuid) -> StoreResult<Option<ApiClientRecord>>;
    /// The token endpoint's lookup: the client id is all it knows (the client names its venue).
    async fn api_client_by_id(&self, id: Uuid) -> StoreResult<Option<ApiClientRecord>>;
    /// Replaces the secret; the old one stays valid until `previous_expires_at`.
    async fn rotate_api_client_secret(
        &self,
        venue_id: Uuid,
        id: Uuid,
        secret_hash: [u8; 32],
        previous_expires_at: OffsetDateTime,
        audit: AuditDraft,
    ) -> StoreResult<ApiClientRecord>;
    async fn delete_api_client(&self, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()>;

    async fn create_webhook(&self, webhook: &WebhookRecord, audit: AuditDraft) -> StoreResult<()>;
    async fn webhooks(&self, venue_id: Uuid) -> StoreResult<Vec<WebhookRecord>>;
    async fn webhook(&self, venue_id: Uuid, id: Uuid) -> StoreResult<Option<WebhookRecord>>;
    /// Writes every field of `webhook` if its stored version is `expected_version`. A change
    /// of `enabled` pauses or resumes its pending deliveries.
    async fn update_webhook(
        &self,
        webhook: &WebhookRecord,
        expected_version: i64,
        audit: AuditDraft,
    ) -> StoreResult<WebhookRecord>;
    /// Deletes the endpoint and its deliveries.
    async fn delete_webhook(&self, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()>;
    /// Newest first, before `before_seq` when given.
    async fn deliveries(
        &self,
        venue_id: Uuid,
        endpoint_id: Uuid,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>>;
    /// Makes a delivery due now (pending again if it had failed).
    async fn retry_delivery(
        &self,
        venue_id: Uuid,
        endpoint_id: Uuid,
        delivery_id: Uuid,
        now: OffsetDateTime,
        audit: AuditDraft,
    ) -> StoreResult<DeliveryRecord>;
    /// Leases due deliveries across venues: of each endpoint only its oldest unfinished
    /// ones, at most `per_endpoint`, and none behind one that is waiting or in flight — so
    /// each endpoint receives its events in order.
    async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
        per_endpoint: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Records how leased deliveries ended, in one transaction per venue.
    async fn finish_deliveries(&self, results: &[DeliveryResult]) -> StoreResult<()>;

    async fn create_public_key(&self, key: &PublicKeyRecord, audit: AuditDraft) -> StoreResult<()>;
    async fn public_keys(&self, venue_id: Uuid) -> StoreResult<Vec<PublicKeyRecord>>;
    async fn delete_public_key(&self, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()>;
    /// The key a website presented, by its hash (no venue is known yet).
    async fn public_key_by_hash(&self, hash: [u8; 32]) -> StoreResult<Option<PublicKeyRecord>>;
    /// Whether any venue's key allows `origin` (a CORS preflight carries no key).
    async fn origin_allowed(&self, origin: &str) -> StoreResult<bool>;

    async fn put_payment_settings(&self, settings: &PaymentSettingsRecord, audit: AuditDraft) -> StoreResult<()>;
    async fn payment_settings(&self, venue_id: Uuid) -> StoreResult<Option<PaymentSettingsRecord>>;
    async fn payment_event_seen(&self, venue_id: Uuid, event_id: &str) -> StoreResult<bool>;
    /// Keeps the event with its audit event; false (and nothing written) when its id was
    /// already kept.
    async fn record_payment_event(&self, event: &PaymentEventRecord, audit: AuditDraft) -> StoreResult<bool>;
}

/// Every area: what a backend implements and what the platform holds.
pub trait Store:
    Lifecycle
    + KeyStore
    + IdentityStore
    + GuardStore
    + TeamStore
    + DocumentStore
    + AuditFeedStore
    + IntegrationStore
    + AlertStore
{
}

impl<
    T: Lifecycle
        + KeyStore
        + IdentityStore
        + GuardStore
        + TeamStore
        + DocumentStore
        + AuditFeedStore
        + IntegrationStore
        + AlertStore,
> Store for T
{
}
