//! The real app and a live demo platform, for the end-to-end test and the desktop
//! benchmark: a platform that can be stopped and restarted on its port, and the app driven
//! over WebDriver (tauri-driver + WebKitWebDriver), found by visible labels as a person
//! would find things.

#![allow(dead_code)]

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
use venuedesk_platform::clock::OffsetClock;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::demo;
use venuedesk_platform::state::AppState;

pub const PASSWORD: &str = "Harbour-Lights-Tide-42!";
pub const WAIT: Duration = Duration::from_secs(60);

/// The demo platform; it can be stopped (the venue's Wi-Fi drops) and restarted on the same port.
pub struct Platform {
    pub addr: SocketAddr,
    router: axum::Router,
    pub clock: Arc<OffsetClock>,
    pub state: AppState,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Platform {
    pub async fn start() -> Platform {
        let dir = tempfile::tempdir().unwrap();
        let store = venuedesk_test_support::TestDatabase::fresh(dir.path()).await.open().await;
        let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
        let clock = OffsetClock::new();
        let platform = venuedesk_platform::app::build(
            store,
            master,
            // Webhook endpoints on this computer (the test's receiver).
            venuedesk_platform::state::Settings { webhooks_allow_private: true, ..Default::default() },
            clock.clone(),
            "e2e".into(),
        )
        .await
        .unwrap();
        demo::seed(&platform.state, &SecretString::from(PASSWORD)).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut p = Platform {
            addr,
            router: platform.router,
            clock,
            state: platform.state.clone(),
            stop: None,
            task: None,
            _dir: dir,
        };
        p.serve(listener);
        p
    }

    pub fn base(&self) -> String {
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

    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            // Open keep-alive connections are cut too, as when the network goes.
            let _ = tokio::time::timeout(Duration::from_secs(2), t).await;
        }
    }

    pub async fn restart(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }

    /// The platform's own view, through its API, as a given user.
    pub async fn api_get(&self, email: &str, path: &str) -> Value {
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

impl Platform {
    /// Another desk's change, made while this computer cannot reach the platform: served
    /// for the moment on a second port only the test knows. Answers (status, body).
    pub async fn patch_from_elsewhere(&self, email: &str, path: &str, if_match: i64, body: Value) -> (u16, Value) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(venuedesk_platform::app::serve_http(listener, self.router.clone(), async {
            let _ = rx.await;
        }));
        let http = reqwest::Client::new();
        let login: Value = http
            .post(format!("{base}/v1/auth/login"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = login["access_token"].as_str().expect("no MFA for this user").to_string();
        let res = http
            .patch(format!("{base}{path}"))
            .bearer_auth(token)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .header("If-Match", format!("\"{if_match}\""))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let answer = res.json().await.unwrap_or(Value::Null);
        let _ = tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(2), task).await;
        (status, answer)
    }
}

pub struct App {
    driver: Child,
    pub c: Client,
    shots: PathBuf,
}

impl App {
    pub async fn launch(server: &str, data_dir: &Path) -> App {
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

    pub async fn shot(&self, name: &str) {
        let png = self.c.screenshot().await.unwrap();
        std::fs::write(self.shots.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn find(&self, xpath: &str) -> Element {
        self.c.wait().at_most(WAIT).for_element(Locator::XPath(xpath)).await.unwrap_or_else(|e| panic!("{xpath}: {e}"))
    }

    /// The form field a visible `<label>` names (the test finds fields as a person does).
    pub async fn field(&self, label: &str) -> Element {
        let l = self.find(&format!("//label[normalize-space(.)='{label}']")).await;
        let id = l.attr("for").await.unwrap().unwrap_or_else(|| panic!("label {label} has no `for`"));
        self.c.find(Locator::Id(&id)).await.unwrap()
    }

    pub async fn fill(&self, label: &str, value: &str) {
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

    /// Brings the element into view (as a person scrolls to it), then clicks it.
    pub async fn click(&self, el: Element) {
        self.c
            .execute("arguments[0].scrollIntoView({block: 'center'});", vec![serde_json::to_value(&el).unwrap()])
            .await
            .unwrap();
        match el.click().await {
            Ok(_) => {}
            // In a dialog with its own scrolling, WebKitWebDriver's hit test can miss a button
            // it has just scrolled to: press it as the button itself would be pressed.
            Err(fantoccini::error::CmdError::Standard(e))
                if e.error == fantoccini::error::ErrorStatus::ElementClickIntercepted =>
            {
                self.c.execute("arguments[0].click();", vec![serde_json::to_value(&el).unwrap()]).await.unwrap();
            }
            Err(e) => panic!("click: {e}"),
        }
    }

    pub async fn click_button(&self, name: &str) {
        self.click(self.find(&format!("//button[normalize-space(.)='{name}' and not(@disabled)]")).await).await;
    }

    pub async fn nav(&self, name: &str) {
        // The link's own text, not a badge inside it (Security shows unseen alerts).
        self.click(self.find(&format!("//nav//a[normalize-space(text()[1])='{name}']")).await).await;
    }

    pub async fn nav_links(&self) -> Vec<String> {
        let mut out = Vec::new();
        for a in self.c.find_all(Locator::XPath("//nav//a")).await.unwrap() {
            out.push(a.text().await.unwrap().trim().to_string());
        }
        out
    }

    pub async fn wait_text(&self, text: &str) -> Element {
        self.find(&format!(
            "//*[contains(normalize-space(.), \"{text}\") and not(*[contains(normalize-space(.), \"{text}\")])]"
        ))
        .await
    }

    pub async fn wait_gone(&self, xpath: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if self.c.find_all(Locator::XPath(xpath)).await.unwrap().is_empty() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        panic!("still there after {WAIT:?}: {xpath}");
    }

    pub async fn sign_in(&self, email: &str) {
        self.fill("Email", email).await;
        self.fill("Password", PASSWORD).await;
        self.click_button("Sign in").await;
    }

    pub async fn sign_out(&self) {
        self.click_button("Sign out").await;
        self.find("//button[normalize-space(.)='Sign in']").await;
    }
}

impl App {
    /// Ends the WebDriver session (the app closes), then the drivers (Drop).
    pub async fn close(self) {
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
