//! Offline changes and sync. A change made here is applied to the cache at once (marked
//! pending) and queued in the outbox with its own Idempotency-Key, in one cache
//! transaction. Draining sends the outbox in order with the stored key, so a lost answer
//! or a crash between send and record is retried as the same request and never applied
//! twice. Network failures, 5xx and 429 stop the drain to retry later; 403 forbidden (the
//! role changed) and 404/409/412/422 park that entry as a conflict the user resolves, and
//! the drain goes on with changes to other entities (changes to the same entity wait behind
//! its conflict: they build on it). `403 mfa_required` stops the drain with
//! `CoreError::MfaRequired`, the entry still queued: the person signs in again, then it is
//! sent. A local change the cached permissions do not allow is refused before it is queued.
//! Pulling follows the change feed.

mod bookings;
mod customers;
mod floor;
mod orders;
mod pull;
mod waitlist;

pub use bookings::NewBooking;
pub use floor::Estimate;
pub use orders::NewOrderLine;
pub use waitlist::NewWaitlistEntry;

use reqwest::Method;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::Booking;

use crate::cache::{Cache, Kind, records::store_record};
use crate::error::CoreError;
use crate::session::Session;

fn db(e: rusqlite::Error) -> CoreError {
    CoreError::Cache(e.to_string())
}

pub(crate) fn store_booking(conn: &Connection, b: &Booking, pending: bool) -> Result<(), CoreError> {
    let data = serde_json::to_string(b).map_err(|e| CoreError::Cache(e.to_string()))?;
    conn.prepare_cached(
        "INSERT INTO bookings (id, starts_at, status, guest_name, version, pending, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, status = excluded.status, guest_name = excluded.guest_name, \
         version = excluded.version, pending = excluded.pending, data = excluded.data",
    )
    .map_err(db)?
    .execute(params![b.id.to_string(), b.starts_at.unix_timestamp(), b.status.as_str(), b.guest_name.to_lowercase(), b.version, pending, data])
    .map_err(db)?;
    Ok(())
}

/// Stores what the platform answered (or sent in the feed) for one entity, confirmed.
pub(crate) fn store_answer(conn: &Connection, entity: &str, data: Value) -> Result<(), CoreError> {
    // Seating from the waitlist answers the closed entry and the walk-in booking it became.
    if entity == "waitlist"
        && let (Some(entry), Some(booking)) = (data.get("entry"), data.get("booking"))
    {
        store_answer(conn, "booking", booking.clone())?;
        return store_answer(conn, "waitlist", entry.clone());
    }
    if entity == "booking" {
        let b: Booking = serde_json::from_value(data).map_err(|e| CoreError::Decode(e.to_string()))?;
        return store_booking(conn, &b, false);
    }
    match Kind::parse(entity) {
        Some(kind) => store_record(conn, kind, &data, false),
        None => Ok(()), // a kind this console does not keep
    }
}

/// Removes one entity (the platform deleted it, or the user may no longer read it).
pub(crate) fn remove_entity(conn: &Connection, entity: &str, id: &str) -> Result<(), CoreError> {
    if entity == "booking" {
        conn.execute("DELETE FROM bookings WHERE id = ?1", params![id]).map_err(db)?;
    } else {
        conn.execute("DELETE FROM records WHERE entity = ?1 AND id = ?2", params![entity, id]).map_err(db)?;
    }
    Ok(())
}

/// seq, idempotency key, method, path, body, entity, entity id, If-Match.
type OutboxRow = (i64, String, String, String, Option<String>, String, String, Option<i64>);

/// Items done out of a total, for progress bars.
pub type Progress<'a> = &'a mut (dyn FnMut(u64, u64) + Send);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub seq: i64,
    /// `booking`, `order` or `customer`.
    pub entity: String,
    pub entity_id: Uuid,
    pub code: String,
    pub detail: String,
    /// An edit made on a version someone else changed meanwhile (`version_mismatch`): the
    /// booking as this console has it (the edit applied) and as the platform has it now,
    /// to show side by side. `retry` keeps mine (sent again on their version), `discard`
    /// takes theirs.
    pub versions: Option<(Booking, Option<Booking>)>,
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DrainReport {
    pub sent: u64,
    /// Still in the outbox: waiting (offline, busy) or parked as conflicts.
    pub remaining: u64,
    /// The first change parked as a conflict (this drain or earlier): the user decides
    /// (retry or discard). Changes to other entities were still sent.
    pub conflict: Option<Conflict>,
    /// The platform could not be reached; try again later.
    pub offline: bool,
    /// The platform was reachable but busy (429, 5xx, a request still in flight); later.
    pub busy: bool,
}

/// How often one drain waits for a busy platform before leaving the rest for later.
const BUSY_RETRIES: u32 = 6;

/// The permission a queued change of `entity` needs on the platform.
fn write_permission(entity: &str) -> Option<Permission> {
    match entity {
        "booking" | "waitlist" => Some(Permission::BookingsWrite),
        "order" => Some(Permission::OrdersWrite),
        "customer" => Some(Permission::CustomersWrite),
        _ => None,
    }
}

/// Refuses a local change the cached permissions (from the last sync) do not allow: the
/// platform would answer 403. Before the first sync nothing is known and the platform decides.
fn check_permission(conn: &Connection, entity: &str) -> Result<(), CoreError> {
    let Some(needed) = write_permission(entity) else { return Ok(()) };
    let cached: Option<String> =
        conn.query_row("SELECT value FROM meta WHERE key = 'permissions'", [], |r| r.get(0)).optional().map_err(db)?;
    let Some(cached) = cached else { return Ok(()) };
    let names: Vec<String> = serde_json::from_str(&cached).map_err(|e| CoreError::Cache(e.to_string()))?;
    if names.iter().any(|n| n == needed.as_str()) { Ok(()) } else { Err(CoreError::NotPermitted(needed)) }
}

/// Queues a change, in the caller's transaction (which has already applied it to the
/// cache: an error here rolls both back).
pub(crate) fn enqueue(
    tx: &rusqlite::Transaction<'_>,
    method: &str,
    path: &str,
    body: Option<&Value>,
    entity: &str,
    id: Uuid,
) -> Result<(), CoreError> {
    enqueue_on(tx, method, path, body, entity, id, None)
}

/// Queues a change sent with `If-Match: if_match`; `None` for an edit queued behind other
/// changes to the same entity: it goes on the version the one before it comes back with.
pub(crate) fn enqueue_on(
    tx: &rusqlite::Transaction<'_>,
    method: &str,
    path: &str,
    body: Option<&Value>,
    entity: &str,
    id: Uuid,
    if_match: Option<i64>,
) -> Result<(), CoreError> {
    check_permission(tx, entity)?;
    tx.execute(
        "INSERT INTO outbox (idempotency_key, method, path, body, entity, entity_id, created_at, if_match) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![Uuid::now_v7().to_string(), method, path, body.map(Value::to_string), entity, id.to_string(), OffsetDateTime::now_utc().unix_timestamp(), if_match],
    )
    .map_err(db)?;
    Ok(())
}

/// The platform's current version of a booking, kept beside a refused edit.
fn theirs_of(conn: &Connection, seq: i64) -> Result<Option<Value>, CoreError> {
    let text: Option<Option<String>> = conn
        .query_row("SELECT theirs FROM outbox WHERE seq = ?1", params![seq], |r| r.get(0))
        .optional()
        .map_err(db)?;
    text.flatten().map(|t| serde_json::from_str(&t).map_err(|e| CoreError::Cache(e.to_string()))).transpose()
}

impl Cache {
    pub fn outbox_len(&self) -> Result<u64, CoreError> {
        self.conn.query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0)).map(|n| n as u64).map_err(db)
    }

    /// How many queued changes concern one entity.
    pub fn queued_for(&self, id: Uuid) -> Result<u64, CoreError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM outbox WHERE entity_id = ?1", params![id.to_string()], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(db)
    }

    pub fn conflicts(&self) -> Result<Vec<Conflict>, CoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, entity_id, error_code, error_detail, entity, theirs FROM outbox WHERE state = 'conflict' ORDER BY seq",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .map_err(db)?;
        let rows: Vec<_> = rows.collect::<Result<_, _>>().map_err(db)?;
        rows.into_iter()
            .map(|(seq, id, code, detail, entity, theirs)| {
                let entity_id = Uuid::parse_str(&id).unwrap_or_default();
                let code = code.unwrap_or_default();
                let versions = if entity == "booking" && code == "version_mismatch" {
                    let theirs: Option<Booking> = theirs.as_deref().and_then(|t| serde_json::from_str(t).ok());
                    self.booking(entity_id)?.map(|(mine, _)| (mine, theirs))
                } else {
                    None
                };
                Ok(Conflict { seq, entity, entity_id, code, detail: detail.unwrap_or_default(), versions })
            })
            .collect()
    }

    /// Resolves a conflict by dropping the change; the next pull restores the platform's version.
    pub fn discard(&mut self, seq: i64) -> Result<(), CoreError> {
        let theirs = theirs_of(&self.conn, seq)?;
        let tx = self.conn.transaction().map_err(db)?;
        // An edit refused because someone changed the booking meanwhile: take theirs, here
        // and now. The edits queued behind mine built on it: they go too.
        if let Some(theirs) = theirs {
            let entity: Option<(String, String)> = tx
                .query_row("SELECT entity, entity_id FROM outbox WHERE seq = ?1", params![seq], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .map_err(db)?;
            if let Some((entity, id)) = entity {
                tx.execute("DELETE FROM outbox WHERE entity_id = ?1", params![id]).map_err(db)?;
                store_answer(&tx, &entity, theirs)?;
                return tx.commit().map_err(db);
            }
        }
        let id: Option<String> = tx
            .query_row("SELECT entity_id FROM outbox WHERE seq = ?1", params![seq], |r| r.get(0))
            .optional()
            .map_err(db)?;
        tx.execute("DELETE FROM outbox WHERE seq = ?1", params![seq]).map_err(db)?;
        if let Some(id) = id {
            // Never confirmed by the platform: it goes, with the changes queued behind it
            // (they build on it); otherwise the pull brings the platform's version back.
            let unconfirmed: bool = tx
                .query_row(
                    "SELECT EXISTS (SELECT 1 FROM bookings WHERE id = ?1 AND version = 0) \
                     OR EXISTS (SELECT 1 FROM records WHERE id = ?1 AND version = 0)",
                    params![id],
                    |r| r.get(0),
                )
                .map_err(db)?;
            if unconfirmed {
                tx.execute("DELETE FROM outbox WHERE entity_id = ?1", params![id]).map_err(db)?;
            }
            tx.execute("DELETE FROM bookings WHERE id = ?1 AND version = 0", params![id]).map_err(db)?;
            tx.execute("DELETE FROM records WHERE id = ?1 AND version = 0", params![id]).map_err(db)?;
            tx.execute("UPDATE meta SET value = '0' WHERE key = 'since'", []).map_err(db)?;
        }
        tx.commit().map_err(db)
    }

    /// Resolves a conflict by sending the change again later (a new request: new key). An
    /// edit refused because someone changed the booking meanwhile goes on their version:
    /// mine is kept, deliberately, over theirs.
    pub fn retry(&mut self, seq: i64) -> Result<(), CoreError> {
        let on = theirs_of(&self.conn, seq)?.and_then(|t| t.get("version").and_then(Value::as_i64));
        self.conn
            .execute(
                "UPDATE outbox SET state = 'pending', error_code = NULL, error_detail = NULL, theirs = NULL, \
                 if_match = COALESCE(?3, if_match), idempotency_key = ?2 WHERE seq = ?1",
                params![seq, Uuid::now_v7().to_string(), on],
            )
            .map_err(db)?;
        Ok(())
    }

    /// Sends the outbox in order. Stops at the first network failure, busy platform or
    /// `403 mfa_required` (an error: sign in again; nothing is lost); a conflict parks its
    /// entry and the drain goes on with changes to other entities.
    pub async fn drain(&mut self, session: &Session, progress: Progress<'_>) -> Result<DrainReport, CoreError> {
        // The changes that can be sent now: pending, and not behind a conflict on the same entity.
        const NEXT: &str = "SELECT seq, idempotency_key, method, path, body, entity, entity_id, if_match FROM outbox o \
             WHERE state = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox c WHERE c.state = 'conflict' \
             AND c.entity_id = o.entity_id AND c.seq < o.seq) ORDER BY seq LIMIT 1";
        let total = self
            .conn
            .query_row("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", [], |r| r.get::<_, i64>(0))
            .map_err(db)? as u64;
        let mut report = DrainReport::default();
        let mut busy_retries = 0u32;
        loop {
            let next: Option<OutboxRow> = self
                .conn
                .query_row(NEXT, [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?))
                })
                .optional()
                .map_err(db)?;
            let Some((seq, key, method, path, body, entity, entity_id, if_match)) = next else { break };
            let body: Option<Value> =
                body.as_deref().map(serde_json::from_str).transpose().map_err(|e| CoreError::Cache(e.to_string()))?;
            let method = Method::from_bytes(method.as_bytes()).map_err(|e| CoreError::Cache(e.to_string()))?;
            match session.call::<Value, Value>(method.clone(), &path, body.as_ref(), Some(&key), if_match).await {
                Ok(answer) => {
                    let tx = self.conn.transaction().map_err(db)?;
                    tx.execute("DELETE FROM outbox WHERE seq = ?1", params![seq]).map_err(db)?;
                    // An edit queued behind this change goes on the version it came back with.
                    if let Some(version) = answer.get("version").and_then(Value::as_i64) {
                        tx.execute(
                            "UPDATE outbox SET if_match = ?2 WHERE seq = (SELECT MIN(seq) FROM outbox WHERE entity_id = ?1) \
                             AND method = 'PATCH' AND if_match IS NULL",
                            params![entity_id, version],
                        )
                        .map_err(db)?;
                    }
                    let still: i64 = tx
                        .query_row("SELECT COUNT(*) FROM outbox WHERE entity_id = ?1", params![entity_id], |r| r.get(0))
                        .map_err(db)?;
                    // The platform's answer is the truth, unless more local changes to the
                    // same entity are still queued (they win until sent).
                    if still == 0 {
                        store_answer(&tx, &entity, answer)?;
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
                // A refusal of this change (403: the role no longer allows it): parked for the
                // person; the changes after it go on.
                Err(CoreError::Problem { code, detail, status: status @ (403 | 404 | 409 | 412 | 422), .. }) => {
                    // Someone changed it meanwhile: keep the platform's version beside mine
                    // (unreadable now: the person still chooses, and sees why).
                    let theirs = if status == 412 && method == Method::PATCH {
                        session.call::<Value, Value>(Method::GET, &path, None, None, None).await.ok()
                    } else {
                        None
                    };
                    self.conn
                        .execute(
                            "UPDATE outbox SET state = 'conflict', error_code = ?2, error_detail = ?3, theirs = ?4 WHERE seq = ?1",
                            params![seq, code.as_str(), detail, theirs.as_ref().map(Value::to_string)],
                        )
                        .map_err(db)?;
                }
                // Sign in again with a second factor: the change stays queued. The platform
                // refused it before doing anything and keeps that answer for this key, so
                // after the new sign-in it goes as a new request (a new key).
                Err(e @ CoreError::MfaRequired { .. }) => {
                    self.conn
                        .execute(
                            "UPDATE outbox SET idempotency_key = ?2 WHERE seq = ?1",
                            params![seq, Uuid::now_v7().to_string()],
                        )
                        .map_err(db)?;
                    return Err(e);
                }
                // A session that ended, anything unexpected: stop here, the change stays queued.
                Err(e) => return Err(e),
            }
        }
        report.conflict = self.conflicts()?.into_iter().next();
        report.remaining = self.outbox_len()?;
        Ok(report)
    }
}
