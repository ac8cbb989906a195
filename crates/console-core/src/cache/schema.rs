//! Versioned cache schema (`PRAGMA user_version`): each step runs once, in order.

use rusqlite::Connection;

use crate::error::CoreError;

const STEPS: &[&str] = &[
    // 1: bookings for the day view, and sync state.
    "CREATE TABLE bookings (
         id         TEXT PRIMARY KEY,
         starts_at  INTEGER NOT NULL,
         status     TEXT NOT NULL,
         guest_name TEXT NOT NULL,   -- lower-cased, for search
         version    INTEGER NOT NULL,
         pending    INTEGER NOT NULL,
         data       TEXT NOT NULL
     );
     CREATE INDEX bookings_start ON bookings(starts_at);
     CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 2: the outbox of changes made here and not yet confirmed by the platform.
    "CREATE TABLE outbox (
         seq             INTEGER PRIMARY KEY AUTOINCREMENT,
         idempotency_key TEXT NOT NULL UNIQUE,
         method          TEXT NOT NULL,
         path            TEXT NOT NULL,
         body            TEXT,
         entity          TEXT NOT NULL,
         entity_id       TEXT NOT NULL,
         state           TEXT NOT NULL DEFAULT 'pending',  -- pending | conflict
         error_code      TEXT,
         error_detail    TEXT,
         attempts        INTEGER NOT NULL DEFAULT 0,
         created_at      INTEGER NOT NULL
     );",
    // 3: bookings clustered by start time, so a day view reads a few contiguous pages
    //    (each page read from SQLCipher is decrypted and authenticated).
    "CREATE TABLE bookings_by_start (
         starts_at  INTEGER NOT NULL,
         id         TEXT NOT NULL,
         status     TEXT NOT NULL,
         guest_name TEXT NOT NULL,
         version    INTEGER NOT NULL,
         pending    INTEGER NOT NULL,
         data       TEXT NOT NULL,
         PRIMARY KEY (starts_at, id)
     ) WITHOUT ROWID;
     INSERT INTO bookings_by_start SELECT starts_at, id, status, guest_name, version, pending, data FROM bookings;
     DROP TABLE bookings;
     ALTER TABLE bookings_by_start RENAME TO bookings;
     CREATE UNIQUE INDEX bookings_id ON bookings(id);",
    // 4: orders, customers, products, members and roles (see records.rs). `sort_key` has
    //    no declared type on purpose: an integer for orders, lower-cased text otherwise.
    "CREATE TABLE records (
         entity   TEXT NOT NULL,
         id       TEXT NOT NULL,
         sort_key,
         status   TEXT,
         search   TEXT NOT NULL,
         version  INTEGER NOT NULL,
         pending  INTEGER NOT NULL,
         data     TEXT NOT NULL,
         PRIMARY KEY (entity, id)
     ) WITHOUT ROWID;
     CREATE INDEX records_order ON records(entity, sort_key);",
    // 5: edits queued offline carry the version they were made on (`If-Match`; NULL: the
    //    version the change queued before them comes back with), and a refused one keeps
    //    the platform's version beside it for the person to compare.
    "ALTER TABLE outbox ADD COLUMN if_match INTEGER;
     ALTER TABLE outbox ADD COLUMN theirs TEXT;",
];

/// The bookings table as the cache has it now (benchmarks compare it on plain SQLite).
pub const BOOKINGS_SCHEMA: &str = "CREATE TABLE bookings (
         starts_at  INTEGER NOT NULL,
         id         TEXT NOT NULL,
         status     TEXT NOT NULL,
         guest_name TEXT NOT NULL,
         version    INTEGER NOT NULL,
         pending    INTEGER NOT NULL,
         data       TEXT NOT NULL,
         PRIMARY KEY (starts_at, id)
     ) WITHOUT ROWID;
     CREATE UNIQUE INDEX bookings_id ON bookings(id);";

pub fn migrate(conn: &Connection) -> Result<(), CoreError> {
    let err = |e: rusqlite::Error| CoreError::Cache(e.to_string());
    // The first read proves the key: a wrong key fails here with "file is not a database".
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(err)?;
    for (i, step) in STEPS.iter().enumerate().skip(current.max(0) as usize) {
        let version = i as i64 + 1;
        conn.execute_batch(&format!("BEGIN; {step} PRAGMA user_version = {version}; COMMIT;")).map_err(err)?;
    }
    Ok(())
}
