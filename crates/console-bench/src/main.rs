//! `venuedesk-console-bench`: measured side by side in one run against a loopback
//! platform on SQLite —
//! 1. draining N queued booking creates through sync vs sending the same creates straight
//!    through the API client;
//! 2. the initial pull of M bookings into the encrypted cache (rows/s, peak RSS);
//! 3. the cache's day-view query over M bookings on SQLCipher vs the same schema on plain
//!    SQLite.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;
use venuedesk_api::venue::Booking;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::sync::NewBooking;
use venuedesk_console_core::{ApiClient, LoginOutcome, MemoryKeychain, Session};
use venuedesk_platform::crypto::MasterKey;

const PASSWORD: &str = "Bench-Mark-Phrase-2026!";

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Env {
    base: String,
    state: venuedesk_platform::state::AppState,
    session: Session,
    keychain: Arc<MemoryKeychain>,
    _dir: tempfile::TempDir,
}

async fn env() -> Result<Env> {
    let dir = tempfile::tempdir()?;
    let store = venuedesk_platform::app::open_store(&format!("sqlite://{}", dir.path().join("p.db").display())).await?;
    let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key"))?;
    let platform = venuedesk_platform::app::build(
        store,
        master,
        venuedesk_platform::state::Settings::default(),
        Arc::new(venuedesk_platform::clock::SystemClock),
        "bench".into(),
    )
    .await?;
    let state = platform.state.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(venuedesk_platform::app::serve_http(listener, platform.router, std::future::pending()));
    reqwest::Client::new()
        .post(format!("{base}/v1/auth/signup"))
        .json(&json!({"email": "bench@example.com", "password": PASSWORD, "display_name": "Bench"}))
        .send()
        .await?;
    let keychain = Arc::new(MemoryKeychain::default());
    let LoginOutcome::SignedIn(session) = Session::login(
        ApiClient::new(&base)?,
        keychain.clone(),
        "bench@example.com",
        &SecretString::from(PASSWORD),
        "bench",
    )
    .await?
    else {
        bail!("unexpected MFA")
    };
    Ok(Env { base, state, session, keychain, _dir: dir })
}

async fn venue(e: &Env, name: &str) -> Result<Uuid> {
    let v: Value = e
        .session
        .call(
            Method::POST,
            "/v1/venues",
            Some(&json!({"name": name, "timezone": "UTC", "capacity": 100_000})),
            None,
            None,
        )
        .await?;
    Ok(v["id"].as_str().context("venue id")?.parse()?)
}

/// Midnight UTC tomorrow, plus `i` quarter hours.
fn slot(i: usize) -> time::OffsetDateTime {
    let tomorrow = time::OffsetDateTime::now_utc().date().next_day().unwrap_or(time::OffsetDateTime::now_utc().date());
    tomorrow.midnight().assume_utc() + time::Duration::minutes(15 * (i % 30_000) as i64)
}

async fn sync_vs_direct(e: &Env, n: usize) -> Result<(f64, f64)> {
    // Alternating rounds, so neither side gets the emptier database or the quieter moment.
    const ROUNDS: usize = 5;
    let per = n / ROUNDS;
    let direct_vid = venue(e, "direct").await?;
    let vid = venue(e, "sync").await?;
    let dir = tempfile::tempdir()?;
    let mut cache = Cache::open(
        dir.path(),
        CacheId { server: e.base.clone(), email: "bench@example.com".into(), venue_id: vid },
        e.keychain.clone(),
    )?;
    let (mut direct_time, mut sync_time) = (Duration::ZERO, Duration::ZERO);
    for round in 0..ROUNDS {
        // Direct: the same creates, one request after another, through the API client.
        let begin = Instant::now();
        for i in round * per..(round + 1) * per {
            let body = json!({"guest_name": format!("D{i}"), "party_size": 2, "starts_at": slot(i).format(&time::format_description::well_known::Rfc3339)?, "duration_minutes": 90});
            let _: Value = e
                .session
                .call(Method::POST, &format!("/v1/venues/{direct_vid}/bookings"), Some(&body), None, None)
                .await?;
        }
        direct_time += begin.elapsed();
        // Sync: queued offline first (not timed), then drained.
        for i in round * per..(round + 1) * per {
            cache.create_booking(
                vid,
                NewBooking {
                    guest_name: format!("S{i}"),
                    party_size: 2,
                    starts_at: slot(i),
                    duration_minutes: 90,
                    notes: None,
                    customer_id: None,
                },
            )?;
        }
        let begin = Instant::now();
        let report = cache.drain(&e.session, &mut |_, _| {}).await?;
        sync_time += begin.elapsed();
        if report.remaining != 0 || report.sent as usize != per {
            bail!("drain: {report:?}");
        }
    }
    let total = (per * ROUNDS) as f64;
    Ok((total / sync_time.as_secs_f64(), total / direct_time.as_secs_f64()))
}

/// Fills a venue with `m` bookings straight in the store (fast), then pulls them.
async fn initial_pull(e: &Env, m: usize) -> Result<(f64, f64, f64, Cache, tempfile::TempDir)> {
    let vid = venue(e, "pull").await?;
    // m bookings, 300 days from tomorrow: about m / 300 a day.
    venuedesk_platform::demo::bulk_bookings(&e.state, vid, m, slot(0), 300)
        .await
        .map_err(|x| anyhow::anyhow!("{x}"))?;
    let dir = tempfile::tempdir()?;
    let mut cache = Cache::open(
        dir.path(),
        CacheId { server: e.base.clone(), email: "bench@example.com".into(), venue_id: vid },
        e.keychain.clone(),
    )?;
    let before = peak_rss_mib();
    let begin = Instant::now();
    let pulled = cache.pull(&e.session, vid, &mut |_, _| {}).await?;
    let rate = pulled as f64 / begin.elapsed().as_secs_f64();
    // The feed also carries the venue's members and roles (a handful of rows).
    if (pulled as usize) < m {
        bail!("pulled {pulled} rows for {m} bookings");
    }
    Ok((rate, before, peak_rss_mib(), cache, dir))
}

/// The day view over the same rows in SQLCipher and in plain SQLite: `warm` on the
/// connections that wrote the rows (pages already in each page cache, as on a console
/// that has been running), `cold` on freshly opened connections, each day read once (the
/// first look at each day after launch: SQLCipher decrypts every page it reads).
struct DayView {
    warm: (Duration, Duration),
    cold: (Duration, Duration),
}

fn day_view(cache: &Cache, reopen: impl Fn() -> Result<Cache>, rounds: usize) -> Result<DayView> {
    let plain_dir = tempfile::tempdir()?;
    let plain = rusqlite::Connection::open(plain_dir.path().join("plain.db"))?;
    // The same schema and connection settings as the cache, without encryption.
    plain.execute_batch(venuedesk_console_core::cache::PRAGMAS)?;
    plain.execute_batch(venuedesk_console_core::cache::schema::BOOKINGS_SCHEMA)?;
    let day_start = slot(0);
    let all =
        cache.bookings(day_start - time::Duration::days(1), day_start + time::Duration::days(10_000), None, None)?;
    {
        let tx = plain.unchecked_transaction()?;
        let mut stmt = tx.prepare("INSERT INTO bookings (id, starts_at, status, guest_name, version, pending, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        for (b, pending) in &all {
            stmt.execute(rusqlite::params![
                b.id.to_string(),
                b.starts_at.unix_timestamp(),
                b.status.as_str(),
                b.guest_name.to_lowercase(),
                b.version,
                pending,
                serde_json::to_string(b)?
            ])?;
        }
        drop(stmt);
        tx.commit()?;
    }
    // The cache's own day-view statement, word for word.
    let query = "SELECT data, pending FROM bookings WHERE starts_at >= ?1 AND starts_at < ?2 \
                 AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR guest_name LIKE ?4 ESCAPE '\\') ORDER BY starts_at, id";
    let measure = |cache: &Cache, plain: &rusqlite::Connection| -> Result<(Duration, Duration)> {
        let mut encrypted = Duration::ZERO;
        let mut unencrypted = Duration::ZERO;
        for r in 0..rounds {
            let from = day_start + time::Duration::days((r % 300) as i64);
            let to = from + time::Duration::days(1);
            let t = Instant::now();
            let rows = cache.bookings(from, to, None, None)?;
            encrypted += t.elapsed();
            let t = Instant::now();
            let mut stmt = plain.prepare_cached(query)?;
            let plain_rows: Vec<(String, bool)> = stmt
                .query_map(
                    rusqlite::params![from.unix_timestamp(), to.unix_timestamp(), None::<String>, None::<String>],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?
                .collect::<Result<_, _>>()?;
            let decoded: Vec<Booking> =
                plain_rows.iter().map(|(d, _)| serde_json::from_str(d)).collect::<Result<_, _>>()?;
            unencrypted += t.elapsed();
            if decoded.len() != rows.len() {
                bail!("the two databases disagree");
            }
        }
        Ok((encrypted / rounds as u32, unencrypted / rounds as u32))
    };
    let warm = measure(cache, &plain)?;
    let fresh_cache = reopen()?;
    let fresh_plain = rusqlite::Connection::open(plain_dir.path().join("plain.db"))?;
    fresh_plain.execute_batch(venuedesk_console_core::cache::PRAGMAS)?;
    let cold = measure(&fresh_cache, &fresh_plain)?;
    Ok(DayView { warm, cold })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let m: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let e = env().await?;
    println!("venuedesk-console-bench: loopback platform on SQLite; {n} queued creates, {m} bookings pulled");

    let (synced, direct) = sync_vs_direct(&e, n).await?;
    println!();
    println!("draining {n} queued booking creates vs the same creates straight through the API client");
    println!("  sync (outbox drain)    {synced:10.0}/s");
    println!("  direct (API client)    {direct:10.0}/s");
    println!(
        "  ratio sync/direct      {:10.2}x  (target >= 0.8x: {})",
        synced / direct,
        if synced / direct >= 0.8 { "met" } else { "MISSED" }
    );

    let (rate, before, after, cache, cache_dir) = initial_pull(&e, m).await?;
    println!();
    println!("initial pull of {m} bookings into the encrypted cache");
    println!("  rows/s                 {rate:10.0}");
    println!("  peak RSS               {before:.1} MiB before, {after:.1} MiB after");

    let reopen = || {
        Ok(Cache::open(
            cache_dir.path(),
            CacheId { server: e.base.clone(), email: "bench@example.com".into(), venue_id: cache.id().venue_id },
            e.keychain.clone(),
        )?)
    };
    let view = day_view(&cache, reopen, 300)?;
    println!();
    println!("day view over {m} bookings (one day, {} rows), mean of 300 queries", m / 300);
    for (label, (enc, plain)) in
        [("running console (page cache warm)", view.warm), ("first look after launch", view.cold)]
    {
        let ratio = enc.as_secs_f64() / plain.as_secs_f64().max(f64::EPSILON);
        println!("  {label}");
        println!("    SQLCipher            {:10.3} ms", enc.as_secs_f64() * 1000.0);
        println!("    plain SQLite         {:10.3} ms", plain.as_secs_f64() * 1000.0);
        println!(
            "    ratio                {ratio:10.2}x  (target <= 1.3x: {})",
            if ratio <= 1.3 { "met" } else { "MISSED" }
        );
    }
    // Close the caches before the platform's runtime goes, so nothing is torn down under
    // a live connection at exit.
    drop(cache);
    drop(cache_dir);
    Ok(())
}
