//! `venuedesk-bench auth`: measures, side by side in one run on loopback, refresh-token
//! rotations at 32 concurrent clients, and the p99 of a cheap authenticated GET with and
//! without a concurrent login storm (20 logins in flight). Prints figures and ratios.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use venuedesk_platform::app;
use venuedesk_platform::clock::SystemClock;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::state::Settings;

#[derive(Parser)]
#[command(name = "venuedesk-bench", about = "Benchmarks of the Venuedesk platform (loopback, in one run)")]
struct Cli {
    #[command(subcommand)]
    command: Bench,
}

#[derive(Subcommand)]
enum Bench {
    /// Refresh rotation throughput and p99; GET p99 with and without a login storm.
    Auth {
        /// Seconds each measurement runs.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Booking creates through the API vs the same writes straight to the store; GET
    /// bookings p99; a 1,000,000-event audit export's peak memory.
    Domain {
        /// Seconds each measurement runs.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Audit events in the export measurement.
        #[arg(long, default_value_t = 1_000_000)]
        audit_events: u64,
    },
    /// The auth and domain runs on SQLite and PostgreSQL side by side, then booking
    /// creates over 1, 2 and 3 nodes on one PostgreSQL database.
    Postgres {
        /// An owner role's URL on a server where it may create databases (one per run).
        #[arg(long, env = "VENUEDESK_BENCH_DATABASE")]
        database: String,
        /// The application role (and its password) the nodes serve as.
        #[arg(long, default_value = "venuedesk_app")]
        app_role: String,
        #[arg(long, default_value = "venuedesk_app")]
        app_password: String,
        /// Seconds each measurement runs.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Booking creates with webhooks on (3 endpoints) vs off and commit-to-delivery p99;
    /// client-credential grants vs logins per second.
    Integrations {
        /// Booking creates in each of the webhook runs.
        #[arg(long, default_value_t = 1000)]
        bookings: u64,
        /// Seconds each token-endpoint measurement runs.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
        /// Also run the fan-out on PostgreSQL: an owner role's URL on a server where it may
        /// create databases.
        #[arg(long, env = "VENUEDESK_BENCH_DATABASE")]
        database: Option<String>,
        #[arg(long, default_value = "venuedesk_app")]
        app_role: String,
        #[arg(long, default_value = "venuedesk_app")]
        app_password: String,
    },
    /// Availability for a 40-table venue with 600 bookings on the day (p50, p99) next to
    /// the day's booking list, through the API.
    Floor {
        /// Seconds each measurement runs.
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// `backup` and `restore` (the real binary, age-encrypted) of a database with
    /// 1,000,000 audit events on SQLite and, given a server, PostgreSQL: seconds, peak RSS.
    Operations {
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// An owner role's URL on a server where it may create databases.
        #[arg(long, env = "VENUEDESK_BENCH_DATABASE")]
        database: Option<String>,
        /// The same server's superuser URL (PostgreSQL backups read past row-level security).
        #[arg(long, requires = "database")]
        admin_database: Option<String>,
        #[arg(long, default_value = "venuedesk_app")]
        app_role: String,
        #[arg(long, default_value = "venuedesk_app")]
        app_password: String,
    },
}

const PASSWORD: &str = "Bench-Mark-Phrase-2026!";

mod domain;
mod floor;
mod integrations;
mod operations;
mod overlap;
mod postgres;

struct Target {
    base: String,
    /// Every node's base URL (one unless several nodes share the database).
    bases: Vec<String>,
    client: reqwest::Client,
    state: venuedesk_platform::state::AppState,
    dir: tempfile::TempDir,
}

async fn start() -> Result<Target> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    start_nodes(&url, 1, dir).await
}

/// `nodes` platforms in this process over one database (each with its own pool, key ring
/// and state, as separate `serve` processes would have), sharing one master key.
async fn start_nodes(url: &str, nodes: usize, dir: tempfile::TempDir) -> Result<Target> {
    let mut bases = Vec::new();
    let mut first_state = None;
    for _ in 0..nodes.max(1) {
        let store = app::open_serving_store(url, postgres::bench_pool()).await?;
        let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key"))?;
        // The storm's logins come from many addresses through a trusted proxy, as behind a
        // load balancer; the per-IP limit stays at its default of 20 a minute.
        // Webhooks go to a receiver on loopback.
        let settings = Settings {
            trusted_proxies: vec!["127.0.0.1/32".parse()?],
            webhooks_allow_private: true,
            ..Settings::default()
        };
        let platform = app::build(store, master, settings, Arc::new(SystemClock), "venuedesk-bench".into()).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        bases.push(format!("http://{}", listener.local_addr()?));
        first_state.get_or_insert(platform.state.clone());
        tokio::spawn(app::serve_http(listener, platform.router, std::future::pending()));
    }
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build()?;
    let state = first_state.context("no node started")?;
    Ok(Target { base: bases[0].clone(), bases, client, state, dir })
}

static NEXT_IP: AtomicU64 = AtomicU64::new(1);

fn fresh_ip() -> String {
    let n = NEXT_IP.fetch_add(1, Ordering::Relaxed);
    format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255)
}

impl Target {
    async fn post(&self, path: &str, body: Value) -> Result<reqwest::Response> {
        Ok(self
            .client
            .post(format!("{}{path}", self.base))
            .header("X-Forwarded-For", fresh_ip())
            .json(&body)
            .send()
            .await?)
    }

    async fn login(&self, email: &str) -> Result<Value> {
        let res = self.post("/v1/auth/login", json!({"email": email, "password": PASSWORD})).await?;
        if !res.status().is_success() {
            bail!("login answered {}", res.status());
        }
        Ok(res.json().await?)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[idx]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn rotations(t: &Arc<Target>, clients: usize, run_for: Duration) -> Result<(f64, Duration, Duration)> {
    let mut tokens = Vec::new();
    for i in 0..clients {
        let email = format!("rot{i}@bench.test");
        t.post("/v1/auth/signup", json!({"email": email, "password": PASSWORD, "display_name": "Bench"})).await?;
        tokens.push(t.login(&email).await?["refresh_token"].as_str().context("refresh token")?.to_string());
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for mut token in tokens {
        let t = t.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while start.elapsed() < run_for {
                let s = Instant::now();
                let res = t
                    .client
                    .post(format!("{}/v1/auth/refresh", t.base))
                    // Many clients behind a load balancer: the per-IP refresh limit (60 a
                    // minute) is not what this measures.
                    .header("X-Forwarded-For", fresh_ip())
                    .json(&json!({"refresh_token": token}))
                    .send()
                    .await?;
                if !res.status().is_success() {
                    bail!("refresh answered {}", res.status());
                }
                let pair: Value = res.json().await?;
                lat.push(s.elapsed());
                token = pair["refresh_token"].as_str().context("refresh token")?.to_string();
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    let elapsed = start.elapsed();
    all.sort();
    Ok((all.len() as f64 / elapsed.as_secs_f64(), percentile(&all, 0.5), percentile(&all, 0.99)))
}

/// The same rotations straight through the store, 32 tasks, no HTTP: the storage limit.
async fn direct_rotations(tasks: usize, run_for: Duration) -> Result<f64> {
    let dir = tempfile::tempdir()?;
    let store = app::open_store(&format!("sqlite://{}", dir.path().join("direct.db").display())).await?;
    store.migrate().await?;
    direct_rotations_on(store, tasks, run_for).await
}

async fn direct_rotations_on(
    store: Arc<dyn venuedesk_platform::store::Store>,
    tasks: usize,
    run_for: Duration,
) -> Result<f64> {
    use time::OffsetDateTime;
    use uuid::Uuid;
    use venuedesk_platform::store::{NewRefreshToken, NewSecurityEvent, NewSession, RotateRequest, UserRecord};
    let now = OffsetDateTime::now_utc();
    let user = UserRecord {
        id: Uuid::now_v7(),
        email: "direct@bench.test".into(),
        display_name: "Direct".into(),
        password_hash: "x".into(),
        totp_secret_enc: None,
        totp_pending_enc: None,
        totp_last_step: None,
        created_at: now,
    };
    let event = |kind| NewSecurityEvent { user_id: user.id, kind, at: now, ip: None, session_id: None };
    store.create_user(&user, event("signup")).await?;
    let start = Instant::now();
    let done = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let session = NewSession {
            id: Uuid::now_v7(),
            user_id: user.id,
            device_name: None,
            ip: None,
            mfa_passed: false,
            created_at: now,
            absolute_expires_at: now + time::Duration::days(30),
        };
        let mut hash = venuedesk_platform::crypto::random_32();
        let first = NewRefreshToken {
            id: Uuid::now_v7(),
            token_hash: hash,
            issued_at: now,
            expires_at: now + time::Duration::days(14),
        };
        store.create_session(&session, &first, event("login")).await?;
        let (store, done) = (store.clone(), done.clone());
        handles.push(tokio::spawn(async move {
            while start.elapsed() < run_for {
                let next = venuedesk_platform::crypto::random_32();
                let now = OffsetDateTime::now_utc();
                let req = RotateRequest {
                    presented_hash: hash,
                    idempotency_key_hash: None,
                    now,
                    idle_ttl: time::Duration::days(14),
                    retry_window: time::Duration::seconds(60),
                    ip: None,
                    next: NewRefreshToken { id: Uuid::now_v7(), token_hash: next, issued_at: now, expires_at: now },
                };
                store.rotate_refresh_token(&req).await?;
                hash = next;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for h in handles {
        h.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

/// GET /v1/me from `clients` loops; optionally with `storm` logins kept in flight.
async fn get_p99(
    t: &Arc<Target>,
    access: &str,
    clients: usize,
    storm: usize,
    run_for: Duration,
) -> Result<(Duration, Duration, u64, u64)> {
    let stop = Arc::new(AtomicBool::new(false));
    let logins = Arc::new(AtomicU64::new(0));
    let mut storm_tasks = Vec::new();
    for _ in 0..storm {
        let (t, stop, logins) = (t.clone(), stop.clone(), logins.clone());
        storm_tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if t.login("storm@bench.test").await.is_ok() {
                    logins.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    if storm > 0 {
        // Let the storm fill the hashing queue before measuring.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (t, access) = (t.clone(), access.to_string());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while start.elapsed() < run_for {
                let s = Instant::now();
                let res = t.client.get(format!("{}/v1/me", t.base)).bearer_auth(&access).send().await?;
                if !res.status().is_success() {
                    bail!("GET /v1/me answered {}", res.status());
                }
                res.bytes().await?;
                lat.push(s.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await??);
    }
    stop.store(true, Ordering::Relaxed);
    for s in storm_tasks {
        let _ = s.await;
    }
    all.sort();
    Ok((percentile(&all, 0.5), percentile(&all, 0.99), all.len() as u64, logins.load(Ordering::Relaxed)))
}

async fn auth(seconds: u64) -> Result<()> {
    let run_for = Duration::from_secs(seconds);
    let t = Arc::new(start().await?);
    println!(
        "venuedesk-bench auth: loopback platform on SQLite, {seconds} s per measurement, {} cores",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    );

    let (rate, p50, p99) = rotations(&t, 32, run_for).await?;
    let direct = direct_rotations(32, run_for).await?;
    println!();
    println!("refresh-token rotation, 32 concurrent clients");
    println!(
        "  rotations/s        {rate:10.0}   (store alone, no HTTP: {direct:.0}/s; HTTP path = {:.2}x of it)",
        rate / direct
    );
    println!("  p50                {:10.2} ms", ms(p50));
    println!(
        "  p99                {:10.2} ms   (target <= 10 ms: {})",
        ms(p99),
        if ms(p99) <= 10.0 { "met" } else { "MISSED" }
    );

    t.post("/v1/auth/signup", json!({"email": "storm@bench.test", "password": PASSWORD, "display_name": "Storm"}))
        .await?;
    t.post("/v1/auth/signup", json!({"email": "reader@bench.test", "password": PASSWORD, "display_name": "Reader"}))
        .await?;
    let access = t.login("reader@bench.test").await?["access_token"].as_str().context("access token")?.to_string();
    let (q50, q99, n_quiet, _) = get_p99(&t, &access, 4, 0, run_for).await?;
    let (s50, s99, n_storm, logins) = get_p99(&t, &access, 4, 20, run_for).await?;
    let ratio = s99.as_secs_f64() / q99.as_secs_f64().max(f64::EPSILON);
    println!();
    println!("GET /v1/me, 4 concurrent clients        quiet      under login storm (20 in flight)");
    println!("  requests                         {n_quiet:10}   {n_storm:10}");
    println!("  p50                              {:10.2}   {:10.2} ms", ms(q50), ms(s50));
    println!("  p99                              {:10.2}   {:10.2} ms", ms(q99), ms(s99));
    println!("  logins completed during storm               {logins:10}");
    println!(
        "  p99 ratio storm/quiet            {ratio:10.2}x  (target <= 3x: {})",
        if ratio <= 3.0 { "met" } else { "MISSED" }
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Bench::Auth { seconds } => auth(seconds).await,
        Bench::Domain { seconds, audit_events } => domain::run(seconds, audit_events).await,
        Bench::Floor { seconds } => floor::run(seconds).await,
        Bench::Integrations { bookings, seconds, database, app_role, app_password } => {
            let postgres = database.as_deref().map(|d| (d, app_role.as_str(), app_password.as_str()));
            integrations::run(bookings, seconds, postgres).await
        }
        Bench::Operations { events, database, admin_database, app_role, app_password } => {
            let postgres = match (&database, &admin_database) {
                (Some(d), Some(a)) => Some((d.as_str(), a.as_str(), app_role.as_str(), app_password.as_str())),
                _ => None,
            };
            operations::run(events, postgres).await
        }
        Bench::Postgres { database, app_role, app_password, seconds } => {
            postgres::run(&database, &app_role, &app_password, seconds).await
        }
    }
}
