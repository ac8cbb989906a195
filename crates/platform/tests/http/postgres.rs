//! What only the PostgreSQL production tier needs proved: row-level security seen from the
//! application role with raw SQL, the audit table's privileges, the roles `serve` refuses,
//! health while the database comes and goes, and every promise held by three `serve`
//! processes writing one database at once.
//!
//! Ignored unless run on PostgreSQL: scripts/test.sh runs them with
//! `VENUEDESK_TEST_DATABASE` set to a throwaway cluster (scripts/pg-cluster.sh).

use std::collections::{BTreeSet, HashSet};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection, Row};

use crate::common::{Backend, PASSWORD, TestPlatform, expect_problem};
use crate::venue_fixture::{booking, in_hours};

const PG_ONLY: &str = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)";

/// Every table with a venue: row-level security is enabled and forced on each.
const TENANT_TABLES: [&str; 10] = [
    "venues",
    "booking_tables",
    "roles",
    "members",
    "invitations",
    "docs",
    "changes",
    "venue_sequences",
    "audit_events",
    "authz_denials",
];

async fn start() -> TestPlatform {
    let p = TestPlatform::start().await;
    assert_eq!(p.database.backend, Backend::Postgres, "{PG_ONLY}");
    p
}

async fn app_conn(p: &TestPlatform) -> PgConnection {
    PgConnection::connect(p.db_url()).await.unwrap()
}

async fn count_in(conn: &mut PgConnection, table: &str, venue: Option<&str>) -> (i64, i64) {
    let mut tx = conn.begin().await.unwrap();
    if let Some(v) = venue {
        sqlx::query("SELECT set_config('venuedesk.venue_id', $1, true)").bind(v).execute(&mut *tx).await.unwrap();
    }
    let key = if table == "venues" { "id" } else { "venue_id" };
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE {key}::text <> COALESCE($1, '')) AS foreign_rows FROM {table}"
    )))
    .bind(venue)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (row.get("n"), row.get("foreign_rows"))
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn the_app_role_sees_no_tenant_row_without_a_context_and_only_its_venue_with_one() {
    let p = start().await;
    let a = p.team("rls-a", 50).await;
    let b = p.team("rls-b", 50).await;
    for t in [&a, &b] {
        let c = p.post_ok(&t.path("/customers"), t.token("manager"), json!({"name": "Rowan Levels"})).await;
        // On a table: a booking_tables row too.
        p.post_ok(&t.path("/tables"), t.owner(), json!({"name": "T1", "seats_max": 4})).await;
        let mut body = booking("Rowan", 2, &in_hours(3));
        body["customer_id"] = c["id"].clone();
        p.post_ok(&t.path("/bookings"), t.owner(), body).await;
        // A forbidden request leaves an authz_denials row; an open invitation, one more row.
        let res = p.send(Method::GET, &t.path("/audit"), t.token("kitchen"), None).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        p.post_ok(
            &t.path("/invitations"),
            t.owner(),
            json!({"email": "later@example.com", "role_id": t.role_ids["kitchen"]}),
        )
        .await;
    }
    let mut conn = app_conn(&p).await;
    // A GUC set and reset on this connection reads back as '' — still no tenant.
    sqlx::query("SELECT set_config('venuedesk.venue_id', '', false)").execute(&mut conn).await.unwrap();
    for table in TENANT_TABLES {
        assert_eq!(count_in(&mut conn, table, None).await.0, 0, "{table} without a tenant context");
        let (n, foreign) = count_in(&mut conn, table, Some(&a.vid)).await;
        assert!(n > 0, "{table} has rows of venue A");
        assert_eq!(foreign, 0, "{table} shows another venue's rows in A's context");
    }
    // Writing into another venue from A's context is refused by the policy's check.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('venuedesk.venue_id', $1, true)").bind(&a.vid).execute(&mut *tx).await.unwrap();
    let err = sqlx::query("INSERT INTO authz_denials (venue_id, key, last_at) VALUES ($1::uuid, 'smuggled', 0)")
        .bind(&b.vid)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();
    // …and updating B's rows from A's context touches nothing.
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('venuedesk.venue_id', $1, true)").bind(&a.vid).execute(&mut *tx).await.unwrap();
    let n = sqlx::query("UPDATE docs SET deleted = true WHERE venue_id = $1::uuid")
        .bind(&b.vid)
        .execute(&mut *tx)
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 0);
    tx.rollback().await.unwrap();
    // The context is transaction-local: the next transaction on this pooled connection has none.
    assert_eq!(count_in(&mut conn, "docs", None).await.0, 0);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn the_app_role_cannot_change_or_empty_the_audit_trail() {
    let p = start().await;
    let t = p.team("audit-privs", 50).await;
    let mut conn = app_conn(&p).await;
    sqlx::query("SELECT set_config('venuedesk.venue_id', $1, false)").bind(&t.vid).execute(&mut conn).await.unwrap();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events").fetch_one(&mut conn).await.unwrap();
    assert!(before > 0);
    for sql in [
        "UPDATE audit_events SET action = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete",
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_events_no_update_or_delete ON audit_events",
        "ALTER TABLE audit_events NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY tenant ON audit_events",
    ] {
        let err = sqlx::query(sql).execute(&mut conn).await.unwrap_err().to_string();
        assert!(err.contains("permission denied") || err.contains("must be owner"), "{sql}: {err}");
    }
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events").fetch_one(&mut conn).await.unwrap();
    assert_eq!(after, before);
}

fn serve_once(url: &str, dir: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_venuedesk-platform"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", url])
        .arg("--master-key-file")
        .arg(dir.join("master.key"))
        .output()
        .unwrap()
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn serve_refuses_the_owner_a_superuser_and_a_bypassrls_role() {
    let p = start().await;
    let owner = p.database.owner_url.clone().unwrap();
    let superuser = p.database.superuser_url().unwrap();
    // A role with BYPASSRLS (made by the superuser; role names are cluster-wide).
    let name = format!("vd_bypass_{}", uuid::Uuid::new_v4().simple());
    let mut su = PgConnection::connect(&superuser).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE {name} LOGIN BYPASSRLS PASSWORD 'bypass'")))
        .execute(&mut su)
        .await
        .unwrap();
    let mut bypass = reqwest::Url::parse(&owner).unwrap();
    bypass.set_username(&name).unwrap();
    bypass.set_password(Some("bypass")).unwrap();
    for (url, reason) in
        [(owner.as_str(), "owns the tables"), (superuser.as_str(), "superuser"), (bypass.as_str(), "BYPASSRLS")]
    {
        let out = serve_once(url, p.dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{reason}: {stderr}");
        assert!(stderr.contains(reason) && stderr.contains("refusing to serve"), "{stderr}");
    }
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE {name}"))).execute(&mut su).await.unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn health_follows_the_database_without_a_restart() {
    use venuedesk_platform::app;
    use venuedesk_platform::store::postgres::PoolSettings;
    let p = start().await;
    // The platform reaches PostgreSQL through a proxy the test can cut.
    let mut url = reqwest::Url::parse(p.db_url()).unwrap();
    let upstream: std::net::SocketAddr =
        format!("{}:{}", url.host_str().unwrap(), url.port().unwrap()).parse().unwrap();
    let proxy = venuedesk_test_support::Proxy::start(upstream).await;
    let proxied: std::net::SocketAddr = proxy.base.trim_start_matches("http://").parse().unwrap();
    url.set_port(Some(proxied.port())).unwrap();
    let pool = PoolSettings { max_connections: 4, acquire_timeout: Duration::from_secs(1) };
    let store = app::open_serving_store(url.as_str(), pool).await.unwrap();
    let (master, _) = venuedesk_platform::crypto::MasterKey::load_or_create(&p.dir.path().join("master.key")).unwrap();
    let platform = app::build(
        store,
        master,
        crate::common::relaxed(),
        std::sync::Arc::new(venuedesk_platform::clock::SystemClock),
        "t".into(),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app::serve_http(listener, platform.router, std::future::pending()));
    let http = reqwest::Client::new();
    let probe = |path: &'static str| {
        let http = http.clone();
        let base = base.clone();
        async move {
            let res = http.get(format!("{base}{path}")).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    assert_eq!(probe("/healthz").await, (200, json!({"status": "ok"})));
    assert_eq!(probe("/readyz").await, (200, json!({"status": "ready"})));
    proxy.set_online(false);
    assert_eq!(probe("/healthz").await, (503, json!({"status": "unavailable"})));
    assert_eq!(probe("/readyz").await, (503, json!({"status": "unavailable"})));
    proxy.set_online(true);
    let mut back = probe("/healthz").await;
    for _ in 0..50 {
        if back.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        back = probe("/healthz").await;
    }
    assert_eq!(back, (200, json!({"status": "ok"})));
    assert_eq!(probe("/readyz").await.0, 200);
}

// --- three serve processes on one database ----------------------------------------------------

/// `serve` processes sharing the test's database and master key.
struct Nodes {
    bases: Vec<String>,
    children: Vec<Child>,
}

impl Drop for Nodes {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Nodes {
    async fn start(p: &TestPlatform, n: usize) -> Nodes {
        let mut nodes = Nodes { bases: Vec::new(), children: Vec::new() };
        for i in 0..n {
            let port = free_port();
            let log = std::fs::File::create(p.dir.path().join(format!("node{i}.log"))).unwrap();
            let child = Command::new(env!("CARGO_BIN_EXE_venuedesk-platform"))
                .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--database", p.db_url()])
                .args(["--issuer", "venuedesk-test", "--auth-rate-limit", "100000", "--db-pool-size", "8"])
                .arg("--master-key-file")
                .arg(p.dir.path().join("master.key"))
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap();
            nodes.children.push(child);
            nodes.bases.push(format!("http://127.0.0.1:{port}"));
        }
        let http = reqwest::Client::new();
        for base in &nodes.bases {
            let mut ready = false;
            for _ in 0..200 {
                if let Ok(r) = http.get(format!("{base}/readyz")).send().await
                    && r.status() == 200
                {
                    ready = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(ready, "node {base} did not become ready");
        }
        nodes
    }

    fn base(&self, i: usize) -> &str {
        &self.bases[i % self.bases.len()]
    }
}

fn authed(http: &reqwest::Client, method: Method, url: String, token: &str) -> reqwest::RequestBuilder {
    let rb = http.request(method.clone(), url).bearer_auth(token);
    if method == Method::GET { rb } else { rb.header("Idempotency-Key", uuid::Uuid::new_v4().to_string()) }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn thirty_bookings_for_the_last_four_seats_over_three_nodes_make_exactly_four() {
    let p = start().await;
    let t = p.team("nodes-cap", 10).await;
    let at = in_hours(30);
    p.post_ok(&t.path("/bookings"), t.owner(), booking("Early", 6, &at)).await;
    let nodes = Nodes::start(&p, 3).await;
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let rb = authed(&http, Method::POST, format!("{}{}", nodes.base(i), t.path("/bookings")), t.owner())
                .json(&booking(&format!("Late {i}"), 1, &at));
            tokio::spawn(async move { rb.send().await.unwrap().status().as_u16() })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 4, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    let list = p.get_ok(&t.path("/bookings?from=2000-01-01&to=2100-01-01&limit=200"), t.owner()).await;
    let seats: i64 = list["items"].as_array().unwrap().iter().map(|b| b["party_size"].as_i64().unwrap()).sum();
    assert_eq!(seats, 10);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn thirty_bookings_for_the_last_table_over_three_nodes_make_exactly_one() {
    let p = start().await;
    let t = p.team("nodes-table", 1000).await;
    let at = in_hours(30);
    let table = p.post_ok(&t.path("/tables"), t.owner(), json!({"name": "T1", "seats_max": 4})).await;
    let nodes = Nodes::start(&p, 3).await;
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            // Half name the table, half let the platform pick it: the same table either way.
            let mut body = booking(&format!("Guest {i}"), 2, &at);
            if i % 2 == 0 {
                body["table_ids"] = json!([table["id"]]);
            }
            let rb =
                authed(&http, Method::POST, format!("{}{}", nodes.base(i), t.path("/bookings")), t.owner()).json(&body);
            tokio::spawn(async move {
                let res = rb.send().await.unwrap();
                let status = res.status().as_u16();
                let code = res.json::<Value>().await.unwrap()["code"].as_str().map(str::to_string);
                (status, code)
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    assert_eq!(answers.iter().filter(|(s, _)| *s == 201).count(), 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, c)| *s == 201 || (*s == 409 && c.as_deref() == Some("table_unavailable"))),
        "{answers:?}"
    );
    let list = p.get_ok(&t.path("/bookings?from=2000-01-01&to=2100-01-01&limit=200"), t.owner()).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["table_ids"], json!([table["id"]]));
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn one_idempotency_key_sent_to_every_node_at_once_makes_one_booking() {
    let p = start().await;
    let t = p.team("nodes-idem", 50).await;
    let nodes = Nodes::start(&p, 3).await;
    let http = reqwest::Client::new();
    let key = uuid::Uuid::new_v4().to_string();
    let body = booking("Once Only", 2, &in_hours(5));
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let rb = http
                .post(format!("{}{}", nodes.base(i), t.path("/bookings")))
                .bearer_auth(t.owner())
                .header("Idempotency-Key", &key)
                .json(&body);
            tokio::spawn(async move {
                let res = rb.send().await.unwrap();
                (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        match status {
            201 => {
                ids.insert(body["id"].as_str().unwrap().to_string());
            }
            409 => assert_eq!(body["code"], "idempotency_key_in_use", "{body}"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    // Every answer that carried a booking carried the same one, and one exists.
    assert_eq!(ids.len(), 1, "{ids:?}");
    let list = p.get_ok(&t.path("/bookings?from=2000-01-01&to=2100-01-01&limit=200"), t.owner()).await;
    let named: Vec<_> = list["items"].as_array().unwrap().iter().filter(|b| b["guest_name"] == "Once Only").collect();
    assert_eq!(named.len(), 1);
}

async fn login_at(http: &reqwest::Client, base: &str, email: &str, password: &str) -> reqwest::Response {
    http.post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": email, "password": password, "device_name": "node test"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn a_refresh_token_reused_on_another_node_revokes_the_session_everywhere() {
    let p = start().await;
    p.signup("reuse-nodes@example.com").await;
    let nodes = Nodes::start(&p, 3).await;
    let http = reqwest::Client::new();
    let first: Value = login_at(&http, nodes.base(0), "reuse-nodes@example.com", PASSWORD).await.json().await.unwrap();
    let refresh = |base: &str, token: &str| {
        http.post(format!("{base}/v1/auth/refresh"))
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&json!({"refresh_token": token}))
            .send()
    };
    let res = refresh(nodes.base(1), first["refresh_token"].as_str().unwrap()).await.unwrap();
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    // The rotated-away token again, on a third node: reuse.
    let res = refresh(nodes.base(2), first["refresh_token"].as_str().unwrap()).await.unwrap();
    assert_eq!(res.status(), 401);
    // The session is over on every node: its newest refresh token and its access token.
    let res = refresh(nodes.base(0), second["refresh_token"].as_str().unwrap()).await.unwrap();
    assert_eq!(res.status(), 401);
    for i in 0..3 {
        let res =
            authed(&http, Method::GET, format!("{}/v1/me", nodes.base(i)), second["access_token"].as_str().unwrap())
                .send()
                .await
                .unwrap();
        expect_problem(res, 401, "session_revoked").await;
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn five_failed_logins_spread_over_nodes_lock_the_email() {
    let p = start().await;
    p.signup("lock-nodes@example.com").await;
    let nodes = Nodes::start(&p, 3).await;
    let http = reqwest::Client::new();
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let http = http.clone();
            let base = nodes.base(i).to_string();
            tokio::spawn(async move {
                login_at(&http, &base, "lock-nodes@example.com", "Wrong-Guess-123!").await.status().as_u16()
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 401);
    }
    for i in 0..3 {
        expect_problem(login_at(&http, nodes.base(i), "lock-nodes@example.com", PASSWORD).await, 429, "locked_out")
            .await;
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn a_feed_reader_misses_nothing_while_three_nodes_write_and_the_chain_has_no_gap() {
    let p = start().await;
    let t = p.team("nodes-feed", 50).await;
    let nodes = Nodes::start(&p, 3).await;
    let http = reqwest::Client::new();
    let manager = t.token("manager").to_string();
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let http = http.clone();
            let url = format!("{}{}", nodes.base(w), t.path("/customers"));
            let token = manager.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..20 {
                    let res = authed(&http, Method::POST, url.clone(), &token)
                        .json(&json!({"name": format!("Writer {w} guest {i}")}))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status(), 201);
                    ids.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
                }
                ids
            })
        })
        .collect();
    // The reader follows next_since from node to node while the writers run.
    let mut seen = BTreeSet::new();
    let mut since = 0i64;
    let mut polls = 0usize;
    let mut writers_done = false;
    let mut created = Vec::new();
    let mut writers = Some(writers);
    loop {
        let url = format!("{}{}", nodes.base(polls), t.path(&format!("/changes?since={since}&limit=7")));
        polls += 1;
        let page: Value = authed(&http, Method::GET, url, &manager).send().await.unwrap().json().await.unwrap();
        for c in page["changes"].as_array().unwrap() {
            if c["entity"] == "customer" {
                seen.insert(c["id"].as_str().unwrap().to_string());
            }
        }
        since = page["next_since"].as_i64().unwrap();
        if page["has_more"] == true {
            continue;
        }
        if writers_done {
            break;
        }
        if let Some(ws) = writers.take() {
            if ws.iter().all(|w| w.is_finished()) {
                for w in ws {
                    created.extend(w.await.unwrap());
                }
                // One more full pass after the last write was acknowledged.
                writers_done = true;
            } else {
                writers = Some(ws);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    assert_eq!(created.len(), 60);
    let missed: Vec<_> = created.iter().filter(|id| !seen.contains(*id)).collect();
    assert!(missed.is_empty(), "the reader missed {missed:?} in {polls} polls");

    // Three nodes wrote one chain: it verifies, and seq runs 1..=n with no gap.
    let out = Command::new(env!("CARGO_BIN_EXE_venuedesk-platform"))
        .args(["audit", "verify", "--database", p.db_url(), "--venue", &t.vid])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let mut seqs = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => t.path(&format!("/audit?limit=200&cursor={c}")),
            None => t.path("/audit?limit=200"),
        };
        let page = p.get_ok(&path, t.owner()).await;
        seqs.extend(page["items"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert!(seqs.len() >= 60);
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set VENUEDESK_TEST_DATABASE (scripts/pg-cluster.sh)"]
async fn a_node_killed_mid_burst_loses_no_acknowledged_write() {
    let p = start().await;
    let t = p.team("nodes-kill", 50).await;
    let mut nodes = Nodes::start(&p, 3).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let manager = t.token("manager").to_string();
    let tasks: Vec<_> = (0..90)
        .map(|i| {
            let rb = authed(&http, Method::POST, format!("{}{}", nodes.base(i), t.path("/customers")), &manager)
                .json(&json!({"name": format!("Burst guest {i}")}));
            tokio::spawn(async move {
                match rb.send().await {
                    Ok(res) if res.status() == 201 => res.json::<Value>().await.ok().map(|v| v["id"].to_string()),
                    _ => None,
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(40)).await;
    // SIGKILL: no shutdown, no flush, connections cut mid-transaction.
    let victim = &mut nodes.children[1];
    victim.kill().unwrap();
    victim.wait().unwrap();
    let mut acknowledged = Vec::new();
    for task in tasks {
        if let Some(id) = task.await.unwrap() {
            acknowledged.push(id.trim_matches('"').to_string());
        }
    }
    assert!(!acknowledged.is_empty());
    let mut stored = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => t.path(&format!("/customers?limit=100&cursor={c}")),
            None => t.path("/customers?limit=100"),
        };
        let page = p.get_ok(&path, &manager).await;
        stored.extend(page["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let lost: Vec<_> = acknowledged.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // The chain the survivors and the killed node wrote still verifies.
    let out = Command::new(env!("CARGO_BIN_EXE_venuedesk-platform"))
        .args(["audit", "verify", "--database", p.db_url(), "--venue", &t.vid])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
