//! End to end in the real app: the release build of `venuedesk-console` in a real window
//! (Xvfb), its refresh tokens in a real GNOME Keyring (dbus-run-session), driven over
//! WebDriver through `tauri-driver` + `WebKitWebDriver`, against a live demo platform on a
//! loopback port that the test stops and restarts. Screenshots go to
//! target/e2e-screenshots/. Run by scripts/test.sh (`scripts/e2e.sh`); needs
//! VENUEDESK_CONSOLE_BIN and TAURI_DRIVER.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use fantoccini::Locator;
use serde_json::{Value, json};
use sha2::Digest;
use venuedesk_platform::demo;
use venuedesk_test_support::{Receiver, verifies};

use support::{App, PASSWORD, Platform, WAIT};

/// Recomputes the audit chain of a JSON Lines export from the rule in API.md, without
/// the project's own verifier: SHA-256 over prev_hash + "\n" + RFC 8785 JSON.
fn verify_independently(path: &Path) -> usize {
    let mut prev = "0".repeat(64);
    let text = std::fs::read_to_string(path).unwrap();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut event: Value = serde_json::from_str(line).unwrap();
        let hash = event.as_object_mut().unwrap().remove("hash").unwrap();
        assert_eq!(event["prev_hash"].as_str().unwrap(), prev, "chain broken at line {}", n + 1);
        let canonical = serde_json_canonicalizer::to_string(&event).unwrap();
        let computed = hex::encode(sha2::Sha256::digest(format!("{prev}\n{canonical}").as_bytes()));
        assert_eq!(hash.as_str().unwrap(), computed, "hash mismatch at line {}", n + 1);
        prev = computed;
        n += 1;
    }
    n
}

/// Presses Escape in the native save dialog if one opens within 15 seconds, as a person
/// who did not ask for it would; says whether one opened.
fn cancel_save_dialog() -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while std::time::Instant::now() < deadline {
        let out =
            Command::new("xdotool").args(["search", "--onlyvisible", "--name", "^Save as$"]).output().expect("xdotool");
        let found = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().trim().to_string();
        if !found.is_empty() {
            let run = |args: &[&str]| {
                let out = Command::new("xdotool").args(args).output().expect("xdotool");
                assert!(out.status.success(), "xdotool {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            };
            // A real key press (XTEST) to the focused dialog. Sent to the window as a
            // synthetic event (`key --window`) instead, it left a later dialog closing at
            // once, unseen, and the WebDriver answer 15 s late.
            run(&["windowfocus", "--sync", &found]);
            std::thread::sleep(Duration::from_millis(500));
            run(&["key", "Escape"]);
            return true;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    false
}

/// Calls a command the way any script in the webview can, through Tauri's IPC, and waits
/// for its answer: `{"ok": …}` or `{"err": …}`.
async fn invoke_from_webview(c: &fantoccini::Client, cmd: &str, args: Value) -> Value {
    c.execute_async(
        "const [cmd, args, done] = arguments;
         window.__TAURI_INTERNALS__.invoke(cmd, args).then((ok) => done({ok}), (err) => done({err}));",
        vec![json!(cmd), args],
    )
    .await
    .unwrap_or_else(|e| panic!("{cmd}: {e}"))
}

/// A booking of the demo venue today, as the platform has it, by guest name.
async fn booking_named(platform: &Platform, guest: &str) -> Value {
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::London).date_naive();
    let vid = venue_id(platform).await;
    let day = platform
        .api_get(
            "owner@demo.venuedesk.test",
            &format!("/v1/venues/{vid}/bookings?from={today}&to={}", today + chrono::Duration::days(1)),
        )
        .await;
    day["items"].as_array().unwrap().iter().find(|b| b["guest_name"] == guest).cloned().unwrap_or(Value::Null)
}

async fn wait_booking(platform: &Platform, guest: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let b = booking_named(platform, guest).await;
        if ok(&b) {
            return b;
        }
        assert!(tokio::time::Instant::now() < deadline, "{guest} on the platform: {b}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Saturday night at the front desk, in the real window: the timeline, a party seated from
/// the waitlist with one key, a free gap booked, a booking moved to another table, and an
/// edit made offline on a booking someone else changed meanwhile, resolved side by side.
async fn front_desk_on_the_floor(app: &App, platform: &mut Platform) {
    app.nav("Floor").await;
    app.find("//div[@data-testid='timeline']//button[@data-testid='booking-block']").await;
    app.wait_text("Ruth Olsen").await;
    app.shot("20-floor-timeline").await;

    // Ruth has waited longest: select her and press S. She is seated as a walk-in at a table.
    let ruth = app
        .find("//li[@data-testid='waitlist-entry']//button[contains(@class,'wl-main')][contains(.,'Ruth Olsen')]")
        .await;
    app.click(ruth.clone()).await;
    ruth.send_keys("s").await.unwrap();
    app.wait_gone("//li[@data-testid='waitlist-entry'][contains(.,'Ruth Olsen')]").await;
    // The walk-in booking is made by the platform: it shows once the seat is synced.
    app.click_button("Sync now").await;
    app.find("//button[@data-testid='booking-block'][contains(.,'Ruth Olsen')]").await;
    app.shot("21-waitlist-seated").await;
    let seated = wait_booking(platform, "Ruth Olsen", |b| b["status"] == "seated").await;
    assert_eq!((seated["source"].as_str(), seated["party_size"].as_i64()), (Some("walk_in"), Some(3)));
    assert_eq!(seated["table_ids"].as_array().unwrap().len(), 1);

    // A free gap on the eight-top, with the keyboard: the form opens at that table and time.
    let gaps = app
        .c
        .find_all(Locator::XPath(
            "//div[@data-table-id][.//strong[normalize-space(.)='T8']]//button[contains(@class,'tl-gap')]",
        ))
        .await
        .unwrap();
    let gap = gaps.last().expect("a free gap on T8").clone();
    app.c
        .execute(
            "arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus();",
            vec![serde_json::to_value(&gap).unwrap()],
        )
        .await
        .unwrap();
    gap.send_keys("\u{E007}").await.unwrap();
    let title = app
        .find("//*[starts-with(normalize-space(.), 'New booking at T8') and not(*[starts-with(normalize-space(.), 'New booking at T8')])]")
        .await
        .text()
        .await
        .unwrap();
    // The form's own fields (the waitlist panel beside it has a party size too).
    app.c.find(Locator::Id("bf-guest")).await.unwrap().send_keys("Gia Gap").await.unwrap();
    let party = app.c.find(Locator::Id("bf-party")).await.unwrap();
    app.c
        .execute(
            "const el = arguments[0]; el.focus(); el.value = '6';
             el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![serde_json::to_value(&party).unwrap()],
        )
        .await
        .unwrap();
    // The free times for six come in as they type; then save.
    app.wait_text("Free times for 6").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.shot("22-floor-book-a-gap").await;
    app.click_button("Save").await;
    app.find("//button[@data-testid='booking-block'][contains(.,'Gia Gap')]").await;
    app.click_button("Sync now").await;
    let gia =
        wait_booking(platform, "Gia Gap", |b| b["version"] == 1 && !b["table_ids"].as_array().unwrap().is_empty())
            .await;
    let at = title.rsplit(", ").next().unwrap_or_default().trim().to_string();
    let local = chrono::DateTime::parse_from_rfc3339(gia["starts_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&chrono_tz::Europe::London)
        .format("%H:%M")
        .to_string();
    assert_eq!(local, at, "booked at the gap's time ({title})");

    // Moved to the eight-top with the mouse path (select, Move…, pick the table).
    let tables =
        platform.api_get("owner@demo.venuedesk.test", &format!("/v1/venues/{}/tables", venue_id(platform).await)).await;
    let t8 = tables["items"].as_array().unwrap().iter().find(|t| t["name"] == "T8").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before: Vec<Value> = gia["table_ids"].as_array().unwrap().clone();
    app.click(app.find("//button[@data-testid='booking-block'][contains(.,'Gia Gap')]").await).await;
    app.click_button("Move…").await;
    app.fill("Table", &t8).await;
    app.click_button("Move").await;
    app.wait_text("Moved Gia Gap to T8").await;
    app.click_button("Sync now").await;
    let moved = wait_booking(platform, "Gia Gap", |b| b["version"] == 2).await;
    assert_eq!(moved["table_ids"], json!([t8]), "from {before:?}");
    app.shot("23-floor-moved").await;

    // Offline, Erin's booking gets a note here, while another desk (which still reaches the
    // platform) notes something else. Back online, nothing is overwritten: both versions show
    // side by side, and keeping mine sends it on their version.
    let vid = venue_id(platform).await;
    let erin = booking_named(platform, "Erin Online").await;
    let (erin_id, version) = (erin["id"].as_str().unwrap().to_string(), erin["version"].as_i64().unwrap());
    app.nav("Bookings").await;
    app.click(app.find("//li[@data-testid='booking-row']//button[contains(.,'Erin Online')]").await).await;
    platform.stop().await;
    app.click_button("Edit").await;
    app.fill("Notes", "window please").await;
    app.click_button("Save").await;
    app.find("//li[@data-testid='booking-row'][contains(.,'Erin Online')][contains(.,'Pending sync')]").await;
    let (status, _) = platform
        .patch_from_elsewhere(
            "owner@demo.venuedesk.test",
            &format!("/v1/venues/{vid}/bookings/{erin_id}"),
            version,
            json!({"notes": "birthday"}),
        )
        .await;
    assert_eq!(status, 200);
    platform.restart().await;
    app.click_button("Sync now").await;
    app.click(app.find("//footer//button[contains(normalize-space(.),'Resolve')]").await).await;
    let versions = app.find("//table[contains(@class,'versions')]").await;
    let text = versions.text().await.unwrap();
    assert!(text.contains("window please") && text.contains("birthday"), "{text}");
    app.shot("24-offline-edit-conflict").await;
    app.click_button("Keep mine").await;
    app.click_button("Sync now").await;
    let kept = wait_booking(platform, "Erin Online", |b| b["version"] == version + 2).await;
    assert_eq!(kept["notes"], "window please", "mine, kept deliberately over theirs");
}

/// Answers the native save dialog as a person would: type the path, press Enter.
fn answer_save_dialog(path: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("xdotool").args(args).output().expect("xdotool");
        assert!(out.status.success(), "xdotool {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let window = run(&["search", "--sync", "--onlyvisible", "--name", "^Save as$"]);
    let window = window.lines().last().unwrap_or_default().to_string();
    run(&["windowfocus", "--sync", &window]);
    std::thread::sleep(Duration::from_millis(500));
    run(&["key", "--window", &window, "ctrl+a"]);
    run(&["type", "--window", &window, "--delay", "20", path.to_str().unwrap()]);
    run(&["key", "--window", &window, "Return"]);
}

#[tokio::test]
#[ignore = "needs Xvfb, a Secret Service, tauri-driver and the release build: run by scripts/e2e.sh"]
async fn staff_run_the_venue_in_the_real_app() {
    // The WebDriver client links rustls with more than one crypto backend: pick one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut platform = Platform::start().await;
    let data = tempfile::tempdir().unwrap();
    let app = App::launch(&platform.base(), data.path()).await;

    // Sign-in: the server is prefilled from VENUEDESK_SERVER.
    let server = app.field("Server").await;
    assert_eq!(server.prop("value").await.unwrap().as_deref(), Some(platform.base().as_str()));
    app.fill("Email", "frontdesk@demo.venuedesk.test").await;
    app.shot("01-sign-in").await;
    app.fill("Password", PASSWORD).await;
    app.click_button("Sign in").await;

    // Front desk: today's bookings; a booking made online is confirmed by sync.
    app.find("//nav//a[normalize-space(.)='Bookings']").await;
    app.wait_text(demo::VENUE_NAME).await;
    assert_eq!(app.nav_links().await, vec!["Bookings", "Floor", "Orders", "Customers", "Security"]);
    app.click_button("New booking").await;
    app.field("Guest name").await.send_keys("Erin Online").await.unwrap();
    app.fill("Party size", "2").await;
    app.fill("Time", "23:15").await;
    app.shot("02-new-booking").await;
    app.click_button("Save").await;
    app.wait_text("Erin Online").await;
    app.click_button("Sync now").await;
    app.wait_gone("//*[normalize-space(.)='Pending sync']").await;

    // The Wi-Fi drops: a booking made now is kept and shown pending.
    platform.stop().await;
    app.click_button("New booking").await;
    app.field("Guest name").await.send_keys("Omar Offline").await.unwrap();
    app.fill("Party size", "3").await;
    app.fill("Time", "23:30").await;
    app.click_button("Save").await;
    app.wait_text("Omar Offline").await;
    app.click_button("Sync now").await;
    app.find("//footer//span[contains(@class,'offline')]").await;
    app.find("//*[normalize-space(.)='Pending sync']").await;
    app.shot("03-bookings-offline-pending").await;

    // Back online: sync confirms it, once.
    platform.restart().await;
    app.click_button("Sync now").await;
    app.wait_gone("//*[normalize-space(.)='Pending sync']").await;
    app.shot("04-bookings-synced").await;
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Europe::London).date_naive();
    let on_platform = platform
        .api_get(
            "owner@demo.venuedesk.test",
            &format!("/v1/venues/{}/bookings?from={today}&to={today}", venue_id(&platform).await),
        )
        .await;
    let names: Vec<&str> =
        on_platform["items"].as_array().unwrap().iter().map(|b| b["guest_name"].as_str().unwrap()).collect();
    assert_eq!(names.iter().filter(|n| **n == "Erin Online").count(), 1, "{names:?}");
    assert_eq!(names.iter().filter(|n| **n == "Omar Offline").count(), 1, "{names:?}");
    front_desk_on_the_floor(&app, &mut platform).await;
    app.nav("Customers").await;
    app.wait_text("Customers").await;
    app.shot("05-customers").await;
    app.sign_out().await;

    // Kitchen: Orders and Security, no Bookings; an order moves forward with one click.
    app.sign_in("kitchen@demo.venuedesk.test").await;
    app.find("//nav//a[normalize-space(.)='Orders']").await;
    assert_eq!(app.nav_links().await, vec!["Orders", "Security"]);
    app.nav("Orders").await;
    let preparing_before = count(&app, "//section[.//h2[@id='col-preparing']]//li[@data-testid='order-card']").await;
    app.click(app.find("//section[.//h2[@id='col-received']]//button[normalize-space(.)='Start']").await).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while count(&app, "//section[.//h2[@id='col-preparing']]//li[@data-testid='order-card']").await <= preparing_before
    {
        assert!(tokio::time::Instant::now() < deadline, "the order did not move");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.shot("06-orders").await;
    app.sign_out().await;

    // Owner: enrols TOTP with the code computed here from the shown key, signs in with it.
    app.sign_in("owner@demo.venuedesk.test").await;
    app.find("//nav//a[normalize-space(.)='Team']").await;
    app.nav("Team").await;
    app.wait_text("at least one owner").await;
    app.shot("07-team").await;
    app.nav("Security").await;
    app.fill("Password", PASSWORD).await;
    app.click_button("Set up authenticator").await;
    let secret = app.find("//code[contains(@class,'token')]").await.text().await.unwrap();
    let key = totp_rs::Secret::Encoded(secret.trim().to_string()).to_bytes().unwrap();
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, key).unwrap();
    app.shot("08-security-totp").await;
    app.fill("Code", &totp.generate_current().unwrap()).await;
    app.click_button("Confirm").await;
    app.wait_text("Recovery codes").await;
    app.shot("09-recovery-codes").await;
    app.sign_out().await;
    app.sign_in("owner@demo.venuedesk.test").await;
    // The platform refuses a code twice: move its clock and the code to the next step.
    platform.clock.advance(time::Duration::seconds(30));
    let next = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 30;
    app.fill("Code", &totp.generate(next)).await;
    app.click_button("Sign in").await;
    app.find("//nav//a[normalize-space(.)='Team']").await;

    // Owner: Integrations. A webhook endpoint at a receiver on this computer, a booking made
    // in the console, and its delivery in the endpoint's log, signed with the secret shown.
    let rx = Receiver::start().await;
    app.nav("Integrations").await;
    app.fill("Endpoint URL", &rx.url).await;
    app.click_button("Add endpoint").await;
    let secret = app.find("//code[@data-testid='shown-once']").await.text().await.unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    app.shot("12-integrations-webhook").await;
    app.click_button("I have saved it").await;
    app.wait_gone("//code[@data-testid='shown-once']").await;
    app.nav("Bookings").await;
    app.click_button("New booking").await;
    app.field("Guest name").await.send_keys("Wes Webhook").await.unwrap();
    app.fill("Party size", "2").await;
    app.fill("Time", "22:45").await;
    app.click_button("Save").await;
    app.wait_text("Wes Webhook").await;
    app.click_button("Sync now").await;
    app.wait_gone("//*[normalize-space(.)='Pending sync']").await;
    let got = rx.wait_for(1).await;
    assert_eq!(verifies(&secret, &got[0]), 1, "the delivery is signed with the secret the console showed");
    assert!(!got[0].body.contains("Wes Webhook"), "the payload carries no guest name");
    app.nav("Integrations").await;
    app.click(app.find("//button[starts-with(@aria-label,'Delivery log of')]").await).await;
    let delivered = "//section[@aria-labelledby='log-h']//tr[td[normalize-space(.)='booking.created'] and td[normalize-space(.)='Delivered']]";
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.c.find_all(Locator::XPath(delivered)).await.unwrap().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no delivered booking.created in the log");
        app.click_button("Refresh log").await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    app.shot("13-integrations-delivery-log").await;
    app.sign_out().await;

    // Manager. A script running in the webview cannot pick where a file goes: the commands
    // that write files, called with a `path` as they once took, open the save dialog
    // instead (the person cancels it here) and nothing is written at that path.
    app.sign_in("manager@demo.venuedesk.test").await;
    app.find("//nav//a[normalize-space(.)='Audit']").await;
    // The nav shows before the first pull after sign-in has filled the cache: wait for it.
    let mut customers = Value::Null;
    for _ in 0..60 {
        customers = invoke_from_webview(&app.c, "list_customers", json!({"search": null})).await;
        if customers["ok"][0]["id"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let customer = customers["ok"][0]["id"].as_str().unwrap_or_else(|| panic!("{customers}")).to_string();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("written-by-a-script");
    let no_filter = json!({"from": null, "to": null, "actor_id": null, "action": null});
    for (cmd, args) in [
        ("save_text_file", json!({"path": target, "contents": "x"})),
        ("export_customer", json!({"id": customer, "path": target})),
        ("export_audit", json!({"filter": no_filter, "format": "jsonl", "path": target})),
    ] {
        let call = tokio::spawn({
            let c = app.c.clone();
            async move { invoke_from_webview(&c, cmd, args).await }
        });
        let dialog = tokio::task::spawn_blocking(cancel_save_dialog).await.unwrap();
        let answer = call.await.unwrap();
        assert!(!target.exists(), "{cmd} wrote the path the webview named");
        assert!(dialog, "{cmd}: no save dialog opened; it answered {answer}");
        assert_eq!(answer, json!({"ok": {"kind": "cancelled"}}), "{cmd}");
    }
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);

    // Manager: exports the audit log as JSON Lines; the app says the chain verified, and
    // the file verifies here too.
    app.nav("Audit").await;
    app.fill("Format", "jsonl").await;
    app.shot("10-audit").await;
    app.click_button("Export").await;
    let out = data.path().join("audit-export.jsonl");
    let target = out.clone();
    tokio::task::spawn_blocking(move || answer_save_dialog(&target)).await.unwrap();
    let verified = app.wait_text("Chain verified:").await.text().await.unwrap();
    app.shot("11-audit-exported").await;
    let n = verify_independently(&out);
    assert!(verified.contains(&format!("{n} events")), "{verified} vs {n} events in the file");
    app.sign_out().await;

    // Owner: the export raised a security alert; the Security link carries a badge, the
    // list names it, and marking it seen clears the badge.
    app.sign_in("owner@demo.venuedesk.test").await;
    platform.clock.advance(time::Duration::seconds(30));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    app.fill("Code", &totp.generate(now + 60)).await;
    app.click_button("Sign in").await;
    let badge = "//nav//a[contains(normalize-space(.),'new security alert')]";
    let link = app.find(badge).await.prop("textContent").await.unwrap().unwrap_or_default();
    assert!(link.contains("1 new security alert"), "{link}");
    app.nav("Security").await;
    app.wait_text("Audit trail exported").await;
    app.shot("14-security-alerts").await;
    app.click_button("Mark all as seen").await;
    app.wait_gone(badge).await;

    app.close().await;
}

async fn count(app: &App, xpath: &str) -> usize {
    app.c.find_all(Locator::XPath(xpath)).await.unwrap().len()
}

async fn venue_id(platform: &Platform) -> String {
    let me = platform.api_get("owner@demo.venuedesk.test", "/v1/me").await;
    me["memberships"][0]["venue_id"].as_str().unwrap().to_string()
}
