//! The front desk's search: availability for a 40-table venue holding 600 bookings on the
//! day, through the HTTP API, next to the same day's booking list (one read of the day)
//! measured the same way in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde_json::{Value, json};
use uuid::Uuid;

use super::domain::{CLIENTS, owner_and_venue};
use super::{Target, ms, percentile, start};

const TABLES: usize = 40;
const BOOKINGS: usize = 600;

async fn send(t: &Target, token: &str, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value> {
    let mut rb = t
        .client
        .request(method.clone(), format!("{}{path}", t.base))
        .bearer_auth(token)
        .header("Idempotency-Key", Uuid::new_v4().to_string());
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let res = rb.send().await?;
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!("{method} {path} answered {status}: {v}");
    }
    Ok(v)
}

/// p50, p99 and count of GETs of `path` from `clients` clients for `run_for`.
async fn latencies(
    t: &Arc<Target>,
    token: &str,
    path: &str,
    clients: usize,
    run_for: Duration,
) -> Result<(Duration, Duration, usize)> {
    let begin = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (t, token, url) = (t.clone(), token.to_string(), format!("{}{path}", t.base));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while begin.elapsed() < run_for {
                let s = Instant::now();
                let res = t.client.get(&url).bearer_auth(&token).send().await?;
                if !res.status().is_success() {
                    bail!("GET answered {}", res.status());
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
    all.sort();
    Ok((percentile(&all, 0.5), percentile(&all, 0.99), all.len()))
}

pub async fn run(seconds: u64) -> Result<()> {
    let run_for = Duration::from_secs(seconds);
    let t = Arc::new(start().await?);
    let (token, vid) = owner_and_venue(&t, "floor").await?;
    let v = |rest: &str| format!("/v1/venues/{vid}{rest}");
    // 40 tables in two areas (two- to eight-tops, the two-tops in combinable pairs); open
    // 08:00-23:59 every day; 30-minute slots, no turnover, so 600 short bookings fit the day.
    let mut last_two_top: Option<String> = None;
    for i in 0..TABLES {
        let seats = [2, 2, 4, 4, 6, 8][i % 6];
        let mut body = json!({"name": format!("T{i:02}"), "area": if i % 2 == 0 { "Main" } else { "Terrace" }, "seats_max": seats});
        if seats == 2
            && let Some(other) = last_two_top.take()
        {
            body["combinable_with"] = json!([other]);
        }
        let made = send(&t, &token, reqwest::Method::POST, &v("/tables"), Some(body)).await?;
        if seats == 2 && made["combinable_with"].as_array().is_some_and(Vec::is_empty) {
            last_two_top = made["id"].as_str().map(str::to_string);
        }
    }
    let week: Vec<Value> = (1..=7).map(|d| json!({"weekday": d, "opens": "08:00", "closes": "23:59"})).collect();
    send(&t, &token, reqwest::Method::PUT, &v("/opening-hours"), Some(json!({"weekly": week}))).await?;
    let venue = send(&t, &token, reqwest::Method::GET, &v(""), None).await?;
    let version = venue["version"].as_i64().unwrap_or(1);
    t.client
        .patch(format!("{}{}", t.base, v("")))
        .bearer_auth(&token)
        .header("Idempotency-Key", Uuid::new_v4().to_string())
        .header("If-Match", format!("\"{version}\""))
        .json(&json!({"slot_minutes": 30, "turnover_minutes": 0}))
        .send()
        .await?
        .error_for_status()?;
    let tz = venuedesk_api::venue_time::zone("Europe/London")?;
    let date = venuedesk_api::venue_time::local_date(tz, time::OffsetDateTime::now_utc())? + chrono::Duration::days(2);
    let fill = Instant::now();
    for i in 0..BOOKINGS {
        // 31 half hours from 08:00 (the last ends 23:30): about 19 bookings each.
        let minutes = 8 * 60 + 30 * (i % 31) as i64;
        let local = date.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::minutes(minutes);
        let at = venuedesk_api::venue_time::instant(tz, local)?;
        let party = [2, 2, 3, 4, 5, 6][i % 6];
        let body = json!({
            "guest_name": format!("Guest {i}"), "party_size": party,
            "starts_at": at.format(&time::format_description::well_known::Rfc3339)?, "duration_minutes": 30,
        });
        send(&t, &token, reqwest::Method::POST, &v("/bookings"), Some(body)).await?;
    }
    let filled = fill.elapsed();
    println!("venuedesk-bench floor: loopback platform on SQLite, {seconds} s per measurement");
    println!(
        "  venue: {TABLES} tables, {BOOKINGS} bookings on {date} (made through the API in {:.1} s)",
        filled.as_secs_f64()
    );

    let search = v(&format!("/availability?date={date}&party_size=4"));
    let slots = send(&t, &token, reqwest::Method::GET, &search, None).await?;
    let offered = slots["slots"].as_array().map_or(0, Vec::len);
    let list = v(&format!("/bookings?from={date}&to={date}&limit=200"));
    for clients in [1, CLIENTS] {
        let (a50, a99, an) = latencies(&t, &token, &search, clients, run_for).await?;
        let (d50, d99, dn) = latencies(&t, &token, &list, clients, run_for).await?;
        println!();
        println!("{clients} client(s)");
        println!("  GET availability (party of 4: {offered} start times offered)");
        println!("    requests             {an:10}");
        println!("    p50                  {:10.2} ms", ms(a50));
        println!(
            "    p99                  {:10.2} ms   (target <= 10 ms: {})",
            ms(a99),
            if ms(a99) <= 10.0 { "met" } else { "MISSED" }
        );
        println!("  GET bookings of the day (first 200 of {BOOKINGS}), the same way");
        println!("    requests             {dn:10}");
        println!("    p50                  {:10.2} ms", ms(d50));
        println!("    p99                  {:10.2} ms", ms(d99));
        println!("  p99 availability/list  {:10.2}x", ms(a99) / ms(d99).max(f64::EPSILON));
    }
    Ok(())
}
