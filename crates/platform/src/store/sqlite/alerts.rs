//! Security alerts on SQLite (one writer: a raise and a summary pass never interleave).

use sqlx::{Connection, Row, Sqlite, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{SqliteStore, from_ms, ms, uuid};
use crate::store::{AlertRecord, NewAlert, StoreResult};

type Tx<'a> = Transaction<'a, Sqlite>;

fn record(r: &sqlx::sqlite::SqliteRow) -> StoreResult<AlertRecord> {
    Ok(AlertRecord {
        id: uuid(r.try_get("id")?)?,
        kind: r.try_get("kind")?,
        summary: r.try_get("summary")?,
        first_at: from_ms(r.try_get("first_at")?)?,
        last_at: from_ms(r.try_get("last_at")?)?,
        count: r.try_get("count")?,
        audit_seq: r.try_get("audit_seq")?,
    })
}

/// Folds or raises inside the caller's transaction (the audited write's own).
pub(super) async fn raise_tx(tx: &mut Tx<'_>, a: &NewAlert) -> StoreResult<bool> {
    let venue = a.venue_id.to_string();
    let open: Option<String> = sqlx::query_scalar(
        "SELECT id FROM security_alerts WHERE venue_id = ? AND kind = ? AND first_at > ? ORDER BY first_at DESC LIMIT 1",
    )
    .bind(&venue)
    .bind(a.kind)
    .bind(ms(a.at - a.window))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = open {
        sqlx::query(
            "UPDATE security_alerts SET count = count + 1, last_at = MAX(last_at, ?) WHERE venue_id = ? AND id = ?",
        )
        .bind(ms(a.at))
        .bind(&venue)
        .bind(&id)
        .execute(&mut **tx)
        .await?;
        return Ok(false);
    }
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO security_alerts (venue_id, id, kind, summary, first_at, last_at, count, audit_seq) \
         VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
    )
    .bind(&venue)
    .bind(id.to_string())
    .bind(a.kind)
    .bind(&a.summary)
    .bind(ms(a.at))
    .bind(ms(a.at))
    .bind(a.audit_seq)
    .execute(&mut **tx)
    .await?;
    let stored = AlertRecord {
        id,
        kind: a.kind.into(),
        summary: a.summary.clone(),
        first_at: a.at,
        last_at: a.at,
        count: 1,
        audit_seq: a.audit_seq,
    };
    let event = crate::alerts::event(a.venue_id, &stored, false, a.at);
    super::integrations::enqueue_tx(tx, a.venue_id, &[event], a.at).await?;
    Ok(true)
}

pub(super) async fn raise(s: &SqliteStore, a: &NewAlert) -> StoreResult<bool> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let new = raise_tx(&mut tx, a).await?;
    tx.commit().await?;
    Ok(new)
}

pub(super) async fn list(s: &SqliteStore, venue_id: Uuid, limit: u32) -> StoreResult<Vec<AlertRecord>> {
    let rows = sqlx::query(
        "SELECT id, kind, summary, first_at, last_at, count, audit_seq FROM security_alerts \
         WHERE venue_id = ? ORDER BY first_at DESC, id DESC LIMIT ?",
    )
    .bind(venue_id.to_string())
    .bind(i64::from(limit))
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(record).collect()
}

pub(super) async fn summarize(
    s: &SqliteStore,
    closed_before: OffsetDateTime,
    now: OffsetDateTime,
) -> StoreResult<usize> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let rows = sqlx::query(
        "SELECT venue_id, id, kind, summary, first_at, last_at, count, audit_seq FROM security_alerts \
         WHERE summary_sent = 0 AND first_at <= ?",
    )
    .bind(ms(closed_before))
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for r in &rows {
        let venue_id = uuid(r.try_get("venue_id")?)?;
        let alert = record(r)?;
        if alert.count > 1 {
            let event = crate::alerts::event(venue_id, &alert, true, now);
            super::integrations::enqueue_tx(&mut tx, venue_id, &[event], now).await?;
            sent += 1;
        }
        sqlx::query("UPDATE security_alerts SET summary_sent = 1 WHERE venue_id = ? AND id = ?")
            .bind(venue_id.to_string())
            .bind(alert.id.to_string())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(sent)
}
