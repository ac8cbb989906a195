//! A live platform on a loopback port, and a proxy in front of it that can cut the network.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use venuedesk_platform::clock::OffsetClock;
use venuedesk_platform::crypto::MasterKey;
use venuedesk_platform::state::Settings;

pub const PASSWORD: &str = "Quiet-Lantern-Orbit-77!";

pub struct Live {
    pub base: String,
    pub addr: SocketAddr,
    pub clock: Arc<OffsetClock>,
    pub dir: tempfile::TempDir,
}

/// A platform with one user, ana@example.com.
pub async fn live() -> Live {
    let dir = tempfile::tempdir().unwrap();
    let store =
        venuedesk_platform::app::open_store(&format!("sqlite://{}", dir.path().join("p.db").display())).await.unwrap();
    let (master, _) = MasterKey::load_or_create(&dir.path().join("master.key")).unwrap();
    let clock = OffsetClock::new();
    let settings = Settings { auth_requests_per_ip_minute: 10_000, ..Settings::default() };
    let platform = venuedesk_platform::app::build(store, master, settings, clock.clone(), "test".into()).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    tokio::spawn(venuedesk_platform::app::serve_http(listener, platform.router, std::future::pending()));
    let res = reqwest::Client::new()
        .post(format!("{base}/v1/auth/signup"))
        .json(&json!({"email": "ana@example.com", "password": PASSWORD, "display_name": "Ana"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    Live { base, addr, clock, dir }
}

/// A TCP proxy that forwards to the platform while online; going offline cuts every open
/// connection and refuses new ones, as when the venue's Wi-Fi drops.
pub struct Proxy {
    pub base: String,
    online: watch::Sender<bool>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = watch::channel(true);
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                if !*rx.borrow() {
                    drop(inbound);
                    continue;
                }
                let mut rx = rx.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = rx.wait_for(|online| !online) => {}
                    }
                });
            }
        });
        Proxy { base, online: tx }
    }

    pub fn set_online(&self, online: bool) {
        let _ = self.online.send(online);
    }
}
