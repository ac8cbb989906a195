//! The `venuedesk` binary against a live platform, through a proxy that can cut the
//! network, with the real OS keychain (run by scripts/test.sh inside dbus-run-session).

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::net::TcpListener;
use venuedesk_test_support::Proxy;

const PASSWORD: &str = "Quiet-Lantern-Orbit-77!";

async fn platform() -> (SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = venuedesk_test_support::TestDatabase::fresh(dir.path()).await.open().await;
    let (master, _) = venuedesk_platform::crypto::MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
    let settings = venuedesk_platform::state::Settings { auth_requests_per_ip_minute: 10_000, ..Default::default() };
    let p = venuedesk_platform::app::build(
        store,
        master,
        settings,
        Arc::new(venuedesk_platform::clock::SystemClock),
        "t".into(),
    )
    .await
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(venuedesk_platform::app::serve_http(listener, p.router, std::future::pending()));
    (addr, dir)
}

/// The network-cutting proxy every whole-system test shares.
async fn proxy(upstream: SocketAddr) -> (String, Proxy) {
    let proxy = Proxy::start(upstream).await;
    (proxy.base.clone(), proxy)
}

/// Runs the CLI (off the async runtime) and returns (exit code, parsed JSON of stdout).
async fn venuedesk(data: &std::path::Path, args: &[&str], stdin: Option<&str>) -> (i32, Value) {
    let (data, args, stdin): (std::path::PathBuf, Vec<String>, Option<String>) =
        (data.to_path_buf(), args.iter().map(|a| a.to_string()).collect(), stdin.map(str::to_owned));
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_venuedesk"))
            .arg("--json")
            .args(&args)
            .env("VENUEDESK_DATA_DIR", &data)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        if !out.status.success() {
            eprintln!("venuedesk {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        }
        (out.status.code().unwrap_or(-1), json)
    })
    .await
    .unwrap()
}

/// Signs up `email`, creates a venue as them, and returns (access token, venue id).
async fn owner_with_venue(base: &str, email: &str, venue: &str, timezone: &str, capacity: i64) -> (String, String) {
    let http = reqwest::Client::new();
    http.post(format!("{base}/v1/auth/signup"))
        .json(&json!({"email": email, "password": PASSWORD, "display_name": "Owner"}))
        .send()
        .await
        .unwrap();
    let pair: Value = http
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = pair["access_token"].as_str().unwrap().to_string();
    let v: Value = http
        .post(format!("{base}/v1/venues"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "v1")
        .json(&json!({"name": venue, "timezone": timezone, "capacity": capacity}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (token, v["id"].as_str().unwrap().to_string())
}

fn secret_tool_has(attr: &str) -> bool {
    let out = Command::new("secret-tool").args(["search", "--all", "service", "venuedesk"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).contains(attr) || String::from_utf8_lossy(&out.stderr).contains(attr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session: run by scripts/test.sh inside dbus-run-session"]
async fn a_front_desk_day_on_the_command_line() {
    let (addr, _pdir) = platform().await;
    let (base, online) = proxy(addr).await;
    // An owner with a venue, made directly through the API.
    let (access, vid) = owner_with_venue(&base, "cli@example.com", "Pier Café", "Europe/London", 20).await;
    // Its floor: a window table that pushes together with the one beside it.
    let http = reqwest::Client::new();
    let mut first: Option<String> = None;
    for (n, (name, area, seats)) in [("W1", "Window", 2), ("W2", "Window", 4), ("B1", "Bar", 2)].into_iter().enumerate()
    {
        let with: Vec<String> = if name == "W2" { first.clone().into_iter().collect() } else { Vec::new() };
        let t: Value = http
            .post(format!("{base}/v1/venues/{vid}/tables"))
            .bearer_auth(&access)
            .header("Idempotency-Key", format!("table-{n}"))
            .json(&json!({"name": name, "area": area, "seats_max": seats, "combinable_with": with}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        first = first.or(t["id"].as_str().map(str::to_string));
    }
    let data = tempfile::tempdir().unwrap();
    let d = data.path();

    let (code, out) = venuedesk(
        d,
        &["login", "--server", &base, "--email", "cli@example.com", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["venues"], 1);
    assert!(secret_tool_has(&format!("refresh-token:{base}")), "the refresh token is in the keychain");
    let (_, me) = venuedesk(d, &["whoami"], None).await;
    assert_eq!(me["user"]["email"], "cli@example.com");

    let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(1)).date().to_string();
    let (code, made) = venuedesk(
        d,
        &["bookings", "create", "--guest", "Maud", "--party", "4", "--at", &format!("{tomorrow} 19:30")],
        None,
    )
    .await;
    assert_eq!(code, 0, "{made}");
    assert_eq!(made["pending"], false, "online: confirmed at once");
    let maud = made["booking"]["id"].as_str().unwrap().to_string();

    // Offline: reads from the cache, writes queued, sync says so with exit code 4.
    online.set_online(false);
    let (code, queued) = venuedesk(
        d,
        &["bookings", "create", "--guest", "Nell", "--party", "2", "--at", &format!("{tomorrow} 20:00")],
        None,
    )
    .await;
    assert_eq!(code, 0, "{queued}");
    assert_eq!((queued["pending"].as_bool(), queued["online"].as_bool()), (Some(true), Some(false)));
    let (code, _) = venuedesk(d, &["bookings", "seat", &maud], None).await;
    assert_eq!(code, 0);
    let (code, list) = venuedesk(d, &["bookings", "list", "--day", &tomorrow], None).await;
    assert_eq!(code, 0);
    assert_eq!((list["online"].as_bool(), list["items"].as_array().unwrap().len()), (Some(false), 2));
    // The floor, from the cache: by area, then name; the window tables combine both ways.
    let (code, floor) = venuedesk(d, &["tables", "list"], None).await;
    assert_eq!((code, floor["online"].as_bool()), (0, Some(false)), "{floor}");
    let tables = floor["items"].as_array().unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t["table"]["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["B1", "W1", "W2"]);
    assert_eq!(tables[1]["table"]["combinable_with"], json!([tables[2]["table"]["id"]]));
    assert_eq!(tables[2]["table"]["combinable_with"], json!([tables[1]["table"]["id"]]));
    let (_, window) = venuedesk(d, &["tables", "list", "--area", "window"], None).await;
    assert_eq!(window["items"].as_array().unwrap().len(), 2);
    let (code, _) = venuedesk(d, &["sync"], None).await;
    assert_eq!(code, 4, "offline sync keeps the work and says so");
    let (_, status) = venuedesk(d, &["status"], None).await;
    assert_eq!((status["online"].as_bool(), status["queued"].as_u64()), (Some(false), Some(2)));

    online.set_online(true);
    let (code, synced) = venuedesk(d, &["sync"], None).await;
    assert_eq!(code, 0, "{synced}");
    assert_eq!(synced["sent"], 2);
    let (_, list) = venuedesk(d, &["bookings", "list", "--day", &tomorrow], None).await;
    let items = list["items"].as_array().unwrap();
    assert!(items.iter().all(|i| i["pending"] == false));
    assert!(items.iter().any(|i| i["booking"]["guest_name"] == "Maud" && i["booking"]["status"] == "seated"));
    let nell = items.iter().find(|i| i["booking"]["guest_name"] == "Nell").unwrap()["booking"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Availability: from the platform; offline, the same answer estimated from the cache.
    // Maud holds W2 from 19:30, and no free pair seats four then.
    let (code, free) = venuedesk(d, &["availability", "--date", &tomorrow, "--party", "4"], None).await;
    assert_eq!((code, free["estimate"].as_bool()), (0, Some(false)), "{free}");
    let times = |v: &Value| -> Vec<String> {
        v["slots"].as_array().unwrap().iter().map(|s| s["local_time"].as_str().unwrap().to_string()).collect()
    };
    let asked = times(&free);
    assert!(asked.contains(&"12:00".to_string()) && !asked.contains(&"19:30".to_string()), "{asked:?}");
    online.set_online(false);
    let (code, guessed) = venuedesk(d, &["availability", "--date", &tomorrow, "--party", "4"], None).await;
    assert_eq!((code, guessed["estimate"].as_bool()), (0, Some(true)), "{guessed}");
    assert_eq!(times(&guessed), asked, "nothing changed elsewhere: the estimate is the platform's answer");

    // The waitlist at the door, offline: Ona is on it at once; seated at the bar when back.
    let (code, added) = venuedesk(d, &["waitlist", "add", "--guest", "Ona", "--party", "2"], None).await;
    assert_eq!((code, added["pending"].as_bool()), (0, Some(true)), "{added}");
    let ona = added["entry"]["id"].as_str().unwrap().to_string();
    let (_, waiting) = venuedesk(d, &["waitlist", "list"], None).await;
    assert_eq!(waiting["items"][0]["entry"]["guest_name"], "Ona");
    online.set_online(true);
    let (code, seated) = venuedesk(d, &["waitlist", "seat", &ona, "--table", "b1"], None).await;
    assert_eq!(code, 0, "{seated}");
    assert_eq!((seated["entry"]["status"].as_str(), seated["pending"].as_bool()), (Some("seated"), Some(false)));
    assert_eq!(
        (seated["booking"]["source"].as_str(), seated["booking"]["guest_name"].as_str()),
        (Some("walk_in"), Some("Ona"))
    );
    assert_eq!(seated["booking"]["table_ids"], json!([tables[0]["table"]["id"]]), "B1");
    let (_, waiting) = venuedesk(d, &["waitlist", "list"], None).await;
    assert_eq!(waiting["items"], json!([]));

    // Moving Nell offline: queued, then sent with the version it was made on.
    online.set_online(false);
    let (code, moved) = venuedesk(d, &["bookings", "move", &nell, "--at", "21:00"], None).await;
    assert_eq!((code, moved["pending"].as_bool()), (0, Some(true)), "{moved}");
    online.set_online(true);
    let (code, _) = venuedesk(d, &["sync"], None).await;
    assert_eq!(code, 0);
    let on_platform = |id: String| {
        let (http, base, access, vid) = (http.clone(), base.clone(), access.clone(), vid.clone());
        async move {
            http.get(format!("{base}/v1/venues/{vid}/bookings/{id}"))
                .bearer_auth(&access)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let nell_now = on_platform(nell.clone()).await;
    assert_eq!(nell_now["version"], 2);
    // Someone else changes her booking; a move made on the old version is not applied over it.
    let res = http
        .patch(format!("{base}/v1/venues/{vid}/bookings/{nell}"))
        .bearer_auth(&access)
        .header("Idempotency-Key", "other-desk")
        .header("If-Match", "\"2\"")
        .json(&json!({"notes": "by the window"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (code, refused) = venuedesk(d, &["bookings", "move", &nell, "--at", "21:30"], None).await;
    assert_eq!(code, 0, "{refused}");
    assert_eq!(refused["conflict"]["code"], "version_mismatch", "{refused}");
    let theirs = &refused["conflict"]["theirs"];
    assert_eq!((theirs["notes"].as_str(), theirs["version"].as_i64()), (Some("by the window"), Some(3)));
    let still = on_platform(nell.clone()).await;
    assert_eq!((still["version"].as_i64(), still["notes"].as_str()), (Some(3), Some("by the window")), "theirs stands");

    // The nightly audit export, verified as written and again on its own.
    let file = d.join("audit.jsonl");
    let (code, exported) =
        venuedesk(d, &["audit", "export", "--format", "jsonl", "-o", file.to_str().unwrap()], None).await;
    assert_eq!(code, 0, "{exported}");
    assert_eq!(exported["verified"], true);
    let (code, verified) = venuedesk(d, &["audit", "verify", file.to_str().unwrap()], None).await;
    assert_eq!((code, verified["events"].as_u64().unwrap() >= 4), (0, true));

    // No secret in any file of the data directory; logout wipes the cache and keychain.
    for entry in walk(d) {
        let bytes = std::fs::read(&entry).unwrap();
        for needle in [PASSWORD, "Maud", "Nell", "Ona", &access[access.len() - 20..]] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} in {}", entry.display());
        }
    }
    let (code, _) = venuedesk(d, &["logout"], None).await;
    assert_eq!(code, 0);
    assert!(
        !secret_tool_has(&format!("refresh-token:{base}")) && !secret_tool_has(&format!("cache-key:{base}")),
        "keychain items gone"
    );
    assert!(walk(&d.join("caches")).is_empty(), "cache wiped");
    let (code, _) = venuedesk(d, &["whoami"], None).await;
    assert_eq!(code, 3, "signed out");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else if p.extension().is_none_or(|x| x != "jsonl") {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session: run by scripts/test.sh inside dbus-run-session"]
async fn killing_the_cli_mid_sync_loses_and_doubles_nothing() {
    let (addr, _pdir) = platform().await;
    let (base, online) = proxy(addr).await;
    let http = reqwest::Client::new();
    let (token, vid) = owner_with_venue(&base, "kill@example.com", "Killjoy", "UTC", 1000).await;
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let (code, _) = venuedesk(
        d,
        &["login", "--server", &base, "--email", "kill@example.com", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    )
    .await;
    assert_eq!(code, 0);
    // Thirty bookings made offline.
    online.set_online(false);
    let day = (time::OffsetDateTime::now_utc() + time::Duration::days(2)).date().to_string();
    const N: usize = 30;
    for i in 0..N {
        let at = format!("{day} {:02}:{:02}", 10 + i / 4, (i % 4) * 15);
        let (code, out) =
            venuedesk(d, &["bookings", "create", "--guest", &format!("K{i}"), "--party", "2", "--at", &at], None).await;
        assert_eq!((code, out["pending"].as_bool()), (0, Some(true)), "{out}");
    }
    online.set_online(true);
    // Sync, killed at random moments, again and again.
    let mut state = 0x9e3779b97f4a7c15u64;
    for _ in 0..12 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let after = std::time::Duration::from_millis(5 + state % 60);
        let d = d.to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut child = Command::new(env!("CARGO_BIN_EXE_venuedesk"))
                .args(["--json", "sync"])
                .env("VENUEDESK_DATA_DIR", &d)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(after);
            let _ = child.kill();
            let _ = child.wait();
        })
        .await
        .unwrap();
    }
    // The next full run finishes the work.
    let (code, out) = venuedesk(d, &["sync"], None).await;
    assert_eq!(code, 0, "{out}");
    let (_, status) = venuedesk(d, &["status"], None).await;
    assert_eq!(status["queued"], 0);
    // On the platform: each booking exactly once, one audit event each.
    let page: Value = http
        .get(format!("{base}/v1/venues/{vid}/bookings?from=2000-01-01&to=2100-01-01&limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut names: Vec<String> =
        page["items"].as_array().unwrap().iter().map(|b| b["guest_name"].as_str().unwrap().to_string()).collect();
    names.sort();
    names.dedup();
    assert_eq!((names.len(), page["items"].as_array().unwrap().len()), (N, N), "no loss, no duplicate");
    let audit: Value = http
        .get(format!("{base}/v1/venues/{vid}/audit?action=booking.create&limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"].as_array().unwrap().len(), N);
    let (code, _) = venuedesk(d, &["logout"], None).await;
    assert_eq!(code, 0);
}

/// Runs the CLI with `args` and empty stdin; returns (exit code, stderr).
fn venuedesk_stderr(data: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_venuedesk"))
        .args(args)
        .env("VENUEDESK_DATA_DIR", data)
        .env_remove("VENUEDESK_SERVER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Plain http:// to another computer is refused before a password is read, with the reason
/// and exit code 2 (usage: the address given is not one the console accepts).
#[test]
fn login_refuses_plain_http_to_another_computer() {
    let data = tempfile::tempdir().unwrap();
    for server in ["http://example.com", "http://192.168.1.5:8080", "http://127.0.0.1.evil.com"] {
        let (code, stderr) = venuedesk_stderr(
            data.path(),
            &["login", "--server", server, "--email", "a@example.com", "--password-stdin"],
        );
        assert_eq!(code, 2, "{server}: {stderr}");
        assert!(stderr.contains(server), "names the server: {stderr}");
        assert!(stderr.contains("unencrypted") && stderr.contains("https://"), "says why and what to use: {stderr}");
    }
    let (code, stderr) =
        venuedesk_stderr(data.path(), &["login", "--server", "ftp://example.com", "--email", "a@example.com"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(walk(data.path()).is_empty(), "nothing was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service session: run by scripts/test.sh inside dbus-run-session"]
async fn logout_wipes_every_venue_used_on_this_computer() {
    let (addr, _pdir) = platform().await;
    let base = format!("http://{addr}");
    let (token, first) = owner_with_venue(&base, "two@example.com", "First Floor", "UTC", 20).await;
    let second: Value = reqwest::Client::new()
        .post(format!("{base}/v1/venues"))
        .bearer_auth(&token)
        .header("Idempotency-Key", "v2")
        .json(&json!({"name": "Second Floor", "timezone": "UTC", "capacity": 20}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let (code, out) = venuedesk(
        d,
        &["login", "--server", &base, "--email", "two@example.com", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    )
    .await;
    assert_eq!((code, out["venues"].as_u64()), (0, Some(2)), "{out}");
    let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(1)).date().to_string();
    // A booking in each venue: two caches, two cache keys.
    for venue in [first.as_str(), second["id"].as_str().unwrap()] {
        let (code, _) = venuedesk(d, &["use", venue], None).await;
        assert_eq!(code, 0);
        let (code, made) = venuedesk(
            d,
            &["bookings", "create", "--guest", "Two", "--party", "2", "--at", &format!("{tomorrow} 12:00")],
            None,
        )
        .await;
        assert_eq!((code, made["pending"].as_bool()), (0, Some(false)), "{made}");
    }
    let account = format!("{base}:two@example.com");
    assert!(secret_tool_has(&format!("cache-key:{account}:{first}")), "the first venue's key is in the keychain");
    assert!(walk(&d.join("caches")).len() >= 2);

    let (code, _) = venuedesk(d, &["logout"], None).await;
    assert_eq!(code, 0);
    assert!(!secret_tool_has(&account), "no keychain item of the account is left, of either venue");
    assert_eq!(walk(&d.join("caches")), Vec::<std::path::PathBuf>::new(), "no cache file is left");
    let (code, _) = venuedesk(d, &["whoami"], None).await;
    assert_eq!(code, 3, "signed out");
}
