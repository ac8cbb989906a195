//! The demo venue: seeded once, complete, and never duplicated.

use secrecy::SecretString;
use serde_json::Value;
use venuedesk_platform::demo;

use crate::common::TestPlatform;

#[tokio::test]
async fn demo_seed_is_complete_and_idempotent() {
    let p = TestPlatform::start().await;
    let password = SecretString::from("Demo-Harbour-Phrase-42!");
    let vid = demo::seed(&p.state, &password).await.unwrap();
    let again = demo::seed(&p.state, &password).await.unwrap();
    assert_eq!(vid, again);
    let owner = p.login_raw(demo::OWNER_EMAIL, "Demo-Harbour-Phrase-42!").await.json::<Value>().await.unwrap();
    let token = owner["access_token"].as_str().unwrap();
    let me = p.get_ok("/v1/me", token).await;
    assert_eq!(me["memberships"].as_array().unwrap().len(), 1, "one venue, not two");
    assert_eq!(me["memberships"][0]["venue_name"], "Harbour Bistro");
    let base = format!("/v1/venues/{vid}");
    let venue = p.get_ok(&base, token).await;
    assert_eq!((venue["timezone"].as_str(), venue["capacity"].as_i64()), (Some("Europe/London"), Some(60)));
    let members = p.get_ok(&format!("{base}/members"), token).await;
    assert_eq!(members["items"].as_array().unwrap().len(), 4);
    let products = p.get_ok(&format!("{base}/products"), token).await;
    assert_eq!(products["items"].as_array().unwrap().len(), 8);
    let customers = p.get_ok(&format!("{base}/customers"), token).await;
    assert_eq!(customers["items"].as_array().unwrap().len(), 5);
    assert!(customers["items"].as_array().unwrap().iter().any(|c| !c["allergens"].as_array().unwrap().is_empty()));
    let week = p.get_ok(&format!("{base}/bookings?from=2000-01-01&to=2100-01-01&limit=200"), token).await;
    assert_eq!(week["items"].as_array().unwrap().len(), 42);
    // The floor: two areas, opening hours, every booking at a table, two parties waiting.
    let tables = p.get_ok(&format!("{base}/tables"), token).await;
    let tables = tables["items"].as_array().unwrap();
    let areas: std::collections::BTreeSet<&str> = tables.iter().map(|t| t["area"].as_str().unwrap()).collect();
    assert_eq!((tables.len(), areas.into_iter().collect::<Vec<_>>()), (12, vec!["Main room", "Terrace"]));
    let hours = p.get_ok(&format!("{base}/opening-hours"), token).await;
    assert_eq!((hours["weekly"].as_array().unwrap().len(), hours["exceptions"].as_array().unwrap().len()), (7, 1));
    assert!(week["items"].as_array().unwrap().iter().all(|b| !b["table_ids"].as_array().unwrap().is_empty()));
    let waiting = p.get_ok(&format!("{base}/waitlist"), token).await;
    let names: Vec<&str> =
        waiting["items"].as_array().unwrap().iter().map(|e| e["guest_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ruth Olsen", "Dev Shah"], "oldest first");
    // A newcomer's first booking tonight finds a table.
    let tomorrow = (time::OffsetDateTime::now_utc() + time::Duration::days(1)).date();
    let at = format!("{tomorrow}T19:00:00Z");
    let made = p
        .post_ok(
            &format!("{base}/bookings"),
            token,
            serde_json::json!({"guest_name": "New", "party_size": 4, "starts_at": at, "duration_minutes": 90}),
        )
        .await;
    assert_eq!(made["table_ids"].as_array().unwrap().len(), 1);
    let orders = p.get_ok(&format!("{base}/orders"), token).await;
    assert!(!orders["items"].as_array().unwrap().is_empty());
    for email in ["manager@demo.venuedesk.test", "frontdesk@demo.venuedesk.test", "kitchen@demo.venuedesk.test"] {
        assert_eq!(p.login_raw(email, "Demo-Harbour-Phrase-42!").await.status(), 200, "{email}");
    }
}
