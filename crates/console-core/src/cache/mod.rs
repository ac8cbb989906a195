//! The offline cache: one SQLCipher database per server + account + venue, encrypted with
//! a random 256-bit key that lives only in the OS keychain. Reads come from here when the
//! venue's Wi-Fi is down. Logging out, or learning the session was revoked, wipes every
//! cache of the account (see `account`).

pub mod account;
pub mod records;
pub mod schema;
pub mod snapshots;

pub use account::{account_dir, wipe_account};
pub use records::Kind;
pub use snapshots::Snapshot;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::RngCore;
use rusqlite::{Connection, OptionalExtension, params};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use venuedesk_api::venue::Booking;

use crate::error::CoreError;
use crate::keychain::Keychain;
use account::remove_files;

/// What identifies one cache: the platform, the user and the venue.
#[derive(Debug, Clone)]
pub struct CacheId {
    pub server: String,
    pub email: String,
    pub venue_id: uuid::Uuid,
}

impl CacheId {
    fn keychain_account(&self) -> String {
        crate::keychain::cache_key_account(&self.server, &self.email, self.venue_id)
    }

    /// The file name: a hash, so the data directory does not list who uses which venue.
    fn file_name(&self) -> String {
        let digest = Sha256::digest(format!("{}\n{}\n{}", self.server, self.email, self.venue_id).as_bytes());
        format!("cache-{}.db", &hex::encode(digest)[..32])
    }
}

/// Connection settings (benchmarks apply the same to plain SQLite). WAL + NORMAL: a
/// committed change survives the process being killed at any point (only a power cut may
/// lose the last commits), with no fsync per queued change. SQLCipher decrypts and
/// authenticates a page when it is read from the file; a 64 MiB page cache (filled only as
/// pages are read) keeps decrypted pages in memory, so a screen shown again costs what it
/// costs on plain SQLite.
pub const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA busy_timeout = 5000;";

pub(crate) fn db_err(e: rusqlite::Error) -> CoreError {
    CoreError::Cache(e.to_string())
}

pub struct Cache {
    pub(crate) conn: Connection,
    path: PathBuf,
    id: CacheId,
    keychain: Arc<dyn Keychain>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.path).finish_non_exhaustive()
    }
}

impl Cache {
    /// Opens (creating when needed) the cache for `id` under `dir`. The key is made on first
    /// use and kept in the keychain; a cache whose key is gone cannot be read and is replaced.
    /// The file goes in the account's folder under `dir`, and the venue is registered for
    /// the account before a key is made, so a wipe of the account finds both.
    pub fn open(dir: &Path, id: CacheId, keychain: Arc<dyn Keychain>) -> Result<Cache, CoreError> {
        let folder = account_dir(dir, &id.server, &id.email);
        std::fs::create_dir_all(&folder)
            .map_err(|e| CoreError::Cache(format!("creating {}: {e}", folder.display())))?;
        account::register(&folder, &id, keychain.as_ref())?;
        let path = folder.join(id.file_name());
        migrate_flat_file(&dir.join(id.file_name()), &path)?;
        let account = id.keychain_account();
        let key = match keychain.get(&account)? {
            Some(k) => k,
            None => {
                // No key: any file left behind is unreadable by design; start afresh.
                remove_files(&path);
                let mut raw = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut raw);
                let k = SecretString::from(hex::encode(raw));
                keychain.set(&account, &k)?;
                k
            }
        };
        let conn = Connection::open(&path).map_err(db_err)?;
        // A raw 256-bit key (no passphrase derivation needed): x'<64 hex digits>'.
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.expose_secret())).map_err(db_err)?;
        conn.execute_batch(PRAGMAS).map_err(db_err)?;
        schema::migrate(&conn)?;
        Ok(Cache { conn, path, id, keychain })
    }

    /// Caps this connection's page cache (KiB). A connection that only syncs needs little:
    /// the pages it writes are not read again through it, and a big cache filled by a
    /// 100,000-row pull would stay in the process's memory.
    pub fn set_page_cache_kib(&self, kib: u32) -> Result<(), CoreError> {
        self.conn.execute_batch(&format!("PRAGMA cache_size = -{kib};")).map_err(db_err)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn id(&self) -> &CacheId {
        &self.id
    }

    /// Deletes the database and its key: nothing of the venue stays on the device.
    pub fn wipe(self) -> Result<(), CoreError> {
        let Cache { conn, path, id, keychain } = self;
        drop(conn);
        remove_files(&path);
        keychain.delete(&id.keychain_account())?;
        match path.parent() {
            Some(folder) => account::unregister(folder, &id, keychain.as_ref()),
            None => Ok(()),
        }
    }

    /// Deletes a cache that is not open (a session-end hook has only its identity). To
    /// remove everything of an account, use [`wipe_account`].
    pub fn destroy(dir: &Path, id: &CacheId, keychain: &dyn Keychain) -> Result<(), CoreError> {
        let folder = account_dir(dir, &id.server, &id.email);
        remove_files(&folder.join(id.file_name()));
        remove_files(&dir.join(id.file_name()));
        keychain.delete(&id.keychain_account())?;
        account::unregister(&folder, id, keychain)
    }

    /// Stores (or replaces) bookings as the platform sent them; `pending` marks local,
    /// unconfirmed changes.
    pub fn put_bookings(&mut self, bookings: &[Booking], pending: bool) -> Result<(), CoreError> {
        let tx = self.conn.transaction().map_err(db_err)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO bookings (id, starts_at, status, guest_name, version, pending, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, status = excluded.status, \
                     guest_name = excluded.guest_name, version = excluded.version, pending = excluded.pending, data = excluded.data",
                )
                .map_err(db_err)?;
            for b in bookings {
                let data = serde_json::to_string(b).map_err(|e| CoreError::Cache(e.to_string()))?;
                stmt.execute(params![
                    b.id.to_string(),
                    b.starts_at.unix_timestamp(),
                    b.status.as_str(),
                    b.guest_name.to_lowercase(),
                    b.version,
                    pending,
                    data
                ])
                .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)
    }

    pub fn remove_booking(&mut self, id: uuid::Uuid) -> Result<(), CoreError> {
        self.conn.execute("DELETE FROM bookings WHERE id = ?1", params![id.to_string()]).map_err(db_err)?;
        Ok(())
    }

    /// The day view: bookings starting in `[from, to)` (the caller turns a venue-local day
    /// into instants), optionally by status and guest-name search, ordered by start.
    pub fn bookings(
        &self,
        from: OffsetDateTime,
        to: OffsetDateTime,
        status: Option<&str>,
        search: Option<&str>,
    ) -> Result<Vec<(Booking, bool)>, CoreError> {
        let pattern = search.map(|s| format!("%{}%", s.to_lowercase().replace('%', "\\%").replace('_', "\\_")));
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT data, pending FROM bookings WHERE starts_at >= ?1 AND starts_at < ?2 \
                 AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR guest_name LIKE ?4 ESCAPE '\\') ORDER BY starts_at, id",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![from.unix_timestamp(), to.unix_timestamp(), status, pattern], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, bool>(1)?))
            })
            .map_err(db_err)?;
        rows.map(|r| {
            let (data, pending) = r.map_err(db_err)?;
            let b: Booking = serde_json::from_str(&data).map_err(|e| CoreError::Cache(e.to_string()))?;
            Ok((b, pending))
        })
        .collect()
    }

    pub fn booking(&self, id: uuid::Uuid) -> Result<Option<(Booking, bool)>, CoreError> {
        let row: Option<(String, bool)> = self
            .conn
            .query_row("SELECT data, pending FROM bookings WHERE id = ?1", params![id.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(db_err)?;
        row.map(|(data, pending)| {
            Ok((serde_json::from_str(&data).map_err(|e| CoreError::Cache(e.to_string()))?, pending))
        })
        .transpose()
    }

    /// Remembers the user's permissions in this venue (from `/v1/me`), for offline checks.
    pub fn set_permissions(&self, permissions: &[String]) -> Result<(), CoreError> {
        self.set_meta("permissions", &serde_json::to_string(permissions).map_err(|e| CoreError::Cache(e.to_string()))?)
    }

    /// The user's permissions in this venue as last seen (empty before the first sync).
    pub fn permissions(&self) -> Result<Vec<String>, CoreError> {
        match self.meta("permissions")? {
            Some(raw) => serde_json::from_str(&raw).map_err(|e| CoreError::Cache(e.to_string())),
            None => Ok(Vec::new()),
        }
    }

    /// "May I do this here?" from the cached membership, to hide what the user cannot do
    /// (the platform still decides). Unknown before the first sync: no.
    pub fn may(&self, permission: venuedesk_api::permission::Permission) -> Result<bool, CoreError> {
        let Some(raw) = self.meta("permissions")? else { return Ok(false) };
        let names: Vec<String> = serde_json::from_str(&raw).map_err(|e| CoreError::Cache(e.to_string()))?;
        Ok(names.iter().any(|n| n == permission.as_str()))
    }

    /// A small key-value store for sync state (the change-feed cursor, last sync time).
    pub fn meta(&self, key: &str) -> Result<Option<String>, CoreError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| r.get(0))
            .optional()
            .map_err(db_err)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), CoreError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map_err(db_err)?;
        Ok(())
    }
}

/// A cache made before caches were kept in per-account folders moves into its folder.
fn migrate_flat_file(old: &Path, new: &Path) -> Result<(), CoreError> {
    if new.exists() || !old.exists() {
        return Ok(());
    }
    // The WAL first: a database moved without its committed WAL would lose those commits.
    for suffix in ["-wal", "-shm", ""] {
        let (mut from, mut to) = (old.as_os_str().to_owned(), new.as_os_str().to_owned());
        from.push(suffix);
        to.push(suffix);
        match std::fs::rename(&from, &to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(CoreError::Cache(format!("moving the cache into its account folder: {e}"))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keychain::MemoryKeychain;

    fn booking(name: &str, hour: i64) -> Booking {
        let starts_at = OffsetDateTime::from_unix_timestamp(1_800_000_000 + hour * 3600).unwrap();
        Booking {
            id: uuid::Uuid::now_v7(),
            guest_name: name.into(),
            customer_id: None,
            party_size: 2,
            starts_at,
            ends_at: starts_at + time::Duration::minutes(90),
            duration_minutes: 90,
            status: venuedesk_api::BookingStatus::Confirmed,
            notes: Some("peanut allergy".into()),
            version: 1,
            created_at: starts_at,
            table_ids: Vec::new(),
            source: venuedesk_api::venue::BookingSource::Console,
        }
    }

    fn id() -> CacheId {
        CacheId { server: "https://p.example".into(), email: "a@example.com".into(), venue_id: uuid::Uuid::nil() }
    }

    #[test]
    fn day_view_status_and_search() {
        let dir = tempfile::tempdir().unwrap();
        let keychain = Arc::new(MemoryKeychain::default());
        let mut cache = Cache::open(dir.path(), id(), keychain.clone()).unwrap();
        let (a, b, c) = (booking("Ada Lovelace", 1), booking("Alan Turing", 2), booking("Grace Hopper", 30));
        cache.put_bookings(&[a.clone(), b.clone(), c.clone()], false).unwrap();
        let day_start = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let day = cache.bookings(day_start, day_start + time::Duration::days(1), None, None).unwrap();
        assert_eq!(
            day.iter().map(|(b, _)| b.guest_name.as_str()).collect::<Vec<_>>(),
            vec!["Ada Lovelace", "Alan Turing"]
        );
        let found = cache.bookings(day_start, day_start + time::Duration::days(2), None, Some("HOPP")).unwrap();
        assert_eq!(found.len(), 1);
        assert!(
            cache.bookings(day_start, day_start + time::Duration::days(2), Some("seated"), None).unwrap().is_empty()
        );
        assert!(
            cache.bookings(day_start, day_start + time::Duration::days(2), None, Some("%")).unwrap().is_empty(),
            "% is literal"
        );
        cache
            .put_bookings(&[Booking { status: venuedesk_api::BookingStatus::Seated, version: 2, ..a.clone() }], true)
            .unwrap();
        let (seated, pending) = cache.booking(a.id).unwrap().unwrap();
        assert_eq!((seated.status.as_str(), pending), ("seated", true));
        cache.set_meta("since", "42").unwrap();
        assert_eq!(cache.meta("since").unwrap().as_deref(), Some("42"));
        // Reopening with the key from the keychain reads the same data.
        drop(cache);
        let cache = Cache::open(dir.path(), id(), keychain.clone()).unwrap();
        assert_eq!(cache.meta("since").unwrap().as_deref(), Some("42"));
        let path = cache.path().to_path_buf();
        cache.wipe().unwrap();
        assert!(!path.exists());
        assert!(keychain.is_empty(), "the key is gone with the file");
    }

    #[test]
    fn without_its_key_the_file_is_unreadable_and_holds_no_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        let keychain = Arc::new(MemoryKeychain::default());
        let mut cache = Cache::open(dir.path(), id(), keychain.clone()).unwrap();
        cache.put_bookings(&[booking("Zebedee Quixote", 1)], false).unwrap();
        let path = cache.path().to_path_buf();
        cache.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
        drop(cache);
        // Plain SQLite (no key) cannot read it.
        let plain = Connection::open(&path).unwrap();
        let err = plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).unwrap_err();
        assert!(err.to_string().contains("file is not a database"), "{err}");
        // No guest name, note or key in the bytes.
        let bytes = std::fs::read(&path).unwrap();
        for needle in ["Zebedee", "Quixote", "peanut"] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} in the file");
        }
        let key = keychain.get(&id().keychain_account()).unwrap().unwrap();
        assert!(!bytes.windows(16).any(|w| w == &key.expose_secret().as_bytes()[..16]));
        // A key lost from the keychain means a fresh, empty cache, not an error.
        keychain.delete(&id().keychain_account()).unwrap();
        let cache = Cache::open(dir.path(), id(), keychain.clone()).unwrap();
        let day_start = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        assert!(cache.bookings(day_start, day_start + time::Duration::days(1), None, None).unwrap().is_empty());
    }
}
