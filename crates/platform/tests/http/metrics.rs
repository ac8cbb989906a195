//! `/metrics`: only on the admin listener, in the Prometheus text format (read with a real
//! parser), counting requests by route and status with latency, pool use, the webhook
//! queue, sync counters, and server errors by class — each new class logged once at ERROR.

use std::process::Stdio;

use std::collections::HashMap;

use openmetrics_parser::PrometheusValue;
use openmetrics_parser::prometheus::parse_prometheus;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use venuedesk_platform::app;

use crate::common::{TestPlatform, expect_problem};
use crate::venue_fixture::{booking, in_hours};

/// The platform's admin router on its own loopback port, as `serve --admin-listen` runs it.
async fn admin(p: &TestPlatform) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app::admin_router(p.state.clone());
    tokio::spawn(async move {
        let _ = app::serve_http(listener, router, std::future::pending()).await;
    });
    base
}

/// One sample as the parser read it.
#[derive(Debug)]
struct Sample {
    metric: String,
    labels: HashMap<String, String>,
    value: Reading,
}

#[derive(Debug)]
enum Reading {
    Number(f64),
    /// (upper bound, cumulative count) per bucket.
    Histogram(Vec<(f64, f64)>),
}

async fn scrape(admin: &str) -> Vec<Sample> {
    let res = reqwest::get(format!("{admin}/metrics")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    let exposition =
        parse_prometheus(&text).unwrap_or_else(|e| panic!("not the Prometheus text format: {e:?}\n{text}"));
    let mut out = Vec::new();
    for (name, family) in exposition.families {
        for sample in family.iter_samples() {
            let set = sample.get_labelset().unwrap();
            let labels = set.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            let value = match &sample.value {
                PrometheusValue::Counter(c) => Reading::Number(c.value.as_f64()),
                PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => Reading::Number(n.as_f64()),
                PrometheusValue::Histogram(h) => {
                    Reading::Histogram(h.buckets.iter().map(|b| (b.upper_bound, b.count.as_f64())).collect())
                }
                PrometheusValue::Summary(_) => continue,
            };
            out.push(Sample { metric: name.clone(), labels, value });
        }
    }
    out
}

fn find<'a>(samples: &'a [Sample], metric: &str, labels: &[(&str, &str)]) -> Option<&'a Sample> {
    samples
        .iter()
        .find(|s| s.metric == metric && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
}

fn number(s: Option<&Sample>) -> f64 {
    match s.map(|s| &s.value) {
        Some(Reading::Number(v)) => *v,
        other => panic!("not a number: {other:?}"),
    }
}

#[tokio::test]
async fn metrics_count_requests_pool_queue_sync_and_error_classes() {
    let p = TestPlatform::start().await;
    // Never on the public listener.
    expect_problem(p.req(Method::GET, "/metrics").send().await.unwrap(), 404, "not_found").await;
    let admin = admin(&p).await;
    assert_eq!(reqwest::get(format!("{admin}/v1/me")).await.unwrap().status(), StatusCode::NOT_FOUND, "only /metrics");

    let t = p.team("metrics", 10).await;
    for h in 0..3 {
        p.post_ok(&t.path("/bookings"), t.owner(), booking("Counted", 2, &in_hours(5 + h))).await;
    }
    let res = p.authed(Method::GET, &t.path("/audit"), t.token("kitchen")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let feed = p.get_ok(&t.path("/changes?since=0"), t.owner()).await;
    let served = feed["changes"].as_array().unwrap().len() as f64;
    // A retried write is answered from its stored response.
    let key = uuid::Uuid::new_v4().to_string();
    for _ in 0..2 {
        let res = p
            .req(Method::POST, &t.path("/bookings"))
            .bearer_auth(t.owner())
            .header("Idempotency-Key", &key)
            .json(&booking("Retried", 2, &in_hours(9)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    let samples = scrape(&admin).await;
    let bookings = [("method", "POST"), ("route", "/v1/venues/{vid}/bookings"), ("status", "201")];
    assert_eq!(number(find(&samples, "venuedesk_http_requests_total", &bookings)), 5.0, "by route template and status");
    let denied = [("route", "/v1/venues/{vid}/audit"), ("status", "403")];
    assert_eq!(number(find(&samples, "venuedesk_http_requests_total", &denied)), 1.0);
    assert!(
        !samples.iter().any(|s| s.labels.values().any(|v| v.contains(&t.vid))),
        "no ids in label values (route templates only)"
    );
    match &find(&samples, "venuedesk_http_request_duration_seconds", &bookings).expect("latency histogram").value {
        Reading::Histogram(buckets) => {
            assert_eq!(buckets.iter().map(|b| b.1).fold(0.0, f64::max), 5.0, "{buckets:?}");
            assert!(buckets.len() >= 13, "{buckets:?}");
        }
        other => panic!("latency is a histogram: {other:?}"),
    }
    assert!(number(find(&samples, "venuedesk_db_connections", &[("state", "max")])) >= 1.0);
    assert!(find(&samples, "venuedesk_db_connections", &[("state", "in_use")]).is_some());
    assert_eq!(number(find(&samples, "venuedesk_webhook_deliveries", &[("status", "pending")])), 0.0);
    assert_eq!(number(find(&samples, "venuedesk_database_up", &[])), 1.0);
    assert!(served >= 4.0 && number(find(&samples, "venuedesk_sync_changes_served_total", &[])) == served);
    assert_eq!(number(find(&samples, "venuedesk_idempotent_replays_total", &[])), 1.0);
    assert_eq!(number(find(&samples, "venuedesk_new_error_classes_total", &[])), 0.0);

    // A fault: the payment settings' table is gone. Each 500 is counted by its class (the
    // database's error code and the route, no data); the class is new once.
    p.database.execute_as_admin("ALTER TABLE payment_settings RENAME TO payment_settings_gone").await;
    for _ in 0..3 {
        let res = p.authed(Method::GET, &t.path("/payments"), t.owner()).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body: Value = res.json().await.unwrap();
        assert_eq!(
            body.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["request_id", "status", "title"],
            "no detail leaks"
        );
    }
    let samples = scrape(&admin).await;
    let errors: Vec<&Sample> = samples.iter().filter(|s| s.metric == "venuedesk_errors_total").collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let class = &errors[0].labels["class"];
    assert!(class.starts_with("database:") && class.ends_with(" GET /v1/venues/{vid}/payments"), "{class}");
    assert_eq!(number(Some(errors[0])), 3.0);
    assert_eq!(number(find(&samples, "venuedesk_new_error_classes_total", &[])), 1.0);
    // The same fault on another route is another class.
    let res = p
        .send(
            Method::PUT,
            &t.path("/payments"),
            t.owner(),
            Some(json!({"provider": "stripe", "webhook_secret": "whsec_a_long_enough_secret"})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let samples = scrape(&admin).await;
    assert_eq!(number(find(&samples, "venuedesk_new_error_classes_total", &[])), 2.0);
}

/// The binary: `--admin-listen` serves /metrics, the public listener does not, and a new
/// error class is logged once at ERROR while each 500 is logged at WARN.
#[tokio::test]
async fn serve_admin_listen_serves_metrics_and_logs_a_new_error_class_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_venuedesk-platform"))
        .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"])
        .env("VENUEDESK_DATABASE", format!("sqlite://{}", db.display()))
        .env("VENUEDESK_MASTER_KEY_FILE", dir.path().join("master.key"))
        .env_remove("VENUEDESK_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let (mut public, mut admin) = (None, None);
    while public.is_none() || admin.is_none() {
        let line = lines.next_line().await.unwrap().expect("serve exited early");
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        match v["message"].as_str() {
            Some("listening") => public = v["address"].as_str().map(String::from),
            Some(m) if m.starts_with("admin listening") => admin = v["address"].as_str().map(String::from),
            _ => {}
        }
    }
    let (public, admin) = (public.unwrap(), admin.unwrap());
    assert_eq!(reqwest::get(format!("{public}/metrics")).await.unwrap().status(), StatusCode::NOT_FOUND);
    let samples = scrape(&admin).await;
    assert!(samples.iter().any(|s| s.metric == "venuedesk_db_connections"));

    // Break the database under the running node: every sign-up fails the same way.
    let conn = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display())).await.unwrap();
    sqlx::query("ALTER TABLE security_events RENAME TO security_events_gone").execute(&conn).await.unwrap();
    conn.close().await;
    let client = reqwest::Client::new();
    for i in 0..3 {
        let res = client
            .post(format!("{public}/v1/auth/signup"))
            .json(&json!({"email": format!("e{i}@example.com"), "password": crate::common::PASSWORD, "display_name": "E"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    let samples = scrape(&admin).await;
    assert_eq!(number(find(&samples, "venuedesk_new_error_classes_total", &[])), 1.0);
    child.kill().await.unwrap();
    let mut rest = Vec::new();
    while let Ok(Some(line)) = lines.next_line().await {
        rest.push(serde_json::from_str::<Value>(&line).unwrap_or(Value::Null));
    }
    let alerts: Vec<&Value> = rest.iter().filter(|v| v["message"] == "new error class").collect();
    assert_eq!(alerts.len(), 1, "logged once: {alerts:?}");
    assert_eq!(alerts[0]["level"], "ERROR");
    assert!(alerts[0]["error_class"].as_str().unwrap().ends_with(" POST /v1/auth/signup"), "{}", alerts[0]);
    let warned = rest.iter().filter(|v| v["message"] == "internal error" && v["level"] == "WARN").count();
    assert_eq!(warned, 3, "each failure at WARN with its request id");
}
