//! The audit trail: append-only in the database, hash-chained, verifiable from a JSON Lines
//! export with SHA-256 and RFC 8785 alone, tamper-evident, and CSV-injection safe.

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Backend, TestPlatform, platform_command};
use crate::venue_fixture::{booking, in_hours};

/// RFC 8785 for the values audit events hold (objects, arrays, strings, integers, booleans,
/// null): serde_json's map is ordered by key and prints no whitespace. Written here, apart
/// from the platform's canonicaliser, so the check is independent.
fn jcs(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

fn recompute(lines: &[Value]) -> Result<usize, String> {
    let mut prev = "0".repeat(64);
    for (i, line) in lines.iter().enumerate() {
        let mut event = line.clone();
        let hash = event.as_object_mut().unwrap().remove("hash").unwrap();
        if event["seq"].as_i64() != Some(i as i64 + 1) {
            return Err(format!("seq at line {i}"));
        }
        if event["prev_hash"].as_str() != Some(prev.as_str()) {
            return Err(format!("prev_hash at seq {}", event["seq"]));
        }
        let mut h = Sha256::new();
        h.update(prev.as_bytes());
        h.update(b"\n");
        h.update(jcs(&event).as_bytes());
        let computed = hex::encode(h.finalize());
        if Some(computed.as_str()) != hash.as_str() {
            return Err(format!("hash at seq {}", event["seq"]));
        }
        prev = computed;
    }
    Ok(lines.len())
}

async fn export(p: &TestPlatform, path: &str, token: &str) -> (reqwest::header::HeaderMap, String) {
    let res = p.authed(Method::GET, path, token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let headers = res.headers().clone();
    (headers, res.text().await.unwrap())
}

#[tokio::test]
async fn jsonl_export_verifies_independently_and_csv_is_injection_safe() {
    let p = TestPlatform::start().await;
    let t = p.team("audit", 50).await;
    let manager = t.token("manager");
    // A request id that a spreadsheet would run as a formula.
    let res = p
        .authed(Method::POST, &t.path("/bookings"), manager)
        .header("X-Request-ID", "-2-3")
        .json(&booking("=HYPERLINK(\"http://evil\")", 2, &in_hours(4)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    p.post_ok(&t.path("/customers"), manager, json!({"name": "Dora", "allergens": ["egg"]})).await;

    let (headers, body) = export(&p, &t.path("/audit/export?format=jsonl"), manager).await;
    assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let lines: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.len() >= 8, "{}", lines.len());
    assert_eq!(recompute(&lines), Ok(lines.len()));
    // Personal data is sealed in the hashed rows.
    assert!(!body.contains("HYPERLINK") && !body.contains("Dora"));
    // The export itself was audited (it is the last event now).
    let last = p.get_ok(&t.path("/audit?action=audit.export"), manager).await;
    assert_eq!(last["items"].as_array().unwrap().len(), 1);
    // Any change to an exported row is found.
    let mut tampered = lines.clone();
    tampered[2]["details"] = json!({"party_size": 99});
    assert!(recompute(&tampered).is_err());

    let (headers, csv) = export(&p, &t.path("/audit/export?format=csv"), manager).await;
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), lines.len() + 1, "one row per event, including the first export");
    let request_ids: Vec<&str> = rows.iter().map(|r| &r[7]).collect();
    assert!(request_ids.contains(&"'-2-3"), "{request_ids:?}");
    for row in &rows {
        for cell in row.iter() {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "unsafe cell {cell:?}");
        }
    }
    // People read personal data in the CSV while its key exists.
    assert!(csv.contains("HYPERLINK") && csv.contains("Dora"));
    for bad in ["format=xml", "format=csv&from=someday", ""] {
        let res = p.authed(Method::GET, &t.path(&format!("/audit/export?{bad}")), manager).send().await.unwrap();
        assert_eq!(res.status(), 400, "{bad}");
    }
}

#[tokio::test]
async fn the_database_refuses_update_and_delete_and_verify_finds_tampering() {
    let p = TestPlatform::start().await;
    let t = p.team("tamper", 50).await;
    for i in 0..3 {
        p.post_ok(&t.path("/bookings"), t.owner(), booking(&format!("G{i}"), 2, &in_hours(5 + i))).await;
    }
    let db_url = p.db_url().to_string();
    let ok = platform_command(["audit", "verify", "--database", &db_url, "--venue", &t.vid]).await;
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("intact"));
    let (seq, copy_url) = match p.database.backend {
        Backend::Sqlite => tamper_with_a_sqlite_copy(&p).await,
        Backend::Postgres => tamper_on_postgres(&p, &t.vid).await,
    };
    let broken = platform_command(["audit", "verify", "--database", &copy_url, "--venue", &t.vid]).await;
    assert_eq!(broken.status.code(), Some(2));
    let out = String::from_utf8_lossy(&broken.stdout);
    assert!(out.contains(&format!("BROKEN at seq {seq}")), "{out}");
}

fn edited(canonical: &str) -> String {
    let edited = canonical.replacen("\"party_size\":2", "\"party_size\":20", 1);
    assert_ne!(edited, canonical, "the row holds a party size to edit");
    edited
}

/// Triggers refuse UPDATE and DELETE even with direct access; a copy of the file with the
/// triggers dropped gets one row edited. Returns the edited seq and the copy's URL.
async fn tamper_with_a_sqlite_copy(p: &TestPlatform) -> (i64, String) {
    let url = p.db_url().to_string();
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.unwrap();
    let upd = sqlx::query("UPDATE audit_events SET action = 'x' WHERE seq = 2").execute(&mut conn).await;
    assert!(upd.unwrap_err().to_string().contains("append-only"));
    let del = sqlx::query("DELETE FROM audit_events WHERE seq = 2").execute(&mut conn).await;
    assert!(del.unwrap_err().to_string().contains("append-only"));
    let copy = p.dir.path().join("copy.db");
    sqlx::query(sqlx::AssertSqlSafe(format!("VACUUM INTO '{}'", copy.display()))).execute(&mut conn).await.unwrap();
    drop(conn);
    let copy_url = format!("sqlite://{}", copy.display());
    let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&copy_url).await.unwrap();
    sqlx::query("DROP TRIGGER audit_events_no_update").execute(&mut c).await.unwrap();
    let (seq, canonical): (i64, String) =
        sqlx::query_as("SELECT seq, canonical FROM audit_events WHERE action = 'booking.create' ORDER BY seq LIMIT 1")
            .fetch_one(&mut c)
            .await
            .unwrap();
    sqlx::query("UPDATE audit_events SET canonical = ? WHERE seq = ?")
        .bind(edited(&canonical))
        .bind(seq)
        .execute(&mut c)
        .await
        .unwrap();
    (seq, copy_url)
}

/// The owner (in the venue's context) cannot UPDATE, DELETE or TRUNCATE the audit table:
/// the triggers hold for every role. A superuser disables them and edits one row in place.
async fn tamper_on_postgres(p: &TestPlatform, vid: &str) -> (i64, String) {
    use sqlx::Connection;
    let mut owner = sqlx::PgConnection::connect(p.database.owner_url.as_deref().unwrap()).await.unwrap();
    sqlx::query("SELECT set_config('venuedesk.venue_id', $1, false)").bind(vid).execute(&mut owner).await.unwrap();
    for sql in [
        "UPDATE audit_events SET action = 'x' WHERE seq = 2",
        "DELETE FROM audit_events WHERE seq = 2",
        "TRUNCATE audit_events",
    ] {
        let err = sqlx::query(sql).execute(&mut owner).await.unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    let mut su = sqlx::PgConnection::connect(&p.database.superuser_url().unwrap()).await.unwrap();
    sqlx::query("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete")
        .execute(&mut su)
        .await
        .unwrap();
    let (seq, canonical): (i64, String) = sqlx::query_as(
        "SELECT seq, canonical FROM audit_events WHERE venue_id = $1::uuid AND action = 'booking.create' ORDER BY seq LIMIT 1",
    )
    .bind(vid)
    .fetch_one(&mut su)
    .await
    .unwrap();
    sqlx::query("UPDATE audit_events SET canonical = $1 WHERE venue_id = $2::uuid AND seq = $3")
        .bind(edited(&canonical))
        .bind(vid)
        .bind(seq)
        .execute(&mut su)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete")
        .execute(&mut su)
        .await
        .unwrap();
    (seq, p.db_url().to_string())
}
