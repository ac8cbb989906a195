//! `backup`, `restore` and `backup verify`: a consistent snapshot of the whole database,
//! encrypted in the age format (age-encryption.org/v1, X25519 recipients) as it is
//! written, so Debian's `age -d -i KEY FILE` opens it. Only the public recipient is given
//! to `backup`: the identity that opens backups is never on the machine that makes them.
//!
//! Inside the age file: SQLite — the database file as `VACUUM INTO` writes it (a
//! consistent copy while `serve` keeps writing); PostgreSQL — a `pg_dump` custom-format
//! archive (one transaction snapshot). PostgreSQL's dump and restore need a role that
//! reads and writes past row-level security (the superuser, or a BYPASSRLS role): the
//! tables force RLS on their owner too, so the owner would dump nothing.

use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;
use std::time::Instant;

use sqlx::Connection;

use crate::store::Store;

/// The first bytes of what a backup holds, by backend.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
const PGDUMP_MAGIC: &[u8] = b"PGDMP";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} is not an age X25519 recipient (age1…)")]
    BadRecipient(String),
    #[error("no recipient: give --recipient age1…")]
    NoRecipient,
    #[error("the identity file holds no usable age identity")]
    BadIdentity,
    #[error("this backup does not open with the given identity (or is not an age file)")]
    WrongIdentity,
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    #[error("the backup is of a {found} database, the target is {target}")]
    WrongBackend { found: &'static str, target: &'static str },
    #[error("the target database is not empty ({0}); stop every node first, and give --force to replace it")]
    NotEmpty(String),
    #[error(
        "the target database is still in use (a lock was not granted within {0} s): stop every node serving it and try again"
    )]
    InUse(u64),
    #[error("unsupported database URL (sqlite://PATH or postgres://…)")]
    BadUrl,
    #[error("{program} failed: {stderr}")]
    Tool { program: String, stderr: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Start(#[from] crate::app::StartError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub backend: &'static str,
    pub bytes: u64,
    pub millis: u128,
}

enum Target<'a> {
    Sqlite(&'a Path),
    Postgres(&'a str),
}

fn target(url: &str) -> Result<Target<'_>, BackupError> {
    if let Some(rest) = url.strip_prefix("sqlite://") {
        return Ok(Target::Sqlite(Path::new(rest.split('?').next().unwrap_or(rest))));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Target::Postgres(url));
    }
    Err(BackupError::BadUrl)
}

fn recipients(list: &[String]) -> Result<Vec<age::x25519::Recipient>, BackupError> {
    if list.is_empty() {
        return Err(BackupError::NoRecipient);
    }
    list.iter()
        .map(|r| age::x25519::Recipient::from_str(r.trim()).map_err(|_| BackupError::BadRecipient(r.clone())))
        .collect()
}

fn identities(file: &Path) -> Result<Vec<Box<dyn age::Identity>>, BackupError> {
    let raw = std::fs::read(file)?;
    age::IdentityFile::from_buffer(raw.as_slice())
        .map_err(|_| BackupError::BadIdentity)?
        .into_identities()
        .map_err(|_| BackupError::BadIdentity)
        .and_then(|ids| if ids.is_empty() { Err(BackupError::BadIdentity) } else { Ok(ids) })
}

/// A file created 0600, written whole, then renamed into place: a reader never sees half
/// a backup, and a failed one leaves nothing.
fn write_atomically(
    out: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), BackupError>,
) -> Result<u64, BackupError> {
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.partial", out.file_name().and_then(|n| n.to_str()).unwrap_or("backup")));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(&tmp)?;
    let filled = fill(&mut file).and_then(|()| Ok(file.sync_all()?));
    if let Err(e) = filled {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, out)?;
    Ok(std::fs::metadata(out)?.len())
}

/// Encrypts everything `input` yields to `recipients`, into `output`.
fn encrypt(
    recipients: &[age::x25519::Recipient],
    mut input: impl Read,
    output: &mut std::fs::File,
) -> Result<(), BackupError> {
    let encryptor = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
        .map_err(|e| BackupError::Damaged(e.to_string()))?;
    let mut writer = encryptor.wrap_output(std::io::BufWriter::new(output))?;
    std::io::copy(&mut input, &mut writer)?;
    writer.finish()?.flush()?;
    Ok(())
}

/// Opens a backup: a reader of its plaintext.
fn decrypt(from: &Path, identity: &Path) -> Result<impl Read, BackupError> {
    let ids = identities(identity)?;
    let file = BufReader::new(std::fs::File::open(from)?);
    let decryptor = age::Decryptor::new(file).map_err(|_| BackupError::WrongIdentity)?;
    decryptor.decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity)).map_err(|_| BackupError::WrongIdentity)
}

fn pg_tool(name: &str) -> PathBuf {
    match std::env::var_os("VENUEDESK_PG_BIN") {
        Some(dir) => PathBuf::from(dir).join(name),
        None => PathBuf::from(name),
    }
}

fn tool_failed(program: &str, stderr: &[u8]) -> BackupError {
    // pg_dump and pg_restore name the failing object, never a password.
    BackupError::Tool {
        program: program.into(),
        stderr: String::from_utf8_lossy(stderr).trim().chars().take(2000).collect(),
    }
}

/// `backup --out FILE --recipient age1…`.
pub async fn backup(url: &str, out: &Path, recipient_list: &[String]) -> Result<Summary, BackupError> {
    let recipients = recipients(recipient_list)?;
    let started = Instant::now();
    match target(url)? {
        Target::Sqlite(path) => {
            if !path.is_file() {
                return Err(BackupError::Io(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("no database file at {}", path.display()),
                )));
            }
            // The plain copy lives only in a private (0700) temporary directory, for as long
            // as encrypting it takes.
            let scratch = tempfile::Builder::new().prefix("venuedesk-backup").tempdir()?;
            let copy = scratch.path().join("snapshot.db");
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
            let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
            sqlx::query("VACUUM INTO ?").bind(copy.to_string_lossy().to_string()).execute(&mut conn).await?;
            conn.close().await?;
            let out = out.to_path_buf();
            let bytes = tokio::task::spawn_blocking(move || {
                write_atomically(&out, |f| encrypt(&recipients, std::fs::File::open(&copy)?, f))
            })
            .await
            .map_err(|e| BackupError::Damaged(e.to_string()))??;
            Ok(Summary { backend: "sqlite", bytes, millis: started.elapsed().as_millis() })
        }
        Target::Postgres(url) => {
            let url = url.to_string();
            let out = out.to_path_buf();
            let bytes = tokio::task::spawn_blocking(move || {
                let mut child = Command::new(pg_tool("pg_dump"))
                    .args(["--format=custom", "--compress=6", "--no-password", "--dbname", &url])
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()?;
                let stdout =
                    child.stdout.take().ok_or_else(|| BackupError::Damaged("pg_dump gave no output".into()))?;
                write_atomically(&out, |f| {
                    encrypt(&recipients, stdout, f)?;
                    let done = child.wait_with_output()?;
                    if done.status.success() { Ok(()) } else { Err(tool_failed("pg_dump", &done.stderr)) }
                })
            })
            .await
            .map_err(|e| BackupError::Damaged(e.to_string()))??;
            Ok(Summary { backend: "postgresql", bytes, millis: started.elapsed().as_millis() })
        }
    }
}

/// Whether a database already holds tables (a restore would overwrite someone's data).
async fn holds_tables(url: &str) -> Result<Option<String>, BackupError> {
    match target(url)? {
        Target::Sqlite(path) => {
            if !path.is_file() || std::fs::metadata(path)?.len() == 0 {
                return Ok(None);
            }
            let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true);
            let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
                .fetch_one(&mut conn)
                .await?;
            conn.close().await?;
            Ok((n > 0).then(|| format!("{n} tables in {}", path.display())))
        }
        Target::Postgres(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")
                .fetch_one(&mut conn)
                .await?;
            conn.close().await?;
            Ok((n > 0).then(|| format!("{n} tables")))
        }
    }
}

/// Decrypts `from` into a new file beside `dir`'s other files; checks what backend it is.
fn decrypt_to(from: &Path, identity: &Path, dest: &Path) -> Result<&'static str, BackupError> {
    let mut reader = decrypt(from, identity)?;
    let mut head = [0u8; 16];
    let mut filled = 0;
    while filled < head.len() {
        match reader.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) => return Err(BackupError::Damaged(e.to_string())),
        }
    }
    let backend = if head[..filled].starts_with(SQLITE_MAGIC) {
        "sqlite"
    } else if head[..filled].starts_with(PGDUMP_MAGIC) {
        "postgresql"
    } else {
        return Err(BackupError::Damaged("neither a SQLite database nor a pg_dump archive inside".into()));
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(dest)?;
    file.write_all(&head[..filled])?;
    // A truncated or altered age file fails its authentication here, not silently.
    std::io::copy(&mut reader, &mut file).map_err(|e| BackupError::Damaged(e.to_string()))?;
    file.sync_all()?;
    Ok(backend)
}

/// `restore --from FILE --identity KEY_FILE [--force]`: every node must be stopped.
pub async fn restore(
    url: &str,
    from: &Path,
    identity: &Path,
    force: bool,
    wait_secs: u64,
) -> Result<Summary, BackupError> {
    let started = Instant::now();
    if let Some(what) = holds_tables(url).await?
        && !force
    {
        return Err(BackupError::NotEmpty(what));
    }
    let scratch = tempfile::Builder::new().prefix("venuedesk-restore").tempdir()?;
    let plain = scratch.path().join("backup.plain");
    let (from_c, identity_c, plain_c) = (from.to_path_buf(), identity.to_path_buf(), plain.clone());
    let found = tokio::task::spawn_blocking(move || decrypt_to(&from_c, &identity_c, &plain_c))
        .await
        .map_err(|e| BackupError::Damaged(e.to_string()))??;
    let bytes = std::fs::metadata(&plain)?.len();
    match target(url)? {
        Target::Sqlite(path) => {
            if found != "sqlite" {
                return Err(BackupError::WrongBackend { found, target: "sqlite" });
            }
            check_sqlite(&plain).await?;
            // Into place in one rename; the old WAL and shared memory must not be replayed
            // over the restored file.
            let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)?;
            let staged = dir.join(".restore.partial");
            std::fs::copy(&plain, &staged)?;
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", path.display()));
                if side.exists() {
                    std::fs::remove_file(side)?;
                }
            }
            std::fs::rename(&staged, path)?;
            Ok(Summary { backend: "sqlite", bytes, millis: started.elapsed().as_millis() })
        }
        Target::Postgres(url) => {
            if found != "postgresql" {
                return Err(BackupError::WrongBackend { found, target: "postgresql" });
            }
            if force {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                // A node still serving the database may hold a lock: say so instead of
                // waiting for ever. The drop is one statement, so a refusal changes nothing.
                sqlx::query(sqlx::AssertSqlSafe(format!("SET lock_timeout = '{}s'", wait_secs.max(1))))
                    .execute(&mut conn)
                    .await?;
                sqlx::query("DROP SCHEMA public CASCADE").execute(&mut conn).await.map_err(|e| match &e {
                    sqlx::Error::Database(d) if d.code().as_deref() == Some("55P03") => BackupError::InUse(wait_secs),
                    _ => BackupError::Database(e),
                })?;
                sqlx::query("CREATE SCHEMA public").execute(&mut conn).await?;
                conn.close().await?;
            }
            pg_restore(url, &plain).await?;
            Ok(Summary { backend: "postgresql", bytes, millis: started.elapsed().as_millis() })
        }
    }
}

async fn check_sqlite(file: &Path) -> Result<(), BackupError> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file).read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await?;
    conn.close().await?;
    if verdict == "ok" { Ok(()) } else { Err(BackupError::Damaged(format!("integrity check: {verdict}"))) }
}

async fn pg_restore(url: &str, archive: &Path) -> Result<(), BackupError> {
    let (url, archive) = (url.to_string(), archive.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let done = Command::new(pg_tool("pg_restore"))
            .args(["--exit-on-error", "--single-transaction", "--no-password", "--dbname", &url])
            .arg(&archive)
            .stdin(Stdio::null())
            .output()?;
        if done.status.success() { Ok(()) } else { Err(tool_failed("pg_restore", &done.stderr)) }
    })
    .await
    .map_err(|e| BackupError::Damaged(e.to_string()))?
}

/// What `backup verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub backend: &'static str,
    /// (venue, events verified) for each intact chain.
    pub intact: Vec<(uuid::Uuid, u64)>,
    /// (venue, first broken seq, reason).
    pub broken: Vec<(uuid::Uuid, i64, String)>,
}

/// `backup verify`: restores into a scratch database (SQLite: a temporary file;
/// PostgreSQL: a new database on the same server, dropped afterwards) and checks every
/// venue's audit chain there.
pub async fn verify(url: &str, from: &Path, identity: &Path) -> Result<Verified, BackupError> {
    let scratch = tempfile::Builder::new().prefix("venuedesk-verify").tempdir()?;
    let plain = scratch.path().join("backup.plain");
    let (from_c, identity_c, plain_c) = (from.to_path_buf(), identity.to_path_buf(), plain.clone());
    let found = tokio::task::spawn_blocking(move || decrypt_to(&from_c, &identity_c, &plain_c))
        .await
        .map_err(|e| BackupError::Damaged(e.to_string()))??;
    match found {
        "sqlite" => {
            check_sqlite(&plain).await?;
            let store = crate::app::open_store(&format!("sqlite://{}", plain.display())).await?;
            chains(store.as_ref(), "sqlite").await
        }
        _ => {
            let Target::Postgres(server) = target(url)? else {
                return Err(BackupError::WrongBackend { found, target: "sqlite" });
            };
            let mut admin = sqlx::PgConnection::connect(server).await?;
            let name = format!("venuedesk_verify_{}", uuid::Uuid::new_v4().simple());
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await?;
            let mut scratch_url = reqwest::Url::parse(server).map_err(|_| BackupError::BadUrl)?;
            scratch_url.set_path(&name);
            let result = async {
                pg_restore(scratch_url.as_str(), &plain).await?;
                let store = crate::app::open_store(scratch_url.as_str()).await?;
                let verified = chains(store.as_ref(), "postgresql").await;
                drop(store);
                verified
            }
            .await;
            // Closed pools first; then the scratch database goes, whatever happened.
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            let dropped = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut admin)
                .await;
            admin.close().await.ok();
            let verified = result?;
            dropped?;
            Ok(verified)
        }
    }
}

async fn chains(store: &dyn Store, backend: &'static str) -> Result<Verified, BackupError> {
    let mut v = Verified { backend, intact: Vec::new(), broken: Vec::new() };
    for venue in store.venue_ids().await? {
        match crate::audit::chain::verify_store(store, venue).await? {
            Ok(n) => v.intact.push((venue, n)),
            Err(e) => v.broken.push((venue, e.seq, e.reason)),
        }
    }
    Ok(v)
}

/// Deletes `*.age` files older than `days` in the directory of `kept` (never `kept`).
pub fn prune_old(kept: &Path, days: u32) -> Result<Vec<PathBuf>, BackupError> {
    let dir = kept.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(u64::from(days) * 86_400);
    let mut deleted = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let is_backup = path.extension().is_some_and(|e| e == "age") && path.is_file();
        if !is_backup || path.file_name() == kept.file_name() {
            continue;
        }
        if std::fs::metadata(&path)?.modified()? < cutoff {
            std::fs::remove_file(&path)?;
            deleted.push(path);
        }
    }
    deleted.sort();
    Ok(deleted)
}
