//! `venuedesk-bench integrations`: booking creates with webhooks on (3 endpoints on a
//! loopback receiver) vs off, and the p99 from a create's answer to its delivery; OAuth2
//! client-credential grants per second vs password logins per second.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use uuid::Uuid;

use super::domain::{CLIENTS, owner_and_venue, start_at};
use super::{PASSWORD, Target, fresh_ip, ms, percentile, start};

/// A receiver that notes when each booking's `booking.created` arrived (first arrival).
async fn receiver() -> Result<(String, Arc<Mutex<HashMap<String, Instant>>>, Arc<AtomicU64>)> {
    let seen: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let count = Arc::new(AtomicU64::new(0));
    let (s, c) = (seen.clone(), count.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: String| {
            let (s, c) = (s.clone(), c.clone());
            async move {
                let now = Instant::now();
                c.fetch_add(1, Ordering::Relaxed);
                if let Some(id) =
                    serde_json::from_str::<Value>(&body).ok().and_then(|v| v["data"]["id"].as_str().map(String::from))
                    && let Ok(mut m) = s.lock()
                {
                    m.entry(id).or_insert(now);
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((url, seen, count))
}

/// `n` booking creates from 32 clients; the instant each create was answered, by booking id.
async fn creates(t: &Arc<Target>, token: &str, vid: &str, n: u64) -> Result<(f64, HashMap<String, Instant>)> {
    let next = Arc::new(AtomicU64::new(0));
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (t, token, vid, next) = (t.clone(), token.to_string(), vid.to_string(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut answered = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return Ok::<_, anyhow::Error>(answered);
                }
                let body = json!({"guest_name": "Bench", "party_size": 2, "starts_at": venuedesk_api::timestamp::format(start_at(i)), "duration_minutes": 90});
                let res = t
                    .client
                    .post(format!("{}/v1/venues/{vid}/bookings", t.base))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", Uuid::new_v4().to_string())
                    .json(&body)
                    .send()
                    .await?;
                if res.status().as_u16() != 201 {
                    bail!("create answered {}", res.status());
                }
                let v: Value = res.json().await?;
                answered.push((v["id"].as_str().context("id")?.to_string(), Instant::now()));
            }
        }));
    }
    let mut all = HashMap::new();
    for task in tasks {
        all.extend(task.await??);
    }
    Ok((n as f64 / begin.elapsed().as_secs_f64(), all))
}

async fn grants(t: &Arc<Target>, id: &str, secret: &str, run_for: Duration) -> Result<f64> {
    let count = Arc::new(AtomicU64::new(0));
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (t, id, secret, count) = (t.clone(), id.to_string(), secret.to_string(), count.clone());
        tasks.push(tokio::spawn(async move {
            while begin.elapsed() < run_for {
                let res = t
                    .client
                    .post(format!("{}/v1/oauth/token", t.base))
                    .header("X-Forwarded-For", fresh_ip())
                    .basic_auth(&id, Some(&secret))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("grant_type=client_credentials")
                    .send()
                    .await?;
                if !res.status().is_success() {
                    bail!("grant answered {}", res.status());
                }
                count.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(count.load(Ordering::Relaxed) as f64 / begin.elapsed().as_secs_f64())
}

async fn logins(t: &Arc<Target>, run_for: Duration) -> Result<f64> {
    let mut emails = Vec::new();
    for i in 0..CLIENTS {
        let email = format!("login{i}@bench.test");
        t.post("/v1/auth/signup", json!({"email": email, "password": PASSWORD, "display_name": "Bench"})).await?;
        emails.push(email);
    }
    let count = Arc::new(AtomicU64::new(0));
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for email in emails {
        let (t, count) = (t.clone(), count.clone());
        tasks.push(tokio::spawn(async move {
            while begin.elapsed() < run_for {
                t.login(&email).await?;
                count.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(count.load(Ordering::Relaxed) as f64 / begin.elapsed().as_secs_f64())
}

/// Creates into a venue without webhooks, then into one with 3 endpoints; prints the ratio
/// and how soon the deliveries followed.
async fn fan_out(t: &Arc<Target>, backend: &str, bookings: u64) -> Result<()> {
    let (rx_url, seen, received) = receiver().await?;
    let (token, off_vid) = owner_and_venue(t, "hooks-off").await?;
    let (on_token, on_vid) = owner_and_venue(t, "hooks-on").await?;
    for _ in 0..3 {
        let res = t
            .client
            .post(format!("{}/v1/venues/{on_vid}/webhooks", t.base))
            .bearer_auth(&on_token)
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .json(&json!({"url": rx_url, "events": ["booking.created"]}))
            .send()
            .await?;
        if res.status().as_u16() != 201 {
            bail!("webhook create answered {}", res.status());
        }
    }
    println!(
        "== webhook fan-out: {bookings} booking creates, 32 clients, 3 endpoints on a loopback receiver ({backend})"
    );
    let (off, _) = creates(t, &token, &off_vid, bookings).await?;
    let (on, answered) = creates(t, &on_token, &on_vid, bookings).await?;
    let expected = bookings * 3;
    let wait = Instant::now();
    while received.load(Ordering::Relaxed) < expected && wait.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = received.load(Ordering::Relaxed);
    let mut lat: Vec<Duration> = {
        let seen = seen.lock().map_err(|_| anyhow::anyhow!("receiver poisoned"))?;
        answered.iter().filter_map(|(id, at)| seen.get(id).map(|r| r.saturating_duration_since(*at))).collect()
    };
    lat.sort();
    println!("  creates/s webhooks off: {off:.0}");
    println!("  creates/s webhooks on:  {on:.0}   (on/off {:.2}x, target >= 0.8x)", on / off);
    println!("  deliveries received: {got} of {expected}");
    println!(
        "  answer -> first delivery p50 {:.1} ms, p99 {:.1} ms (from {} bookings)",
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
        lat.len()
    );
    Ok(())
}

/// `postgres`: the owner URL, application role and password, to run the fan-out there too.
pub(super) async fn run(bookings: u64, seconds: u64, postgres: Option<(&str, &str, &str)>) -> Result<()> {
    let t = Arc::new(start().await?);
    fan_out(&t, "SQLite", bookings).await?;
    if let Some((owner, role, password)) = postgres {
        let url = super::postgres::fresh_database(owner, role, password).await?;
        let pg = Arc::new(super::start_nodes(&url, 1, tempfile::tempdir()?).await?);
        fan_out(&pg, "PostgreSQL, one node", bookings).await?;
    }
    let (token, off_vid) = owner_and_venue(&t, "tokens").await?;

    println!("== token endpoint: client-credential grants vs password logins, 32 clients, {seconds} s each");
    let res = t
        .client
        .post(format!("{}/v1/venues/{off_vid}/api-clients", t.base))
        .bearer_auth(&token)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .json(&json!({"name": "bench", "permissions": ["bookings:read"]}))
        .send()
        .await?;
    let client: Value = res.json().await?;
    let (id, secret) = (
        client["client_id"].as_str().context("client_id")?.to_string(),
        client["client_secret"].as_str().context("client_secret")?.to_string(),
    );
    let g = grants(&t, &id, &secret, Duration::from_secs(seconds)).await?;
    let l = logins(&t, Duration::from_secs(seconds)).await?;
    println!("  grants/s: {g:.0}   logins/s: {l:.0}   (grants/logins {:.1}x)", g / l);
    Ok(())
}
