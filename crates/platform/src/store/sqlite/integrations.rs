//! SQLite implementation of a venue's integrations. Writes go through the single writer
//! connection (`BEGIN IMMEDIATE`) with their audit event.

use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::permission::PermissionSet;

use super::venue::append_audit_tx;
use super::{SqliteStore, from_ms, ms, uuid};
use crate::audit::AuditDraft;
use crate::store::*;

const CLIENT_COLUMNS: &str = "venue_id, id, name, permissions, secret_hash, previous_secret_hash, \
     previous_expires_at, created_by, created_at";

fn client_from_row(r: &SqliteRow) -> StoreResult<ApiClientRecord> {
    let secret: Vec<u8> = r.try_get("secret_hash")?;
    Ok(ApiClientRecord {
        venue_id: uuid(r.try_get("venue_id")?)?,
        id: uuid(r.try_get("id")?)?,
        name: r.try_get("name")?,
        permissions: PermissionSet::from_stored(r.try_get("permissions")?),
        secret_hash: hash32(Some(secret)).ok_or_else(|| StoreError::Corrupt("api client secret hash".into()))?,
        previous_secret_hash: hash32(r.try_get("previous_secret_hash")?),
        previous_expires_at: r.try_get::<Option<i64>, _>("previous_expires_at")?.map(from_ms).transpose()?,
        created_by: uuid(r.try_get("created_by")?)?,
        created_at: from_ms(r.try_get("created_at")?)?,
    })
}

pub(super) async fn create_api_client(s: &SqliteStore, c: &ApiClientRecord, audit: AuditDraft) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO api_clients (venue_id, id, name, permissions, secret_hash, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(c.venue_id.to_string())
    .bind(c.id.to_string())
    .bind(&c.name)
    .bind(c.permissions.0 as i64)
    .bind(&c.secret_hash[..])
    .bind(c.created_by.to_string())
    .bind(ms(c.created_at))
    .execute(&mut *tx)
    .await
    .map_err(super::conflict_or)?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn api_clients(s: &SqliteStore, venue_id: Uuid) -> StoreResult<Vec<ApiClientRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLUMNS} FROM api_clients WHERE venue_id = ? ORDER BY created_at, id"
    )))
    .bind(venue_id.to_string())
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(client_from_row).collect()
}

pub(super) async fn api_client(s: &SqliteStore, venue_id: Uuid, id: Uuid) -> StoreResult<Option<ApiClientRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLUMNS} FROM api_clients WHERE venue_id = ? AND id = ?"
    )))
    .bind(venue_id.to_string())
    .bind(id.to_string())
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(client_from_row).transpose()
}

pub(super) async fn api_client_by_id(s: &SqliteStore, id: Uuid) -> StoreResult<Option<ApiClientRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CLIENT_COLUMNS} FROM api_clients WHERE id = ?")))
        .bind(id.to_string())
        .fetch_optional(&s.reader)
        .await?;
    row.as_ref().map(client_from_row).transpose()
}

pub(super) async fn rotate_api_client_secret(
    s: &SqliteStore,
    venue_id: Uuid,
    id: Uuid,
    secret_hash: [u8; 32],
    previous_expires_at: OffsetDateTime,
    audit: AuditDraft,
) -> StoreResult<ApiClientRecord> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let n = sqlx::query(
        "UPDATE api_clients SET previous_secret_hash = secret_hash, previous_expires_at = ?, secret_hash = ? \
         WHERE venue_id = ? AND id = ?",
    )
    .bind(ms(previous_expires_at))
    .bind(&secret_hash[..])
    .bind(venue_id.to_string())
    .bind(id.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Domain(DomainError::NotFound));
    }
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLUMNS} FROM api_clients WHERE venue_id = ? AND id = ?"
    )))
    .bind(venue_id.to_string())
    .bind(id.to_string())
    .fetch_one(&mut *tx)
    .await?;
    let client = client_from_row(&row)?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(client)
}

pub(super) async fn delete_api_client(s: &SqliteStore, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let n = sqlx::query("DELETE FROM api_clients WHERE venue_id = ? AND id = ?")
        .bind(venue_id.to_string())
        .bind(id.to_string())
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

fn webhook_from_row(r: &SqliteRow) -> StoreResult<WebhookRecord> {
    let events: String = r.try_get("events")?;
    Ok(WebhookRecord {
        venue_id: uuid(r.try_get("venue_id")?)?,
        id: uuid(r.try_get("id")?)?,
        url: r.try_get("url")?,
        events: events.split(' ').filter(|s| !s.is_empty()).map(String::from).collect(),
        secret_enc: r.try_get("secret_enc")?,
        previous_secret_enc: r.try_get("previous_secret_enc")?,
        previous_expires_at: r.try_get::<Option<i64>, _>("previous_expires_at")?.map(from_ms).transpose()?,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        created_at: from_ms(r.try_get("created_at")?)?,
        version: r.try_get("version")?,
    })
}

fn delivery_from_row(r: &SqliteRow) -> StoreResult<DeliveryRecord> {
    let status: String = r.try_get("status")?;
    Ok(DeliveryRecord {
        seq: r.try_get("seq")?,
        id: uuid(r.try_get("id")?)?,
        endpoint_id: uuid(r.try_get("endpoint_id")?)?,
        event_id: uuid(r.try_get("event_id")?)?,
        event: r.try_get("event")?,
        attempt: r.try_get("attempt")?,
        status_code: r.try_get("status_code")?,
        at: r.try_get::<Option<i64>, _>("last_at")?.map(from_ms).transpose()?,
        next_at: if status == "pending" { Some(from_ms(r.try_get("next_at")?)?) } else { None },
        status,
    })
}

/// Fans the write's events out to the venue's enabled endpoints that subscribe to them, in
/// the write's transaction.
pub(super) async fn enqueue_tx(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    venue_id: Uuid,
    events: &[OutgoingEvent],
    now: OffsetDateTime,
) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let endpoints: Vec<(String, String)> =
        sqlx::query_as("SELECT id, events FROM webhook_endpoints WHERE venue_id = ? AND enabled = 1")
            .bind(venue_id.to_string())
            .fetch_all(&mut **tx)
            .await?;
    for e in events {
        for (endpoint, subscribed) in &endpoints {
            if !subscribed.split(' ').any(|s| s == e.kind) {
                continue;
            }
            sqlx::query(
                "INSERT INTO webhook_deliveries (venue_id, id, endpoint_id, event_id, event, payload, status, attempt, \
                 next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
            )
            .bind(venue_id.to_string())
            .bind(Uuid::now_v7().to_string())
            .bind(endpoint)
            .bind(e.id.to_string())
            .bind(e.kind)
            .bind(&e.payload)
            .bind(ms(now))
            .bind(ms(now))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

pub(super) async fn create_webhook(s: &SqliteStore, w: &WebhookRecord, audit: AuditDraft) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO webhook_endpoints (venue_id, id, url, events, secret_enc, enabled, created_at, version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(w.venue_id.to_string())
    .bind(w.id.to_string())
    .bind(&w.url)
    .bind(w.events.join(" "))
    .bind(&w.secret_enc)
    .bind(i64::from(w.enabled))
    .bind(ms(w.created_at))
    .bind(w.version)
    .execute(&mut *tx)
    .await
    .map_err(super::conflict_or)?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn webhooks(s: &SqliteStore, venue_id: Uuid) -> StoreResult<Vec<WebhookRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE venue_id = ? ORDER BY created_at, id"
    )))
    .bind(venue_id.to_string())
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(webhook_from_row).collect()
}

pub(super) async fn webhook(s: &SqliteStore, venue_id: Uuid, id: Uuid) -> StoreResult<Option<WebhookRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhook_endpoints WHERE venue_id = ? AND id = ?"
    )))
    .bind(venue_id.to_string())
    .bind(id.to_string())
    .fetch_optional(&s.reader)
    .await?;
    row.as_ref().map(webhook_from_row).transpose()
}

pub(super) async fn update_webhook(
    s: &SqliteStore,
    w: &WebhookRecord,
    expected: i64,
    audit: AuditDraft,
) -> StoreResult<WebhookRecord> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let n = sqlx::query(
        "UPDATE webhook_endpoints SET url = ?, events = ?, secret_enc = ?, previous_secret_enc = ?, \
         previous_expires_at = ?, enabled = ?, version = version + 1 WHERE venue_id = ? AND id = ? AND version = ?",
    )
    .bind(&w.url)
    .bind(w.events.join(" "))
    .bind(&w.secret_enc)
    .bind(&w.previous_secret_enc)
    .bind(w.previous_expires_at.map(ms))
    .bind(i64::from(w.enabled))
    .bind(w.venue_id.to_string())
    .bind(w.id.to_string())
    .bind(expected)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        let current: Option<i64> =
            sqlx::query_scalar("SELECT version FROM webhook_endpoints WHERE venue_id = ? AND id = ?")
                .bind(w.venue_id.to_string())
                .bind(w.id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        return Err(StoreError::Domain(current.map_or(DomainError::NotFound, DomainError::VersionMismatch)));
    }
    let (from, to) = if w.enabled { ("paused", "pending") } else { ("pending", "paused") };
    sqlx::query("UPDATE webhook_deliveries SET status = ? WHERE venue_id = ? AND endpoint_id = ? AND status = ?")
        .bind(to)
        .bind(w.venue_id.to_string())
        .bind(w.id.to_string())
        .bind(from)
        .execute(&mut *tx)
        .await?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(WebhookRecord { version: expected + 1, ..w.clone() })
}

pub(super) async fn delete_webhook(s: &SqliteStore, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE venue_id = ? AND endpoint_id = ?")
        .bind(venue_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
    let n = sqlx::query("DELETE FROM webhook_endpoints WHERE venue_id = ? AND id = ?")
        .bind(venue_id.to_string())
        .bind(id.to_string())
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
    s: &SqliteStore,
    venue_id: Uuid,
    endpoint_id: Uuid,
    before_seq: Option<i64>,
    limit: u32,
) -> StoreResult<Vec<DeliveryRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE venue_id = ? AND endpoint_id = ? \
         AND (? IS NULL OR seq < ?) ORDER BY seq DESC LIMIT ?"
    )))
    .bind(venue_id.to_string())
    .bind(endpoint_id.to_string())
    .bind(before_seq)
    .bind(before_seq)
    .bind(i64::from(limit))
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(delivery_from_row).collect()
}

pub(super) async fn retry_delivery(
    s: &SqliteStore,
    venue_id: Uuid,
    endpoint_id: Uuid,
    delivery_id: Uuid,
    now: OffsetDateTime,
    audit: AuditDraft,
) -> StoreResult<DeliveryRecord> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let n = sqlx::query(
        "UPDATE webhook_deliveries SET status = CASE WHEN status = 'paused' THEN 'paused' ELSE 'pending' END, \
         next_at = ?, lease_until = NULL WHERE venue_id = ? AND endpoint_id = ? AND id = ?",
    )
    .bind(ms(now))
    .bind(venue_id.to_string())
    .bind(endpoint_id.to_string())
    .bind(delivery_id.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(StoreError::Domain(DomainError::NotFound));
    }
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?")))
            .bind(delivery_id.to_string())
            .fetch_one(&mut *tx)
            .await?;
    let d = delivery_from_row(&row)?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(d)
}

/// Pending deliveries numbered per endpoint in `seq` order; an endpoint's window ends at
/// its first one that is waiting for a retry or leased (in flight), or after `?3`.
const DUE_WINDOW: &str = "WITH pending AS ( \
       SELECT seq, endpoint_id, next_at, lease_until, \
              ROW_NUMBER() OVER (PARTITION BY endpoint_id ORDER BY seq) AS pos \
       FROM webhook_deliveries WHERE status = 'pending'), \
     blocked AS ( \
       SELECT endpoint_id, MIN(pos) AS first FROM pending \
       WHERE next_at > ?1 OR (lease_until IS NOT NULL AND lease_until >= ?1) GROUP BY endpoint_id) \
     SELECT p.seq FROM pending p LEFT JOIN blocked b ON b.endpoint_id = p.endpoint_id \
     WHERE p.pos <= ?3 AND (b.first IS NULL OR p.pos < b.first) ORDER BY p.seq LIMIT ?2";

pub(super) async fn claim_deliveries(
    s: &SqliteStore,
    now: OffsetDateTime,
    lease: time::Duration,
    limit: u32,
    per_endpoint: u32,
) -> StoreResult<Vec<ClaimedDelivery>> {
    // Nothing due: answered from a reader, the writer is not taken.
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM webhook_deliveries WHERE status = 'pending' AND next_at <= ? \
         AND (lease_until IS NULL OR lease_until < ?) LIMIT 1",
    )
    .bind(ms(now))
    .bind(ms(now))
    .fetch_optional(&s.reader)
    .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE webhook_deliveries SET lease_until = ?4 WHERE seq IN ({DUE_WINDOW}) \
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
                    venue_id: uuid(r.try_get("venue_id")?)?,
                    id: uuid(r.try_get("id")?)?,
                    endpoint_id: uuid(r.try_get("endpoint_id")?)?,
                    event_id: uuid(r.try_get("event_id")?)?,
                    payload: r.try_get("payload")?,
                    attempt: r.try_get("attempt")?,
                },
            ))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    claimed.sort_by_key(|(seq, _)| *seq);
    Ok(claimed.into_iter().map(|(_, c)| c).collect())
}

pub(super) async fn finish_deliveries(s: &SqliteStore, results: &[DeliveryResult]) -> StoreResult<()> {
    if results.is_empty() {
        return Ok(());
    }
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    for r in results {
        let (status, next_at) = match r.outcome {
            DeliveryOutcome::NotSent => {
                sqlx::query("UPDATE webhook_deliveries SET lease_until = NULL WHERE venue_id = ? AND id = ?")
                    .bind(r.venue_id.to_string())
                    .bind(r.delivery_id.to_string())
                    .execute(&mut *tx)
                    .await?;
                continue;
            }
            DeliveryOutcome::Delivered => ("delivered", r.at),
            DeliveryOutcome::Retry(next) => ("pending", next),
            DeliveryOutcome::Failed | DeliveryOutcome::Gone => ("failed", r.at),
        };
        let endpoint: Option<String> = sqlx::query_scalar(
            "UPDATE webhook_deliveries SET status = ?, attempt = attempt + 1, status_code = ?, last_at = ?, \
             next_at = ?, lease_until = NULL WHERE venue_id = ? AND id = ? RETURNING endpoint_id",
        )
        .bind(status)
        .bind(r.status_code)
        .bind(ms(r.at))
        .bind(ms(next_at))
        .bind(r.venue_id.to_string())
        .bind(r.delivery_id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        if let (DeliveryOutcome::Gone, Some(endpoint)) = (r.outcome, endpoint) {
            sqlx::query(
                "UPDATE webhook_endpoints SET enabled = 0, version = version + 1 WHERE venue_id = ? AND id = ?",
            )
            .bind(r.venue_id.to_string())
            .bind(&endpoint)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE webhook_deliveries SET status = 'paused' WHERE venue_id = ? AND endpoint_id = ? AND status = 'pending'",
            )
            .bind(r.venue_id.to_string())
            .bind(&endpoint)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

fn public_key_from_row(r: &SqliteRow) -> StoreResult<PublicKeyRecord> {
    let hash: Vec<u8> = r.try_get("key_hash")?;
    let origins: String = r.try_get("allowed_origins")?;
    Ok(PublicKeyRecord {
        venue_id: uuid(r.try_get("venue_id")?)?,
        id: uuid(r.try_get("id")?)?,
        key_hash: hash32(Some(hash)).ok_or_else(|| StoreError::Corrupt("public key hash".into()))?,
        key_prefix: r.try_get("key_prefix")?,
        allowed_origins: origins.split(' ').filter(|s| !s.is_empty()).map(String::from).collect(),
        created_at: from_ms(r.try_get("created_at")?)?,
    })
}

const PUBLIC_KEY_COLUMNS: &str = "venue_id, id, key_hash, key_prefix, allowed_origins, created_at";

pub(super) async fn create_public_key(s: &SqliteStore, k: &PublicKeyRecord, audit: AuditDraft) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO public_keys (venue_id, id, key_hash, key_prefix, allowed_origins, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(k.venue_id.to_string())
    .bind(k.id.to_string())
    .bind(&k.key_hash[..])
    .bind(&k.key_prefix)
    .bind(k.allowed_origins.join(" "))
    .bind(ms(k.created_at))
    .execute(&mut *tx)
    .await
    .map_err(super::conflict_or)?;
    for origin in &k.allowed_origins {
        sqlx::query("INSERT INTO public_key_origins (venue_id, key_id, origin) VALUES (?, ?, ?)")
            .bind(k.venue_id.to_string())
            .bind(k.id.to_string())
            .bind(origin)
            .execute(&mut *tx)
            .await?;
    }
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn public_keys(s: &SqliteStore, venue_id: Uuid) -> StoreResult<Vec<PublicKeyRecord>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PUBLIC_KEY_COLUMNS} FROM public_keys WHERE venue_id = ? ORDER BY created_at, id"
    )))
    .bind(venue_id.to_string())
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(public_key_from_row).collect()
}

pub(super) async fn delete_public_key(s: &SqliteStore, venue_id: Uuid, id: Uuid, audit: AuditDraft) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    sqlx::query("DELETE FROM public_key_origins WHERE venue_id = ? AND key_id = ?")
        .bind(venue_id.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
    let n = sqlx::query("DELETE FROM public_keys WHERE venue_id = ? AND id = ?")
        .bind(venue_id.to_string())
        .bind(id.to_string())
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

pub(super) async fn public_key_by_hash(s: &SqliteStore, hash: [u8; 32]) -> StoreResult<Option<PublicKeyRecord>> {
    let row =
        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PUBLIC_KEY_COLUMNS} FROM public_keys WHERE key_hash = ?")))
            .bind(&hash[..])
            .fetch_optional(&s.reader)
            .await?;
    row.as_ref().map(public_key_from_row).transpose()
}

pub(super) async fn origin_allowed(s: &SqliteStore, origin: &str) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM public_key_origins WHERE origin = ?")
        .bind(origin)
        .fetch_one(&s.reader)
        .await?;
    Ok(n > 0)
}

pub(super) async fn put_payment_settings(
    s: &SqliteStore,
    p: &PaymentSettingsRecord,
    audit: AuditDraft,
) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    sqlx::query(
        "INSERT INTO payment_settings (venue_id, provider, webhook_secret_enc, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (venue_id) DO UPDATE SET provider = excluded.provider, \
         webhook_secret_enc = excluded.webhook_secret_enc, updated_at = excluded.updated_at",
    )
    .bind(p.venue_id.to_string())
    .bind(&p.provider)
    .bind(&p.webhook_secret_enc)
    .bind(ms(p.updated_at))
    .execute(&mut *tx)
    .await?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn payment_settings(s: &SqliteStore, venue_id: Uuid) -> StoreResult<Option<PaymentSettingsRecord>> {
    let row = sqlx::query("SELECT provider, webhook_secret_enc, updated_at FROM payment_settings WHERE venue_id = ?")
        .bind(venue_id.to_string())
        .fetch_optional(&s.reader)
        .await?;
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

pub(super) async fn payment_event_seen(s: &SqliteStore, venue_id: Uuid, event_id: &str) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_events WHERE venue_id = ? AND event_id = ?")
        .bind(venue_id.to_string())
        .bind(event_id)
        .fetch_one(&s.reader)
        .await?;
    Ok(n > 0)
}

pub(super) async fn record_payment_event(
    s: &SqliteStore,
    e: &PaymentEventRecord,
    audit: AuditDraft,
) -> StoreResult<bool> {
    let mut conn = s.writer.lock().await;
    let mut tx = sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?;
    let n = sqlx::query(
        "INSERT INTO payment_events (venue_id, event_id, kind, order_id, outcome, received_at) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (venue_id, event_id) DO NOTHING",
    )
    .bind(e.venue_id.to_string())
    .bind(&e.event_id)
    .bind(&e.kind)
    .bind(e.order_id.map(|o| o.to_string()))
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
