//! GDPR: export everything held about a customer; erase them so that nothing personal comes
//! back from any read, the feed, the CSV export or the database file, while the audit chain
//! still verifies.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestPlatform, expect_problem, platform_command, stored_contains};
use crate::venue_fixture::{booking, in_hours};

fn contains(hay: &[u8], needle: &str) -> bool {
    stored_contains(hay, needle.as_bytes())
}

#[tokio::test]
async fn export_then_erase_then_nothing_personal_comes_back() {
    let p = TestPlatform::start().await;
    let t = p.team("gdpr", 50).await;
    let m = t.token("manager");
    let create_key = uuid::Uuid::new_v4().to_string();
    let create_body = json!({"name": "Xenia Quartermaine", "email": "xenia@example.org", "phone": "+44 7700 900123", "allergens": ["walnutsandpecans"], "dietary_notes": "Strictly pescatarian"});
    let res = p
        .req(Method::POST, &t.path("/customers"))
        .bearer_auth(m)
        .header("Idempotency-Key", &create_key)
        .json(&create_body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let c: Value = res.json().await.unwrap();
    let cid = c["id"].as_str().unwrap();
    let mut body = booking("Xenia Quartermaine", 2, &in_hours(6));
    body["customer_id"] = json!(cid);
    body["notes"] = json!("Window seat, anniversary");
    let b = p.post_ok(&t.path("/bookings"), m, body).await;
    let soup = p
        .post_ok(
            &t.path("/products"),
            m,
            json!({"name": "Soup", "category": "S", "price_cents": 500, "currency": "GBP"}),
        )
        .await;
    p.post_ok(
        &t.path("/orders"),
        m,
        json!({"items": [{"product_id": soup["id"], "quantity": 1, "notes": "Quartermaine wants it cold"}], "booking_id": b["id"], "table_label": "Xenia's corner"}),
    )
    .await;
    let secrets = [
        "Xenia Quartermaine",
        "xenia@example.org",
        "+44 7700 900123",
        "walnutsandpecans",
        "Strictly pescatarian",
        "anniversary",
        "Quartermaine",
        "Xenia's corner",
    ];

    // At rest: none of it is in the database file in plaintext.
    let raw = p.stored_bytes().await;
    for s in secrets {
        assert!(!contains(&raw, s), "{s} is in the database file in plaintext");
    }

    // Art. 15/20: everything in one document.
    let export = p.get_ok(&t.path(&format!("/customers/{cid}/export")), m).await;
    assert_eq!(export["customer"]["email"], "xenia@example.org");
    assert_eq!(export["bookings"][0]["notes"], "Window seat, anniversary");
    assert_eq!(export["orders"].as_array().unwrap().len(), 1);

    // Art. 17: front desk may not, a manager may.
    let res = p.send(Method::DELETE, &t.path(&format!("/customers/{cid}")), t.token("front_desk"), None).await;
    expect_problem(res, 403, "forbidden").await;
    let res = p.send(Method::DELETE, &t.path(&format!("/customers/{cid}")), m, None).await;
    assert_eq!(res.status(), 204);

    expect_problem(p.send(Method::GET, &t.path(&format!("/customers/{cid}")), m, None).await, 404, "not_found").await;
    expect_problem(p.send(Method::GET, &t.path(&format!("/customers/{cid}/export")), m, None).await, 404, "not_found")
        .await;
    let kept = p.get_ok(&t.path(&format!("/bookings/{}", b["id"].as_str().unwrap())), m).await;
    assert_eq!((kept["guest_name"].as_str(), kept["notes"].as_str()), (Some("Erased guest"), None));
    assert_eq!(kept["party_size"], 2, "the booking itself is kept");

    // Nothing personal from the feed (read from 0), the lists, or the CSV export.
    let feed = p.get_ok(&t.path("/changes?since=0&limit=200"), m).await.to_string();
    let customers = p.get_ok(&t.path("/customers"), m).await.to_string();
    let bookings = p.get_ok(&t.path("/bookings?from=2000-01-01&to=2100-01-01"), m).await.to_string();
    let csv = p.authed(Method::GET, &t.path("/audit/export?format=csv"), m).send().await.unwrap().text().await.unwrap();
    for s in secrets {
        for (what, text) in [("feed", &feed), ("customers", &customers), ("bookings", &bookings), ("csv", &csv)] {
            assert!(!text.contains(s), "{s} came back from {what}");
        }
    }
    assert!(csv.contains("[erased]"), "audit rows about the customer show the erasure");
    let customer_change: Vec<Value> = serde_json::from_str::<Value>(&feed).unwrap()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == cid)
        .cloned()
        .collect();
    assert_eq!(customer_change[0]["op"], "delete");

    // The audit chain is untouched and still verifies.
    let url = p.db_url().to_string();
    let out = platform_command(["audit", "verify", "--database", &url, "--venue", &t.vid]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let erase = p.get_ok(&t.path("/audit?action=customer.erase"), m).await;
    assert_eq!(erase["items"].as_array().unwrap().len(), 1);

    // Orders stay, without free text about the guest.
    let orders = p.get_ok(&t.path("/orders"), m).await;
    assert_eq!(orders["items"].as_array().unwrap().len(), 1);
    assert!(orders["items"][0]["table_label"].is_null() && orders["items"][0]["items"][0]["notes"].is_null());
    // A late retry of the first create is told, not replayed and not re-run.
    let res = p
        .req(Method::POST, &t.path("/customers"))
        .bearer_auth(m)
        .header("Idempotency-Key", &create_key)
        .json(&create_body)
        .send()
        .await
        .unwrap();
    expect_problem(res, 404, "not_found").await;
    // Nothing links to the erased customer again.
    let mut relink = booking("Someone", 2, &in_hours(9));
    relink["customer_id"] = json!(cid);
    expect_problem(p.send(Method::POST, &t.path("/bookings"), m, Some(relink)).await, 404, "not_found").await;
    let raw = p.stored_bytes().await;
    for s in secrets {
        assert!(!contains(&raw, s), "{s} is in the database file after erasure");
    }
}
