//! The failover drill: a front desk console keeps taking bookings through HAProxy while the
//! primary's postmaster is SIGKILLed. Patroni promotes the synchronous standby, HAProxy
//! routes to it, and the console's outbox sends what waited with the same idempotency keys:
//! every booking the console made is there exactly once and the audit chain verifies. A
//! request answered just before the kill and sent again after it (its answer "lost") is
//! answered from its idempotency record: the same booking, not a second one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;
use serde_json::Value;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::sync::NewBooking;
use venuedesk_console_core::{ApiClient, LoginOutcome, MemoryKeychain, Session};
use venuedesk_platform::app;
use venuedesk_platform::store::postgres::PoolSettings;

use crate::cluster::{Cluster, Node, PASSWORD, audit_verifies};

/// Bookings acknowledged before the kill, and the fewest made in all.
const BEFORE_KILL: usize = 20;
const TOTAL: usize = 60;
/// Writes must resume by themselves well within this (they take seconds; the bound only
/// turns a cluster that never recovers into a failure instead of a hang).
const RESUME_WITHIN: Duration = Duration::from_secs(120);

fn booking(guest: &str, hours: i64) -> NewBooking {
    NewBooking {
        guest_name: guest.into(),
        party_size: 2,
        starts_at: (time::OffsetDateTime::now_utc() + time::Duration::hours(hours)).replace_nanosecond(0).unwrap(),
        duration_minutes: 60,
        notes: None,
        customer_id: None,
    }
}

const EDGE: &str = "Edge Resent";

/// One booking request, byte for byte the same each time it is sent.
struct Resend {
    url_path: String,
    key: String,
    body: Value,
}

impl Resend {
    fn new(vid: &str) -> Resend {
        let starts = (time::OffsetDateTime::now_utc() + time::Duration::days(30)).replace_nanosecond(0).unwrap();
        Resend {
            url_path: format!("/v1/venues/{vid}/bookings"),
            key: uuid::Uuid::new_v4().to_string(),
            body: serde_json::json!({
                "guest_name": EDGE, "party_size": 2, "duration_minutes": 60,
                "starts_at": starts.format(&time::format_description::well_known::Rfc3339).unwrap(),
            }),
        }
    }

    async fn send(&self, node: &Node, token: &str) -> (u16, Value) {
        let res = node
            .client
            .post(format!("{}{}", node.base, self.url_path))
            .bearer_auth(token)
            .header("Idempotency-Key", &self.key)
            .json(&self.body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }
}

#[tokio::test]
#[ignore = "a drill with its own Patroni cluster: scripts/test.sh runs it"]
async fn killing_the_primary_while_booking_loses_and_doubles_nothing() {
    let cluster = Arc::new(Cluster::start("ha-cluster.sh"));
    let first_leader = cluster.run("primary", &[]).trim().to_string();
    app::migrate_database(&cluster.owner_url, PoolSettings::default(), "venuedesk_app").await.unwrap();
    let keys = tempfile::tempdir().unwrap();
    let node = Node::start(&cluster.app_url(), &keys.path().join("master.key"), PoolSettings::default()).await;
    let email = "failover@example.com";
    let token = node.owner(email).await;
    let vid = node.venue(&token, "failover venue").await;

    // The front desk's console: its own session, its encrypted cache and outbox.
    let keychain = Arc::new(MemoryKeychain::default());
    let LoginOutcome::SignedIn(session) = Session::login(
        ApiClient::new(&node.base).unwrap(),
        keychain.clone(),
        email,
        &SecretString::from(PASSWORD),
        "front desk",
    )
    .await
    .unwrap() else {
        panic!("no MFA here")
    };
    let data = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(
        data.path(),
        CacheId { server: node.base.clone(), email: email.into(), venue_id: vid.parse().unwrap() },
        keychain,
    )
    .unwrap();

    // One booking made per round, then the outbox drained. Once BEFORE_KILL are
    // acknowledged the primary is killed from another thread while requests are in flight;
    // the desk goes on making bookings (they queue while the database is away) until at
    // least TOTAL are made and a write made after the kill has been acknowledged.
    let killed: Arc<Mutex<Option<(Instant, String)>>> = Arc::default();
    let edge = Resend::new(&vid);
    let mut edge_id = None;
    let mut kill_thread = None;
    let (mut made, mut ids, mut acked) = (Vec::new(), Vec::new(), 0usize);
    let (mut failed_drains, mut outage) = (0u32, None);
    loop {
        if made.len() < TOTAL || outage.is_none() {
            let guest = format!("Guest {:03}", made.len());
            ids.push(cache.create_booking(vid.parse().unwrap(), booking(&guest, 2 + made.len() as i64)).unwrap().id);
            made.push(guest);
        }
        let started = Instant::now();
        let report = cache.drain(&session, &mut |_, _| {}).await.unwrap();
        assert!(report.conflict.is_none(), "a booking was refused: {report:?}");
        acked += report.sent as usize;
        let kill_at = killed.lock().unwrap().as_ref().map(|(at, _)| *at);
        if let Some(at) = kill_at {
            if report.sent > 0 && started > at && outage.is_none() {
                outage = Some(at.elapsed());
            }
            assert!(outage.is_some() || at.elapsed() < RESUME_WITHIN, "no write acknowledged since the kill");
        }
        if acked >= BEFORE_KILL && kill_thread.is_none() {
            // A booking whose answer is "lost" at the kill: sent again after the failover.
            let (status, first) = edge.send(&node, &token).await;
            assert_eq!(status, 201, "{first}");
            edge_id = first["id"].as_str().map(str::to_string);
            let (cluster, killed) = (cluster.clone(), killed.clone());
            kill_thread = Some(std::thread::spawn(move || {
                let victim = cluster.run("kill-primary", &[]).trim().to_string();
                *killed.lock().unwrap() = Some((Instant::now(), victim));
            }));
        }
        if made.len() >= TOTAL && report.remaining == 0 && outage.is_some() {
            break;
        }
        let unreachable = report.offline || report.busy;
        failed_drains += u32::from(unreachable);
        tokio::time::sleep(Duration::from_millis(if unreachable { 100 } else { 20 })).await;
    }
    kill_thread.unwrap().join().unwrap();
    let (_, victim) = killed.lock().unwrap().clone().unwrap();
    let (outage, answered_5xx) = (outage.unwrap(), node.server_errors.load(std::sync::atomic::Ordering::Relaxed));
    println!(
        "failover drill: SIGKILL of {victim}'s postmaster; first acknowledged write {:.1} s later; \
         {answered_5xx} requests answered 5xx and {failed_drains} drains ended early meanwhile",
        outage.as_secs_f64()
    );
    assert_eq!(victim, first_leader);

    // The cluster heals: the other node leads, the old primary follows it again.
    cluster.run("wait", &["120"]);
    assert_ne!(cluster.run("primary", &[]).trim(), victim);

    // The request sent again with its key after the failover is answered from the
    // idempotency record the new primary received synchronously: the same booking.
    let (status, again) = edge.send(&node, &token).await;
    assert_eq!((status, again["id"].as_str().map(str::to_string)), (201, edge_id), "{again}");
    made.push(EDGE.to_string());
    made.sort();

    // Every booking the console made is on the platform exactly once, each confirmed in the
    // console at version 1 (a retry replayed, never re-applied).
    let mut on_platform = node.guests(&token, &vid).await;
    on_platform.sort();
    assert_eq!(on_platform, made, "each booking exactly once");
    assert!(made.len() > TOTAL);
    for id in &ids {
        let (confirmed, pending) = cache.booking(*id).unwrap().unwrap();
        assert_eq!((confirmed.version, pending), (1, false), "{id}");
    }
    let (mut events, mut cursor) = (0, String::new());
    loop {
        let page: Value = node
            .client
            .get(format!("{}/v1/venues/{vid}/audit?action=booking.create&limit=200{cursor}", node.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        events += page["items"].as_array().map(Vec::len).unwrap_or_else(|| panic!("{page}"));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(events, made.len(), "one audit event per booking");
    let (ok, said) = audit_verifies(&cluster.app_url(), &vid);
    assert!(ok, "the chain verifies after the failover: {said}");
}
