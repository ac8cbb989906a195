//! Offline changes and sync. A change made here is applied to the cache at once (marked
//! pending) and queued in the outbox with its own Idempotency-Key, in one cache
//! transaction. Draining sends the outbox in order with the stored key, so a lost answer
//! or a crash between send and record is retried as the same request and never applied
//! twice. Network failures, 5xx and 429 stop the drain to retry later; 404/409/412/422
//! park that entry as a conflict the user resolves. Pulling follows the change feed.

use reqwest::Method;
use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::venue::{Booking, ChangeFeed};

use crate::cache::Cache;
use crate::error::CoreError;
use crate::session::Session;

fn db(e: rusqlite::Error) -> CoreError {
    CoreError::Cache(e.to_string())
}

/// A booking made at the front desk, before the platform has seen it.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub guest_name: String,
    pub party_size: i64,
    pub starts_at: OffsetDateTime,
    pub duration_minutes: i64,
    pub notes: Option<String>,
    pub customer_id: Option<Uuid>,
}

/// seq, idempotency key, method, path, body, entity, entity id, state.
type OutboxRow = (i64, String, String, String, Option<String>, String, String, String);

/// Items done out of a total, for progress bars.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub seq: i64,
    pub entity_id: Uuid,
    pub code: String,
    pub detail: String,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DrainReport {
    pub sent: u64,
    pub remaining: u64,
    /// The drain stopped on this entry: the user decides (retry or discard).
    pub conflict: Option<Conflict>,
    /// The platform could not be reached; try again later.
    pub offline: bool,
    /// The platform was reachable but busy (429, 5xx, a request still in flight); later.
    pub busy: bool,
}

/// How often one drain waits for a busy platform before leaving the rest for later.
const BUSY_RETRIES: u32 = 6;

fn enqueue(
    tx: &rusqlite::Transaction<'_>,
    method: &str,
    path: &str,
    body: Option<&Value>,
    entity: &str,
    id: Uuid,
) -> Result<(), CoreError> {
    tx.execute(
        "INSERT INTO outbox (idempotency_key, method, path, body, entity, entity_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![Uuid::now_v7().to_string(), method, path, body.map(Value::to_string), entity, id.to_string(), OffsetDateTime::now_utc().unix_timestamp()],
    )
    .map_err(db)?;
    Ok(())
}

fn store_booking(tx: &rusqlite::Transaction<'_>, b: &Booking, pending: bool) -> Result<(), CoreError> {
    let data = serde_json::to_string(b).map_err(|e| CoreError::Cache(e.to_string()))?;
    tx.execute(
        "INSERT INTO bookings (id, starts_at, status, guest_name, version, pending, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, status = excluded.status, guest_name = excluded.guest_name, \
         version = excluded.version, pending = excluded.pending, data = excluded.data",
        params![b.id.to_string(), b.starts_at.unix_timestamp(), b.status, b.guest_name.to_lowercase(), b.version, pending, data],
    )
    .map_err(db)?;
    Ok(())
}

impl Cache {
    /// Books a table here and now (pending until the platform confirms it). The id is a
    /// client-made UUIDv7, so the booking can be seated or cancelled before it syncs.
    pub fn create_booking(&mut self, venue_id: Uuid, new: NewBooking) -> Result<Booking, CoreError> {
        let now = OffsetDateTime::now_utc();
        let b = Booking {
            id: Uuid::now_v7(),
            guest_name: new.guest_name,
            customer_id: new.customer_id,
            party_size: new.party_size,
            starts_at: new.starts_at,
            ends_at: new.starts_at + time::Duration::minutes(new.duration_minutes),
            duration_minutes: new.duration_minutes,
            status: "confirmed".into(),
            notes: new.notes,
            version: 0,
            created_at: now,
        };
        let body = json!({
            "id": b.id, "guest_name": b.guest_name, "customer_id": b.customer_id, "party_size": b.party_size,
            "starts_at": b.starts_at.format(&time::format_description::well_known::Rfc3339).map_err(|e| CoreError::Cache(e.to_string()))?,
            "duration_minutes": b.duration_minutes, "notes": b.notes,
        });
        let tx = self.conn.transaction().map_err(db)?;
        store_booking(&tx, &b, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/bookings"), Some(&body), "booking", b.id)?;
        tx.commit().map_err(db)?;
        Ok(b)
    }

    /// `seat`, `complete`, `cancel` or `no-show`, applied here and queued.
    pub fn transition_booking(&mut self, venue_id: Uuid, id: Uuid, action: &str) -> Result<Booking, CoreError> {
        let (mut b, _) = self.booking(id)?.ok_or_else(|| CoreError::Cache(format!("no booking {id} here")))?;
        b.status = match (b.status.as_str(), action) {
            ("confirmed", "seat") => "seated",
            ("seated", "complete") => "completed",
            ("confirmed", "cancel") => "cancelled",
            ("confirmed", "no-show") => "no_show",
            (from, _) => return Err(CoreError::Cache(format!("cannot {action} a {from} booking"))),
        }
        .to_string();
        let tx = self.conn.transaction().map_err(db)?;
        store_booking(&tx, &b, true)?;
        enqueue(&tx, "POST", &format!("/v1/venues/{venue_id}/bookings/{id}/{action}"), None, "booking", id)?;
        tx.commit().map_err(db)?;
        Ok(b)
    }

    pub fn outbox_len(&self) -> Result<u64, CoreError> {
        self.conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0)).map(|n| n as u64).map_err(db)
    }

    pub fn conflicts(&self) -> Result<Vec<Conflict>, CoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, entity_id, error_code, error_detail FROM outbox WHERE state = 'conflict' ORDER BY seq",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })
            .map_err(db)?;
        rows.map(|r| {
            let (seq, id, code, detail) = r.map_err(db)?;
            Ok(Conflict {
                seq,
                entity_id: Uuid::parse_str(&id).unwrap_or_default(),
                code: code.unwrap_or_default(),
                detail: detail.unwrap_or_default(),
            })
        })
        .collect()
    }

    /// Resolves a conflict by dropping the change; the next pull restores the platform's version.
    pub fn discard(&mut self, seq: i64) -> Result<(), CoreError> {
        let tx = self.conn.transaction().map_err(db)?;
        let id: Option<String> = tx
            .query_row("SELECT entity_id FROM outbox WHERE seq = ?1", params![seq], |r| r.get(0))
            .optional()
            .map_err(db)?;
        tx.execute("DELETE FROM outbox WHERE seq = ?1", params![seq]).map_err(db)?;
        if let Some(id) = id {
            // Never confirmed by the platform: it goes; otherwise the pull brings it back.
            tx.execute("DELETE FROM bookings WHERE id = ?1 AND version = 0", params![id]).map_err(db)?;
            tx.execute("UPDATE meta SET value = '0' WHERE key = 'since'", []).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// Resolves a conflict by sending the change again later (a new request: new key).
    pub fn retry(&mut self, seq: i64) -> Result<(), CoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET state = 'pending', error_code = NULL, error_detail = NULL, idempotency_key = ?2 WHERE seq = ?1",
                params![seq, Uuid::now_v7().to_string()],
            )
            .map_err(db)?;
        Ok(())
    }

    /// Sends the outbox in order. Stops at the first network failure or conflict.
    pub async fn drain(&mut self, session: &Session, progress: Progress<'_>) -> Result<DrainReport, CoreError> {
        let total = self.outbox_len()?;
        let mut report = DrainReport::default();
        let mut busy_retries = 0u32;
        loop {
            let next: Option<OutboxRow> = self
                .conn
                .query_row(
                    "SELECT seq, idempotency_key, method, path, body, entity, entity_id, state FROM outbox ORDER BY seq LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
                )
                .optional()
                .map_err(db)?;
            let Some((seq, key, method, path, body, entity, entity_id, state)) = next else { break };
            if state == "conflict" {
                report.conflict = self.conflicts()?.into_iter().next();
                break;
            }
            let body: Option<Value> =
                body.as_deref().map(serde_json::from_str).transpose().map_err(|e| CoreError::Cache(e.to_string()))?;
            let method = Method::from_bytes(method.as_bytes()).map_err(|e| CoreError::Cache(e.to_string()))?;
            match session.call::<Value, Value>(method, &path, body.as_ref(), Some(&key), None).await {
                Ok(answer) => {
                    let tx = self.conn.transaction().map_err(db)?;
                    tx.execute("DELETE FROM outbox WHERE seq = ?1", params![seq]).map_err(db)?;
                    if entity == "booking"
                        && let Ok(b) = serde_json::from_value::<Booking>(answer)
                    {
                        let still: i64 = tx
                            .query_row("SELECT COUNT(*) FROM outbox WHERE entity_id = ?1", params![entity_id], |r| {
                                r.get(0)
                            })
                            .map_err(db)?;
                        if still == 0 {
                            store_booking(&tx, &b, false)?;
                        }
                    }
                    tx.commit().map_err(db)?;
                    report.sent += 1;
                    progress(report.sent, total);
                }
                Err(e) if e.is_transient() => {
                    self.conn
                        .execute("UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?1", params![seq])
                        .map_err(db)?;
                    // The platform is busy with this very request (still in flight from an
                    // earlier attempt) or briefly overloaded: wait a little and ask again.
                    if !matches!(e, CoreError::Network(_)) && busy_retries < BUSY_RETRIES {
                        busy_retries += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(100 << busy_retries.min(4))).await;
                        continue;
                    }
                    report.offline = matches!(e, CoreError::Network(_));
                    report.busy = !report.offline;
                    break;
                }
                Err(CoreError::Problem { code, detail, status: 404 | 409 | 412 | 422, .. }) => {
                    self.conn
                        .execute(
                            "UPDATE outbox SET state = 'conflict', error_code = ?2, error_detail = ?3 WHERE seq = ?1",
                            params![seq, code.as_str(), detail],
                        )
                        .map_err(db)?;
                    report.conflict = Some(Conflict {
                        seq,
                        entity_id: Uuid::parse_str(&entity_id).unwrap_or_default(),
                        code: code.as_str().into(),
                        detail,
                    });
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        report.remaining = self.outbox_len()?;
        Ok(report)
    }

    /// Follows the change feed from the stored cursor; returns how many changes applied.
    /// The membership is refreshed first: when the user may no longer read bookings, the
    /// cached bookings go too.
    pub async fn pull(&mut self, session: &Session, venue_id: Uuid, progress: Progress<'_>) -> Result<u64, CoreError> {
        let me: venuedesk_api::me::MeResponse = session.get("/v1/me").await?;
        let permissions =
            me.memberships.iter().find(|m| m.venue_id == venue_id).map(|m| m.permissions.clone()).unwrap_or_default();
        self.set_permissions(&permissions)?;
        if !self.may(venuedesk_api::permission::Permission::BookingsRead)? {
            let tx = self.conn.transaction().map_err(db)?;
            tx.execute("DELETE FROM bookings WHERE id NOT IN (SELECT entity_id FROM outbox)", []).map_err(db)?;
            tx.execute("DELETE FROM meta WHERE key = 'since'", []).map_err(db)?;
            tx.commit().map_err(db)?;
            return Ok(0);
        }
        let mut since: i64 = self.meta("since")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut applied = 0;
        loop {
            let feed: ChangeFeed =
                session.get(&format!("/v1/venues/{venue_id}/changes?since={since}&limit=200")).await?;
            let tx = self.conn.transaction().map_err(db)?;
            for c in &feed.changes {
                if c.entity != "booking" {
                    continue;
                }
                let id = c.id.to_string();
                // A local change still queued wins until it is sent.
                let queued: i64 = tx
                    .query_row("SELECT COUNT(*) FROM outbox WHERE entity_id = ?1", params![id], |r| r.get(0))
                    .map_err(db)?;
                if queued > 0 {
                    continue;
                }
                match (&c.op[..], &c.data) {
                    ("upsert", Some(data)) => {
                        let b: Booking =
                            serde_json::from_value(data.clone()).map_err(|e| CoreError::Decode(e.to_string()))?;
                        store_booking(&tx, &b, false)?;
                    }
                    _ => {
                        tx.execute("DELETE FROM bookings WHERE id = ?1", params![id]).map_err(db)?;
                    }
                }
                applied += 1;
            }
            since = feed.next_since;
            tx.execute("INSERT INTO meta (key, value) VALUES ('since', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", params![since.to_string()])
                .map_err(db)?;
            tx.commit().map_err(db)?;
            progress(applied, applied + u64::from(feed.has_more));
            if !feed.has_more {
                break;
            }
        }
        self.set_meta("last_sync", &OffsetDateTime::now_utc().unix_timestamp().to_string())?;
        Ok(applied)
    }
}
