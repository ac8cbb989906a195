//! `venuedesk-bench postgres`: the same auth and domain runs on SQLite and on PostgreSQL,
//! printed side by side in one run, then booking creates through the API over 1, 2 and 3
//! nodes sharing one PostgreSQL database. Each PostgreSQL run gets a fresh database,
//! created by the owner role, migrated as the owner and served as the application role.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use reqwest::Url;
use serde_json::json;
use sqlx::Connection;
use venuedesk_platform::app;
use venuedesk_platform::store::postgres::PoolSettings;

use super::domain::{CLIENTS, api_creates, day_view_p99, direct_creates};
use super::{PASSWORD, Target, direct_rotations_on, ms, rotations, start, start_nodes};

/// Connections per node: enough for 32 clients without queueing on the pool.
pub fn bench_pool() -> PoolSettings {
    PoolSettings { max_connections: 16, ..PoolSettings::default() }
}

/// A fresh database; returns the application role's URL.
pub(super) async fn fresh_database(owner: &str, app_role: &str, app_password: &str) -> Result<String> {
    let name = format!("vd_bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect_with(&sqlx::postgres::PgConnectOptions::from_str(owner)?).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await?;
    conn.close().await?;
    let mut owner_url = Url::parse(owner)?;
    owner_url.set_path(&name);
    app::migrate_database(owner_url.as_str(), PoolSettings::default(), app_role).await?;
    let mut app_url = owner_url;
    app_url.set_username(app_role).map_err(|()| anyhow::anyhow!("bad role name"))?;
    app_url.set_password(Some(app_password)).map_err(|()| anyhow::anyhow!("bad password"))?;
    Ok(app_url.to_string())
}

/// One backend's figures.
struct Figures {
    rotations: f64,
    rotation_p99: Duration,
    direct_rotations: f64,
    api_creates: f64,
    direct_creates: f64,
    day_p50: Duration,
    day_p99: Duration,
}

async fn measure(
    t: Arc<Target>,
    direct_store: Arc<dyn venuedesk_platform::store::Store>,
    run_for: Duration,
) -> Result<Figures> {
    let (rotations, _, rotation_p99) = rotations(&t, 32, run_for).await?;
    let direct_rotations = direct_rotations_on(direct_store, 32, run_for).await?;
    let api_creates = api_creates(&t, run_for).await?;
    let direct_creates = direct_creates(&t, run_for).await?;
    let (day_p50, day_p99, _) = day_view_p99(&t, run_for).await?;
    Ok(Figures { rotations, rotation_p99, direct_rotations, api_creates, direct_creates, day_p50, day_p99 })
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

pub async fn run(owner: &str, app_role: &str, app_password: &str, seconds: u64) -> Result<()> {
    let run_for = Duration::from_secs(seconds);
    println!(
        "venuedesk-bench postgres: loopback platforms, {seconds} s per measurement, {CLIENTS} clients, {} cores",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );

    let sqlite = Arc::new(start().await?);
    let direct_dir = tempfile::tempdir()?;
    let direct_sqlite = app::open_store(&format!("sqlite://{}", direct_dir.path().join("direct.db").display())).await?;
    direct_sqlite.migrate().await?;
    let lite = measure(sqlite, direct_sqlite, run_for).await?;

    let url = fresh_database(owner, app_role, app_password).await?;
    let pg = Arc::new(start_nodes(&url, 1, tempfile::tempdir()?).await?);
    let direct_url = fresh_database(owner, app_role, app_password).await?;
    let direct_pg = app::open_serving_store(&direct_url, bench_pool()).await?;
    let post = measure(pg, direct_pg, run_for).await?;

    println!();
    println!("                                          SQLite     PostgreSQL   PostgreSQL/SQLite");
    let row = |name: &str, a: f64, b: f64, unit: &str| {
        println!("  {name:<34} {a:10.1}   {b:10.1} {unit:<4} {:8.2}x", b / a.max(f64::EPSILON));
    };
    row("refresh rotations/s (API)", lite.rotations, post.rotations, "/s");
    row("refresh rotations/s (store alone)", lite.direct_rotations, post.direct_rotations, "/s");
    row("refresh rotation p99", ms(lite.rotation_p99), ms(post.rotation_p99), "ms");
    row("booking creates/s (API)", lite.api_creates, post.api_creates, "/s");
    row("booking creates/s (store alone)", lite.direct_creates, post.direct_creates, "/s");
    row("GET bookings (1 day) p50", ms(lite.day_p50), ms(post.day_p50), "ms");
    row("GET bookings (1 day) p99", ms(lite.day_p99), ms(post.day_p99), "ms");
    println!();
    println!("targets on PostgreSQL at {CLIENTS} clients:");
    let ratio = post.api_creates / post.direct_creates.max(f64::EPSILON);
    println!("  booking creates API/direct      {ratio:6.2}x  (target >= 0.5x: {})", verdict(ratio >= 0.5));
    let p99 = ms(post.rotation_p99);
    println!("  refresh-rotation p99            {p99:6.2} ms (target <= 10 ms: {})", verdict(p99 <= 10.0));
    let p99 = ms(post.day_p99);
    println!("  one-day GET bookings p99        {p99:6.2} ms (target <= 10 ms: {})", verdict(p99 <= 10.0));

    println!();
    println!("booking creates through the API, {CLIENTS} clients spread over nodes on one PostgreSQL database");
    let mut one = 0.0;
    for nodes in 1..=3 {
        let url = fresh_database(owner, app_role, app_password).await?;
        let t = Arc::new(start_nodes(&url, nodes, tempfile::tempdir()?).await?);
        // Sign-up and login go to the first node; the creates are spread by api_creates.
        t.post("/v1/auth/signup", json!({"email": "warm@bench.test", "password": PASSWORD, "display_name": "Warm"}))
            .await
            .context("warm-up")?;
        let rate = api_creates(&t, run_for).await?;
        if nodes == 1 {
            one = rate;
        }
        println!("  {nodes} node(s)                {rate:10.0}/s   ({:.2}x of one node)", rate / one.max(f64::EPSILON));
    }
    println!("  (all nodes, the load generator and PostgreSQL share this machine's cores)");
    Ok(())
}
