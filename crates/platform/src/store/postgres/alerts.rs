//! Security alerts on PostgreSQL. A raise runs in the venue's serialised transaction (the
//! audited write's, or its own `venue_tx`), so two raises of one kind never both start a
//! burst. The summary pass closes bursts of every venue through the narrow `summaries`
//! policies, one row at a time (`FOR UPDATE SKIP LOCKED`: several nodes never send one twice).

use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{PgStore, Tx, from_ms, ms};
use crate::store::{AlertRecord, NewAlert, StoreResult};

fn record(r: &PgRow) -> StoreResult<AlertRecord> {
    Ok(AlertRecord {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        summary: r.try_get("summary")?,
        first_at: from_ms(r.try_get("first_at")?)?,
        last_at: from_ms(r.try_get("last_at")?)?,
        count: r.try_get("count")?,
        audit_seq: r.try_get("audit_seq")?,
    })
}

/// Folds or raises inside the caller's venue transaction.
pub(super) async fn raise_tx(tx: &mut Tx, a: &NewAlert) -> StoreResult<bool> {
    let open: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM security_alerts WHERE venue_id = $1 AND kind = $2 AND first_at > $3 \
         ORDER BY first_at DESC LIMIT 1",
    )
    .bind(a.venue_id)
    .bind(a.kind)
    .bind(ms(a.at - a.window))
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = open {
        sqlx::query(
            "UPDATE security_alerts SET count = count + 1, last_at = GREATEST(last_at, $1) WHERE venue_id = $2 AND id = $3",
        )
        .bind(ms(a.at))
        .bind(a.venue_id)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        return Ok(false);
    }
    let id = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO security_alerts (venue_id, id, kind, summary, first_at, last_at, count, audit_seq) \
         VALUES ($1, $2, $3, $4, $5, $5, 1, $6)",
    )
    .bind(a.venue_id)
    .bind(id)
    .bind(a.kind)
    .bind(&a.summary)
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

pub(super) async fn raise(s: &PgStore, a: &NewAlert) -> StoreResult<bool> {
    let mut tx = s.venue_tx(a.venue_id).await?;
    let new = raise_tx(&mut tx, a).await?;
    tx.commit().await?;
    Ok(new)
}

pub(super) async fn list(s: &PgStore, venue_id: Uuid, limit: u32) -> StoreResult<Vec<AlertRecord>> {
    let mut tx = s.venue_read(venue_id).await?;
    let rows = sqlx::query(
        "SELECT id, kind, summary, first_at, last_at, count, audit_seq FROM security_alerts \
         WHERE venue_id = $1 ORDER BY first_at DESC, id DESC LIMIT $2",
    )
    .bind(venue_id)
    .bind(i64::from(limit))
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    rows.iter().map(record).collect()
}

pub(super) async fn summarize(s: &PgStore, closed_before: OffsetDateTime, now: OffsetDateTime) -> StoreResult<usize> {
    let mut tx = s.pool().begin().await?;
    sqlx::query("SELECT set_config('venuedesk.alert_summaries', 'on', true)").execute(&mut *tx).await?;
    let rows = sqlx::query(
        "UPDATE security_alerts SET summary_sent = true WHERE (venue_id, id) IN ( \
           SELECT venue_id, id FROM security_alerts WHERE NOT summary_sent AND first_at <= $1 \
           FOR UPDATE SKIP LOCKED) \
         RETURNING venue_id, id, kind, summary, first_at, last_at, count, audit_seq",
    )
    .bind(ms(closed_before))
    .fetch_all(&mut *tx)
    .await?;
    let mut sent = 0;
    for r in &rows {
        let venue_id: Uuid = r.try_get("venue_id")?;
        let alert = record(r)?;
        if alert.count > 1 {
            // The outbox rows belong to the venue: written in its context.
            sqlx::query("SELECT set_config('venuedesk.venue_id', $1, true)")
                .bind(venue_id.to_string())
                .execute(&mut *tx)
                .await?;
            let event = crate::alerts::event(venue_id, &alert, true, now);
            super::integrations::enqueue_tx(&mut tx, venue_id, &[event], now).await?;
            sent += 1;
        }
    }
    tx.commit().await?;
    Ok(sent)
}
