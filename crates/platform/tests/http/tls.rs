//! HTTPS with rustls: TLS 1.3 only by default (a 1.2-only client is refused), 1.2 when
//! allowed, HSTS on every response.

use venuedesk_platform::app;
use venuedesk_platform::clock::OffsetClock;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::state::Settings;
use venuedesk_platform::tls::{TlsMin, server_config};

async fn start(min: TlsMin) -> (String, reqwest::Certificate, tempfile::TempDir, axum_server::Handle) {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(dir.path().join("cert.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.path().join("key.pem"), cert.key_pair.serialize_pem()).unwrap();
    let config = server_config(&dir.path().join("cert.pem"), &dir.path().join("key.pem"), min).unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let store = app::open_store(&url).await.unwrap();
    let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
    let settings = Settings { tls: true, ..Settings::default() };
    let platform = app::build(store, master, settings, OffsetClock::new(), "t".into()).await.unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = axum_server::Handle::new();
    let h = handle.clone();
    tokio::spawn(async move {
        let _ = app::serve_https(listener, platform.router, config, h).await;
    });
    let ca = reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap();
    (format!("https://localhost:{port}"), ca, dir, handle)
}

fn client(ca: &reqwest::Certificate, max: Option<reqwest::tls::Version>) -> reqwest::Client {
    let mut b = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(ca.clone())
        .resolve("localhost", std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    if let Some(v) = max {
        b = b.max_tls_version(v);
    }
    b.build().unwrap()
}

#[tokio::test]
async fn tls13_by_default_with_hsts_everywhere() {
    let (base, ca, _dir, handle) = start(TlsMin::Tls13).await;
    let c = client(&ca, None);
    for path in ["/healthz", "/nope"] {
        let res = c.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.headers()["strict-transport-security"], "max-age=63072000; includeSubDomains", "{path}");
        assert!(res.headers().get("x-request-id").is_some());
    }
    let old = client(&ca, Some(reqwest::tls::Version::TLS_1_2));
    assert!(old.get(format!("{base}/healthz")).send().await.is_err(), "a TLS 1.2-only client is refused");
    handle.shutdown();
}

#[tokio::test]
async fn tls12_when_allowed() {
    let (base, ca, _dir, handle) = start(TlsMin::Tls12).await;
    let old = client(&ca, Some(reqwest::tls::Version::TLS_1_2));
    let res = old.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    handle.shutdown();
}

#[test]
fn bad_certificate_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("empty.pem"), "").unwrap();
    let err = server_config(&dir.path().join("empty.pem"), &dir.path().join("empty.pem"), TlsMin::Tls13).unwrap_err();
    assert!(err.to_string().contains("no certificate"), "{err}");
    let err =
        server_config(&dir.path().join("missing.pem"), &dir.path().join("missing.pem"), TlsMin::Tls13).unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
}
