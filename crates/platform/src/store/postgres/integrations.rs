//! PostgreSQL implementation of a venue's integrations, in the venue's tenant context.
//! The token endpoint's lookup by client id alone reads through the narrow `by_client`
//! policy (`venuedesk.api_client_id`), never across venues.

use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::permission::PermissionSet;

use super::venue::append_audit_tx;
use super::{PgStore, Tx, conflict_or};
use crate::audit::AuditDraft;
use crate::store::*;

const CLIENT_COLUMNS: &str = "venue_id, id, name, permissions, secret_hash, previous_secret_hash, \
     previous_expires_at, created_by, created_at";

fn client_from_row(r: &PgRow) -> StoreResult<ApiClientRecord> {
    let secret: Vec<u8> = r.try_get("secret_hash")?;
    Ok(ApiClientRecord {
        venue_id: r.try_get("venue_id")?,
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        permissions: PermissionSet::from_stored(r.try_get("permissions")?),
        secret_hash: hash32(Some(secret)).ok_or_else(|| StoreError::Corrupt("api client secret hash".into()))?,
        previous_secret_hash: hash32(r.try_get("previous_secret_hash")?),
        previous_expires_at: r.try_get::<Option<i64>, _>("previous_expires_at")?.map(from_ms).transpose()?,
        created_by: r.try_get("created_by")?,
        created_at: from_ms(r.try_get("created_at")?)?,
    })
}

pub(super) async fn create_api_client(s: &PgStore, c: &ApiClientRecord, audit: AuditDraft) -> StoreResult<()> {
    let mut tx = s.venue_tx(c.venue_id).await?;
    sqlx::query(
        "INSERT INTO api_clients (venue_id, id, name, permissions, secret_hash, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(c.venue_id)
    .bind(c.id)
    .bind(&c.name)
    .bind(c.permissions.0 as i64)
    .bind(&c.secret_hash[..])
    .bind(c.created_by)
    .bind(ms(c.created_at))
    .execute(&mut *tx)
    .await
    .map_err(conflict_or)?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn api_clients(s: &PgStore, venue_id: Uuid) -> StoreResult<Vec<ApiClientRecord>> {
    let mut tx = s.venue_read(venue_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLUMNS} FROM api_clients WHERE venue_id = $1 ORDER BY created_at, id"
    )))
    .bind(venue_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter().map(client_from_row).collect()
}

pub(super) async fn api_client(s: &PgStore, venue_id: Uuid, id: Uuid) -> StoreResult<Option<ApiClientRecord>> {
    let mut tx = s.venue_read(venue_id).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLUMNS} FROM api_clients WHERE venue_id = $1 AND id = $2"
    )))
    .bind(venue_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.as_ref().map(client_from_row).transpose()
}

pub(super) async fn api_client_by_id(s: &PgStore, id: Uuid) -> StoreResult<Option<ApiClientRecord>> {
    let mut tx = s.pool().begin().await?;
    sqlx::query("SELECT set_config('venuedesk.api_client_id', $1, true)")
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CLIENT_COLUMNS} FROM api_clients WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    row.as_ref().map(client_from_row).transpose()
}

pub(super) async fn rotate_api_client_secret(
    s: &PgStore,
    venue_id: Uuid,
    id: Uuid,
    secret_hash: [u8; 32],
    previous_expires_at: OffsetDateTime,
    audit: AuditDraft,
) -> StoreResult<ApiClientRecord> {
    let mut tx = s.venue_tx(venue_id).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE api_clients SET previous_secret_hash = secret_hash, previous_expires_at = $1, secret_hash = $2 \
         WHERE venue_id = $3 AND id = $4 RETURNING {CLIENT_COLUMNS}"
    )))
    .bind(ms(previous_expires_at))
    .bind(&secret_hash[..])
    .bind(venue_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Err(StoreError::Domain(DomainError::NotFound)) };
    let client = client_from_row(&row)?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(client)
}

pub(super) async fn delete_api_client(s: &PgStore, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()> {
    let mut tx = s.venue_tx(venue_id).await?;
    let n = sqlx::query("DELETE FROM api_clients WHERE venue_id = $1 AND id = $2")
        .bind(venue_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::Domain(DomainError::NotFound));
    }
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

const WEBHOOK_COLUMNS: &str = "venue_id, id, url, events, secret_enc, previous_secret_enc, previous_expires_at, \
     enabled, created_at, version";
const DELIVERY_COLUMNS: &str = "seq, id, endpoint_id, event_id, event, attempt, status, status_code, last_at, next_at";

fn webhook_from_row(r: &PgRow) -> StoreResult<WebhookRecord> {
    let events: String = r.try_get("events")?;
    Ok(WebhookRecord {
        venue_id: r.try_get("venue_id")?,
        id: r.try_get("id")?,
        url: r.try_get("url")?,
        events: events.split(' ').filter(|s| !s.is_empty()).map(String::from).collect(),
        secret_enc: r.try_get("secret_enc")?,
        previous_secret_enc: r.try_get("previous_secret_enc")?,
        previous_expires_at: r.try_get::<Option<i64>, _>("previous_expires_at")?.map(from_ms).transpose()?,
        enabled: r.try_get("enabled")?,
        created_at: from_ms(r.try_get("created_at")?)?,
        version: r.try_get("version")?,
    })
}

fn delivery_from_row(r: &PgRow) -> StoreResult<DeliveryRecord> {
    let status: String = r.try_get("status")?;
    Ok(DeliveryRecord {
        seq: r.try_get("seq")?,
        id: r.try_get("id")?,
        endpoint_id: r.try_get("endpoint_id")?,
        event_id: r.try_get("event_id")?,
        event: r.try_get("event")?,
        attempt: i64::from(r.try_get::<i32, _>("attempt")?),
        status_code: r.try_get::<Option<i32>, _>("status_code")?.map(i64::from),
        at: r.try_get::<Option<i64>, _>("last_at")?.map(from_ms).transpose()?,
        next_at: if status == "pending" { Some(from_ms(r.try_get("next_at")?)?) } else { None },
        status,
    })
}

/// Fans the write's events out to the venue's enabled endpoints that subscribe to them, in
/// the write's transaction (which holds the venue's lock: `seq`s commit in order).
pub(super) async fn enqueue_tx(
    tx: &mut Tx,
    venue_id: Uuid,
    events: &[OutgoingEvent],
    now: OffsetDateTime,
) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let endpoints: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, events FROM webhook_endpoints WHERE venue_id = $1 AND enabled")
            .bind(venue_id)
            .fetch_all(&mut **tx)
            .await?;
    for e in events {
        for (endpoint, subscribed) in &endpoints {
            if !subscribed.split(' ').any(|s| s == e.kind) {
                continue;
            }
            sqlx::query(
                "INSERT INTO webhook_deliveries (venue_id, id, endpoint_id, event_id, event, payload, status, attempt, \
                 next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
            )
            .bind(venue_id)
            .bind(Uuid::now_v7())
            .bind(endpoint)
            .bind(e.id)
            .bind(e.kind)
            .bind(&e.payload)
            .bind(ms(now))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

pub(super) async fn create_webhook(s: &PgStore, w: &WebhookRecord, audit: AuditDraft) -> StoreResult<()> {
    let mut tx = s.venue_tx(w.venue_id).await?;
    sqlx::query(
        "INSERT INTO webhook_endpoints (venue_id, id, url, events, secret_enc, enabled, created_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(w.venue_id)
    .bind(w.id)
    .bind(&w.url)
    .bind(w.events.join(" "))
    .bind(&w.secret_enc)
    .bind(w.enabled)
    .bind(ms(w.created_at))
    .bind(w.version)
    .execute(&mut *tx)
    .await
    .map_err(conflict_or)?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn webhooks(s: &PgStore, venue_id: Uuid) -> StoreResult<Vec<WebhookRecord>> {
    let mut tx = s.venue_read(venue_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE venue_id = $1 ORDER BY created_at, id"
    )))
    .bind(venue_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter().map(webhook_from_row).collect()
}

pub(super) async fn webhook(s: &PgStore, venue_id: Uuid, id: Uuid) -> StoreResult<Option<WebhookRecord>> {
    let mut tx = s.venue_read(venue_id).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE venue_id = $1 AND id = $2"
    )))
    .bind(venue_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.as_ref().map(webhook_from_row).transpose()
}

pub(super) async fn update_webhook(
    s: &PgStore,
    w: &WebhookRecord,
    expected: i64,
    audit: AuditDraft,
) -> StoreResult<WebhookRecord> {
    let mut tx = s.venue_tx(w.venue_id).await?;
    let n = sqlx::query(
        "UPDATE webhook_endpoints SET url = $1, events = $2, secret_enc = $3, previous_secret_enc = $4, \
         previous_expires_at = $5, enabled = $6, version = version + 1 WHERE venue_id = $7 AND id = $8 AND version = $9",
    )
    .bind(&w.url)
    .bind(w.events.join(" "))
    .bind(&w.secret_enc)
    .bind(&w.previous_secret_enc)
    .bind(w.previous_expires_at.map(ms))
    .bind(w.enabled)
    .bind(w.venue_id)
    .bind(w.id)
    .bind(expected)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        let current: Option<i64> =
            sqlx::query_scalar("SELECT version FROM webhook_endpoints WHERE venue_id = $1 AND id = $2")
                .bind(w.venue_id)
                .bind(w.id)
                .fetch_optional(&mut *tx)
                .await?;
        return Err(StoreError::Domain(current.map_or(DomainError::NotFound, DomainError::VersionMismatch)));
    }
    let (from, to) = if w.enabled { ("paused", "pending") } else { ("pending", "paused") };
    sqlx::query("UPDATE webhook_deliveries SET status = $1 WHERE venue_id = $2 AND endpoint_id = $3 AND status = $4")
        .bind(to)
        .bind(w.venue_id)
        .bind(w.id)
        .bind(from)
        .execute(&mut *tx)
        .await?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(WebhookRecord { version: expected + 1, ..w.clone() })
}

pub(super) async fn delete_webhook(s: &PgStore, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()> {
    let mut tx = s.venue_tx(venue_id).await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE venue_id = $1 AND endpoint_id = $2")
        .bind(venue_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let n = sqlx::query("DELETE FROM webhook_endpoints WHERE venue_id = $1 AND id = $2")
        .bind(venue_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::Domain(DomainError::NotFound));
    }
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn deliveries(
    s: &PgStore,
    venue_id: Uuid,
    endpoint_id: Uuid,
    before_seq: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<DeliveryRecord>> {
    let mut tx = s.venue_read(venue_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE venue_id = $1 AND endpoint_id = $2 \
         AND ($3::bigint IS NULL OR seq < $3) ORDER BY seq DESC LIMIT $4"
    )))
    .bind(venue_id)
    .bind(endpoint_id)
    .bind(before_seq)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter().map(delivery_from_row).collect()
}

pub(super) async fn retry_delivery(
    s: &PgStore,
    venue_id: Uuid,
    endpoint_id: Uuid,
    delivery_id: Uuid,
    now: OffsetDateTime,
    audit: AuditDraft,
) -> StoreResult<DeliveryRecord> {
    let mut tx = s.venue_tx(venue_id).await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE webhook_deliveries SET status = CASE WHEN status = 'paused' THEN 'paused' ELSE 'pending' END, \
         next_at = $1, lease_until = NULL WHERE venue_id = $2 AND endpoint_id = $3 AND id = $4 RETURNING {DELIVERY_COLUMNS}"
    )))
    .bind(ms(now))
    .bind(venue_id)
    .bind(endpoint_id)
    .bind(delivery_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Err(StoreError::Domain(DomainError::NotFound)) };
    let d = delivery_from_row(&row)?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(d)
}

/// Pending deliveries numbered per endpoint in `seq` order; an endpoint's window ends at
/// its first one that is waiting for a retry or leased (in flight), or after `$3`.
const DUE_WINDOW: &str = "WITH pending AS ( \
       SELECT seq, endpoint_id, next_at, lease_until, \
              ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY seq) AS pos \
       FROM webhook_deliveries WHERE status = 'pending'), \
     blocked AS ( \
       SELECT endpoint_id, MIN(pos) AS first FROM pending \
       WHERE next_at > $1 OR (lease_until IS NOT NULL AND lease_until >= $1) GROUP BY endpoint_id) \
     SELECT p.seq FROM pending p LEFT JOIN blocked b ON b.endpoint_id = p.endpoint_id \
     WHERE p.pos <= $3 AND (b.first IS NULL OR p.pos < b.first) ORDER BY p.seq LIMIT $2";

pub(super) async fn claim_deliveries(
    s: &PgStore,
    now: OffsetDateTime,
    lease: time::Duration,
    limit: u32,
    per_endpoint: u32,
) -> StoreResult<Vec<ClaimedDelivery>> {
    // One claim at a time across every node (a transaction-scoped advisory lock), and the
    // window is computed after it is held: READ COMMITTED gives each statement a fresh
    // snapshot, so it sees every lease an earlier claim committed. Without this, two claims
    // at once could see different windows (a delivery made in between) and one would skip
    // the other's locked row and take the next, sending an endpoint's events out of order.
    let mut tx = s.keyed_tx("webhook_deliveries:claim").await?;
    sqlx::query("SELECT set_config('venuedesk.webhook_worker', 'on', true)").execute(&mut *tx).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE webhook_deliveries SET lease_until = $4 WHERE seq IN ({DUE_WINDOW}) \
         RETURNING seq, venue_id, id, endpoint_id, event_id, payload, attempt"
    )))
    .bind(ms(now))
    .bind(i64::from(limit))
    .bind(i64::from(per_endpoint))
    .bind(ms(now + lease))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    let mut claimed = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>("seq")?,
                ClaimedDelivery {
                    venue_id: r.try_get("venue_id")?,
                    id: r.try_get("id")?,
                    endpoint_id: r.try_get("endpoint_id")?,
                    event_id: r.try_get("event_id")?,
                    payload: r.try_get("payload")?,
                    attempt: i64::from(r.try_get::<i32, _>("attempt")?),
                },
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    claimed.sort_by_key(|(seq, _)| *seq);
    Ok(claimed.into_iter().map(|(_, c)| c).collect())
}

pub(super) async fn finish_deliveries(s: &PgStore, results: &[DeliveryResult]) -> StoreResult<()> {
    let mut venues: Vec<Uuid> = results.iter().map(|r| r.venue_id).collect();
    venues.sort();
    venues.dedup();
    for venue_id in venues {
        let of_venue: Vec<&DeliveryResult> = results.iter().filter(|r| r.venue_id == venue_id).collect();
        let gone = of_venue.iter().any(|r| r.outcome == DeliveryOutcome::Gone);
        let mut tx = if gone { s.venue_tx(venue_id).await? } else { s.venue_read(venue_id).await? };
        for r in of_venue {
            let (status, next_at) = match r.outcome {
                DeliveryOutcome::NotSent => {
                    sqlx::query("UPDATE webhook_deliveries SET lease_until = NULL WHERE venue_id = $1 AND id = $2")
                        .bind(venue_id)
                        .bind(r.delivery_id)
                        .execute(&mut *tx)
                        .await?;
                    continue;
                }
                DeliveryOutcome::Delivered => ("delivered", r.at),
                DeliveryOutcome::Retry(next) => ("pending", next),
                DeliveryOutcome::Failed | DeliveryOutcome::Gone => ("failed", r.at),
            };
            let endpoint: Option<Uuid> = sqlx::query_scalar(
                "UPDATE webhook_deliveries SET status = $1, attempt = attempt + 1, status_code = $2, last_at = $3, \
                 next_at = $4, lease_until = NULL WHERE venue_id = $5 AND id = $6 RETURNING endpoint_id",
            )
            .bind(status)
            .bind(r.status_code.and_then(|c| i32::try_from(c).ok()))
            .bind(ms(r.at))
            .bind(ms(next_at))
            .bind(venue_id)
            .bind(r.delivery_id)
            .fetch_optional(&mut *tx)
            .await?;
            if let (DeliveryOutcome::Gone, Some(endpoint)) = (r.outcome, endpoint) {
                sqlx::query(
                    "UPDATE webhook_endpoints SET enabled = false, version = version + 1 WHERE venue_id = $1 AND id = $2",
                )
                .bind(venue_id)
                .bind(endpoint)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'paused' WHERE venue_id = $1 AND endpoint_id = $2 \
                     AND status = 'pending'",
                )
                .bind(venue_id)
                .bind(endpoint)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}

fn public_key_from_row(r: &PgRow) -> StoreResult<PublicKeyRecord> {
    let hash: Vec<u8> = r.try_get("key_hash")?;
    let origins: String = r.try_get("allowed_origins")?;
    Ok(PublicKeyRecord {
        venue_id: r.try_get("venue_id")?,
        id: r.try_get("id")?,
        key_hash: hash32(Some(hash)).ok_or_else(|| StoreError::Corrupt("public key hash".into()))?,
        key_prefix: r.try_get("key_prefix")?,
        allowed_origins: origins.split(' ').filter(|s| !s.is_empty()).map(String::from).collect(),
        created_at: from_ms(r.try_get("created_at")?)?,
    })
}

const PUBLIC_KEY_COLUMNS: &str = "venue_id, id, key_hash, key_prefix, allowed_origins, created_at";

pub(super) async fn create_public_key(s: &PgStore, k: &PublicKeyRecord, audit: AuditDraft) -> StoreResult<()> {
    let mut tx = s.venue_tx(k.venue_id).await?;
    sqlx::query(
        "INSERT INTO public_keys (venue_id, id, key_hash, key_prefix, allowed_origins, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(k.venue_id)
    .bind(k.id)
    .bind(&k.key_hash[..])
    .bind(&k.key_prefix)
    .bind(k.allowed_origins.join(" "))
    .bind(ms(k.created_at))
    .execute(&mut *tx)
    .await
    .map_err(conflict_or)?;
    for origin in &k.allowed_origins {
        sqlx::query("INSERT INTO public_key_origins (venue_id, key_id, origin) VALUES ($1, $2, $3)")
            .bind(k.venue_id)
            .bind(k.id)
            .bind(origin)
            .execute(&mut *tx)
            .await?;
    }
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn public_keys(s: &PgStore, venue_id: Uuid) -> StoreResult<Vec<PublicKeyRecord>> {
    let mut tx = s.venue_read(venue_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PUBLIC_KEY_COLUMNS} FROM public_keys WHERE venue_id = $1 ORDER BY created_at, id"
    )))
    .bind(venue_id)
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter().map(public_key_from_row).collect()
}

pub(super) async fn delete_public_key(s: &PgStore, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()> {
    let mut tx = s.venue_tx(venue_id).await?;
    sqlx::query("DELETE FROM public_key_origins WHERE venue_id = $1 AND key_id = $2")
        .bind(venue_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let n = sqlx::query("DELETE FROM public_keys WHERE venue_id = $1 AND id = $2")
        .bind(venue_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::Domain(DomainError::NotFound));
    }
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn public_key_by_hash(s: &PgStore, hash: [u8; 32]) -> StoreResult<Option<PublicKeyRecord>> {
    let mut tx = s.pool().begin().await?;
    sqlx::query("SELECT set_config('venuedesk.public_key_hash', $1, true)")
        .bind(hex::encode(hash))
        .execute(&mut *tx)
        .await?;
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PUBLIC_KEY_COLUMNS} FROM public_keys WHERE key_hash = $1")))
            .bind(&hash[..])
            .fetch_optional(&mut *tx)
            .await?;
    tx.commit().await?;
    row.as_ref().map(public_key_from_row).transpose()
}

pub(super) async fn origin_allowed(s: &PgStore, origin: &str) -> StoreResult<bool> {
    let mut tx = s.pool().begin().await?;
    sqlx::query("SELECT set_config('venuedesk.origin', $1, true)").bind(origin).execute(&mut *tx).await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM public_key_origins WHERE origin = $1")
        .bind(origin)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(n > 0)
}

pub(super) async fn put_payment_settings(s: &PgStore, p: &PaymentSettingsRecord, audit: AuditDraft) -> StoreResult<()> {
    let mut tx = s.venue_tx(p.venue_id).await?;
    sqlx::query(
        "INSERT INTO payment_settings (venue_id, provider, webhook_secret_enc, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (venue_id) DO UPDATE SET provider = excluded.provider, \
         webhook_secret_enc = excluded.webhook_secret_enc, updated_at = excluded.updated_at",
    )
    .bind(p.venue_id)
    .bind(&p.provider)
    .bind(&p.webhook_secret_enc)
    .bind(ms(p.updated_at))
    .execute(&mut *tx)
    .await?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn payment_settings(s: &PgStore, venue_id: Uuid) -> StoreResult<Option<PaymentSettingsRecord>> {
    let mut tx = s.venue_read(venue_id).await?;
    let row = sqlx::query("SELECT provider, webhook_secret_enc, updated_at FROM payment_settings WHERE venue_id = $1")
        .bind(venue_id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    row.map(|r| {
        Ok(PaymentSettingsRecord {
            venue_id,
            provider: r.try_get("provider")?,
            webhook_secret_enc: r.try_get("webhook_secret_enc")?,
            updated_at: from_ms(r.try_get("updated_at")?)?,
        })
    })
    .transpose()
}

pub(super) async fn payment_event_seen(s: &PgStore, venue_id: Uuid, event_id: &str) -> StoreResult<bool> {
    let mut tx = s.venue_read(venue_id).await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_events WHERE venue_id = $1 AND event_id = $2")
        .bind(venue_id)
        .bind(event_id)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(n > 0)
}

pub(super) async fn record_payment_event(s: &PgStore, e: &PaymentEventRecord, audit: AuditDraft) -> StoreResult<bool> {
    let mut tx = s.venue_tx(e.venue_id).await?;
    let n = sqlx::query(
        "INSERT INTO payment_events (venue_id, event_id, kind, order_id, outcome, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (venue_id, event_id) DO NOTHING",
    )
    .bind(e.venue_id)
    .bind(&e.event_id)
    .bind(&e.kind)
    .bind(e.order_id)
    .bind(&e.outcome)
    .bind(ms(e.received_at))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(true)
}
