//! `keys rotate-signing` and `keys rotate-master`, run as the operator runs them (the
//! binary against a live platform's database), with a node that is NOT restarted and a
//! node started afterwards.

use std::path::Path;
use std::process::Output;
use std::time::Duration as StdDuration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::Duration;
use venuedesk_platform::app;
use venuedesk_platform::auth::tokens::RETIRE_AFTER;
use venuedesk_platform::crypto::MasterKey;

use crate::common::{TestPlatform, platform_command, relaxed};

async fn run(args: &[&str]) -> Output {
    platform_command(args).await
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

    let out =
        run(&["keys", "rotate-signing", "--database", p.db_url(), "--master-key-file", master.to_str().unwrap()]).await;
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
    ])
    .await;
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
    ])
    .await;
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
    let verify = run(&["audit", "verify", "--database", p.db_url(), "--venue", &t.vid]).await;
    assert!(verify.status.success(), "{}", text(&verify));
}

#[tokio::test]
async fn rotate_venue_reseals_everything_while_the_venue_keeps_working() {
    use venuedesk_platform::crypto::key_ring::VENUE_VERSIONS_TTL;
    let p = TestPlatform::start_with(crate::webhooks::allow_private()).await;
    let t = p.team("venuekey", 1000).await;
    let other = p.team("venuekey-other", 10).await;
    let owner = t.owner().to_string();
    let rx = venuedesk_test_support::Receiver::start().await;
    let hook = crate::webhooks::add_webhook(&p, &t, &rx.url, &["booking.created"]).await;
    let res = p
        .send(
            Method::PUT,
            &t.path("/payments"),
            &owner,
            Some(json!({"provider": "stripe", "webhook_secret": crate::payments::SECRET})),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let customer =
        p.post_ok(&t.path("/customers"), &owner, json!({"name": "Vera Version", "email": "vera@example.com"})).await;
    for i in 0..20 {
        p.post_ok(
            &t.path("/bookings"),
            &owner,
            crate::venue_fixture::booking(&format!("Guest {i}"), 2, &crate::venue_fixture::in_hours(5 + i)),
        )
        .await;
    }
    let vid: uuid::Uuid = t.vid.parse().unwrap();
    let before = p.state.store.venue_sealed(vid).await.unwrap();
    assert_eq!(before.len(), 23, "20 bookings, a customer, the webhook secret and the payment secret");
    let other_before = p.state.store.venue_sealed(other.vid.parse().unwrap()).await.unwrap();

    // The venue keeps working while the rotation runs: reads and writes all succeed.
    let master = p.dir.path().join("master.key");
    let (url, key) = (p.db_url().to_string(), master.to_str().unwrap().to_string());
    let vid_s = t.vid.clone();
    let rotation = tokio::spawn(async move {
        run(&["keys", "rotate-venue", "--database", &url, "--master-key-file", &key, "--venue", &vid_s]).await
    });
    let mut i = 0;
    while !rotation.is_finished() {
        let list = p.get_ok(&t.path("/bookings?from=2000-01-01&to=2100-01-01&limit=200"), &owner).await;
        assert!(list["items"].as_array().unwrap().len() >= 20);
        let read = p.get_ok(&t.path(&format!("/customers/{}", customer["id"].as_str().unwrap())), &owner).await;
        assert_eq!(read["email"], "vera@example.com");
        p.post_ok(
            &t.path("/bookings"),
            &owner,
            crate::venue_fixture::booking(&format!("During {i}"), 1, &crate::venue_fixture::in_hours(40 + i)),
        )
        .await;
        i += 1;
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    let out = rotation.await.unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("data key version 2 seals from now on"), "{}", text(&out));
    assert!(i >= 10, "the rotation waited for the nodes ({i} rounds of reads and writes ran alongside)");

    // Everything of the venue now opens with version 2 and no longer with version 1.
    let v1 = p.state.keys.key(&format!("venue:{vid}")).await.unwrap();
    let v2 = p.state.keys.existing(&format!("venue:{vid}#2")).await.unwrap().expect("version 2 stored");
    let aad = |v: &venuedesk_platform::store::SealedValue| match v.field {
        venuedesk_platform::store::SealedField::Doc => venuedesk_platform::domain::sealed::doc_aad(vid, v.id),
        venuedesk_platform::store::SealedField::PaymentSecret => {
            venuedesk_platform::routes::integrations::payments::secret_aad(vid)
        }
        _ => venuedesk_platform::routes::integrations::webhooks::secret_aad(vid, v.id),
    };
    let after = p.state.store.venue_sealed(vid).await.unwrap();
    assert!(after.len() >= before.len() + 10);
    for v in &after {
        assert!(v2.open(aad(v).as_bytes(), &v.sealed).is_ok(), "{:?} {} opens with version 2", v.field, v.id);
        assert!(v1.open(aad(v).as_bytes(), &v.sealed).is_err(), "{:?} {} no longer with version 1", v.field, v.id);
    }
    assert_eq!(
        p.state.store.venue_sealed(other.vid.parse().unwrap()).await.unwrap(),
        other_before,
        "another venue is untouched"
    );

    // The running node (not restarted) seals new data with version 2…
    tokio::time::sleep(VENUE_VERSIONS_TTL).await;
    let fresh = p
        .post_ok(
            &t.path("/bookings"),
            &owner,
            crate::venue_fixture::booking("After", 2, &crate::venue_fixture::in_hours(90)),
        )
        .await;
    let sealed = p.state.store.venue_sealed(vid).await.unwrap();
    let stored = sealed.iter().find(|v| v.id.to_string() == fresh["id"].as_str().unwrap()).unwrap();
    assert!(v2.open(aad(stored).as_bytes(), &stored.sealed).is_ok());
    // …its webhooks still sign with the re-sealed secret, its payment secret still verifies…
    let got = rx.wait_for(1).await;
    assert!(got.iter().all(|r| venuedesk_test_support::verifies(hook["secret"].as_str().unwrap(), r) >= 1));
    let order = crate::payments::order(&p, &t, Some("required")).await;
    let paid = crate::payments::event("evt_after_rotation", "payment_intent.succeeded", order["id"].as_str().unwrap());
    let sig = crate::payments::stripe_signature(crate::payments::SECRET, p.state.clock.now().unix_timestamp(), &paid);
    assert_eq!(crate::payments::send(&p, &t.vid, &paid, Some(sig)).await.status(), StatusCode::OK);
    // …and the audit trail's personal data sealed under version 1 still reads (CSV export).
    let csv = p
        .req(Method::GET, &t.path("/audit/export?format=csv"))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("venuekey-kitchen@example.com"), "invitation emails sealed before the rotation");
    let audit = p.get_ok(&t.path("/audit?action=keys.rotate_venue"), &owner).await;
    assert_eq!(audit["items"][0]["details"]["version"], 2);
    let out = run(&[
        "keys",
        "rotate-venue",
        "--database",
        p.db_url(),
        "--master-key-file",
        master.to_str().unwrap(),
        "--venue",
        &uuid::Uuid::new_v4().to_string(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
}
