//! What `GET /metrics` shows, in the Prometheus text format, on the `--admin-listen`
//! address only (never the public listener): requests and latency by route and status,
//! database pool use, the webhook outbox, sync counters, and server errors by class. Each
//! node keeps its own registry (nothing global), so several platforms in one process —
//! as in the tests — keep their own counts.

mod error_classes;

use std::collections::HashSet;
use std::sync::Mutex;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::store::Store;

pub use error_classes::fingerprint;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    errors: IntCounterVec,
    new_error_classes: IntCounter,
    pool: IntGaugeVec,
    deliveries: IntGaugeVec,
    /// Change-feed entries served to syncing clients.
    pub changes_served: IntCounter,
    /// Writes answered from a stored idempotent response (a client's retry).
    pub idempotent_replays: IntCounter,
    up: IntGauge,
    seen: Mutex<HashSet<String>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn register<T: prometheus::core::Collector + Clone + 'static>(r: &Registry, c: T) -> Result<T, prometheus::Error> {
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let r = Registry::new();
        let labels = ["method", "route", "status"];
        Ok(Metrics {
            requests: register(
                &r,
                IntCounterVec::new(Opts::new("venuedesk_http_requests_total", "HTTP requests answered"), &labels)?,
            )?,
            latency: register(
                &r,
                HistogramVec::new(
                    HistogramOpts::new("venuedesk_http_request_duration_seconds", "Time to answer an HTTP request")
                        .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
                    &labels,
                )?,
            )?,
            errors: register(
                &r,
                IntCounterVec::new(
                    Opts::new(
                        "venuedesk_errors_total",
                        "Server errors (500) by class: the failure's kind and the route, no data",
                    ),
                    &["class"],
                )?,
            )?,
            new_error_classes: register(
                &r,
                IntCounter::new(
                    "venuedesk_new_error_classes_total",
                    "Error classes this node had not seen before (each logged once at ERROR); alert on any increase",
                )?,
            )?,
            pool: register(
                &r,
                IntGaugeVec::new(
                    Opts::new("venuedesk_db_connections", "This node's database connections: max, open, idle, in_use"),
                    &["state"],
                )?,
            )?,
            deliveries: register(
                &r,
                IntGaugeVec::new(
                    Opts::new(
                        "venuedesk_webhook_deliveries",
                        "Webhook deliveries not delivered, by status (all venues)",
                    ),
                    &["status"],
                )?,
            )?,
            changes_served: register(
                &r,
                IntCounter::new(
                    "venuedesk_sync_changes_served_total",
                    "Change-feed entries served to syncing clients",
                )?,
            )?,
            idempotent_replays: register(
                &r,
                IntCounter::new(
                    "venuedesk_idempotent_replays_total",
                    "Writes answered from the stored response of an earlier request with the same Idempotency-Key",
                )?,
            )?,
            up: register(&r, IntGauge::new("venuedesk_database_up", "1 when the database answered this scrape")?)?,
            seen: Mutex::new(HashSet::new()),
            registry: r,
        })
    }

    pub fn observe_request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// Counts a server error; the first of its class on this node is logged at ERROR (the
    /// alert) and counted in `venuedesk_new_error_classes_total`.
    pub fn observe_error(&self, kind: &str, method: &str, route: &str) {
        let class = fingerprint(kind, method, route);
        self.errors.with_label_values(&[class.as_str()]).inc();
        let new = self.seen.lock().map(|mut seen| seen.insert(class.clone())).unwrap_or(false);
        if new {
            self.new_error_classes.inc();
            tracing::error!(target: "venuedesk::alert", error_class = %class, "new error class");
        }
    }

    /// The text `/metrics` answers, with the pool and queue gauges read now.
    pub async fn render(&self, store: &dyn Store) -> String {
        let pool = store.pool_stats();
        for (state, n) in [
            ("max", pool.max),
            ("open", pool.open),
            ("idle", pool.idle),
            ("in_use", pool.open.saturating_sub(pool.idle)),
        ] {
            self.pool.with_label_values(&[state]).set(i64::from(n));
        }
        match store.delivery_queue().await {
            Ok((pending, failed)) => {
                self.deliveries.with_label_values(&["pending"]).set(pending);
                self.deliveries.with_label_values(&["failed"]).set(failed);
                self.up.set(1);
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics: the webhook queue could not be read");
                self.up.set(0);
            }
        }
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            tracing::warn!(error = %e, "metrics could not be encoded");
        }
        String::from_utf8(out).unwrap_or_default()
    }
}
