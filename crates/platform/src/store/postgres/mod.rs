//! PostgreSQL backend (sqlx, a connection pool): the production tier, where any number of
//! `serve` nodes share one database. Nothing is serial for free here as it is on SQLite's
//! one writer, so every write says what it serialises on:
//! - venue writes take the venue's row lock first (`venue_tx`), so the audit and change-feed
//!   `seq`s are claimed and committed in order and capacity and last-owner checks see
//!   every earlier write of the venue;
//! - per-identifier counters (login failures, IP hits) and idempotency keys take a
//!   transaction-scoped advisory lock on their key (never a session-level one: a pooled
//!   connection would keep it);
//! - a refresh rotation locks its session's row.
//!
//! The tenant is set with `set_config(…, true)` inside each transaction; row-level security
//! (migrations/postgres) hides every other venue's rows even from a query that forgot to
//! filter. Deadlocks, serialisation failures and lock timeouts are retried.

use std::future::Future;
use std::str::FromStr;
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, Row, Transaction};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::*;
use crate::auth::refresh_rotation::{self, Decision, PresentedToken};

mod alerts;
mod integrations;
mod resealing;
mod retention;
pub mod roles;
mod venue;

pub(super) type Tx = Transaction<'static, Postgres>;

/// The migrations embedded in the binary: `migrate` applies them, `serve` checks the
/// database has them all.
pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Pool settings (flags of every command that opens the database).
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: StdDuration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { max_connections: 10, acquire_timeout: StdDuration::from_secs(5) }
    }
}

pub struct PgStore {
    pool: PgPool,
}

pub(super) use crate::idempotency::stored_record::{self, ERASED_SUBJECT, StoredRecord};

/// How long a write waits for a venue's (or a key's) lock before giving up and retrying.
const LOCK_TIMEOUT: &str = "10s";

pub(super) fn conflict_or(e: sqlx::Error) -> StoreError {
    match e.as_database_error() {
        Some(db) if db.is_unique_violation() => StoreError::Conflict,
        _ => StoreError::Database(e),
    }
}

/// Deadlock, serialisation failure or lock timeout: the transaction did nothing and may run again.
fn retryable(e: &StoreError) -> bool {
    let StoreError::Database(e) = e else { return false };
    matches!(e.as_database_error().and_then(|d| d.code()).as_deref(), Some("40001") | Some("40P01") | Some("55P03"))
}

/// Runs a whole transaction again when PostgreSQL aborted it for a transient reason.
pub(super) async fn retrying<T, F, Fut>(mut op: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    let mut attempt = 0u32;
    loop {
        match op().await {
            Err(e) if attempt < 4 && retryable(&e) => {
                attempt += 1;
                let jitter = u64::from(rand::random::<u8>() % 20);
                tokio::time::sleep(StdDuration::from_millis(5 * u64::from(attempt) + jitter)).await;
            }
            other => return other,
        }
    }
}

impl PgStore {
    /// Connects a pool to the database a `postgres://` URL names.
    pub async fn open(url: &str, pool: PoolSettings) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("venuedesk-platform");
        let pool = PgPoolOptions::new()
            .max_connections(pool.max_connections)
            .acquire_timeout(pool.acquire_timeout)
            .connect_with(options)
            .await?;
        Ok(PgStore { pool })
    }

    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> StoreResult<Tx> {
        Ok(self.pool.begin().await?)
    }

    /// A transaction in one venue's tenant context (reads).
    pub(super) async fn venue_read(&self, venue_id: Uuid) -> StoreResult<Tx> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT set_config('venuedesk.venue_id', $1, true)")
            .bind(venue_id.to_string())
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A transaction in one venue's tenant context that serialises on the venue: the venue's
    /// row is locked until commit, so writes of one venue commit one after another (in `seq`
    /// order) while other venues' writes run alongside.
    pub(super) async fn venue_tx(&self, venue_id: Uuid) -> StoreResult<Tx> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT set_config('venuedesk.venue_id', $1, true), set_config('lock_timeout', $2, true)")
            .bind(venue_id.to_string())
            .bind(LOCK_TIMEOUT)
            .execute(&mut *tx)
            .await?;
        sqlx::query("SELECT 1 FROM venues WHERE id = $1 FOR NO KEY UPDATE")
            .bind(venue_id)
            .fetch_optional(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// A transaction holding a transaction-scoped advisory lock on `key` (released at commit
    /// or rollback, never left on a pooled connection).
    async fn keyed_tx(&self, key: &str) -> StoreResult<Tx> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT set_config('lock_timeout', $2, true), pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .bind(LOCK_TIMEOUT)
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    async fn event(tx: &mut Tx, e: &NewSecurityEvent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO security_events (id, user_id, kind, at, ip, session_id) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(e.user_id)
        .bind(e.kind)
        .bind(ms(e.at))
        .bind(e.ip.as_deref())
        .bind(e.session_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    async fn insert_refresh(tx: &mut Tx, session_id: Uuid, t: &NewRefreshToken) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO refresh_tokens (id, session_id, token_hash, issued_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(t.id)
        .bind(session_id)
        .bind(&t.token_hash[..])
        .bind(ms(t.issued_at))
        .bind(ms(t.expires_at))
        .execute(&mut **tx)
        .await
        .map_err(conflict_or)?;
        Ok(())
    }

    /// Locks `identifier` for `lock_for` once `max` failures fall within `window`.
    async fn lock_when_exhausted(
        tx: &mut Tx,
        identifier: &str,
        now: OffsetDateTime,
        window: Duration,
        max: u32,
        lock_for: Duration,
    ) -> StoreResult<bool> {
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE identifier = $1 AND failed_at > $2")
                .bind(identifier)
                .bind(ms(now - window))
                .fetch_one(&mut **tx)
                .await?;
        let locked = count >= i64::from(max);
        if locked {
            sqlx::query(
                "INSERT INTO lockouts (identifier, locked_until) VALUES ($1, $2) \
                 ON CONFLICT (identifier) DO UPDATE SET locked_until = excluded.locked_until",
            )
            .bind(identifier)
            .bind(ms(now + lock_for))
            .execute(&mut **tx)
            .await?;
            sqlx::query("DELETE FROM login_failures WHERE identifier = $1").bind(identifier).execute(&mut **tx).await?;
        }
        Ok(locked)
    }

    async fn replace_codes(tx: &mut Tx, user_id: Uuid, hashes: &[[u8; 32]]) -> StoreResult<()> {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut **tx).await?;
        for h in hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(user_id)
                .bind(&h[..])
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    fn user_from_row(row: &PgRow) -> StoreResult<UserRecord> {
        Ok(UserRecord {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            password_hash: row.try_get("password_hash")?,
            totp_secret_enc: row.try_get("totp_secret_enc")?,
            totp_pending_enc: row.try_get("totp_pending_enc")?,
            totp_last_step: row.try_get("totp_last_step")?,
            created_at: from_ms(row.try_get("created_at")?)?,
        })
    }

    async fn rotate_once(&self, req: &RotateRequest) -> StoreResult<RotateOutcome> {
        let session: Option<Uuid> = sqlx::query_scalar("SELECT session_id FROM refresh_tokens WHERE token_hash = $1")
            .bind(&req.presented_hash[..])
            .fetch_optional(&self.pool)
            .await?;
        let Some(session_id) = session else { return Ok(RotateOutcome::Invalid) };
        let mut tx = self.begin().await?;
        // Every rotation of a session's chain runs one after another, on any node: the second
        // of two concurrent presentations sees the first one's rotation.
        sqlx::query("SELECT set_config('lock_timeout', $2, true), (SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE)")
            .bind(session_id)
            .bind(LOCK_TIMEOUT)
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "SELECT t.id, t.session_id, t.expires_at, t.rotated_at, t.rotated_by_key_hash, t.successor_id, t.voided_at, \
                    s.user_id, s.revoked_at, s.absolute_expires_at, s.last_used_at, \
                    (SELECT n.rotated_at FROM refresh_tokens n WHERE n.id = t.successor_id) AS successor_rotated_at \
             FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1",
        )
        .bind(&req.presented_hash[..])
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(RotateOutcome::Invalid) };
        let token_id: Uuid = row.try_get("id")?;
        let user_id: Uuid = row.try_get("user_id")?;
        let absolute = from_ms(row.try_get("absolute_expires_at")?)?;
        let successor_id: Option<Uuid> = row.try_get("successor_id")?;
        let presented = PresentedToken {
            expires_at: from_ms(row.try_get("expires_at")?)?,
            rotated_at: row.try_get::<Option<i64>, _>("rotated_at")?.map(from_ms).transpose()?,
            rotated_by_key_hash: hash32(row.try_get("rotated_by_key_hash")?),
            successor_rotated: row.try_get::<Option<i64>, _>("successor_rotated_at")?.is_some(),
            voided: row.try_get::<Option<i64>, _>("voided_at")?.is_some(),
            session_revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            session_absolute_expires_at: absolute,
        };
        let decision =
            refresh_rotation::decide(&presented, req.idempotency_key_hash.as_ref(), req.now, req.retry_window);
        let now = ms(req.now);
        match decision {
            Decision::Invalid => Ok(RotateOutcome::Invalid),
            Decision::SessionRevoked => Ok(RotateOutcome::SessionRevoked),
            Decision::Reuse => {
                let revoked = sqlx::query(
                    "UPDATE sessions SET revoked_at = $1, revoke_reason = 'refresh_token_reused' WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(session_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if revoked > 0 {
                    let event = NewSecurityEvent {
                        user_id,
                        kind: "refresh_reuse_detected",
                        at: req.now,
                        ip: req.ip.clone(),
                        session_id: Some(session_id),
                    };
                    Self::event(&mut tx, &event).await?;
                }
                tx.commit().await?;
                Ok(RotateOutcome::Reused { user_id, revoked_now: revoked > 0 })
            }
            Decision::Rotate | Decision::RetrySameRotation => {
                let retried = decision == Decision::RetrySameRotation;
                if retried && let Some(successor) = successor_id {
                    sqlx::query("UPDATE refresh_tokens SET voided_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(successor)
                        .execute(&mut *tx)
                        .await?;
                }
                let mut next = req.next.clone();
                next.expires_at = (req.now + req.idle_ttl).min(absolute);
                Self::insert_refresh(&mut tx, session_id, &next).await?;
                if retried {
                    sqlx::query("UPDATE refresh_tokens SET successor_id = $1 WHERE id = $2")
                        .bind(next.id)
                        .bind(token_id)
                        .execute(&mut *tx)
                        .await?;
                } else {
                    sqlx::query(
                        "UPDATE refresh_tokens SET rotated_at = $1, rotated_by_key_hash = $2, successor_id = $3 WHERE id = $4",
                    )
                    .bind(now)
                    .bind(req.idempotency_key_hash.as_ref().map(|h| &h[..]))
                    .bind(next.id)
                    .bind(token_id)
                    .execute(&mut *tx)
                    .await?;
                }
                let last_used: i64 = row.try_get("last_used_at")?;
                if now - last_used >= 60_000 {
                    sqlx::query("UPDATE sessions SET last_used_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(session_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(RotateOutcome::Rotated {
                    user_id,
                    session_id,
                    token_id: next.id,
                    expires_at: next.expires_at,
                    retried,
                })
            }
        }
    }

    async fn idempotency_begin_once(
        &self,
        scope: &str,
        key: &str,
        fingerprint: [u8; 32],
        now: OffsetDateTime,
        lock_for: Duration,
        keep_for: Duration,
    ) -> StoreResult<IdempotencyBegin> {
        // One claim per key across every node: the advisory lock makes read-then-insert atomic.
        let mut tx = self.keyed_tx(&format!("idem:{scope}:{key}")).await?;
        let row = sqlx::query(
            "SELECT fingerprint, locked_until, response_enc, expires_at, subject FROM idempotency_records \
             WHERE scope = $1 AND key = $2",
        )
        .bind(scope)
        .bind(key)
        .fetch_optional(&mut *tx)
        .await?;
        let now_ms = ms(now);
        if let Some(row) = row {
            let stored = StoredRecord {
                fingerprint: row.try_get("fingerprint")?,
                locked_until: row.try_get("locked_until")?,
                response: row.try_get("response_enc")?,
                expires_at: row.try_get("expires_at")?,
                subject: row.try_get("subject")?,
            };
            if let Some(answer) = stored_record::decide(stored, &fingerprint, now_ms) {
                return Ok(answer);
            }
            sqlx::query("DELETE FROM idempotency_records WHERE scope = $1 AND key = $2")
                .bind(scope)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO idempotency_records (scope, key, fingerprint, locked_until, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(scope)
        .bind(key)
        .bind(&fingerprint[..])
        .bind(ms(now + lock_for))
        .bind(now_ms)
        .bind(ms(now + keep_for))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(IdempotencyBegin::Started)
    }
}

const USER_COLUMNS: &str =
    "id, email, display_name, password_hash, totp_secret_enc, totp_pending_enc, totp_last_step, created_at";

#[async_trait]
impl Lifecycle for PgStore {
    async fn migrate(&self) -> StoreResult<()> {
        // `serve` runs as the application role, which cannot change the schema: the owner
        // migrates (`venuedesk-platform migrate`), and a node refuses an older schema.
        if self.migrations_current().await? {
            Ok(())
        } else {
            Err(StoreError::Corrupt(
                "the database schema is older than this binary: run `venuedesk-platform migrate` as the owner role"
                    .into(),
            ))
        }
    }

    async fn health(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn migrations_current(&self) -> StoreResult<bool> {
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&self.pool)
            .await
            .or_else(|e| match e.as_database_error().and_then(|d| d.code()).as_deref() {
                Some("42P01") => Ok(Vec::new()), // no migrations table: nothing applied
                _ => Err(e),
            })?;
        Ok(MIGRATOR.iter().all(|m| applied.contains(&m.version)))
    }

    async fn prune(&self, rule: PruneRule, before: OffsetDateTime) -> StoreResult<u64> {
        retrying(|| retention::prune(self, rule, before)).await
    }

    async fn tables(&self) -> StoreResult<Vec<String>> {
        retention::tables(self).await
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            max: self.pool.options().get_max_connections(),
            open: self.pool.size(),
            idle: self.pool.num_idle() as u32,
        }
    }

    async fn venue_ids(&self) -> StoreResult<Vec<Uuid>> {
        // Through the narrow `operator_list` policy (migration 0007): ids only.
        let mut tx = self.begin().await?;
        sqlx::query("SELECT set_config('venuedesk.list_venues', 'on', true)").execute(&mut *tx).await?;
        let ids = sqlx::query_scalar("SELECT id FROM venues ORDER BY created_at, id").fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(ids)
    }

    async fn delivery_queue(&self) -> StoreResult<(i64, i64)> {
        // Across venues through the delivery worker's policy (a count, no row leaves).
        let mut tx = self.begin().await?;
        sqlx::query("SELECT set_config('venuedesk.webhook_worker', 'on', true)").execute(&mut *tx).await?;
        let row = sqlx::query(
            "SELECT COUNT(*) FILTER (WHERE status = 'pending') AS pending, \
                    COUNT(*) FILTER (WHERE status = 'failed') AS failed FROM webhook_deliveries",
        )
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((row.try_get("pending")?, row.try_get("failed")?))
    }
}

#[async_trait]
impl KeyStore for PgStore {
    async fn data_key(&self, scope: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT wrapped_key FROM data_keys WHERE scope = $1")
            .bind(scope)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn insert_data_key(&self, scope: &str, wrapped: &[u8], now: OffsetDateTime) -> StoreResult<Vec<u8>> {
        sqlx::query(
            "INSERT INTO data_keys (scope, wrapped_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (scope) DO NOTHING",
        )
        .bind(scope)
        .bind(wrapped)
        .bind(ms(now))
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_scalar("SELECT wrapped_key FROM data_keys WHERE scope = $1")
            .bind(scope)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn signing_keys(&self) -> StoreResult<Vec<SigningKeyRecord>> {
        let rows = sqlx::query(
            "SELECT kid, public_key, private_key_enc, created_at FROM signing_keys ORDER BY created_at, kid",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SigningKeyRecord {
                    kid: r.try_get("kid")?,
                    public_key: r.try_get("public_key")?,
                    private_key_enc: r.try_get("private_key_enc")?,
                    created_at: from_ms(r.try_get("created_at")?)?,
                })
            })
            .collect()
    }

    async fn insert_signing_key(&self, key: &SigningKeyRecord) -> StoreResult<()> {
        sqlx::query("INSERT INTO signing_keys (kid, public_key, private_key_enc, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&key.kid)
            .bind(&key.public_key)
            .bind(&key.private_key_enc)
            .bind(ms(key.created_at))
            .execute(&self.pool)
            .await
            .map_err(conflict_or)?;
        Ok(())
    }

    async fn data_key_versions(&self, base: &str) -> StoreResult<Vec<String>> {
        // A uuid holds no LIKE wildcard, so the pattern matches only `base#…`.
        Ok(sqlx::query_scalar("SELECT scope FROM data_keys WHERE scope = $1 OR scope LIKE $1 || '#%'")
            .bind(base)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn venue_sealed(&self, venue_id: Uuid) -> StoreResult<Vec<SealedValue>> {
        resealing::venue_sealed(self, venue_id).await
    }

    async fn replace_sealed(&self, venue_id: Uuid, values: &[(SealedValue, Vec<u8>)]) -> StoreResult<usize> {
        retrying(|| resealing::replace_sealed(self, venue_id, values)).await
    }

    async fn data_keys_all(&self) -> StoreResult<Vec<(String, Vec<u8>)>> {
        let rows = sqlx::query("SELECT scope, wrapped_key FROM data_keys ORDER BY scope").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("scope")?, r.try_get("wrapped_key")?))).collect()
    }

    async fn replace_data_keys(&self, keys: &[(String, Vec<u8>, Vec<u8>)]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // No node may add a key (wrapped under the old master) until this commits.
        sqlx::query("SELECT set_config('lock_timeout', $1, true)").bind(LOCK_TIMEOUT).execute(&mut *tx).await?;
        sqlx::query("LOCK TABLE data_keys IN EXCLUSIVE MODE").execute(&mut *tx).await?;
        let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM data_keys").fetch_one(&mut *tx).await?;
        if stored != keys.len() as i64 {
            return Err(StoreError::Conflict);
        }
        for (scope, old, new) in keys {
            let n = sqlx::query("UPDATE data_keys SET wrapped_key = $1 WHERE scope = $2 AND wrapped_key = $3")
                .bind(new)
                .bind(scope)
                .bind(old)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict);
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl IdentityStore for PgStore {
    async fn create_user(&self, user: &UserRecord, event: NewSecurityEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, email, display_name, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(user.id)
        .bind(&user.email)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(ms(user.created_at))
        .execute(&mut *tx)
        .await
        .map_err(conflict_or)?;
        Self::event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"));
        let row = sqlx::query(sql).bind(email).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::user_from_row).transpose()
    }

    async fn user_by_id(&self, id: Uuid) -> StoreResult<Option<UserRecord>> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
        let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(Self::user_from_row).transpose()
    }

    async fn change_password(
        &self,
        user_id: Uuid,
        hash: &str,
        keep: Option<Uuid>,
        event: NewSecurityEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let now = ms(event.at);
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1, revoke_reason = 'password_changed' \
             WHERE user_id = $2 AND revoked_at IS NULL AND id IS DISTINCT FROM $3",
        )
        .bind(now)
        .bind(user_id)
        .bind(keep)
        .execute(&mut *tx)
        .await?;
        Self::event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(
        &self,
        session: &NewSession,
        token: &NewRefreshToken,
        event: NewSecurityEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (id, user_id, device_name, ip, mfa_passed, created_at, last_used_at, absolute_expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
        )
        .bind(session.id)
        .bind(session.user_id)
        .bind(session.device_name.as_deref())
        .bind(session.ip.as_deref())
        .bind(session.mfa_passed)
        .bind(ms(session.created_at))
        .bind(ms(session.absolute_expires_at))
        .execute(&mut *tx)
        .await
        .map_err(conflict_or)?;
        Self::insert_refresh(&mut tx, session.id, token).await?;
        Self::event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session_auth_state(&self, session_id: Uuid, token_id: Uuid) -> StoreResult<Option<SessionAuthState>> {
        let row = sqlx::query(
            "SELECT s.user_id, s.revoked_at, s.mfa_passed, r.voided_at, r.session_id AS token_session \
             FROM sessions s LEFT JOIN refresh_tokens r ON r.id = $1 WHERE s.id = $2",
        )
        .bind(token_id)
        .bind(session_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let token_session: Option<Uuid> = row.try_get("token_session")?;
        let voided: Option<i64> = row.try_get("voided_at")?;
        Ok(Some(SessionAuthState {
            user_id: row.try_get("user_id")?,
            revoked: row.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
            pair_voided: voided.is_some() || token_session != Some(session_id),
            mfa_passed: row.try_get("mfa_passed")?,
        }))
    }

    async fn rotate_refresh_token(&self, req: &RotateRequest) -> StoreResult<RotateOutcome> {
        retrying(|| self.rotate_once(req)).await
    }

    async fn list_sessions(&self, user_id: Uuid, now: OffsetDateTime) -> StoreResult<Vec<SessionRecord>> {
        let rows = sqlx::query(
            "SELECT s.id, s.device_name, s.ip, s.created_at, s.last_used_at FROM sessions s \
             WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.absolute_expires_at > $2 \
               AND EXISTS (SELECT 1 FROM refresh_tokens t WHERE t.session_id = s.id AND t.rotated_at IS NULL \
                           AND t.voided_at IS NULL AND t.expires_at > $2) \
             ORDER BY s.created_at, s.id",
        )
        .bind(user_id)
        .bind(ms(now))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionRecord {
                    id: r.try_get("id")?,
                    device_name: r.try_get("device_name")?,
                    ip: r.try_get("ip")?,
                    created_at: from_ms(r.try_get("created_at")?)?,
                    last_used_at: from_ms(r.try_get("last_used_at")?)?,
                })
            })
            .collect()
    }

    async fn revoke_session(
        &self,
        user_id: Uuid,
        session_id: Uuid,
        reason: &str,
        event: NewSecurityEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE sessions SET revoked_at = $1, revoke_reason = $2 WHERE id = $3 AND user_id = $4 AND revoked_at IS NULL",
        )
        .bind(ms(event.at))
        .bind(reason)
        .bind(session_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n > 0 {
            Self::event(&mut tx, &event).await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    async fn revoke_sessions(
        &self,
        users: Option<&[Uuid]>,
        now: OffsetDateTime,
        reason: &str,
        event_kind: &'static str,
    ) -> StoreResult<Vec<(Uuid, u64)>> {
        retrying(|| async {
            let mut tx = self.begin().await?;
            // One statement ends them all: a node checking a token a moment later sees them revoked.
            let rows = sqlx::query(
                "UPDATE sessions SET revoked_at = $1, revoke_reason = $2 \
                 WHERE revoked_at IS NULL AND absolute_expires_at > $1 AND ($3::uuid[] IS NULL OR user_id = ANY($3)) \
                 RETURNING id, user_id",
            )
            .bind(ms(now))
            .bind(reason)
            .bind(users.map(|u| u.to_vec()))
            .fetch_all(&mut *tx)
            .await?;
            let mut reached: Vec<(Uuid, u64)> = Vec::new();
            for row in rows {
                let id: Uuid = row.try_get("id")?;
                let user_id: Uuid = row.try_get("user_id")?;
                let event = NewSecurityEvent { user_id, kind: event_kind, at: now, ip: None, session_id: Some(id) };
                Self::event(&mut tx, &event).await?;
                match reached.iter_mut().find(|(u, _)| *u == user_id) {
                    Some((_, n)) => *n += 1,
                    None => reached.push((user_id, 1)),
                }
            }
            tx.commit().await?;
            Ok(reached)
        })
        .await
    }

    async fn create_mfa_challenge(&self, token_hash: [u8; 32], c: &MfaChallengeRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // One live challenge per user, across nodes: the user's row lock orders two logins.
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE").bind(c.user_id).fetch_optional(&mut *tx).await?;
        sqlx::query("DELETE FROM mfa_challenges WHERE user_id = $1").bind(c.user_id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO mfa_challenges (token_hash, user_id, device_name, ip, expires_at, failed_attempts) \
             VALUES ($1, $2, $3, $4, $5, 0)",
        )
        .bind(&token_hash[..])
        .bind(c.user_id)
        .bind(c.device_name.as_deref())
        .bind(c.ip.as_deref())
        .bind(ms(c.expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn mfa_challenge(&self, token_hash: [u8; 32]) -> StoreResult<Option<MfaChallengeRecord>> {
        let row = sqlx::query(
            "SELECT user_id, device_name, ip, expires_at, failed_attempts FROM mfa_challenges WHERE token_hash = $1",
        )
        .bind(&token_hash[..])
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(MfaChallengeRecord {
                user_id: r.try_get("user_id")?,
                device_name: r.try_get("device_name")?,
                ip: r.try_get("ip")?,
                expires_at: from_ms(r.try_get("expires_at")?)?,
                failed_attempts: r.try_get("failed_attempts")?,
            })
        })
        .transpose()
    }

    async fn fail_mfa_challenge(&self, token_hash: [u8; 32], max_attempts: i64) -> StoreResult<()> {
        // One statement: the count and the deletion cannot interleave with another node's.
        sqlx::query(
            "WITH counted AS (UPDATE mfa_challenges SET failed_attempts = failed_attempts + 1 \
                              WHERE token_hash = $1 RETURNING token_hash, failed_attempts) \
             DELETE FROM mfa_challenges m USING counted c \
             WHERE m.token_hash = c.token_hash AND c.failed_attempts >= $2",
        )
        .bind(&token_hash[..])
        .bind(max_attempts)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn consume_mfa_challenge(&self, token_hash: [u8; 32]) -> StoreResult<bool> {
        let n = sqlx::query("DELETE FROM mfa_challenges WHERE token_hash = $1")
            .bind(&token_hash[..])
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    async fn set_pending_totp(&self, user_id: Uuid, secret_enc: &[u8]) -> StoreResult<()> {
        sqlx::query("UPDATE users SET totp_pending_enc = $1 WHERE id = $2")
            .bind(secret_enc)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn confirm_totp(
        &self,
        user_id: Uuid,
        pending_enc: &[u8],
        step: i64,
        recovery_hashes: &[[u8; 32]],
        event: NewSecurityEvent,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE users SET totp_secret_enc = totp_pending_enc, totp_pending_enc = NULL, totp_last_step = $1, updated_at = $2 \
             WHERE id = $3 AND totp_pending_enc = $4 AND totp_secret_enc IS NULL",
        )
        .bind(step)
        .bind(ms(event.at))
        .bind(user_id)
        .bind(pending_enc)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1, revoke_reason = 'mfa_enrolled' \
             WHERE user_id = $2 AND revoked_at IS NULL AND id IS DISTINCT FROM $3",
        )
        .bind(ms(event.at))
        .bind(user_id)
        .bind(event.session_id)
        .execute(&mut *tx)
        .await?;
        Self::replace_codes(&mut tx, user_id, recovery_hashes).await?;
        Self::event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn disable_totp(&self, user_id: Uuid, event: NewSecurityEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE users SET totp_secret_enc = NULL, totp_pending_enc = NULL, totp_last_step = NULL, updated_at = $1 \
             WHERE id = $2",
        )
        .bind(ms(event.at))
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
        Self::event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn use_totp_step(&self, user_id: Uuid, step: i64) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn replace_recovery_codes(
        &self,
        user_id: Uuid,
        hashes: &[[u8; 32]],
        event: NewSecurityEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        Self::replace_codes(&mut tx, user_id, hashes).await?;
        Self::event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn use_recovery_code(&self, user_id: Uuid, hash: [u8; 32], now: OffsetDateTime) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(ms(now))
        .bind(user_id)
        .bind(&hash[..])
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn add_security_event(&self, event: NewSecurityEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        Self::event(&mut tx, &event).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn security_events(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> StoreResult<Vec<SecurityEventRecord>> {
        // UUIDv7 ids sort by time, and PostgreSQL compares uuids byte by byte.
        let rows = sqlx::query(
            "SELECT id, kind, at, ip, session_id FROM security_events \
             WHERE user_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SecurityEventRecord {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    at: from_ms(r.try_get("at")?)?,
                    ip: r.try_get("ip")?,
                    session_id: r.try_get("session_id")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl GuardStore for PgStore {
    async fn admit_ip_hit(
        &self,
        ip: &str,
        now: OffsetDateTime,
        window: Duration,
        limit: u32,
    ) -> StoreResult<Admission> {
        const COUNT_HITS: &str = "SELECT COUNT(*), MIN(at) FROM ip_hits WHERE ip = $1 AND at > $2";
        let since = ms(now - window);
        let refused = |oldest: Option<i64>| -> StoreResult<Admission> {
            let oldest = from_ms(oldest.unwrap_or(ms(now)))?;
            Ok(Admission::RetryAfter(oldest + window - now))
        };
        // A client over its limit is answered without a lock or a write.
        let (count, oldest): (i64, Option<i64>) =
            sqlx::query_as(COUNT_HITS).bind(ip).bind(since).fetch_one(&self.pool).await?;
        if count >= i64::from(limit) {
            return refused(oldest);
        }
        retrying(|| async {
            let mut tx = self.keyed_tx(&format!("ip:{ip}")).await?;
            let (count, oldest): (i64, Option<i64>) =
                sqlx::query_as(COUNT_HITS).bind(ip).bind(since).fetch_one(&mut *tx).await?;
            if count >= i64::from(limit) {
                return refused(oldest);
            }
            sqlx::query("INSERT INTO ip_hits (ip, at) VALUES ($1, $2)")
                .bind(ip)
                .bind(ms(now))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Admission::Allowed)
        })
        .await
    }

    async fn lockout(&self, identifier: &str, now: OffsetDateTime) -> StoreResult<Admission> {
        let until: Option<i64> = sqlx::query_scalar("SELECT locked_until FROM lockouts WHERE identifier = $1")
            .bind(identifier)
            .fetch_optional(&self.pool)
            .await?;
        match until {
            Some(u) if u > ms(now) => Ok(Admission::RetryAfter(from_ms(u)? - now)),
            _ => Ok(Admission::Allowed),
        }
    }

    async fn record_login_failure(
        &self,
        identifier: &str,
        now: OffsetDateTime,
        window: Duration,
        max: u32,
        lock_for: Duration,
    ) -> StoreResult<bool> {
        retrying(|| async {
            let mut tx = self.keyed_tx(&format!("login:{identifier}")).await?;
            sqlx::query("INSERT INTO login_failures (identifier, failed_at) VALUES ($1, $2)")
                .bind(identifier)
                .bind(ms(now))
                .execute(&mut *tx)
                .await?;
            let locked = Self::lock_when_exhausted(&mut tx, identifier, now, window, max, lock_for).await?;
            tx.commit().await?;
            Ok(locked)
        })
        .await
    }

    async fn begin_attempt(
        &self,
        identifier: &str,
        now: OffsetDateTime,
        window: Duration,
        max: u32,
        lock_for: Duration,
    ) -> StoreResult<(Admission, bool)> {
        retrying(|| async {
            let mut tx = self.keyed_tx(&format!("login:{identifier}")).await?;
            let until: Option<i64> = sqlx::query_scalar("SELECT locked_until FROM lockouts WHERE identifier = $1")
                .bind(identifier)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(u) = until.filter(|u| *u > ms(now)) {
                return Ok((Admission::RetryAfter(from_ms(u)? - now), false));
            }
            if Self::lock_when_exhausted(&mut tx, identifier, now, window, max, lock_for).await? {
                tx.commit().await?;
                return Ok((Admission::RetryAfter(lock_for), true));
            }
            sqlx::query("INSERT INTO login_failures (identifier, failed_at) VALUES ($1, $2)")
                .bind(identifier)
                .bind(ms(now))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok((Admission::Allowed, false))
        })
        .await
    }

    async fn withdraw_attempt(&self, identifier: &str, at: OffsetDateTime) -> StoreResult<()> {
        sqlx::query(
            "DELETE FROM login_failures WHERE ctid IN \
             (SELECT ctid FROM login_failures WHERE identifier = $1 AND failed_at = $2 LIMIT 1)",
        )
        .bind(identifier)
        .bind(ms(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn lock_if_exhausted(
        &self,
        identifier: &str,
        now: OffsetDateTime,
        window: Duration,
        max: u32,
        lock_for: Duration,
    ) -> StoreResult<bool> {
        retrying(|| async {
            let mut tx = self.keyed_tx(&format!("login:{identifier}")).await?;
            let locked = Self::lock_when_exhausted(&mut tx, identifier, now, window, max, lock_for).await?;
            tx.commit().await?;
            Ok(locked)
        })
        .await
    }

    async fn clear_login_failures(&self, identifier: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failures WHERE identifier = $1").bind(identifier).execute(&self.pool).await?;
        Ok(())
    }

    async fn idempotency_begin(
        &self,
        scope: &str,
        key: &str,
        fingerprint: [u8; 32],
        now: OffsetDateTime,
        lock_for: Duration,
        keep_for: Duration,
    ) -> StoreResult<IdempotencyBegin> {
        retrying(|| self.idempotency_begin_once(scope, key, fingerprint, now, lock_for, keep_for)).await
    }

    async fn idempotency_complete(
        &self,
        scope: &str,
        key: &str,
        response_enc: &[u8],
        subject: Option<&str>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE idempotency_records SET response_enc = $1, locked_until = NULL, subject = $2 WHERE scope = $3 AND key = $4",
        )
        .bind(response_enc)
        .bind(subject)
        .bind(scope)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn idempotency_release(&self, scope: &str, key: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM idempotency_records WHERE scope = $1 AND key = $2 AND response_enc IS NULL")
            .bind(scope)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl TeamStore for PgStore {
    async fn create_venue(
        &self,
        venue: &VenueRecord,
        roles: &[RoleRecord],
        owner: Uuid,
        owner_role: Uuid,
        audit: AuditDraft,
    ) -> StoreResult<()> {
        retrying(|| venue::create_venue(self, venue, roles, owner, owner_role, audit.clone())).await
    }

    async fn venue(&self, venue_id: Uuid) -> StoreResult<Option<VenueRecord>> {
        venue::venue(self, venue_id).await
    }

    async fn update_venue(
        &self,
        v: &VenueRecord,
        expected_version: i64,
        audit: AuditDraft,
    ) -> StoreResult<VenueRecord> {
        retrying(|| venue::update_venue(self, v, expected_version, audit.clone())).await
    }

    async fn membership(&self, venue_id: Uuid, user_id: Uuid) -> StoreResult<Option<(VenueRecord, RoleRecord)>> {
        venue::membership(self, venue_id, user_id).await
    }

    async fn memberships(&self, user_id: Uuid) -> StoreResult<Vec<(VenueRecord, RoleRecord)>> {
        venue::memberships(self, user_id).await
    }

    async fn roles(&self, venue_id: Uuid) -> StoreResult<Vec<RoleRecord>> {
        venue::roles(self, venue_id).await
    }

    async fn put_role(
        &self,
        venue_id: Uuid,
        role: &RoleRecord,
        expected_version: Option<i64>,
        audit: AuditDraft,
    ) -> StoreResult<RoleRecord> {
        retrying(|| venue::put_role(self, venue_id, role, expected_version, audit.clone())).await
    }

    async fn delete_role(&self, venue_id: Uuid, role_id: Uuid, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| venue::delete_role(self, venue_id, role_id, audit.clone())).await
    }

    async fn members(&self, venue_id: Uuid) -> StoreResult<Vec<MemberRecord>> {
        venue::members(self, venue_id).await
    }

    async fn set_member_role(
        &self,
        venue_id: Uuid,
        user_id: Uuid,
        role_id: Uuid,
        expected_version: i64,
        audit: AuditDraft,
    ) -> StoreResult<MemberRecord> {
        retrying(|| venue::set_member_role(self, venue_id, user_id, role_id, expected_version, audit.clone())).await
    }

    async fn remove_member(&self, venue_id: Uuid, user_id: Uuid, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| venue::remove_member(self, venue_id, user_id, audit.clone())).await
    }

    async fn create_invitation(&self, invitation: &InvitationRecord, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| venue::create_invitation(self, invitation, audit.clone())).await
    }

    async fn accept_invitation(
        &self,
        token_hash: [u8; 32],
        user_id: Uuid,
        email: &str,
        audit: AuditDraft,
    ) -> StoreResult<(VenueRecord, RoleRecord)> {
        retrying(|| venue::accept_invitation(self, token_hash, user_id, email, audit.clone())).await
    }
}

#[async_trait]
impl DocumentStore for PgStore {
    async fn doc(&self, venue_id: Uuid, entity: Entity, id: Uuid) -> StoreResult<Option<DocRecord>> {
        venue::doc(self, venue_id, entity, id).await
    }

    async fn docs(&self, venue_id: Uuid, entity: Entity, query: &DocQuery) -> StoreResult<Vec<DocRecord>> {
        venue::docs(self, venue_id, entity, query).await
    }

    async fn held_tables(
        &self,
        venue_id: Uuid,
        from: OffsetDateTime,
        until: OffsetDateTime,
        except: Uuid,
    ) -> StoreResult<Vec<Uuid>> {
        venue::held_tables(self, venue_id, from, until, except).await
    }

    async fn table_holds(
        &self,
        venue_id: Uuid,
        from: OffsetDateTime,
        until: OffsetDateTime,
    ) -> StoreResult<Vec<(Uuid, OffsetDateTime, OffsetDateTime)>> {
        venue::table_holds(self, venue_id, from, until).await
    }

    async fn write_docs(
        &self,
        venue_id: Uuid,
        writes: &[DocWrite],
        check_capacity: bool,
        drop_keys: &[String],
        audit: AuditDraft,
    ) -> StoreResult<()> {
        retrying(|| venue::write_docs(self, venue_id, writes, check_capacity, drop_keys, audit.clone())).await
    }
}

#[async_trait]
impl AuditFeedStore for PgStore {
    async fn changes(
        &self,
        venue_id: Uuid,
        since: i64,
        limit: u32,
        entities: &[&str],
    ) -> StoreResult<Vec<ChangeRecord>> {
        venue::changes(self, venue_id, since, limit, entities).await
    }

    async fn append_audit(&self, audit: AuditDraft) -> StoreResult<i64> {
        retrying(|| venue::append_audit(self, audit.clone())).await
    }

    async fn append_denial(&self, audit: AuditDraft, key: &str, window: Duration) -> StoreResult<bool> {
        retrying(|| venue::append_denial(self, audit.clone(), key, window)).await
    }

    async fn audit_events(&self, venue_id: Uuid, query: &AuditQuery) -> StoreResult<Vec<StoredAuditEvent>> {
        venue::audit_events(self, venue_id, query).await
    }
}

#[async_trait]
impl AlertStore for PgStore {
    async fn raise_alert(&self, alert: &NewAlert) -> StoreResult<bool> {
        retrying(|| alerts::raise(self, alert)).await
    }

    async fn alerts(&self, venue_id: Uuid, limit: u32) -> StoreResult<Vec<AlertRecord>> {
        alerts::list(self, venue_id, limit).await
    }

    async fn summarize_alerts(&self, closed_before: OffsetDateTime, now: OffsetDateTime) -> StoreResult<usize> {
        retrying(|| alerts::summarize(self, closed_before, now)).await
    }
}

#[async_trait]
impl IntegrationStore for PgStore {
    async fn create_api_client(&self, client: &ApiClientRecord, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| integrations::create_api_client(self, client, audit.clone())).await
    }

    async fn api_clients(&self, venue_id: Uuid) -> StoreResult<Vec<ApiClientRecord>> {
        integrations::api_clients(self, venue_id).await
    }

    async fn api_client(&self, venue_id: Uuid, id: Uuid) -> StoreResult<Option<ApiClientRecord>> {
        integrations::api_client(self, venue_id, id).await
    }

    async fn api_client_by_id(&self, id: Uuid) -> StoreResult<Option<ApiClientRecord>> {
        integrations::api_client_by_id(self, id).await
    }

    async fn rotate_api_client_secret(
        &self,
        venue_id: Uuid,
        id: Uuid,
        secret_hash: [u8; 32],
        previous_expires_at: OffsetDateTime,
        audit: AuditDraft,
    ) -> StoreResult<ApiClientRecord> {
        retrying(|| {
            integrations::rotate_api_client_secret(self, venue_id, id, secret_hash, previous_expires_at, audit.clone())
        })
        .await
    }

    async fn delete_api_client(&self, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| integrations::delete_api_client(self, venue_id, id, audit.clone())).await
    }

    async fn create_webhook(&self, webhook: &WebhookRecord, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| integrations::create_webhook(self, webhook, audit.clone())).await
    }

    async fn webhooks(&self, venue_id: Uuid) -> StoreResult<Vec<WebhookRecord>> {
        integrations::webhooks(self, venue_id).await
    }

    async fn webhook(&self, venue_id: Uuid, id: Uuid) -> StoreResult<Option<WebhookRecord>> {
        integrations::webhook(self, venue_id, id).await
    }

    async fn update_webhook(
        &self,
        webhook: &WebhookRecord,
        expected_version: i64,
        audit: AuditDraft,
    ) -> StoreResult<WebhookRecord> {
        retrying(|| integrations::update_webhook(self, webhook, expected_version, audit.clone())).await
    }

    async fn delete_webhook(&self, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| integrations::delete_webhook(self, venue_id, id, audit.clone())).await
    }

    async fn deliveries(
        &self,
        venue_id: Uuid,
        endpoint_id: Uuid,
        before_seq: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        integrations::deliveries(self, venue_id, endpoint_id, before_seq, limit).await
    }

    async fn retry_delivery(
        &self,
        venue_id: Uuid,
        endpoint_id: Uuid,
        delivery_id: Uuid,
        now: OffsetDateTime,
        audit: AuditDraft,
    ) -> StoreResult<DeliveryRecord> {
        retrying(|| integrations::retry_delivery(self, venue_id, endpoint_id, delivery_id, now, audit.clone())).await
    }

    async fn claim_deliveries(
        &self,
        now: OffsetDateTime,
        lease: Duration,
        limit: u32,
        per_endpoint: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        retrying(|| integrations::claim_deliveries(self, now, lease, limit, per_endpoint)).await
    }

    async fn finish_deliveries(&self, results: &[DeliveryResult]) -> StoreResult<()> {
        retrying(|| integrations::finish_deliveries(self, results)).await
    }

    async fn create_public_key(&self, key: &PublicKeyRecord, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| integrations::create_public_key(self, key, audit.clone())).await
    }

    async fn public_keys(&self, venue_id: Uuid) -> StoreResult<Vec<PublicKeyRecord>> {
        integrations::public_keys(self, venue_id).await
    }

    async fn delete_public_key(&self, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| integrations::delete_public_key(self, venue_id, id, audit.clone())).await
    }

    async fn public_key_by_hash(&self, hash: [u8; 32]) -> StoreResult<Option<PublicKeyRecord>> {
        integrations::public_key_by_hash(self, hash).await
    }

    async fn origin_allowed(&self, origin: &str) -> StoreResult<bool> {
        integrations::origin_allowed(self, origin).await
    }

    async fn put_payment_settings(&self, settings: &PaymentSettingsRecord, audit: AuditDraft) -> StoreResult<()> {
        retrying(|| integrations::put_payment_settings(self, settings, audit.clone())).await
    }

    async fn payment_settings(&self, venue_id: Uuid) -> StoreResult<Option<PaymentSettingsRecord>> {
        integrations::payment_settings(self, venue_id).await
    }

    async fn payment_event_seen(&self, venue_id: Uuid, event_id: &str) -> StoreResult<bool> {
        integrations::payment_event_seen(self, venue_id, event_id).await
    }

    async fn record_payment_event(&self, event: &PaymentEventRecord, audit: AuditDraft) -> StoreResult<bool> {
        retrying(|| integrations::record_payment_event(self, event, audit.clone())).await
    }
}
