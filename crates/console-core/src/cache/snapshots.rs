//! Last-read copies of platform lists that have no change feed (a venue's integrations), so
//! the console can show them offline, marked with when they were read. Each snapshot
//! belongs to the permission that reads it: when the user loses that permission the next
//! pull deletes it (like the change-feed kinds). Platform list answers never hold secrets
//! (secrets are shown once, in a create or rotate answer, and never stored here).

use rusqlite::params;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use venuedesk_api::permission::Permission;

use super::{Cache, db_err};
use crate::error::CoreError;

/// What a snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snapshot {
    ApiClients,
    PublicKeys,
    Webhooks,
    /// One webhook endpoint's delivery log (its first page).
    Deliveries(uuid::Uuid),
    Payments,
    /// The venue's security alerts (Security › Alerts).
    Alerts,
    /// The newest alert event this person has looked at on this computer (the badge).
    AlertsSeen,
}

const PREFIX: &str = "snapshot:";

impl Snapshot {
    fn key(self) -> String {
        match self {
            Snapshot::ApiClients => format!("{PREFIX}api_clients"),
            Snapshot::PublicKeys => format!("{PREFIX}public_keys"),
            Snapshot::Webhooks => format!("{PREFIX}webhooks"),
            Snapshot::Deliveries(id) => format!("{DELIVERIES_PREFIX}{id}:deliveries"),
            Snapshot::Payments => format!("{PREFIX}payments"),
            Snapshot::Alerts => format!("{PREFIX}alerts"),
            Snapshot::AlertsSeen => format!("{PREFIX}alerts_seen"),
        }
    }

    /// The permission the platform asks before answering this list.
    pub fn permission(self) -> Permission {
        match self {
            Snapshot::ApiClients | Snapshot::PublicKeys => Permission::ApiClientsManage,
            Snapshot::Webhooks | Snapshot::Deliveries(_) => Permission::WebhooksManage,
            Snapshot::Payments => Permission::PaymentsManage,
            Snapshot::Alerts | Snapshot::AlertsSeen => Permission::SettingsManage,
        }
    }

    /// The exact keys, and the prefix of the per-endpoint keys, of what `permission` reads.
    fn keys_of(permission: Permission) -> (&'static [&'static str], Option<&'static str>) {
        match permission {
            Permission::ApiClientsManage => (&["snapshot:api_clients", "snapshot:public_keys"], None),
            Permission::WebhooksManage => (&["snapshot:webhooks"], Some(DELIVERIES_PREFIX)),
            Permission::PaymentsManage => (&["snapshot:payments"], None),
            Permission::SettingsManage => (&["snapshot:alerts", "snapshot:alerts_seen"], None),
            _ => (&[], None),
        }
    }
}

/// Every delivery log's key starts so (then the endpoint id and `:deliveries`).
const DELIVERIES_PREFIX: &str = "snapshot:webhooks:";

#[derive(Serialize, serde::Deserialize)]
struct Stored<T> {
    read_at_ms: i64,
    data: T,
}

impl Cache {
    /// Keeps `value` as the last read of `what` (now).
    pub fn put_snapshot<T: Serialize>(&self, what: Snapshot, value: &T) -> Result<(), CoreError> {
        self.put_snapshot_at(what, value, OffsetDateTime::now_utc())
    }

    /// Keeps `value` as the read of `what` made at `at` (kept to the millisecond).
    pub fn put_snapshot_at<T: Serialize>(
        &self,
        what: Snapshot,
        value: &T,
        at: OffsetDateTime,
    ) -> Result<(), CoreError> {
        let stored = Stored { read_at_ms: (at.unix_timestamp_nanos() / 1_000_000) as i64, data: value };
        let json = serde_json::to_string(&stored).map_err(|e| CoreError::Cache(e.to_string()))?;
        self.set_meta(&what.key(), &json)
    }

    /// The last read of `what` and when it was made; `None` when never read here (or the
    /// permission to read it has gone).
    pub fn snapshot<T: DeserializeOwned>(&self, what: Snapshot) -> Result<Option<(T, OffsetDateTime)>, CoreError> {
        if !self.may(what.permission())? {
            return Ok(None);
        }
        let Some(raw) = self.meta(&what.key())? else { return Ok(None) };
        let stored: Stored<T> = serde_json::from_str(&raw).map_err(|e| CoreError::Cache(e.to_string()))?;
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(stored.read_at_ms) * 1_000_000)
            .map_err(|e| CoreError::Cache(e.to_string()))?;
        Ok(Some((stored.data, at)))
    }

    /// Forgets one snapshot (its subject was deleted on the platform).
    pub fn forget_snapshot(&self, what: Snapshot) -> Result<(), CoreError> {
        self.conn.execute("DELETE FROM meta WHERE key = ?1", params![what.key()]).map_err(db_err)?;
        Ok(())
    }

    /// Deletes every snapshot whose permission the user no longer holds (called when the
    /// permissions are refreshed).
    pub fn forget_unreadable_snapshots(&self) -> Result<(), CoreError> {
        for p in [
            Permission::ApiClientsManage,
            Permission::WebhooksManage,
            Permission::PaymentsManage,
            Permission::SettingsManage,
        ] {
            if self.may(p)? {
                continue;
            }
            let (keys, prefix) = Snapshot::keys_of(p);
            for key in keys {
                self.conn.execute("DELETE FROM meta WHERE key = ?1", params![key]).map_err(db_err)?;
            }
            if let Some(prefix) = prefix {
                // substr, not LIKE: `_` in a key is a wildcard to LIKE.
                self.conn
                    .execute("DELETE FROM meta WHERE substr(key, 1, length(?1)) = ?1", params![prefix])
                    .map_err(db_err)?;
            }
        }
        Ok(())
    }

    /// Deletes the delivery logs of every endpoint not in `endpoints` (deleted meanwhile).
    pub fn forget_delivery_logs_except(&self, endpoints: &[uuid::Uuid]) -> Result<(), CoreError> {
        let keep: Vec<String> = endpoints.iter().map(|id| Snapshot::Deliveries(*id).key()).collect();
        let mut stmt =
            self.conn.prepare("SELECT key FROM meta WHERE substr(key, 1, length(?1)) = ?1").map_err(db_err)?;
        let kept: Vec<String> = stmt
            .query_map(params![DELIVERIES_PREFIX], |r| r.get::<_, String>(0))
            .map_err(db_err)?
            .collect::<Result<_, _>>()
            .map_err(db_err)?;
        for key in kept.iter().filter(|k| !keep.contains(k)) {
            self.conn.execute("DELETE FROM meta WHERE key = ?1", params![key]).map_err(db_err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::CacheId;
    use crate::keychain::MemoryKeychain;
    use std::sync::Arc;

    fn cache(dir: &std::path::Path) -> Cache {
        let id =
            CacheId { server: "https://p.example".into(), email: "o@example.com".into(), venue_id: uuid::Uuid::nil() };
        Cache::open(dir, id, Arc::new(MemoryKeychain::default())).unwrap()
    }

    #[test]
    fn a_snapshot_is_read_back_with_its_time_and_goes_with_its_permission() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache(dir.path());
        cache.set_permissions(&["webhooks:manage".into(), "payments:manage".into()]).unwrap();
        let endpoint = uuid::Uuid::now_v7();
        cache.put_snapshot(Snapshot::Webhooks, &vec!["https://a.example/hook"]).unwrap();
        cache.put_snapshot(Snapshot::Deliveries(endpoint), &vec![1, 2, 3]).unwrap();
        cache.put_snapshot(Snapshot::Payments, &"stripe").unwrap();

        let (hooks, at) = cache.snapshot::<Vec<String>>(Snapshot::Webhooks).unwrap().unwrap();
        assert_eq!(hooks, vec!["https://a.example/hook".to_string()]);
        assert!((OffsetDateTime::now_utc() - at).whole_seconds().abs() < 60);
        assert_eq!(cache.snapshot::<Vec<i32>>(Snapshot::Deliveries(endpoint)).unwrap().unwrap().0, vec![1, 2, 3]);
        // Never read: nothing.
        assert!(cache.snapshot::<Vec<String>>(Snapshot::ApiClients).unwrap().is_none());

        // webhooks:manage goes: the endpoint list and every delivery log go; payments stay.
        cache.set_permissions(&["payments:manage".into()]).unwrap();
        cache.forget_unreadable_snapshots().unwrap();
        cache.set_permissions(&["webhooks:manage".into(), "payments:manage".into()]).unwrap();
        assert!(cache.snapshot::<Vec<String>>(Snapshot::Webhooks).unwrap().is_none());
        assert!(cache.snapshot::<Vec<i32>>(Snapshot::Deliveries(endpoint)).unwrap().is_none());
        assert_eq!(cache.snapshot::<String>(Snapshot::Payments).unwrap().unwrap().0, "stripe");
    }

    #[test]
    fn the_logs_of_deleted_endpoints_go() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache(dir.path());
        cache.set_permissions(&["webhooks:manage".into()]).unwrap();
        let (kept, gone) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        cache.put_snapshot(Snapshot::Deliveries(kept), &vec![1]).unwrap();
        cache.put_snapshot(Snapshot::Deliveries(gone), &vec![2]).unwrap();
        cache.put_snapshot(Snapshot::Webhooks, &vec![kept]).unwrap();
        cache.forget_delivery_logs_except(&[kept]).unwrap();
        assert!(cache.snapshot::<Vec<i32>>(Snapshot::Deliveries(kept)).unwrap().is_some());
        assert!(cache.snapshot::<Vec<i32>>(Snapshot::Deliveries(gone)).unwrap().is_none());
        assert!(cache.snapshot::<Vec<uuid::Uuid>>(Snapshot::Webhooks).unwrap().is_some(), "the list itself stays");
    }

    #[test]
    fn without_the_permission_a_kept_snapshot_is_not_shown() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache(dir.path());
        cache.set_permissions(&["api_clients:manage".into()]).unwrap();
        cache.put_snapshot(Snapshot::ApiClients, &vec!["till"]).unwrap();
        cache.set_permissions(&[]).unwrap();
        assert!(cache.snapshot::<Vec<String>>(Snapshot::ApiClients).unwrap().is_none());
    }
}
