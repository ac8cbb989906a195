//! `venuedesk-bench domain`: booking creates through the HTTP API (auth + idempotency +
//! capacity + audit + change feed) against the same store writes made directly, one
//! transaction per booking; GET bookings p99; and a 1,000,000-event audit export's memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use uuid::Uuid;
use venuedesk_api::venue::Booking;
use venuedesk_platform::domain::sealed;
use venuedesk_platform::store::{DocRecord, DocWrite, Entity};

use super::{PASSWORD, Target, ms, percentile, start};

pub(super) const CLIENTS: usize = 32;

/// Peak resident memory of this process so far (VmHWM), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub(super) fn start_at(n: u64) -> time::OffsetDateTime {
    // Spread over a year of quarter hours, so capacity checks see realistic overlaps.
    let now = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or(time::OffsetDateTime::now_utc());
    now + time::Duration::days(1) + time::Duration::minutes(15 * (n % 35_000) as i64)
}

pub(super) async fn owner_and_venue(t: &Target, name: &str) -> Result<(String, String)> {
    let email = format!("{name}@bench.test");
    t.post("/v1/auth/signup", json!({"email": email, "password": PASSWORD, "display_name": "Bench"})).await?;
    let token = t.login(&email).await?["access_token"].as_str().context("token")?.to_string();
    let res = t
        .client
        .post(format!("{}/v1/venues", t.base))
        .bearer_auth(&token)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&json!({"name": name, "timezone": "Europe/London", "capacity": 100_000}))
        .send()
        .await?;
    let v: Value = res.json().await?;
    Ok((token, v["id"].as_str().context("venue id")?.to_string()))
}

/// Booking creates through the API from 32 clients, spread over the target's nodes.
pub(super) async fn api_creates(t: &Arc<Target>, run_for: Duration) -> Result<f64> {
    let (token, vid) = owner_and_venue(t, "api").await?;
    let counter = Arc::new(AtomicU64::new(0));
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let (t, token, vid, counter) = (t.clone(), token.clone(), vid.clone(), counter.clone());
        let base = t.bases[client % t.bases.len()].clone();
        tasks.push(tokio::spawn(async move {
            while begin.elapsed() < run_for {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let at = start_at(n).format(&time::format_description::well_known::Rfc3339)?;
                let res = t
                    .client
                    .post(format!("{base}/v1/venues/{vid}/bookings"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", Uuid::new_v4().to_string())
                    .json(&json!({"guest_name": format!("Guest {n}"), "party_size": 2, "starts_at": at, "duration_minutes": 90}))
                    .send()
                    .await?;
                if res.status() != 201 {
                    bail!("booking create answered {}", res.status());
                }
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(counter.load(Ordering::Relaxed) as f64 / begin.elapsed().as_secs_f64())
}

/// The same writes the API makes (sealed document, capacity check, audit event, change
/// feed row, one transaction each), straight to the store: the design's physical limit.
pub(super) async fn direct_creates(t: &Arc<Target>, run_for: Duration) -> Result<f64> {
    let (_, vid) = owner_and_venue(t, "direct").await?;
    let vid: Uuid = vid.parse()?;
    let counter = Arc::new(AtomicU64::new(0));
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (state, counter) = (t.state.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            while begin.elapsed() < run_for {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let now = time::OffsetDateTime::now_utc();
                let starts_at = start_at(n);
                let b = Booking {
                    id: Uuid::now_v7(),
                    guest_name: format!("Guest {n}"),
                    customer_id: None,
                    party_size: 2,
                    starts_at,
                    ends_at: starts_at + time::Duration::minutes(90),
                    duration_minutes: 90,
                    status: venuedesk_api::BookingStatus::Confirmed,
                    notes: None,
                    version: 1,
                    created_at: now,
                    table_ids: Vec::new(),
                    source: venuedesk_api::venue::BookingSource::Phone,
                };
                let doc = DocRecord {
                    entity: Entity::Booking,
                    id: b.id,
                    version: 1,
                    status: Some(b.status.as_str().to_owned()),
                    starts_at: Some(b.starts_at),
                    ends_at: Some(b.ends_at),
                    party_size: Some(2),
                    ref_id: None,
                    data_enc: sealed::seal(&state, vid, b.id, &b).await.map_err(|e| anyhow::anyhow!("{e:?}"))?,
                    created_at: now,
                    deleted: false,
                    tables: None,
                };
                let guest = sealed::pii(&state, &sealed::guest_scope(vid, b.id), &b.guest_name)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let audit = venuedesk_platform::audit::AuditDraft {
                    venue_id: vid,
                    id: Uuid::now_v7(),
                    at: now,
                    actor: venuedesk_platform::audit::Actor::System,
                    action: "booking.create".into(),
                    target_type: "booking".into(),
                    target_id: Some(b.id.to_string()),
                    request_id: None,
                    ip: None,
                    details: json!({"guest_name": guest, "party_size": 2}),
                };
                state.store.write_docs(vid, &[DocWrite { doc, expected_version: None }], true, &[], audit).await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(counter.load(Ordering::Relaxed) as f64 / begin.elapsed().as_secs_f64())
}

pub(super) async fn day_view_p99(t: &Arc<Target>, run_for: Duration) -> Result<(Duration, Duration, usize)> {
    let (token, vid) = owner_and_venue(t, "dayview").await?;
    let day = (time::OffsetDateTime::now_utc() + time::Duration::days(2)).date();
    for i in 0..50 {
        let at = format!("{day}T{:02}:{:02}:00Z", 10 + i / 6, (i % 6) * 10);
        let res = t
            .client
            .post(format!("{}/v1/venues/{vid}/bookings", t.base))
            .bearer_auth(&token)
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .json(
                &json!({"guest_name": format!("Guest {i}"), "party_size": 2, "starts_at": at, "duration_minutes": 90}),
            )
            .send()
            .await?;
        if res.status() != 201 {
            bail!("seeding the day answered {}", res.status());
        }
    }
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (t, token, url) =
            (t.clone(), token.clone(), format!("{}/v1/venues/{vid}/bookings?from={day}&to={day}", t.base));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while begin.elapsed() < run_for {
                let s = Instant::now();
                let res = t.client.get(&url).bearer_auth(&token).send().await?;
                let v: Value = res.json().await?;
                if v["items"].as_array().map_or(0, Vec::len) != 50 {
                    bail!("the day view did not hold 50 bookings");
                }
                lat.push(s.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    all.sort();
    Ok((percentile(&all, 0.5), percentile(&all, 0.99), all.len()))
}

/// The canonical text every filled audit event carries.
pub(super) const FILL_CANONICAL: &str = r#"{"action":"booking.create","actor":{"id":null,"type":"system"},"at":"2026-11-26T18:30:00.000Z","details":{"guest_name":"pii:v1:venue:x:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","party_size":2},"id":"00000000-0000-0000-0000-000000000000","ip":"127.0.0.1","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","request_id":"bench","seq":0,"target":{"id":"b","type":"booking"}}"#;

/// Fills a venue's audit trail on SQLite with `n` events in one statement (a valid chain is
/// not needed to measure streaming, backups or restores: the bytes count).
pub(super) async fn fill_audit_sqlite(url: &str, vid: &str, n: u64) -> Result<()> {
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await?;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) \
         INSERT INTO audit_events (venue_id, seq, id, at_ms, actor_id, action, canonical, prev_hash, hash) \
         SELECT ?, 1000 + i, hex(randomblob(16)), 0, NULL, 'booking.create', ?, printf('%064d', 0), printf('%064d', i) FROM n",
    )
    .bind(n as i64)
    .bind(vid)
    .bind(FILL_CANONICAL)
    .execute(&mut conn)
    .await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
    <sqlx::SqliteConnection as sqlx::Connection>::close(conn).await?;
    Ok(())
}

/// Fills a venue's audit trail, then streams the JSON Lines export and reports memory.
async fn export_memory(t: &Arc<Target>, n: u64) -> Result<(f64, f64, u64, u64, Duration)> {
    let (token, vid) = owner_and_venue(t, "export").await?;
    let db = t.dir.path().join("bench.db");
    fill_audit_sqlite(&format!("sqlite://{}", db.display()), &vid, n).await?;
    let before = peak_rss_mib();
    let begin = Instant::now();
    let mut res = t
        .client
        .get(format!("{}/v1/venues/{vid}/audit/export?format=jsonl", t.base))
        .bearer_auth(&token)
        .send()
        .await?;
    let (mut bytes, mut lines) = (0u64, 0u64);
    while let Some(chunk) = res.chunk().await? {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    Ok((before, peak_rss_mib(), bytes, lines, begin.elapsed()))
}

pub async fn run(seconds: u64, audit_events: u64) -> Result<()> {
    let run_for = Duration::from_secs(seconds);
    let t = Arc::new(start().await?);
    println!("venuedesk-bench domain: loopback platform on SQLite, {seconds} s per measurement, {CLIENTS} clients");

    let (before, after, bytes, lines, took) = export_memory(&t, audit_events).await?;
    println!();
    println!("audit export (JSON Lines), {audit_events} events");
    println!(
        "  streamed               {lines} rows, {:.1} MiB in {:.1} s",
        bytes as f64 / 1_048_576.0,
        took.as_secs_f64()
    );
    println!(
        "  peak RSS               {before:.1} MiB before, {after:.1} MiB after (export size / peak RSS = {:.1}x)",
        bytes as f64 / 1_048_576.0 / after.max(1.0)
    );

    let api = api_creates(&t, run_for).await?;
    let direct = direct_creates(&t, run_for).await?;
    println!();
    println!("booking creates, {CLIENTS} concurrent clients");
    println!("  through the HTTP API   {api:10.0}/s");
    println!("  direct to the store    {direct:10.0}/s");
    println!(
        "  ratio API/direct       {:10.2}x  (target >= 0.5x: {})",
        api / direct,
        if api / direct >= 0.5 { "met" } else { "MISSED" }
    );

    let (p50, p99, n) = day_view_p99(&t, run_for).await?;
    println!();
    println!("GET bookings (one day, 50 rows), {CLIENTS} concurrent clients");
    println!("  requests               {n:10}");
    println!("  p50                    {:10.2} ms", ms(p50));
    println!(
        "  p99                    {:10.2} ms   (target <= 10 ms: {})",
        ms(p99),
        if ms(p99) <= 10.0 { "met" } else { "MISSED" }
    );

    let (token, vid) = owner_and_venue(&t, "overlap").await?;
    let took = super::overlap::overlapping_creates(&t, &token, &vid, 4_010).await?;
    let (early, late) = (super::overlap::median_around(&took, 100), super::overlap::median_around(&took, 4_000));
    let ratio = late.as_secs_f64() / early.as_secs_f64().max(f64::EPSILON);
    println!();
    println!("booking creates that all overlap (capacity check over the pile), one client");
    println!("  the 100th              {:10.2} ms (median of 21)", ms(early));
    println!("  the 4,000th            {:10.2} ms (median of 21)", ms(late));
    println!("  ratio 4,000th/100th    {ratio:10.2}x  (target <= 3x: {})", if ratio <= 3.0 { "met" } else { "MISSED" });
    Ok(())
}
