//! The kitchen and the front desk offline beyond bookings: the pull caches the menu,
//! customers, members and roles; orders and customers made offline sync exactly once.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::sync::NewOrderLine;
use venuedesk_console_core::{ApiClient, LoginOutcome, MemoryKeychain, Session};

use common::{PASSWORD, Proxy, live};

#[tokio::test]
async fn orders_and_customers_made_offline_sync_exactly_once() {
    let l = live().await;
    let proxy = Proxy::start(l.addr).await;
    let keychain = Arc::new(MemoryKeychain::default());
    let LoginOutcome::SignedIn(s) = Session::login(
        ApiClient::new(&proxy.base).unwrap(),
        keychain.clone(),
        "ana@example.com",
        &SecretString::from(PASSWORD),
        "pass",
    )
    .await
    .unwrap() else {
        panic!("no MFA")
    };
    let post = |path: String, body: Value| {
        let s = &s;
        async move { s.call::<Value, Value>(Method::POST, &path, Some(&body), None, None).await.unwrap() }
    };
    let venue = post("/v1/venues".into(), json!({"name": "Galley", "timezone": "Europe/Paris", "capacity": 30})).await;
    let vid: Uuid = venue["id"].as_str().unwrap().parse().unwrap();
    let soup = post(
        format!("/v1/venues/{vid}/products"),
        json!({"name": "Soup", "category": "Starters", "price_cents": 650, "currency": "EUR"}),
    )
    .await;
    let _bread = post(
        format!("/v1/venues/{vid}/products"),
        json!({"name": "Bread", "category": "Bakery", "price_cents": 300, "currency": "EUR"}),
    )
    .await;
    let soup_id: Uuid = soup["id"].as_str().unwrap().parse().unwrap();
    post(format!("/v1/venues/{vid}/customers"), json!({"name": "Ines Roux", "allergens": ["gluten"]})).await;

    let data = tempfile::tempdir().unwrap();
    let mut cache = Cache::open(
        data.path(),
        CacheId { server: proxy.base.clone(), email: "ana@example.com".into(), venue_id: vid },
        keychain.clone(),
    )
    .unwrap();
    cache.pull(&s, vid, &mut |_, _| {}).await.unwrap();
    let menu: Vec<_> = cache.products().unwrap().into_iter().map(|p| p.name).collect();
    assert_eq!(menu, vec!["Bread", "Soup"], "by category, then name");
    assert_eq!(cache.customers(Some("roux")).unwrap()[0].0.allergens, vec!["gluten".to_string()]);
    assert_eq!(cache.members().unwrap()[0].email, "ana@example.com");
    let roles: Vec<_> = cache.roles().unwrap().into_iter().map(|r| r.name).collect();
    for builtin in ["front_desk", "kitchen", "manager", "owner"] {
        assert!(roles.iter().any(|r| r == builtin), "{builtin} cached: {roles:?}");
    }

    // Offline: an order is taken and started, a new customer is added.
    proxy.set_online(false);
    let order = cache
        .create_order(
            vid,
            vec![NewOrderLine { product_id: soup_id, quantity: 2, notes: Some("no croutons".into()) }],
            Some("T4".into()),
            None,
        )
        .unwrap();
    assert_eq!((order.total_cents, order.currency.as_str()), (1300, "EUR"), "estimated from the cached menu");
    cache.set_order_status(vid, order.id, "preparing").unwrap();
    assert!(cache.set_order_status(vid, order.id, "served").is_err(), "the kitchen machine is checked here too");
    let cust = cache.create_customer(vid, "Jo Park".into(), None, None, vec!["nuts".into()], None).unwrap();
    let (queued, pending) = cache.orders(Some("preparing")).unwrap().remove(0);
    assert!(pending && queued.id == order.id);
    assert!(cache.customers(Some("park")).unwrap()[0].1, "pending customer");
    assert!(cache.drain(&s, &mut |_, _| {}).await.unwrap().offline);

    // Online again: three changes, sent once each, in order.
    proxy.set_online(true);
    let report = cache.drain(&s, &mut |_, _| {}).await.unwrap();
    assert_eq!((report.sent, report.remaining), (3, 0), "{report:?}");
    cache.pull(&s, vid, &mut |_, _| {}).await.unwrap();
    let (confirmed, pending) = cache.orders(None).unwrap().remove(0);
    assert!(!pending);
    assert_eq!((confirmed.status.as_str(), confirmed.total_cents), ("preparing", 1300));
    assert_eq!(confirmed.items[0].notes.as_deref(), Some("no croutons"));

    let orders: Value = s.get(&format!("/v1/venues/{vid}/orders")).await.unwrap();
    assert_eq!(orders["items"].as_array().unwrap().len(), 1);
    let customers: Value = s.get(&format!("/v1/venues/{vid}/customers")).await.unwrap();
    let ids: Vec<&str> = customers["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.iter().filter(|i| **i == cust.id.to_string()).count(), 1, "the offline customer, once");
    for (action, n) in [("order.create", 1), ("order.status", 1), ("customer.create", 2)] {
        let events: Value = s.get(&format!("/v1/venues/{vid}/audit?action={action}")).await.unwrap();
        assert_eq!(events["items"].as_array().unwrap().len(), n, "{action}");
    }
}
