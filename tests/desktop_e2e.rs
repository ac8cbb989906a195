//! End to end in the real app: the release build of `venuedesk-console` in a real window
//! (Xvfb), its refresh tokens in a real GNOME Keyring (dbus-run-session), driven over
//! WebDriver through `tauri-driver` + `WebKitWebDriver`, against a live demo platform on a
//! loopback port that the test stops and restarts. Screenshots go to
//! target/e2e-screenshots/. Run by scripts/test.sh (`scripts/e2e.sh`); needs
//! VENUEDESK_CONSOLE_BIN and TAURI_DRIVER.

use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::Digest;
use venuedesk_platform::clock::OffsetClock;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::demo;

const PASSWORD: &str = "Harbour-Lights-Tide-42!";
const WAIT: Duration = Duration::from_secs(60);

/// The demo platform; it can be stopped (the venue's Wi-Fi drops) and restarted on the same port.
struct Platform {
    addr: SocketAddr,
    router: axum::Router,
    clock: Arc<OffsetClock>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Platform {
    async fn start() -> Platform {
        let dir = tempfile::tempdir().unwrap();
        let store = venuedesk_platform::app::open_store(&format!("sqlite://{}", dir.path().join("p.db").display()))
            .await
            .unwrap();
        let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
        let clock = OffsetClock::new();
        let platform = venuedesk_platform::app::build(
            store,
            master,
            venuedesk_platform::state::Settings::default(),
            clock.clone(),
            "e2e".into(),
        )
        .await
        .unwrap();
        demo::seed(&platform.state, &SecretString::from(PASSWORD)).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut p = Platform { addr, router: platform.router, clock, stop: None, task: None, _dir: dir };
        p.serve(listener);
        p
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let router = self.router.clone();
        self.stop = Some(tx);
        self.task = Some(tokio::spawn(async move {
            let _ = venuedesk_platform::app::serve_http(listener, router, async {
                let _ = rx.await;
            })
            .await;
        }));
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            // Open keep-alive connections are cut too, as when the network goes.
            let _ = tokio::time::timeout(Duration::from_secs(2), t).await;
        }
    }

    async fn restart(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    /// The platform's own view, through its API, as a given user.
    async fn api_get(&self, email: &str, path: &str) -> Value {
        let http = reqwest::Client::new();
        let login: Value = http
            .post(format!("{}/v1/auth/login", self.base()))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["access_token"].as_str().expect("no MFA for this user").to_string();
        http.get(format!("{}{path}", self.base())).bearer_auth(token).send().await.unwrap().json().await.unwrap()
    }
}

struct App {
    driver: Child,
    c: Client,
    shots: PathBuf,
}

impl App {
    async fn launch(server: &str, data_dir: &Path) -> App {
        let bin = std::env::var("VENUEDESK_CONSOLE_BIN").expect("VENUEDESK_CONSOLE_BIN: the release build");
        let driver_bin = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into());
        // Free ports, so a driver left over from an earlier run is never the one we talk to.
        let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (port, native_port) = (free(), free());
        let driver = Command::new(driver_bin)
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            // Its own process group: the test ends WebKitWebDriver and the app with it.
            .process_group(0)
            .env("VENUEDESK_DATA_DIR", data_dir)
            .env("VENUEDESK_SERVER", server)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver");
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": bin }));
        caps.insert("browserName".into(), json!("wry"));
        let mut last = None;
        for _ in 0..60 {
            match ClientBuilder::rustls()
                .unwrap()
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(c) => {
                    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/e2e-screenshots");
                    std::fs::create_dir_all(&shots).unwrap();
                    return App { driver, c, shots };
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("no WebDriver session: {last:?}");
    }

    async fn shot(&self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    async fn find(&self, xpath: &str) -> Element {
        self.c.wait().at_most(WAIT).for_element(Locator::XPath(xpath)).await.unwrap_or_else(|e| panic!("{xpath}: {e}"))
    }

    /// The form field a visible `<label>` names (the test finds fields as a person does).
    async fn field(&self, label: &str) -> Element {
        let l = self.find(&format!("//label[normalize-space(.)='{label}']")).await;
        let id = l.attr("for").await.unwrap().unwrap_or_else(|| panic!("label {label} has no `for`"));
        self.c.find(Locator::Id(&id)).await.unwrap()
    }

    async fn fill(&self, label: &str, value: &str) {
        let f = self.field(label).await;
        // Set like a user would end up with, firing the events Svelte's bindings listen to.
        self.c
            .execute(
                "const el = arguments[0]; el.focus(); el.value = arguments[1];
                 el.dispatchEvent(new Event('input', {bubbles: true}));
                 el.dispatchEvent(new Event('change', {bubbles: true}));",
                vec![serde_json::to_value(&f).unwrap(), json!(value)],
            )
            .await
            .unwrap();
    }

    async fn click_button(&self, name: &str) {
        self.find(&format!("//button[normalize-space(.)='{name}' and not(@disabled)]")).await.click().await.unwrap();
    }

    async fn nav(&self, name: &str) {
        self.find(&format!("//nav//a[normalize-space(.)='{name}']")).await.click().await.unwrap();
    }

    async fn nav_links(&self) -> Vec<String> {
        let mut out = Vec::new();
        for a in self.c.find_all(Locator::XPath("//nav//a")).await.unwrap() {
            out.push(a.text().await.unwrap().trim().to_string());
        }
        out
    }

    async fn wait_text(&self, text: &str) -> Element {
        self.find(&format!(
            "//*[contains(normalize-space(.), \"{text}\") and not(*[contains(normalize-space(.), \"{text}\")])]"
        ))
        .await
    }

    async fn wait_gone(&self, xpath: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if self.c.find_all(Locator::XPath(xpath)).await.unwrap().is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        panic!("still there after {WAIT:?}: {xpath}");
    }

    async fn sign_in(&self, email: &str) {
        self.fill("Email", email).await;
        self.fill("Password", PASSWORD).await;
        self.click_button("Sign in").await;
    }

    async fn sign_out(&self) {
        self.click_button("Sign out").await;
        self.find("//button[normalize-space(.)='Sign in']").await;
    }
}

impl App {
    /// Ends the WebDriver session (the app closes), then the drivers (Drop).
    async fn close(self) {
        let _ = self.c.clone().close().await;
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // The whole group: tauri-driver, WebKitWebDriver and the app (also when a step fails).
        // Signalled directly: pgid must be a real group, never 0 or 1 (which would mean
        // "my own group" or "every process").
        let pgid = self.driver.id() as libc::pid_t;
        if pgid > 1 {
            // SAFETY: kill(2) with a negative pid signals that process group only.
            unsafe {
                libc::kill(-pgid, libc::SIGTERM);
            }
        }
        let _ = self.driver.wait();
    }
}

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
    assert_eq!(app.nav_links().await, vec!["Bookings", "Orders", "Customers", "Security"]);
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
    app.find("//section[.//h2[@id='col-received']]//button[normalize-space(.)='Start']").await.click().await.unwrap();
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
    app.sign_out().await;

    // Manager: exports the audit log as JSON Lines; the app says the chain verified, and
    // the file verifies here too.
    app.sign_in("manager@demo.venuedesk.test").await;
    app.find("//nav//a[normalize-space(.)='Audit']").await;
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

    app.close().await;
}

async fn count(app: &App, xpath: &str) -> usize {
    app.c.find_all(Locator::XPath(xpath)).await.unwrap().len()
}

async fn venue_id(platform: &Platform) -> String {
    let me = platform.api_get("owner@demo.venuedesk.test", "/v1/me").await;
    me["memberships"][0]["venue_id"].as_str().unwrap().to_string()
}
