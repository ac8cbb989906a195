//! `backup`, `backup verify` and `restore`, run as the operator runs them: the binary,
//! while the platform keeps taking bookings; the file opened by Debian's `age` command;
//! restored into an empty database that a new node then serves.

use std::path::Path;
use std::process::{Command, Output};

use age::secrecy::ExposeSecret;
use reqwest::StatusCode;
use serde_json::{Value, json};
use venuedesk_platform::app;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_test_support::Backend;

use crate::common::{TestPlatform, platform_command, relaxed};
use crate::venue_fixture::{booking, in_hours};

async fn run(args: &[&str]) -> Output {
    platform_command(args).await
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Where backup, verify and restore connect: SQLite's file; on PostgreSQL a role that reads
/// and writes past row-level security (the superuser here).
fn admin_url(p: &TestPlatform) -> String {
    match p.database.backend {
        Backend::Sqlite => p.db_url().to_string(),
        Backend::Postgres => p.database.superuser_url().unwrap(),
    }
}

/// An empty database to restore into: (URL for restore, URL a node serves from).
async fn empty_target(p: &TestPlatform, dir: &Path) -> (String, String) {
    match p.database.backend {
        Backend::Sqlite => {
            let url = format!("sqlite://{}", dir.join("restored.db").display());
            (url.clone(), url)
        }
        Backend::Postgres => {
            let name = format!("vd_restored_{}", uuid::Uuid::new_v4().simple());
            p.database.execute_as_admin(&format!("CREATE DATABASE {name} OWNER venuedesk_owner")).await;
            let mut admin = reqwest::Url::parse(&admin_url(p)).unwrap();
            admin.set_path(&name);
            let mut serving = reqwest::Url::parse(p.db_url()).unwrap();
            serving.set_path(&name);
            (admin.to_string(), serving.to_string())
        }
    }
}

#[tokio::test]
async fn a_backup_taken_while_writing_opens_with_age_verifies_and_restores_into_a_serving_node() {
    let p = TestPlatform::start().await;
    let t = p.team("backup", 100).await;
    let customer =
        p.post_ok(&t.path("/customers"), t.owner(), json!({"name": "Bea Backup", "email": "bea@example.com"})).await;
    for h in 0..3 {
        p.post_ok(&t.path("/bookings"), t.owner(), booking("Before", 2, &in_hours(3 + h))).await;
    }
    let work = tempfile::tempdir().unwrap();
    let backups = work.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    let identity = age::x25519::Identity::generate();
    let key_file = work.path().join("identity.txt");
    std::fs::write(&key_file, format!("{}\n", identity.to_string().expose_secret())).unwrap();
    let recipient = identity.to_public().to_string();
    let out = backups.join("b1.age");

    // Bookings keep arriving while the backup is taken.
    let writer = {
        let (client, base, token, path) =
            (p.client.clone(), p.base.clone(), t.owner().to_string(), t.path("/bookings"));
        tokio::spawn(async move {
            let mut made = 0;
            for i in 0..40 {
                let res = client
                    .post(format!("{base}{path}"))
                    .bearer_auth(&token)
                    .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                    .json(&booking("During", 1, &in_hours(20 + i)))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), StatusCode::CREATED);
                made += 1;
            }
            made
        })
    };
    let admin = admin_url(&p);
    let done = run(&["backup", "--database", &admin, "--out", out.to_str().unwrap(), "--recipient", &recipient]).await;
    assert!(done.status.success(), "{}", text(&done));
    assert_eq!(writer.await.unwrap(), 40);

    // An age file, 0600, alone in its directory: no key beside it, no plaintext left over.
    let sealed = std::fs::read(&out).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"), "age format");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let names: Vec<String> =
        std::fs::read_dir(&backups).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["b1.age"]);
    assert!(!contains(&sealed, b"backup venue"), "the venue's name is not readable in the backup");
    // Debian's age opens it with the identity.
    let plain = Command::new("age").args(["-d", "-i"]).arg(&key_file).arg(&out).output().unwrap();
    assert!(plain.status.success(), "age -d: {}", String::from_utf8_lossy(&plain.stderr));
    let magic: &[u8] = if p.database.backend == Backend::Sqlite { b"SQLite format 3\0" } else { b"PGDMP" };
    assert!(plain.stdout.starts_with(magic));
    let readable = if p.database.backend == Backend::Sqlite {
        plain.stdout.clone()
    } else {
        // A compressed custom-format archive: read it back as SQL with pg_restore.
        let archive = work.path().join("plain.dump");
        std::fs::write(&archive, &plain.stdout).unwrap();
        let sql = Command::new("pg_restore").args(["--data-only", "--file=-"]).arg(&archive).output().unwrap();
        std::fs::remove_file(&archive).unwrap();
        sql.stdout
    };
    assert!(contains(&readable, b"backup venue"), "the plaintext holds the data");

    // verify: every venue's chain checks out in a scratch restore.
    let v = run(&[
        "backup",
        "verify",
        "--database",
        &admin,
        "--from",
        out.to_str().unwrap(),
        "--identity",
        key_file.to_str().unwrap(),
    ])
    .await;
    assert!(v.status.success(), "{}", text(&v));
    assert!(text(&v).contains(&format!("venue {}", t.vid)) && text(&v).contains("chain intact"), "{}", text(&v));
    // A wrong identity or a damaged file is refused.
    let other = work.path().join("other.txt");
    std::fs::write(&other, age::x25519::Identity::generate().to_string().expose_secret()).unwrap();
    let v = run(&[
        "backup",
        "verify",
        "--database",
        &admin,
        "--from",
        out.to_str().unwrap(),
        "--identity",
        other.to_str().unwrap(),
    ])
    .await;
    assert!(!v.status.success() && text(&v).contains("does not open"), "{}", text(&v));
    let damaged = work.path().join("damaged.age");
    let mut bytes = sealed.clone();
    let at = bytes.len() - 100;
    bytes[at] ^= 0x40;
    std::fs::write(&damaged, &bytes).unwrap();
    let v = run(&[
        "backup",
        "verify",
        "--database",
        &admin,
        "--from",
        damaged.to_str().unwrap(),
        "--identity",
        key_file.to_str().unwrap(),
    ])
    .await;
    assert!(!v.status.success(), "{}", text(&v));

    // restore refuses a database in use…
    let r = run(&[
        "restore",
        "--database",
        &admin,
        "--from",
        out.to_str().unwrap(),
        "--identity",
        key_file.to_str().unwrap(),
    ])
    .await;
    assert_eq!(r.status.code(), Some(3), "{}", text(&r));
    assert!(text(&r).contains("not empty") && text(&r).contains("nothing was changed"), "{}", text(&r));
    // …and fills an empty one, which a node with the same master key then serves.
    let (target, serving) = empty_target(&p, work.path()).await;
    let r = run(&[
        "restore",
        "--database",
        &target,
        "--from",
        out.to_str().unwrap(),
        "--identity",
        key_file.to_str().unwrap(),
    ])
    .await;
    assert!(r.status.success(), "{}", text(&r));
    let store = app::open_serving_store(&serving, Default::default()).await.unwrap();
    let master = MasterKey::load(&p.dir.path().join("master.key")).unwrap();
    let node = app::build(store, master, relaxed(), p.clock.clone(), "venuedesk-test".into()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app::serve_http(listener, node.router, std::future::pending()));
    let get = |path: String| {
        let (client, base, token) = (p.client.clone(), base.clone(), t.owner().to_string());
        async move {
            client.get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap().json::<Value>().await.unwrap()
        }
    };
    let read = get(t.path(&format!("/customers/{}", customer["id"].as_str().unwrap()))).await;
    assert_eq!(read["email"], "bea@example.com", "sealed data opens after the restore");
    let restored = get(t.path("/bookings?from=2000-01-01&to=2100-01-01&limit=200")).await;
    let guests: Vec<&str> =
        restored["items"].as_array().unwrap().iter().map(|b| b["guest_name"].as_str().unwrap()).collect();
    assert_eq!(guests.iter().filter(|g| **g == "Before").count(), 3, "{guests:?}");
    let verify = run(&["audit", "verify", "--database", &serving, "--venue", &t.vid]).await;
    assert!(verify.status.success(), "the restored chain verifies: {}", text(&verify));
    // A node still in the middle of a transaction on it: --force gives up after --wait,
    // says why, and changes nothing.
    if p.database.backend == Backend::Postgres {
        use sqlx::Connection;
        let mut holder = sqlx::PgConnection::connect(&serving).await.unwrap();
        sqlx::query("BEGIN").execute(&mut holder).await.unwrap();
        sqlx::query("SELECT count(*) FROM venues").execute(&mut holder).await.unwrap();
        let args = ["restore", "--database", &target, "--from", out.to_str().unwrap()];
        let r = run(&[&args[..], &["--identity", key_file.to_str().unwrap(), "--force", "--wait", "1"]].concat()).await;
        assert_eq!(r.status.code(), Some(3), "{}", text(&r));
        assert!(text(&r).contains("still in use") && text(&r).contains("nothing was changed"), "{}", text(&r));
        sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
        holder.close().await.unwrap();
        let still = get(t.path("/bookings?from=2000-01-01&to=2100-01-01&limit=200")).await;
        assert_eq!(still["items"], restored["items"], "the refused restore changed nothing");
    }
    // --force replaces a database that is not empty.
    let r = run(&[
        "restore",
        "--database",
        &target,
        "--from",
        out.to_str().unwrap(),
        "--identity",
        key_file.to_str().unwrap(),
        "--force",
    ])
    .await;
    assert!(r.status.success(), "{}", text(&r));
}

#[tokio::test]
async fn backups_older_than_thirty_days_are_pruned_and_others_kept() {
    let p = TestPlatform::start().await;
    p.team("prune-backups", 10).await;
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let identity = age::x25519::Identity::generate();
    let month = std::time::Duration::from_secs(86_400);
    for (name, days) in [("old.age", 31u64), ("recent.age", 29), ("notes.txt", 60)] {
        let f = std::fs::File::create(dir.join(name)).unwrap();
        f.set_modified(std::time::SystemTime::now() - month * days as u32).unwrap();
    }
    let out = dir.join("today.age");
    let r = run(&[
        "backup",
        "--database",
        &admin_url(&p),
        "--out",
        out.to_str().unwrap(),
        "--recipient",
        &identity.to_public().to_string(),
    ])
    .await;
    assert!(r.status.success(), "{}", text(&r));
    assert!(text(&r).contains("old.age"), "{}", text(&r));
    let mut left: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    left.sort();
    assert_eq!(left, ["notes.txt", "recent.age", "today.age"], "only *.age files past 30 days go");
}
