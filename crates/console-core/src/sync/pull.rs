//! Pulling: the initial snapshot and then the change feed from the stored cursor. Only what
//! the user may read arrives (the platform filters the feed); when a read permission goes,
//! the cached rows of that kind go too, and when one arrives the feed is read again from
//! the start so the newly visible kind is complete.

use rusqlite::params;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::ChangeFeed;

use super::{Progress, db, remove_entity, store_answer};
use crate::cache::{Cache, Kind};
use crate::error::CoreError;
use crate::session::Session;

/// Each cached kind with the permission that lets the user read it.
fn readable_kinds(cache: &Cache) -> Result<Vec<&'static str>, CoreError> {
    let mut kinds = Vec::new();
    if cache.may(Permission::BookingsRead)? {
        kinds.push("booking");
    }
    for kind in Kind::ALL {
        if cache.may(kind.read_permission())? {
            kinds.push(kind.as_str());
        }
    }
    Ok(kinds)
}

impl Cache {
    /// Follows the change feed from the stored cursor; returns how many changes applied.
    /// The membership is refreshed first (see the module comment).
    pub async fn pull(&mut self, session: &Session, venue_id: Uuid, progress: Progress<'_>) -> Result<u64, CoreError> {
        let me: venuedesk_api::me::MeResponse = session.get("/v1/me").await?;
        let permissions =
            me.memberships.iter().find(|m| m.venue_id == venue_id).map(|m| m.permissions.clone()).unwrap_or_default();
        self.set_permissions(&permissions)?;
        self.forget_unreadable_snapshots()?;
        let readable = readable_kinds(self)?;
        let before: Vec<String> =
            self.meta("readable")?.and_then(|r| serde_json::from_str(&r).ok()).unwrap_or_default();
        {
            let tx = self.conn.transaction().map_err(db)?;
            for kind in std::iter::once("booking").chain(Kind::ALL.iter().map(|k| k.as_str())) {
                if readable.contains(&kind) {
                    continue;
                }
                // Queued local changes stay until sent (the platform then refuses or takes them).
                if kind == "booking" {
                    tx.execute("DELETE FROM bookings WHERE id NOT IN (SELECT entity_id FROM outbox)", [])
                } else {
                    tx.execute(
                        "DELETE FROM records WHERE entity = ?1 AND id NOT IN (SELECT entity_id FROM outbox)",
                        params![kind],
                    )
                }
                .map_err(db)?;
            }
            if readable.iter().any(|k| !before.iter().any(|b| b == k)) {
                tx.execute("DELETE FROM meta WHERE key = 'since'", []).map_err(db)?;
            }
            let readable_json = serde_json::to_string(&readable).map_err(|e| CoreError::Cache(e.to_string()))?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('readable', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![readable_json],
            )
            .map_err(db)?;
            tx.commit().map_err(db)?;
        }
        if readable.is_empty() {
            self.set_meta("last_sync", &OffsetDateTime::now_utc().unix_timestamp().to_string())?;
            return Ok(0);
        }
        let mut since: i64 = self.meta("since")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut applied = 0;
        loop {
            let feed: ChangeFeed =
                session.get(&format!("/v1/venues/{venue_id}/changes?since={since}&limit=200")).await?;
            let tx = self.conn.transaction().map_err(db)?;
            for c in &feed.changes {
                let id = c.id.to_string();
                // A local change still queued wins until it is sent.
                let queued: i64 = tx
                    .prepare_cached("SELECT COUNT(*) FROM outbox WHERE entity_id = ?1")
                    .map_err(db)?
                    .query_row(params![id], |r| r.get(0))
                    .map_err(db)?;
                if queued > 0 {
                    continue;
                }
                match (&c.op[..], &c.data) {
                    // The venue's one set of hours carries no id of its own: the venue's.
                    ("upsert", Some(data)) if c.entity == "opening_hours" => {
                        let mut data = data.clone();
                        data["id"] = serde_json::Value::String(id.clone());
                        store_answer(&tx, &c.entity, data)?
                    }
                    ("upsert", Some(data)) => store_answer(&tx, &c.entity, data.clone())?,
                    _ => remove_entity(&tx, &c.entity, &id)?,
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
