//! The delivery worker. Every node runs one; the store's lease (and `SKIP LOCKED` on
//! PostgreSQL) lets several run at once without sending a delivery twice concurrently,
//! and only each endpoint's oldest unfinished delivery is ever due, so an endpoint gets
//! its events in order. Delivery is at least once: a node that dies after sending but
//! before recording sends again once the lease has run out.

use std::time::Duration as StdDuration;

use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
use time::Duration;

use super::{next_retry, signature, target};
use crate::routes::integrations::webhooks::open_secrets;
use crate::state::AppState;
use crate::store::{ClaimedDelivery, DeliveryOutcome, DeliveryResult, WebhookRecord};

/// Longer than a send can take, so a lease never ends while its delivery is in flight.
pub const LEASE: Duration = Duration::seconds(60);
pub const SEND_TIMEOUT: StdDuration = StdDuration::from_secs(10);
const POLL: StdDuration = StdDuration::from_millis(100);
const BATCH: u32 = 256;
/// Deliveries of one endpoint sent in order per round. Several in a round keep up with a
/// busy venue; a lease covers them all (`PER_ENDPOINT` sends at worst `SEND_TIMEOUT` each
/// could outlast it, so a round stops sending once its lease is half gone).
const PER_ENDPOINT: u32 = 64;

/// At most one round per this long: a busy venue's events are then claimed and recorded in
/// batches (two writer transactions per round, not per event), which leaves the database to
/// the writes that make the events; it adds at most this much to a delivery's wait.
const ROUND: StdDuration = StdDuration::from_millis(25);

pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let began = std::time::Instant::now();
            if run_once(&state).await == 0 {
                tokio::time::sleep(POLL).await;
            } else if let Some(rest) = ROUND.checked_sub(began.elapsed()) {
                tokio::time::sleep(rest).await;
            }
        }
    })
}

/// Claims what is due and sends it; how many deliveries were attempted.
pub async fn run_once(state: &AppState) -> usize {
    let started = std::time::Instant::now();
    let batch = match state.store.claim_deliveries(state.clock.now(), LEASE, BATCH, PER_ENDPOINT).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "webhook worker could not claim deliveries");
            tokio::time::sleep(StdDuration::from_secs(1)).await;
            return 0;
        }
    };
    let n = batch.len();
    // Each endpoint's deliveries one after another, in order; endpoints side by side.
    let mut by_endpoint: Vec<Vec<ClaimedDelivery>> = Vec::new();
    for d in batch {
        match by_endpoint.iter_mut().find(|g| g[0].endpoint_id == d.endpoint_id) {
            Some(g) => g.push(d),
            None => by_endpoint.push(vec![d]),
        }
    }
    let half_lease = StdDuration::from_secs((LEASE.whole_seconds() / 2).max(1) as u64);
    let results = futures::future::join_all(by_endpoint.into_iter().map(|group| async move {
        let mut results = Vec::with_capacity(group.len());
        // Read, checked (after a fresh DNS lookup) and unsealed once per round, not per send.
        let mut endpoint = match group.first() {
            Some(d) => prepare(state, d).await,
            None => return results,
        };
        let mut stopped = false;
        for (i, d) in group.into_iter().enumerate() {
            if stopped || started.elapsed() > half_lease {
                // An earlier one failed (order!) or the lease runs short: give it back.
                results.push(DeliveryResult {
                    venue_id: d.venue_id,
                    delivery_id: d.id,
                    at: state.clock.now(),
                    status_code: None,
                    outcome: DeliveryOutcome::NotSent,
                });
                continue;
            }
            // The endpoint as it is now (a cheap read by id): a delete, a new URL or a
            // rotated secret takes effect at the next send, not the next round.
            if let (true, Ok(ready)) = (i > 0, &endpoint) {
                match state.store.webhook(d.venue_id, d.endpoint_id).await {
                    Ok(Some(now)) if ready.is_current(&now) => {}
                    Ok(Some(_)) => endpoint = prepare(state, &d).await,
                    Ok(None) => endpoint = Err(Unsendable::Gone),
                    // Unreadable for a moment: send with what was read this round.
                    Err(_) => {}
                }
            }
            let (status_code, outcome) = match &endpoint {
                Ok(ready) => attempt(state, ready, &d).await,
                Err(unsendable) => (None, unsendable.outcome(state, &d)),
            };
            let at = state.clock.now();
            // The wait is counted from when the attempt ended.
            let outcome = match (outcome, next_retry(d.attempt + 1)) {
                (DeliveryOutcome::Retry(_), Some(wait)) => DeliveryOutcome::Retry(at + wait),
                (other, _) => other,
            };
            stopped = outcome != DeliveryOutcome::Delivered;
            results.push(DeliveryResult { venue_id: d.venue_id, delivery_id: d.id, at, status_code, outcome });
        }
        results
    }))
    .await;
    let results: Vec<DeliveryResult> = results.into_iter().flatten().collect();
    if let Err(e) = state.store.finish_deliveries(&results).await {
        tracing::warn!(error = %e, "webhook delivery results not recorded; they will be sent again");
    }
    n
}

/// Why an endpoint's deliveries cannot be sent this round.
enum Unsendable {
    /// Deleted: its deliveries are finished.
    Gone,
    /// Unreadable, refused by the target check or not unsealable: retried on the schedule.
    NotNow,
}

impl Unsendable {
    fn outcome(&self, state: &AppState, d: &ClaimedDelivery) -> DeliveryOutcome {
        match self {
            Unsendable::Gone => DeliveryOutcome::Failed,
            Unsendable::NotNow => match next_retry(d.attempt + 1) {
                Some(wait) => DeliveryOutcome::Retry(state.clock.now() + wait),
                None => DeliveryOutcome::Failed,
            },
        }
    }
}

/// An endpoint ready to send to: its checked addresses, a client bound to them, its secrets,
/// and the record they were made from.
struct Ready {
    url: reqwest::Url,
    client: reqwest::Client,
    secrets: Vec<zeroize::Zeroizing<String>>,
    record: WebhookRecord,
}

impl Ready {
    /// Still the endpoint as stored: same version, URL and secrets.
    fn is_current(&self, now: &WebhookRecord) -> bool {
        let r = &self.record;
        r.version == now.version
            && r.url == now.url
            && r.secret_enc == now.secret_enc
            && r.previous_secret_enc == now.previous_secret_enc
            && r.previous_expires_at == now.previous_expires_at
    }
}

async fn prepare(state: &AppState, d: &ClaimedDelivery) -> Result<Ready, Unsendable> {
    let endpoint = match state.store.webhook(d.venue_id, d.endpoint_id).await {
        Ok(Some(e)) => e,
        Ok(None) => return Err(Unsendable::Gone),
        Err(e) => {
            tracing::warn!(error = %e, "webhook endpoint unreadable");
            return Err(Unsendable::NotNow);
        }
    };
    // Checked again now, after a fresh DNS lookup: the address may have changed since save.
    let target = match target::resolve(&endpoint.url, state.settings.webhooks_allow_private).await {
        Ok(t) => t,
        Err(e) => {
            tracing::info!(webhook = %endpoint.id, reason = %e, "webhook target refused");
            return Err(Unsendable::NotNow);
        }
    };
    let secrets = open_secrets(state, &endpoint).await.map_err(|_| Unsendable::NotNow)?;
    let mut builder =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(SEND_TIMEOUT).no_proxy();
    // Connect only to the addresses that were checked (no second lookup to rebind).
    if target.host.parse::<std::net::IpAddr>().is_err() {
        builder = builder.resolve_to_addrs(&target.host, &target.addrs);
    }
    let client = builder.build().map_err(|_| Unsendable::NotNow)?;
    Ok(Ready { url: target.url, client, secrets, record: endpoint })
}

async fn attempt(state: &AppState, ready: &Ready, d: &ClaimedDelivery) -> (Option<i64>, DeliveryOutcome) {
    let now = state.clock.now();
    let failed = || match next_retry(d.attempt + 1) {
        Some(wait) => DeliveryOutcome::Retry(now + wait),
        None => DeliveryOutcome::Failed,
    };
    let timestamp = now.unix_timestamp();
    let msg_id = d.event_id.to_string();
    let refs: Vec<&str> = ready.secrets.iter().map(|s| s.as_str()).collect();
    let signature = signature::header(&refs, &msg_id, timestamp, &d.payload);
    let sent = ready
        .client
        .post(ready.url.clone())
        .header("webhook-id", &msg_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .header(USER_AGENT, HeaderValue::from_static("Venuedesk-Webhooks/1"))
        .body(d.payload.clone())
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => (Some(i64::from(res.status().as_u16())), DeliveryOutcome::Delivered),
        Ok(res) if res.status() == reqwest::StatusCode::GONE => (Some(410), DeliveryOutcome::Gone),
        Ok(res) => (Some(i64::from(res.status().as_u16())), failed()),
        Err(_) => (None, failed()),
    }
}
