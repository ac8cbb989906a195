//! Exactly-once under faults: a seeded schedule of 1,000 console operations, run once over
//! a clean network and once through a proxy that drops requests, drops responses after the
//! platform processed them, delays, and kills connections half-way. Both platforms must end
//! in the same state, with no change lost and none applied twice.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::keychain::refresh_account;
use venuedesk_console_core::sync::NewBooking;
use venuedesk_console_core::{ApiClient, Keychain, LoginOutcome, MemoryKeychain, Session};

use common::{PASSWORD, live};

const OPERATIONS: usize = 1000;
const SEED: u64 = 0x5eed_7e57;

#[derive(Clone, Copy, Debug)]
enum Fault {
    Pass,
    DropRequest,
    DropResponse,
    Delay,
    KillMidway,
}

/// The request with `Connection: close` added after its request line.
fn connection_close(request: &[u8]) -> Vec<u8> {
    match request.windows(2).position(|w| w == b"\r\n") {
        Some(i) => [&request[..i + 2], b"Connection: close\r\n".as_slice(), &request[i + 2..]].concat(),
        None => request.to_vec(),
    }
}

/// How many connections met each fault: pass, drop request, drop response, delay, kill.
type FaultCounts = Arc<[AtomicUsize; 5]>;

/// A TCP proxy that picks a fault for every connection from a seeded generator.
async fn faulty_proxy(upstream: SocketAddr, seed: u64) -> (String, FaultCounts) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let rng = Arc::new(std::sync::Mutex::new(StdRng::seed_from_u64(seed)));
    let counts: FaultCounts = Arc::new(Default::default());
    let seen = counts.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else { return };
            let fault = {
                let roll: u32 = rng.lock().unwrap().gen_range(0..100);
                match roll {
                    0..60 => Fault::Pass,
                    60..72 => Fault::DropRequest,
                    72..84 => Fault::DropResponse,
                    84..92 => Fault::Delay,
                    _ => Fault::KillMidway,
                }
            };
            seen[fault as usize].fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                match fault {
                    Fault::Pass | Fault::Delay => {
                        if matches!(fault, Fault::Delay) {
                            tokio::time::sleep(Duration::from_millis(30)).await;
                        }
                        let Ok(mut outbound) = TcpStream::connect(upstream).await else { return };
                        let Ok(n) = inbound.read(&mut buf).await else { return };
                        // One request per connection, so every request meets its own fault.
                        if outbound.write_all(&connection_close(&buf[..n])).await.is_err() {
                            return;
                        }
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                    // The request never reaches the platform.
                    Fault::DropRequest => {
                        let _ = inbound.read(&mut buf).await;
                    }
                    // The platform processes the request; its answer is lost.
                    Fault::DropResponse => {
                        let Ok(mut outbound) = TcpStream::connect(upstream).await else { return };
                        let Ok(n) = inbound.read(&mut buf).await else { return };
                        if outbound.write_all(&buf[..n]).await.is_err() {
                            return;
                        }
                        let _ = tokio::time::timeout(Duration::from_millis(500), outbound.read(&mut buf)).await;
                    }
                    // Part of the request gets through, then the line dies.
                    Fault::KillMidway => {
                        let Ok(mut outbound) = TcpStream::connect(upstream).await else { return };
                        let Ok(n) = inbound.read(&mut buf).await else { return };
                        let _ = outbound.write_all(&buf[..n / 2]).await;
                    }
                }
            });
        }
    });
    (base, counts)
}

/// Runs the seeded schedule against `base`; returns the platform's final state and the
/// number of create and transition events it audited.
async fn run_schedule(base: &str, direct: &str) -> (BTreeMap<String, (i64, String)>, usize, usize) {
    let keychain = Arc::new(MemoryKeychain::default());
    // Sign-in and set-up go straight to the platform; the schedule goes through `base`.
    let LoginOutcome::SignedIn(setup) = Session::login(
        ApiClient::new(direct).unwrap(),
        keychain.clone(),
        "ana@example.com",
        &SecretString::from(PASSWORD),
        "setup",
    )
    .await
    .unwrap() else {
        panic!()
    };
    let venue: Value = setup
        .call(
            Method::POST,
            "/v1/venues",
            Some(&json!({"name": "Faults", "timezone": "UTC", "capacity": 100_000})),
            None,
            None,
        )
        .await
        .unwrap();
    let vid: Uuid = venue["id"].as_str().unwrap().parse().unwrap();
    // The console's session reaches the platform through `base` (its own keychain account),
    // starting from the same sign-in.
    let token = keychain.get(&refresh_account(direct, "ana@example.com")).unwrap().unwrap();
    keychain.set(&refresh_account(base, "ana@example.com"), &token).unwrap();
    let session = Session::resume(ApiClient::new(base).unwrap(), keychain.clone(), "ana@example.com").unwrap().unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(
        data.path(),
        CacheId { server: base.into(), email: "ana@example.com".into(), venue_id: vid },
        keychain.clone(),
    )
    .unwrap();

    let mut rng = StdRng::seed_from_u64(SEED);
    let mut open: Vec<Uuid> = Vec::new();
    let mut seated: Vec<Uuid> = Vec::new();
    let start = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() + time::Duration::days(1);
    let mut creates = 0;
    let mut transitions = 0;
    for i in 0..OPERATIONS {
        match rng.gen_range(0..10) {
            0..6 => {
                let b = cache
                    .create_booking(
                        vid,
                        NewBooking {
                            guest_name: format!("G{i}"),
                            party_size: rng.gen_range(1..4),
                            starts_at: start + time::Duration::minutes(15 * rng.gen_range(0..2000)),
                            duration_minutes: 90,
                            notes: None,
                            customer_id: None,
                        },
                    )
                    .unwrap();
                open.push(b.id);
                creates += 1;
            }
            6..8 if !open.is_empty() => {
                let id = open.swap_remove(rng.gen_range(0..open.len()));
                cache.transition_booking(vid, id, "seat").unwrap();
                seated.push(id);
                transitions += 1;
            }
            8 if !open.is_empty() => {
                let id = open.swap_remove(rng.gen_range(0..open.len()));
                cache.transition_booking(vid, id, "cancel").unwrap();
                transitions += 1;
            }
            _ if !seated.is_empty() => {
                let id = seated.swap_remove(rng.gen_range(0..seated.len()));
                cache.transition_booking(vid, id, "complete").unwrap();
                transitions += 1;
            }
            _ => {}
        }
        // Sync now and then, as the console does; failures just leave work queued.
        if rng.gen_range(0..4) == 0 {
            let report = cache.drain(&session, &mut |_, _| {}).await.unwrap();
            assert!(report.conflict.is_none(), "{report:?}");
        }
    }
    // Drain until done: every fault is survivable.
    for _ in 0..10_000 {
        let report = cache.drain(&session, &mut |_, _| {}).await.unwrap();
        assert!(report.conflict.is_none(), "{report:?}");
        if report.remaining == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(cache.outbox_len().unwrap(), 0, "everything was delivered");

    // The platform's view, straight from it.
    let mut state = BTreeMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/venues/{vid}/bookings?from=2000-01-01&to=2100-01-01&limit=200&cursor={c}"),
            None => format!("/v1/venues/{vid}/bookings?from=2000-01-01&to=2100-01-01&limit=200"),
        };
        let page: Value = setup.get(&path).await.unwrap();
        for b in page["items"].as_array().unwrap() {
            let name = b["guest_name"].as_str().unwrap().to_string();
            assert!(
                state
                    .insert(name, (b["party_size"].as_i64().unwrap(), b["status"].as_str().unwrap().to_string()))
                    .is_none(),
                "a duplicate booking"
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(state.len(), creates, "no booking lost, none doubled");
    let count = |action: &'static str| {
        let setup = &setup;
        async move {
            let mut n = 0;
            let mut cursor: Option<String> = None;
            loop {
                let path = match &cursor {
                    Some(c) => format!("/v1/venues/{vid}/audit?action={action}&limit=200&cursor={c}"),
                    None => format!("/v1/venues/{vid}/audit?action={action}&limit=200"),
                };
                let page: Value = setup.get(&path).await.unwrap();
                n += page["items"].as_array().unwrap().len();
                match page["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => return n,
                }
            }
        }
    };
    let created = count("booking.create").await;
    let moved = count("booking.seat").await + count("booking.cancel").await + count("booking.complete").await;
    assert_eq!((created, moved), (creates, transitions), "one audit event per change");
    (state, created, moved)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_operations_under_faults_converge_exactly_once() {
    let clean = live().await;
    let faulty = live().await;
    let (proxy, faults) = faulty_proxy(faulty.addr, SEED ^ 1).await;
    let (without, c1, m1) = run_schedule(&clean.base, &clean.base).await;
    let (with, c2, m2) = run_schedule(&proxy, &faulty.base).await;
    assert_eq!((c1, m1), (c2, m2));
    assert_eq!(without, with, "the same state with and without faults");
    let counts: Vec<usize> = faults.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    eprintln!("connections per fault (pass, drop request, drop response, delay, kill): {counts:?}");
    assert!(counts[1] >= 5 && counts[2] >= 5 && counts[4] >= 5, "faults really happened: {counts:?}");
}
