//! `keys rotate-signing` and `keys rotate-master`, run as the operator runs them (the
//! binary against a live platform's database), with a node that is NOT restarted and a
//! node started afterwards.

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration as StdDuration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use venuedesk_platform::app;
use venuedesk_platform::auth::tokens::RETIRE_AFTER;
use venuedesk_platform::crypto::MasterKey;

use crate::common::{TestPlatform, relaxed};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_venuedesk-platform")).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

async fn jwks_kids(p: &TestPlatform, base: &str) -> Vec<String> {
    let jwks: Value = p.client.get(format!("{base}/.well-known/jwks.json")).send().await.unwrap().json().await.unwrap();
    jwks["keys"].as_array().unwrap().iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect()
}

/// Another node on the same database, with the master key in `master`.
async fn node(p: &TestPlatform, master: &Path) -> Result<String, String> {
    let store = p.database.open().await;
    let master = MasterKey::load(master).map_err(|e| e.to_string())?;
    let platform = app::build(store, master, relaxed(), p.clock.clone(), "venuedesk-test".into())
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app::serve_http(listener, platform.router, std::future::pending()));
    Ok(base)
}

async fn me(p: &TestPlatform, base: &str, token: &str) -> StatusCode {
    p.client.get(format!("{base}/v1/me")).bearer_auth(token).send().await.unwrap().status()
}

#[tokio::test]
async fn rotate_signing_new_tokens_use_the_new_key_old_ones_live_out_their_time() {
    let p = TestPlatform::start().await;
    let t = p.team("sign", 10).await;
    let master = p.dir.path().join("master.key");
    let before = p.login("sign-owner@example.com").await["access_token"].as_str().unwrap().to_string();
    let old_kid = kid(&before);
    assert_eq!(jwks_kids(&p, &p.base).await, vec![old_kid.clone()]);

    let out = run(&["keys", "rotate-signing", "--database", p.db_url(), "--master-key-file", master.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    let new_kid = text(&out).split_whitespace().nth(3).unwrap().to_string();
    assert_ne!(new_kid, old_kid);

    // The running node, not restarted: within seconds it signs with the new key…
    let mut signed_new = None;
    for _ in 0..100 {
        let token = p.login("sign-owner@example.com").await["access_token"].as_str().unwrap().to_string();
        if kid(&token) == new_kid {
            signed_new = Some(token);
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    let after = signed_new.expect("the running node signs with the rotated key");
    // …while a token of the old key keeps working, and the JWKS shows both.
    assert_eq!(me(&p, &p.base, &before).await, StatusCode::OK);
    assert_eq!(me(&p, &p.base, &after).await, StatusCode::OK);
    assert_eq!(jwks_kids(&p, &p.base).await, [old_kid.clone(), new_kid.clone()]);
    // A node started now signs with the new key and accepts both.
    let fresh = node(&p, &master).await.unwrap();
    assert_eq!(me(&p, &fresh, &before).await, StatusCode::OK);
    assert_eq!(me(&p, &fresh, &after).await, StatusCode::OK);

    // Once every token the old key signed has expired, it leaves the JWKS and verifies nothing.
    p.clock.advance(RETIRE_AFTER + Duration::minutes(1));
    assert_eq!(jwks_kids(&p, &p.base).await, vec![new_kid.clone()]);
    assert_eq!(jwks_kids(&p, &fresh).await, vec![new_kid.clone()]);
    let current = p.login("sign-owner@example.com").await["access_token"].as_str().unwrap().to_string();
    assert_eq!(kid(&current), new_kid);
    assert_eq!(me(&p, &p.base, &current).await, StatusCode::OK);
    assert_eq!(me(&p, &p.base, &before).await, StatusCode::UNAUTHORIZED);

    let audit = p.get_ok(&t.path("/audit?action=keys.rotate_signing"), &current).await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(
        (items[0]["actor"]["type"].as_str(), items[0]["details"]["kid"].as_str()),
        (Some("system"), Some(new_kid.as_str()))
    );
}

#[tokio::test]
async fn rotate_master_rewraps_every_data_key_and_the_old_file_opens_nothing() {
    let p = TestPlatform::start().await;
    let t = p.team("master", 10).await;
    let owner = t.owner().to_string();
    let customer =
        p.post_ok(&t.path("/customers"), &owner, json!({"name": "Mira Master", "email": "mira@example.com"})).await;
    let dir = p.dir.path();
    let master = dir.join("master.key");
    let old_copy = dir.join("old.key");
    std::fs::copy(&master, &old_copy).unwrap();
    let new = dir.join("new.key");
    let keys_before = p.state.store.data_keys_all().await.unwrap();
    assert!(keys_before.len() >= 3, "platform, venue and customer keys: {}", keys_before.len());

    // A mistyped old key is refused and changes nothing.
    let wrong = dir.join("wrong.key");
    std::fs::write(&wrong, [7u8; 32]).unwrap();
    let out = run(&[
        "keys",
        "rotate-master",
        "--database",
        p.db_url(),
        "--master-key-file",
        wrong.to_str().unwrap(),
        "--new-key-file",
        new.to_str().unwrap(),
    ]);
    assert!(!out.status.success() && text(&out).contains("wrong --master-key-file"), "{}", text(&out));
    assert_eq!(p.state.store.data_keys_all().await.unwrap(), keys_before);

    let out = run(&[
        "keys",
        "rotate-master",
        "--database",
        p.db_url(),
        "--master-key-file",
        master.to_str().unwrap(),
        "--new-key-file",
        new.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(&format!("{} data key(s) re-wrapped", keys_before.len())), "{}", text(&out));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&new).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Every stored key opens with the new master and none with the old.
    let (old_key, new_key) = (MasterKey::load(&old_copy).unwrap(), MasterKey::load(&new).unwrap());
    let after = p.state.store.data_keys_all().await.unwrap();
    assert_eq!(after.len(), keys_before.len());
    for (scope, wrapped) in &after {
        assert!(new_key.unwrap_key(scope, wrapped).is_ok(), "{scope} opens with the new key");
        assert!(old_key.unwrap_key(scope, wrapped).is_err(), "{scope} no longer opens with the old key");
    }
    assert!(node(&p, &old_copy).await.is_err(), "a node given the old key file cannot start");

    // The running node, not restarted, still serves what it has open…
    let list = p.get_ok(&t.path("/customers"), &owner).await;
    assert_eq!(list["items"][0]["name"], "Mira Master");
    // …and refuses to wrap a new key under the old master until its file is replaced: a
    // new venue's first customer needs the venue's first data key.
    let venue = p.post_ok("/v1/venues", &owner, json!({"name": "Fresh", "timezone": "UTC", "capacity": 5})).await;
    let vid = venue["id"].as_str().unwrap();
    let res =
        p.send(Method::POST, &format!("/v1/venues/{vid}/customers"), &owner, Some(json!({"name": "Nia New"}))).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        p.state.store.data_keys_all().await.unwrap().len(),
        keys_before.len(),
        "no key wrapped under the old master"
    );
    // The operator puts the new key in place: the same node carries on.
    std::fs::rename(&new, &master).unwrap();
    p.post_ok(&format!("/v1/venues/{vid}/customers"), &owner, json!({"name": "Nia New"})).await;
    // A node started with the new key reads everything, old and new.
    let fresh = node(&p, &master).await.unwrap();
    let read: Value = p
        .client
        .get(format!("{fresh}{}", t.path(&format!("/customers/{}", customer["id"].as_str().unwrap()))))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["email"], "mira@example.com");
    let read: Value = p
        .client
        .get(format!("{fresh}/v1/venues/{vid}/customers"))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["items"][0]["name"], "Nia New");

    let audit = p.get_ok(&t.path("/audit?action=keys.rotate_master"), &owner).await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    let verify = run(&["audit", "verify", "--database", p.db_url(), "--venue", &t.vid]);
    assert!(verify.status.success(), "{}", text(&verify));
}
