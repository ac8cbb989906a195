//! `venuedesk-bench operations`: `backup` and `restore` of a database holding 1,000,000
//! audit events, on SQLite and (given a server) PostgreSQL, side by side in one run. Each
//! is the real `venuedesk-platform` binary run as a child; its time and peak RSS (from
//! wait4) are printed.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use age::secrecy::ExposeSecret;
use anyhow::{Context, Result, bail};
use sqlx::Connection;

use super::domain::{FILL_CANONICAL, fill_audit_sqlite, owner_and_venue};
use super::postgres::fresh_database;
use super::start_nodes;

struct Run {
    seconds: f64,
    peak_rss_mib: f64,
}

/// Runs the platform binary (beside this one) and measures it.
fn timed(args: &[&str]) -> Result<Run> {
    let exe = std::env::current_exe()?.with_file_name("venuedesk-platform");
    if !exe.is_file() {
        bail!("{} not found: build it with cargo build --release -p venuedesk-platform", exe.display());
    }
    let began = Instant::now();
    let child = Command::new(&exe).args(args).stdout(std::process::Stdio::null()).spawn()?;
    let pid = i32::try_from(child.id())?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; `status` and `usage` outlive the call.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let seconds = began.elapsed().as_secs_f64();
    if waited != pid || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("venuedesk-platform {} failed (status {status})", args.first().unwrap_or(&""));
    }
    Ok(Run { seconds, peak_rss_mib: usage.ru_maxrss as f64 / 1024.0 })
}

fn mib(path: &Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len() as f64 / 1_048_576.0).unwrap_or(0.0)
}

struct Figures {
    database_mib: f64,
    backup_mib: f64,
    backup: Run,
    restore: Run,
}

pub async fn run(events: u64, postgres: Option<(&str, &str, &str, &str)>) -> Result<()> {
    println!(
        "venuedesk-bench operations: backup and restore of {events} audit events (the real binary, age-encrypted)"
    );
    let work = tempfile::tempdir()?;
    let identity = age::x25519::Identity::generate();
    let key_file = work.path().join("identity.txt");
    std::fs::write(&key_file, identity.to_string().expose_secret())?;
    let recipient = identity.to_public().to_string();

    let sqlite = sqlite_figures(events, work.path(), &key_file, &recipient).await?;
    print_figures("SQLite", &sqlite);
    if let Some((owner, admin, app_role, app_password)) = postgres {
        let pg =
            postgres_figures(events, owner, admin, app_role, app_password, work.path(), &key_file, &recipient).await?;
        print_figures("PostgreSQL", &pg);
        println!();
        println!(
            "PostgreSQL / SQLite: backup {:.2}x the time, restore {:.2}x",
            pg.backup.seconds / sqlite.backup.seconds.max(1e-9),
            pg.restore.seconds / sqlite.restore.seconds.max(1e-9)
        );
    }
    Ok(())
}

fn print_figures(name: &str, f: &Figures) {
    println!();
    println!("{name}: database {:.0} MiB, backup file {:.0} MiB", f.database_mib, f.backup_mib);
    println!("  backup    {:7.1} s   peak RSS {:6.1} MiB", f.backup.seconds, f.backup.peak_rss_mib);
    println!("  restore   {:7.1} s   peak RSS {:6.1} MiB", f.restore.seconds, f.restore.peak_rss_mib);
}

async fn sqlite_figures(events: u64, dir: &Path, key_file: &Path, recipient: &str) -> Result<Figures> {
    let nodes = tempfile::tempdir()?;
    let db = nodes.path().join("bench.db");
    let url = format!("sqlite://{}", db.display());
    let t = start_nodes(&url, 1, nodes).await?;
    let (_, vid) = owner_and_venue(&t, "backup").await?;
    fill_audit_sqlite(&url, &vid, events).await?;
    let out = dir.join("sqlite.age");
    let backup =
        timed(&["backup", "--database", &url, "--out", path(&out)?, "--recipient", recipient, "--prune-days", "0"])?;
    let restored = format!("sqlite://{}", dir.join("restored.db").display());
    let restore = timed(&["restore", "--database", &restored, "--from", path(&out)?, "--identity", path(key_file)?])?;
    Ok(Figures { database_mib: mib(&db), backup_mib: mib(&out), backup, restore })
}

#[allow(clippy::too_many_arguments)]
async fn postgres_figures(
    events: u64,
    owner: &str,
    admin: &str,
    app_role: &str,
    app_password: &str,
    dir: &Path,
    key_file: &Path,
    recipient: &str,
) -> Result<Figures> {
    let app_url = fresh_database(owner, app_role, app_password).await?;
    let t = start_nodes(&app_url, 1, tempfile::tempdir()?).await?;
    let (_, vid) = owner_and_venue(&t, "backup").await?;
    let name = reqwest::Url::parse(&app_url)?.path().trim_start_matches('/').to_string();
    let mut admin_db = reqwest::Url::parse(admin)?;
    admin_db.set_path(&name);
    let mut conn = sqlx::PgConnection::connect(admin_db.as_str()).await?;
    sqlx::query(
        "INSERT INTO audit_events (venue_id, seq, id, at_ms, actor_id, action, canonical, prev_hash, hash) \
         SELECT $1::uuid, 1000 + i, gen_random_uuid(), 0, NULL, 'booking.create', $2, repeat('0', 64), lpad(i::text, 64, '0') \
         FROM generate_series(1, $3::bigint) AS i",
    )
    .bind(&vid)
    .bind(FILL_CANONICAL)
    .bind(events as i64)
    .execute(&mut conn)
    .await?;
    let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())").fetch_one(&mut conn).await?;
    let restored = format!("vd_restored_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {restored} OWNER venuedesk_owner")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let out = dir.join("postgres.age");
    let backup = timed(&[
        "backup",
        "--database",
        admin_db.as_str(),
        "--out",
        path(&out)?,
        "--recipient",
        recipient,
        "--prune-days",
        "0",
    ])?;
    let mut target = reqwest::Url::parse(admin)?;
    target.set_path(&restored);
    let restore =
        timed(&["restore", "--database", target.as_str(), "--from", path(&out)?, "--identity", path(key_file)?])?;
    Ok(Figures { database_mib: size as f64 / 1_048_576.0, backup_mib: mib(&out), backup, restore })
}

fn path(p: &Path) -> Result<&str> {
    p.to_str().context("a path that is not UTF-8")
}
