//! The floor: tables (combinations kept symmetric) and opening hours (venue-local, `If-Match`
//! once set), with their audit events and change-feed entries, on whichever backend runs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{TestPlatform, expect_problem, stored_contains};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// The venue's tables by name: (area, seats_min, seats_max, names it combines with, version).
async fn floor(p: &TestPlatform, path: &str, token: &str) -> Vec<(String, String, i64, i64, Vec<String>, i64)> {
    let items = p.get_ok(path, token).await["items"].as_array().unwrap().clone();
    let name_of = |tid: &Value| {
        items.iter().find(|t| t["id"] == *tid).map_or("?".to_string(), |t| t["name"].as_str().unwrap().to_string())
    };
    let mut out: Vec<_> = items
        .iter()
        .map(|t| {
            let mut with: Vec<String> = t["combinable_with"].as_array().unwrap().iter().map(name_of).collect();
            with.sort();
            (
                t["name"].as_str().unwrap().to_string(),
                t["area"].as_str().unwrap().to_string(),
                t["seats_min"].as_i64().unwrap(),
                t["seats_max"].as_i64().unwrap(),
                with,
                t["version"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn row(
    name: &str,
    area: &str,
    min: i64,
    max: i64,
    with: &[&str],
    version: i64,
) -> (String, String, i64, i64, Vec<String>, i64) {
    (name.into(), area.into(), min, max, with.iter().map(|s| s.to_string()).collect(), version)
}

#[tokio::test]
async fn tables_combine_both_ways_and_forget_a_removed_table() {
    let p = TestPlatform::start().await;
    let t = p.team("floor-tables", 100).await;
    let (owner, desk) = (t.owner(), t.token("front_desk"));
    let tables = t.path("/tables");
    let t1 = p.post_ok(&tables, owner, json!({"name": "T1", "area": "Terrace", "seats_min": 2, "seats_max": 4})).await;
    assert_eq!((t1["area"].as_str(), t1["version"].as_i64()), (Some("Terrace"), Some(1)));
    let t2 = p.post_ok(&tables, owner, json!({"name": "T2", "seats_max": 2, "combinable_with": [id(&t1)]})).await;
    let t3 =
        p.post_ok(&tables, owner, json!({"name": "T3", "seats_max": 6, "combinable_with": [id(&t1), id(&t2)]})).await;
    // Defaults (area Main, one seat at least), and T1 names both back, each change a version.
    assert_eq!(
        floor(&p, &tables, desk).await,
        vec![
            row("T1", "Terrace", 2, 4, &["T2", "T3"], 3),
            row("T2", "Main", 1, 2, &["T1", "T3"], 2),
            row("T3", "Main", 1, 6, &["T1", "T2"], 1),
        ]
    );

    // T3 now combines with T1 only: T2 forgets it.
    let res = p
        .patch(&format!("{tables}/{}", id(&t3)), owner, 1, json!({"combinable_with": [id(&t1)], "seats_min": 3}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "\"2\"");
    assert_eq!(
        floor(&p, &tables, desk).await,
        vec![
            row("T1", "Terrace", 2, 4, &["T2", "T3"], 3),
            row("T2", "Main", 1, 2, &["T1"], 3),
            row("T3", "Main", 3, 6, &["T1"], 2),
        ]
    );
    // A stale version, a name in use (any case), impossible seats, itself, twice: refused, nothing changes.
    expect_problem(
        p.patch(&format!("{tables}/{}", id(&t3)), owner, 1, json!({"seats_max": 8})).await,
        412,
        "version_mismatch",
    )
    .await;
    let res = p.send(Method::POST, &tables, owner, Some(json!({"name": "t1", "seats_max": 2}))).await;
    expect_problem(res, 409, "name_taken").await;
    let res = p.patch(&format!("{tables}/{}", id(&t2)), owner, 3, json!({"name": "T3"})).await;
    expect_problem(res, 409, "name_taken").await;
    for (body, field) in [
        (json!({"name": "T9", "seats_min": 5, "seats_max": 4}), "seats_min"),
        (json!({"name": "T9", "seats_max": 0}), "seats_max"),
        (json!({"name": "T9", "seats_max": 101}), "seats_max"),
        (json!({"name": " ", "seats_max": 2}), "name"),
        (json!({"name": "T9", "area": "", "seats_max": 2}), "area"),
        (json!({"name": "T9", "seats_max": 2, "combinable_with": [id(&t1), id(&t1)]}), "combinable_with"),
    ] {
        let res = p.send(Method::POST, &tables, owner, Some(body.clone())).await;
        let problem = expect_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let res = p.patch(&format!("{tables}/{}", id(&t3)), owner, 2, json!({"combinable_with": [id(&t3)]})).await;
    expect_problem(res, 422, "validation_failed").await;
    let res = p
        .send(
            Method::POST,
            &tables,
            owner,
            Some(json!({"name": "T9", "seats_max": 2, "combinable_with": [uuid::Uuid::now_v7()]})),
        )
        .await;
    expect_problem(res, 404, "not_found").await;
    let res = p.send(Method::POST, &tables, owner, Some(json!({"name": "T9", "seats_max": 2, "shape": "round"}))).await;
    expect_problem(res, 400, "bad_request").await;

    // T1 removed: nobody combines with it any more; its id answers 404.
    let res = p.send(Method::DELETE, &format!("{tables}/{}", id(&t1)), owner, None).await;
    assert_eq!(res.status(), 204);
    assert_eq!(floor(&p, &tables, desk).await, vec![row("T2", "Main", 1, 2, &[], 4), row("T3", "Main", 3, 6, &[], 3)]);
    let res = p.send(Method::DELETE, &format!("{tables}/{}", id(&t1)), owner, None).await;
    expect_problem(res, 404, "not_found").await;
    expect_problem(
        p.patch(&format!("{tables}/{}", id(&t1)), owner, 4, json!({"seats_max": 3})).await,
        404,
        "not_found",
    )
    .await;

    // Audited, and in the change feed of those who read bookings (the front desk).
    let audit = p.get_ok(&t.path("/audit?limit=200"), owner).await;
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for (action, n) in [("table.create", 3), ("table.update", 1), ("table.delete", 1)] {
        assert_eq!(actions.iter().filter(|a| **a == action).count(), n, "{action}: {actions:?}");
    }
    let feed = p.get_ok(&t.path("/changes?since=0&limit=200"), desk).await;
    let tables_in_feed: Vec<(&str, &str)> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["entity"] == "table")
        .map(|c| (c["op"].as_str().unwrap(), c["data"]["name"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(tables_in_feed.len(), 3, "{tables_in_feed:?}");
    assert!(tables_in_feed.contains(&("delete", "-")) && tables_in_feed.contains(&("upsert", "T2")));
    // The kitchen reads no bookings: no tables either.
    let kitchen_feed = p.get_ok(&t.path("/changes?since=0&limit=200"), t.token("kitchen")).await;
    assert!(kitchen_feed["changes"].as_array().unwrap().iter().all(|c| c["entity"] != "table"));
    expect_problem(p.send(Method::GET, &tables, t.token("kitchen"), None).await, 403, "forbidden").await;
}

#[tokio::test]
async fn opening_hours_are_replaced_whole_with_if_match_once_set() {
    let p = TestPlatform::start().await;
    let t = p.team("floor-hours", 100).await;
    let owner = t.owner();
    let path = t.path("/opening-hours");
    let put = |body: Value, if_match: Option<&str>| {
        let mut rb = p.authed(Method::PUT, &path, owner).json(&body);
        if let Some(v) = if_match {
            rb = rb.header("If-Match", v);
        }
        rb.send()
    };

    // Never set: empty, version 0.
    let res = p.send(Method::GET, &path, t.token("front_desk"), None).await;
    assert_eq!(res.headers()["etag"], "\"0\"");
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"weekly": [], "exceptions": [], "version": 0}));

    // The first PUT needs no If-Match; it comes back sorted.
    let week = json!({
        "weekly": [
            {"weekday": 6, "opens": "18:00", "closes": "02:00"},
            {"weekday": 2, "opens": "18:00", "closes": "23:00"},
            {"weekday": 2, "opens": "12:00", "closes": "15:00"},
        ],
        "exceptions": [
            {"date": "2026-12-31", "closed": false, "opens": "19:00", "closes": "03:00"},
            {"date": "2026-12-25", "closed": true},
        ],
    });
    let res = put(week.clone(), None).await.unwrap();
    assert_eq!(res.status(), 200);
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["version"], 1);
    let days: Vec<(i64, &str)> = first["weekly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["weekday"].as_i64().unwrap(), w["opens"].as_str().unwrap()))
        .collect();
    assert_eq!(days, vec![(2, "12:00"), (2, "18:00"), (6, "18:00")]);
    assert_eq!(first["exceptions"][0], json!({"date": "2026-12-25", "closed": true}));
    assert_eq!(p.get_ok(&path, t.token("front_desk")).await, first);

    // Once set: If-Match needed (428), a stale one refused (412, naming the current version).
    let res = put(week.clone(), None).await.unwrap();
    expect_problem(res, 428, "precondition_required").await;
    let res = put(week.clone(), Some("\"0\"")).await.unwrap();
    let problem = expect_problem(res, 412, "version_mismatch").await;
    assert_eq!(problem["current_version"], 1);
    // Bad hours: refused naming the field; nothing changes.
    for (body, field) in [
        (json!({"weekly": [{"weekday": 8, "opens": "12:00", "closes": "13:00"}]}), "weekly[0].weekday"),
        (json!({"weekly": [{"weekday": 1, "opens": "12:00", "closes": "24:00"}]}), "weekly[0].closes"),
        (json!({"weekly": [{"weekday": 1, "opens": "12:00", "closes": "12:00"}]}), "weekly[0].closes"),
        (
            json!({"weekly": [{"weekday": 1, "opens": "20:00", "closes": "02:00"}, {"weekday": 2, "opens": "01:00", "closes": "03:00"}]}),
            "weekly[1]",
        ),
        (json!({"weekly": [], "exceptions": [{"date": "2026-02-30", "closed": true}]}), "exceptions[0].date"),
        (json!({"weekly": [], "exceptions": [{"date": "2026-12-24", "closed": false}]}), "exceptions[0].opens"),
    ] {
        let res = put(body.clone(), Some("\"1\"")).await.unwrap();
        let problem = expect_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(p.get_ok(&path, owner).await["version"], 1);

    // Replaced whole: closed on Mondays only now.
    let res =
        put(json!({"weekly": [{"weekday": 2, "opens": "17:00", "closes": "22:00"}]}), Some("\"1\"")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let now = p.get_ok(&path, owner).await;
    assert_eq!((now["weekly"].as_array().unwrap().len(), now["exceptions"].as_array().unwrap().len()), (1, 0));

    // Only those who manage settings change them; the kitchen does not read them.
    let res = p.send(Method::PUT, &path, t.token("manager"), Some(json!({"weekly": []}))).await;
    expect_problem(res, 403, "forbidden").await;
    expect_problem(p.send(Method::GET, &path, t.token("kitchen"), None).await, 403, "forbidden").await;
    // Audited with what was set, and in the front desk's change feed once (latest state).
    let audit = p.get_ok(&t.path("/audit?action=opening_hours.update"), owner).await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 2);
    let feed = p.get_ok(&t.path("/changes?since=0&limit=200"), t.token("front_desk")).await;
    let hours: Vec<&Value> =
        feed["changes"].as_array().unwrap().iter().filter(|c| c["entity"] == "opening_hours").collect();
    assert_eq!(hours.len(), 1);
    assert_eq!((hours[0]["id"].as_str(), &hours[0]["data"]["version"]), (Some(t.vid.as_str()), &json!(2)));
}

#[tokio::test]
async fn booking_rules_live_on_the_venue_with_defaults() {
    let p = TestPlatform::start().await;
    let t = p.team("floor-rules", 100).await;
    let owner = t.owner();
    let venue = p.get_ok(&t.path(""), t.token("kitchen")).await;
    assert_eq!(
        (
            &venue["slot_minutes"],
            &venue["default_duration_minutes"],
            &venue["min_notice_minutes"],
            &venue["max_advance_days"],
            &venue["turnover_minutes"]
        ),
        (
            &json!(15),
            &json!([{"party_size_from": 1, "minutes": 90}, {"party_size_from": 5, "minutes": 120}]),
            &json!(60),
            &json!(90),
            &json!(15)
        )
    );
    let version = venue["version"].as_i64().unwrap();
    let rules = json!({
        "slot_minutes": 30,
        "default_duration_minutes": [{"party_size_from": 1, "minutes": 75}, {"party_size_from": 3, "minutes": 105}, {"party_size_from": 9, "minutes": 180}],
        "turnover_minutes": 0,
    });
    let res = p.patch(&t.path(""), owner, version, rules).await;
    assert_eq!(res.status(), 200);
    let changed = p.get_ok(&t.path(""), owner).await;
    assert_eq!(
        (&changed["slot_minutes"], &changed["turnover_minutes"], &changed["max_advance_days"]),
        (&json!(30), &json!(0), &json!(90))
    );
    assert_eq!(changed["default_duration_minutes"][2], json!({"party_size_from": 9, "minutes": 180}));
    assert_eq!(changed["capacity"], 100, "the rest is left alone");
    let version = changed["version"].as_i64().unwrap();
    for (body, field) in [
        (json!({"slot_minutes": 7}), "slot_minutes"),
        (json!({"default_duration_minutes": []}), "default_duration_minutes"),
        (json!({"default_duration_minutes": [{"party_size_from": 2, "minutes": 90}]}), "default_duration_minutes"),
        (
            json!({"default_duration_minutes": [{"party_size_from": 1, "minutes": 90}, {"party_size_from": 1, "minutes": 60}]}),
            "default_duration_minutes",
        ),
        (json!({"min_notice_minutes": -5}), "min_notice_minutes"),
        (json!({"max_advance_days": 0}), "max_advance_days"),
        (json!({"turnover_minutes": 500}), "turnover_minutes"),
    ] {
        let problem =
            expect_problem(p.patch(&t.path(""), owner, version, body.clone()).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(p.get_ok(&t.path(""), owner).await["version"].as_i64(), Some(version), "nothing was written");
    let res = p.patch(&t.path(""), t.token("manager"), version, json!({"turnover_minutes": 5})).await;
    expect_problem(res, 403, "forbidden").await;
    let audit = p.get_ok(&t.path("/audit?action=venue.update"), owner).await;
    assert_eq!(audit["items"][0]["details"]["booking_rules"]["slot_minutes"], 30);
}

/// `HH:MM` on the venue-local date `days` from today in London, as RFC 3339.
fn london_at(days: i64, hm: &str) -> String {
    use venuedesk_api::venue_time;
    let tz = venue_time::zone("Europe/London").unwrap();
    let today = venue_time::local_date(tz, time::OffsetDateTime::now_utc()).unwrap();
    let date = today + chrono::Duration::days(days);
    let local = date.and_time(chrono::NaiveTime::parse_from_str(hm, "%H:%M").unwrap());
    venue_time::instant(tz, local).unwrap().format(&time::format_description::well_known::Rfc3339).unwrap()
}

fn at(guest: &str, party: i64, starts_at: &str) -> Value {
    json!({"guest_name": guest, "party_size": party, "starts_at": starts_at, "duration_minutes": 90})
}

#[tokio::test]
async fn bookings_get_the_smallest_free_table_and_never_share_one() {
    let p = TestPlatform::start().await;
    let t = p.team("floor-book", 100).await;
    let (owner, desk) = (t.owner(), t.token("front_desk"));
    let mut ids = std::collections::HashMap::new();
    for (name, min, max) in [("T2a", 1, 2), ("T2b", 1, 2), ("T4", 2, 4), ("T6", 4, 6)] {
        let tb = p.post_ok(&t.path("/tables"), owner, json!({"name": name, "seats_min": min, "seats_max": max})).await;
        ids.insert(name, tb["id"].as_str().unwrap().to_string());
    }
    let res = p
        .patch(&format!("{}/{}", t.path("/tables"), ids["T2a"]), owner, 1, json!({"combinable_with": [ids["T2b"]]}))
        .await;
    assert_eq!(res.status(), 200);
    let week: Vec<Value> = (1..=7).map(|d| json!({"weekday": d, "opens": "11:00", "closes": "23:30"})).collect();
    let res =
        p.authed(Method::PUT, &t.path("/opening-hours"), owner).json(&json!({"weekly": week})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let bookings = t.path("/bookings");
    let seven = london_at(1, "19:00");
    let table_of = |b: &Value| {
        b["table_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect::<Vec<_>>()
    };

    // Couples at seven: the two-tops by name, then the four-top (the six-top needs four).
    let a = p.post_ok(&bookings, desk, at("Ann", 2, &seven)).await;
    let b = p.post_ok(&bookings, desk, at("Bea", 2, &seven)).await;
    let c = p.post_ok(&bookings, desk, at("Cy", 2, &seven)).await;
    assert_eq!(
        (table_of(&a), table_of(&b), table_of(&c)),
        (vec![ids["T2a"].clone()], vec![ids["T2b"].clone()], vec![ids["T4"].clone()])
    );
    assert_eq!((a["source"].as_str(), a["status"].as_str()), (Some("phone"), Some("confirmed")));
    let res = p.send(Method::POST, &bookings, desk, Some(at("Dee", 2, &seven))).await;
    expect_problem(res, 409, "table_unavailable").await;
    // Naming a table that is taken, turnover included: C holds T4 until 20:30 + 15 minutes.
    let mut on_t4 = at("Eve", 4, &london_at(1, "20:30"));
    on_t4["table_ids"] = json!([ids["T4"]]);
    expect_problem(p.send(Method::POST, &bookings, desk, Some(on_t4.clone())).await, 409, "table_unavailable").await;
    on_t4["starts_at"] = json!(london_at(1, "20:45"));
    let e = p.post_ok(&bookings, desk, on_t4).await;
    assert_eq!(table_of(&e), vec![ids["T4"].clone()]);
    // A party of four at seven: the six-top is free.
    let f = p.post_ok(&bookings, desk, at("Fox", 4, &seven)).await;
    assert_eq!(table_of(&f), vec![ids["T6"].clone()]);

    // Outside the opening hours, tables that do not combine, too few seats: refused.
    let res = p.send(Method::POST, &bookings, desk, Some(at("Gil", 2, &london_at(1, "09:00")))).await;
    assert_eq!(expect_problem(res, 422, "validation_failed").await["errors"][0]["field"], "starts_at");
    let res = p.send(Method::POST, &bookings, desk, Some(at("Gil", 2, &london_at(1, "22:30")))).await;
    assert_eq!(
        expect_problem(res, 422, "validation_failed").await["errors"][0]["field"],
        "starts_at",
        "ends after closing"
    );
    let mut apart = at("Hal", 4, &london_at(2, "12:00"));
    apart["table_ids"] = json!([ids["T2a"], ids["T4"]]);
    let res = p.send(Method::POST, &bookings, desk, Some(apart)).await;
    assert_eq!(expect_problem(res, 422, "validation_failed").await["errors"][0]["field"], "table_ids");
    let mut small = at("Ivy", 3, &london_at(2, "12:00"));
    small["table_ids"] = json!([ids["T2a"]]);
    let res = p.send(Method::POST, &bookings, desk, Some(small)).await;
    assert_eq!(expect_problem(res, 422, "validation_failed").await["errors"][0]["field"], "party_size");
    let mut pushed = at("Jo", 4, &london_at(2, "12:00"));
    pushed["table_ids"] = json!([ids["T2a"], ids["T2b"]]);
    let j = p.post_ok(&bookings, desk, pushed).await;
    assert_eq!(table_of(&j).len(), 2);
    let mut unknown = at("Kit", 2, &london_at(2, "13:00"));
    unknown["table_ids"] = json!([uuid::Uuid::now_v7()]);
    expect_problem(p.send(Method::POST, &bookings, desk, Some(unknown)).await, 404, "not_found").await;

    // Cancelling frees the table at once; the next couple at seven gets it.
    let res = p.send(Method::POST, &format!("{bookings}/{}/cancel", id(&a)), desk, None).await;
    assert_eq!(res.status(), 200);
    let d = p.post_ok(&bookings, desk, at("Dee", 2, &seven)).await;
    assert_eq!(table_of(&d), vec![ids["T2a"].clone()]);

    // Moving B to the four-top at seven: taken by C. To the six-top later that night: fine.
    let res = p.patch(&format!("{bookings}/{}", id(&b)), desk, 1, json!({"table_ids": [ids["T4"]]})).await;
    expect_problem(res, 409, "table_unavailable").await;
    let res = p
        .patch(
            &format!("{bookings}/{}", id(&b)),
            desk,
            1,
            json!({"table_ids": [ids["T6"]], "starts_at": london_at(1, "21:00")}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let moved: Value = res.json().await.unwrap();
    assert_eq!(table_of(&moved), vec![ids["T6"].clone()]);
    // T2b is free at seven again.
    let g = p.post_ok(&bookings, desk, at("Gus", 2, &seven)).await;
    assert_eq!(table_of(&g), vec![ids["T2b"].clone()]);
    // A change of notes alone leaves the tables as they are.
    let res = p.patch(&format!("{bookings}/{}", id(&g)), desk, 1, json!({"notes": "window"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(table_of(&res.json::<Value>().await.unwrap()), vec![ids["T2b"].clone()]);
    // A bigger party, another day: its two-top no longer seats it, so it gets a free fit.
    let res = p
        .patch(&format!("{bookings}/{}", id(&g)), desk, 2, json!({"party_size": 4, "starts_at": london_at(2, "15:00")}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(table_of(&res.json::<Value>().await.unwrap()), vec![ids["T4"].clone()]);
    let audit = p.get_ok(&t.path("/audit?action=booking.create&limit=200"), owner).await;
    assert!(audit["items"].as_array().unwrap().iter().all(|e| e["details"]["table_ids"].is_array()));
}

#[tokio::test]
async fn a_walk_in_is_seated_now_and_a_venue_without_tables_keeps_its_seats() {
    let p = TestPlatform::start().await;
    let t = p.team("floor-walkin", 4).await;
    let desk = t.token("front_desk");
    let bookings = t.path("/bookings");
    // No tables: the seat capacity decides, and naming a table finds none.
    let later = london_at(3, "19:00");
    let mut named = at("Ann", 2, &later);
    named["table_ids"] = json!([uuid::Uuid::now_v7()]);
    expect_problem(p.send(Method::POST, &bookings, desk, Some(named)).await, 404, "not_found").await;
    let no_tables = p.post_ok(&bookings, desk, at("Ann", 4, &later)).await;
    assert_eq!(no_tables["table_ids"], json!([]));
    expect_problem(p.send(Method::POST, &bookings, desk, Some(at("Bo", 1, &later))).await, 409, "capacity_exceeded")
        .await;

    // With a table (and no opening hours set: always open), a walk-in starts now, seated.
    let table = p.post_ok(&t.path("/tables"), t.owner(), json!({"name": "Bar 1", "seats_max": 2})).await;
    let mut walk_in = at("Cat", 2, "2000-01-01T00:00:00Z");
    walk_in["source"] = json!("walk_in");
    let before = time::OffsetDateTime::now_utc() - time::Duration::seconds(5);
    let w = p.post_ok(&bookings, desk, walk_in.clone()).await;
    assert_eq!((w["status"].as_str(), w["source"].as_str()), (Some("seated"), Some("walk_in")));
    assert_eq!(w["table_ids"], json!([table["id"]]));
    let started =
        time::OffsetDateTime::parse(w["starts_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339)
            .unwrap();
    assert!(started >= before && started <= time::OffsetDateTime::now_utc(), "{started}");
    // The bar seat is taken now: the next walk-in finds nothing.
    expect_problem(p.send(Method::POST, &bookings, desk, Some(walk_in.clone())).await, 409, "table_unavailable").await;
    // A table someone sits at cannot be removed.
    let res = p.send(Method::DELETE, &format!("{}/{}", t.path("/tables"), id(&table)), t.owner(), None).await;
    expect_problem(res, 409, "table_in_use").await;
    // Closed today by the hours: a booking for later is refused, a walk-in at the door is not.
    let tz = venuedesk_api::venue_time::zone("Europe/London").unwrap();
    // (Today and tomorrow: five minutes from now is on one of them, even at midnight.)
    let today = venuedesk_api::venue_time::local_date(tz, time::OffsetDateTime::now_utc()).unwrap();
    let tomorrow = today + chrono::Duration::days(1);
    let closed = json!({"weekly": [], "exceptions": [
        {"date": today.to_string(), "closed": true}, {"date": tomorrow.to_string(), "closed": true}]});
    let res = p.authed(Method::PUT, &t.path("/opening-hours"), t.owner()).json(&closed).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let soon = (time::OffsetDateTime::now_utc() + time::Duration::minutes(5))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let res = p.send(Method::POST, &bookings, desk, Some(at("Dot", 1, &soon))).await;
    assert_eq!(expect_problem(res, 422, "validation_failed").await["errors"][0]["field"], "starts_at");
    // Completed: free again.
    let res = p.send(Method::POST, &format!("{bookings}/{}/complete", id(&w)), desk, None).await;
    assert_eq!(res.status(), 200);
    let again = p.post_ok(&bookings, desk, walk_in).await;
    assert_eq!(again["table_ids"], json!([table["id"]]));
}

#[tokio::test]
async fn availability_offers_what_can_be_booked_and_nothing_else() {
    let p = TestPlatform::start().await;
    let t = p.team("floor-avail", 100).await;
    let (owner, desk) = (t.owner(), t.token("front_desk"));
    let t2 = p.post_ok(&t.path("/tables"), owner, json!({"name": "T2", "seats_max": 2})).await;
    let t4 = p.post_ok(&t.path("/tables"), owner, json!({"name": "T4", "seats_min": 2, "seats_max": 4})).await;
    let week: Vec<Value> = (1..=7).map(|d| json!({"weekday": d, "opens": "12:00", "closes": "22:00"})).collect();
    let res =
        p.authed(Method::PUT, &t.path("/opening-hours"), owner).json(&json!({"weekly": week})).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let tz = venuedesk_api::venue_time::zone("Europe/London").unwrap();
    let date = (venuedesk_api::venue_time::local_date(tz, time::OffsetDateTime::now_utc()).unwrap()
        + chrono::Duration::days(2))
    .to_string();
    let (pr, tr) = (&p, &t);
    let search = |party: i64| {
        let path = tr.path(&format!("/availability?date={date}&party_size={party}"));
        async move { pr.get_ok(&path, desk).await }
    };
    let local = |s: &Value| {
        let at = time::OffsetDateTime::parse(
            s["starts_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        venuedesk_api::venue_time::local_date_time(tz, at).unwrap().format("%H:%M").to_string()
    };

    // Quarter hours from 12:00 to 20:30 (a 90-minute booking ends by 22:00), on the two-top.
    let a = search(2).await;
    assert_eq!((a["duration_minutes"].as_i64(), a["party_size"].as_i64()), (Some(90), Some(2)));
    let slots = a["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 35);
    assert_eq!((local(&slots[0]), local(&slots[34])), ("12:00".to_string(), "20:30".to_string()));
    assert!(slots.iter().all(|s| s["tables"] == json!([t2["id"]])));

    // Two couples at seven take both tables: a couple can start by 17:15 (ends 18:45, free
    // again after 15 minutes' turnover) and not after; offered slots book, others do not.
    let seven = london_at(2, "19:00");
    p.post_ok(&t.path("/bookings"), desk, at("Ann", 2, &seven)).await;
    let b = search(2).await;
    let at_seven = b["slots"].as_array().unwrap().iter().find(|s| local(s) == "19:00").cloned().unwrap();
    assert_eq!(at_seven["tables"], json!([t4["id"]]), "the four-top is next");
    p.post_ok(&t.path("/bookings"), desk, at("Bea", 2, &seven)).await;
    let c = search(2).await;
    let times: Vec<String> = c["slots"].as_array().unwrap().iter().map(local).collect();
    assert_eq!(times.len(), 22, "{times:?}");
    assert_eq!((times[0].as_str(), times[21].as_str()), ("12:00", "17:15"));
    let last = c["slots"][21]["starts_at"].as_str().unwrap().to_string();
    p.post_ok(&t.path("/bookings"), desk, at("Cy", 2, &last)).await;
    let res = p.send(Method::POST, &t.path("/bookings"), desk, Some(at("Dee", 2, &london_at(2, "17:30")))).await;
    expect_problem(res, 409, "table_unavailable").await;
    // Nobody seats five here.
    assert_eq!(search(5).await["slots"], json!([]));

    // Bad questions, and who may ask.
    for (query, field) in [("date=2026-02-30&party_size=2", "date"), ("date=2030-01-01&party_size=0", "party_size")] {
        let res = p.send(Method::GET, &t.path(&format!("/availability?{query}")), desk, None).await;
        assert_eq!(expect_problem(res, 422, "validation_failed").await["errors"][0]["field"], field);
    }
    let res = p.send(Method::GET, &t.path("/availability?date=2030-01-01"), desk, None).await;
    expect_problem(res, 400, "bad_request").await;
    let res = p
        .send(Method::GET, &t.path(&format!("/availability?date={date}&party_size=2")), t.token("kitchen"), None)
        .await;
    expect_problem(res, 403, "forbidden").await;

    // A venue without tables or hours: every quarter hour of the day its seats allow.
    let u = p.team("floor-avail-seats", 3).await;
    let free = p.get_ok(&u.path(&format!("/availability?date={date}&party_size=2")), u.owner()).await;
    let (start, end) =
        venuedesk_api::venue_time::day_range(tz, venuedesk_api::venue_time::parse_date(&date).unwrap()).unwrap();
    assert_eq!(free["slots"].as_array().unwrap().len() as i64, (end - start).whole_minutes() / 15);
    assert!(free["slots"].as_array().unwrap().iter().all(|s| s["tables"] == json!([])));
    assert_eq!(
        p.get_ok(&u.path(&format!("/availability?date={date}&party_size=4")), u.owner()).await["slots"],
        json!([])
    );
}

#[tokio::test]
async fn the_waitlist_offers_seats_as_walk_ins_and_forgets_who_left() {
    let p = TestPlatform::start().await;
    let t = p.team("floor-waitlist", 100).await;
    let (owner, desk) = (t.owner(), t.token("front_desk"));
    let bar = p.post_ok(&t.path("/tables"), owner, json!({"name": "Bar 1", "seats_max": 2})).await;
    let t4 = p.post_ok(&t.path("/tables"), owner, json!({"name": "T4", "seats_min": 2, "seats_max": 4})).await;
    let list = t.path("/waitlist");
    let entry = |id: &str, step: &str| t.path(&format!("/waitlist/{id}/{step}"));
    let ann = p
        .post_ok(
            &list,
            desk,
            json!({"guest_name": "Ann Waits", "party_size": 2, "phone": "+44 7700 900123", "notes": "high chair"}),
        )
        .await;
    assert_eq!((ann["status"].as_str(), ann["version"].as_i64()), (Some("waiting"), Some(1)));
    let bo = p.post_ok(&list, desk, json!({"guest_name": "Bo", "party_size": 4})).await;
    let cy = p.post_ok(&list, desk, json!({"guest_name": "Cy", "party_size": 6})).await;

    // Bad input and who may write: nothing is added.
    for (body, field) in [
        (json!({"guest_name": "X", "party_size": 0}), "party_size"),
        (json!({"guest_name": "", "party_size": 2}), "guest_name"),
        (json!({"guest_name": "X", "party_size": 2, "phone": "call me"}), "phone"),
        (json!({"party_size": 2}), "guest_name"),
    ] {
        let res = p.send(Method::POST, &list, desk, Some(body)).await;
        assert_eq!(expect_problem(res, 422, "validation_failed").await["errors"][0]["field"], field);
    }
    let res = p.send(Method::POST, &list, desk, Some(json!({"guest_name": "X", "party_size": 2, "vip": true}))).await;
    expect_problem(res, 400, "bad_request").await;
    let res = p.send(Method::POST, &list, t.token("kitchen"), Some(json!({"guest_name": "X", "party_size": 2}))).await;
    expect_problem(res, 403, "forbidden").await;
    let res = p.send(Method::GET, &t.path("/waitlist?status=later"), desk, None).await;
    expect_problem(res, 400, "bad_request").await;
    let names = |v: &Value| -> Vec<(String, String)> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["guest_name"].as_str().unwrap().to_string(), e["status"].as_str().unwrap().to_string()))
            .collect()
    };
    let open = p.get_ok(&list, desk).await;
    assert_eq!(
        names(&open),
        [("Ann Waits", "waiting"), ("Bo", "waiting"), ("Cy", "waiting")].map(|(a, b)| (a.into(), b.into()))
    );
    assert_eq!(open["items"][0]["phone"], "+44 7700 900123");

    // Ann is called, then seated: a walk-in on the bar seats, her details on the booking.
    let offered = p.post_ok(&entry(&id(&ann), "offer"), desk, json!({})).await;
    assert_eq!((offered["status"].as_str(), offered["version"].as_i64()), (Some("offered"), Some(2)));
    assert!(offered["offered_at"].is_string());
    let res = p.send(Method::POST, &entry(&id(&ann), "offer"), desk, None).await;
    expect_problem(res, 409, "invalid_transition").await;
    let res = p.send(Method::POST, &entry(&id(&ann), "seat"), desk, None).await;
    assert_eq!(res.status(), 201);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let seated: Value = res.json().await.unwrap();
    let booking = &seated["booking"];
    assert_eq!(location, t.path(&format!("/bookings/{}", id(booking))));
    assert_eq!(
        (booking["status"].as_str(), booking["source"].as_str(), booking["guest_name"].as_str()),
        (Some("seated"), Some("walk_in"), Some("Ann Waits"))
    );
    assert_eq!((booking["party_size"].as_i64(), booking["duration_minutes"].as_i64()), (Some(2), Some(90)));
    assert_eq!(booking["table_ids"], json!([bar["id"]]));
    assert_eq!(booking["notes"], "high chair");
    let closed = &seated["entry"];
    assert_eq!((closed["status"].as_str(), closed["booking_id"].as_str()), (Some("seated"), booking["id"].as_str()));
    assert_eq!(closed["guest_name"], "", "her name moved onto the booking");
    assert!(closed.get("phone").is_none() && closed.get("notes").is_none());
    assert_eq!(p.get_ok(&location, desk).await["status"], "seated");
    let res = p.send(Method::POST, &entry(&id(&ann), "seat"), desk, None).await;
    expect_problem(res, 409, "invalid_transition").await;

    // Six wait for a table nobody has: refused, still waiting, nothing booked.
    let res = p.send(Method::POST, &entry(&id(&cy), "seat"), desk, None).await;
    expect_problem(res, 409, "table_unavailable").await;
    // Bo at the four-top for an hour, as the desk chose; the bar seats too few.
    let res = p.send(Method::POST, &entry(&id(&bo), "seat"), desk, Some(json!({"table_ids": [bar["id"]]}))).await;
    assert_eq!(expect_problem(res, 422, "validation_failed").await["errors"][0]["field"], "party_size");
    let res = p.send(Method::POST, &entry(&id(&bo), "seat"), desk, Some(json!({"duration_minutes": 0}))).await;
    expect_problem(res, 422, "validation_failed").await;
    let bo_seated =
        p.post_ok(&entry(&id(&bo), "seat"), desk, json!({"table_ids": [t4["id"]], "duration_minutes": 60})).await;
    assert_eq!(bo_seated["booking"]["table_ids"], json!([t4["id"]]));
    assert_eq!(bo_seated["booking"]["duration_minutes"], 60);
    assert_eq!(names(&p.get_ok(&list, desk).await), [("Cy".to_string(), "waiting".to_string())]);

    // Cy leaves: removed, and the list forgets who they were.
    let gone = p.post_ok(&entry(&id(&cy), "remove"), desk, json!({})).await;
    assert_eq!((gone["status"].as_str(), gone["guest_name"].as_str()), (Some("removed"), Some("")));
    expect_problem(p.send(Method::POST, &entry(&id(&cy), "remove"), desk, None).await, 409, "invalid_transition").await;
    expect_problem(p.send(Method::POST, &entry(&id(&cy), "seat"), desk, None).await, 409, "invalid_transition").await;
    let unknown = uuid::Uuid::now_v7().to_string();
    expect_problem(p.send(Method::POST, &entry(&unknown, "offer"), desk, None).await, 404, "not_found").await;
    assert_eq!(p.get_ok(&list, desk).await["items"], json!([]));
    assert_eq!(p.get_ok(&t.path("/waitlist?status=seated"), desk).await["items"].as_array().unwrap().len(), 2);
    assert_eq!(p.get_ok(&t.path("/waitlist?status=removed"), desk).await["items"][0]["id"], cy["id"]);

    // The audit trail and the change feed tell it; the phone number is sealed at rest.
    let audit = p.get_ok(&t.path("/audit?limit=200"), owner).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.starts_with("waitlist."))
        .collect();
    let mut sorted = actions.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "waitlist.add",
            "waitlist.add",
            "waitlist.add",
            "waitlist.offer",
            "waitlist.remove",
            "waitlist.seat",
            "waitlist.seat"
        ]
    );
    let seat_event = audit["items"].as_array().unwrap().iter().find(|e| e["action"] == "waitlist.seat").unwrap();
    assert!(seat_event["details"]["booking_id"].is_string() && seat_event["details"]["source"] == "walk_in");
    let feed = p.get_ok(&t.path("/changes?since=0&limit=200"), desk).await;
    let waitlist_changes: Vec<&Value> =
        feed["changes"].as_array().unwrap().iter().filter(|c| c["entity"] == "waitlist").collect();
    assert_eq!(waitlist_changes.len(), 3, "one per entry, at its latest state");
    assert!(waitlist_changes.iter().all(|c| c["data"]["status"] != "waiting"));
    let kitchen_feed = p.get_ok(&t.path("/changes?since=0&limit=200"), t.token("kitchen")).await;
    assert!(kitchen_feed["changes"].as_array().unwrap().iter().all(|c| c["entity"] != "waitlist"));
    let raw = p.stored_bytes().await;
    assert!(!stored_contains(&raw, b"7700 900123"), "the phone number is not stored in plaintext");
    assert!(!stored_contains(&raw, b"high chair"), "nor the notes");
}

/// A venue in `timezone` with a two-top and a four-top that push together, hourly slots,
/// an hour at the table, no turnover, open `opens`–`closes` on `weekday`; its path.
async fn hourly_venue(p: &TestPlatform, owner: &str, timezone: &str, weekday: u8, opens: &str, closes: &str) -> String {
    let v = p
        .post_ok("/v1/venues", owner, json!({"name": format!("DST {timezone}"), "timezone": timezone, "capacity": 20}))
        .await;
    let base = format!("/v1/venues/{}", v["id"].as_str().unwrap());
    let rules = json!({"slot_minutes": 60, "default_duration_minutes": [{"party_size_from": 1, "minutes": 60}], "turnover_minutes": 0});
    assert_eq!(p.patch(&base, owner, 1, rules).await.status(), 200);
    let two = p.post_ok(&format!("{base}/tables"), owner, json!({"name": "A2", "seats_max": 2})).await;
    p.post_ok(&format!("{base}/tables"), owner, json!({"name": "B4", "seats_max": 4, "combinable_with": [two["id"]]}))
        .await;
    let hours = json!({"weekly": [{"weekday": weekday, "opens": opens, "closes": closes}],
        "exceptions": [{"date": "2027-10-23", "closed": true}]});
    assert_eq!(
        p.authed(Method::PUT, &format!("{base}/opening-hours"), owner).json(&hours).send().await.unwrap().status(),
        200
    );
    base
}

async fn starts(p: &TestPlatform, owner: &str, base: &str, date: &str, party: i64) -> Vec<String> {
    let a = p.get_ok(&format!("{base}/availability?date={date}&party_size={party}"), owner).await;
    a["slots"].as_array().unwrap().iter().map(|s| s["starts_at"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn availability_on_clock_change_nights_past_midnight_matches_the_hand_count() {
    let p = TestPlatform::start().await;
    let t = p.team("floor-dst", 10).await;
    let owner = t.owner();
    let utc = |hours: &[&str]| -> Vec<String> { hours.iter().map(|h| format!("{h}:00:00.000Z")).collect() };

    // London, Saturday 30 October 2027, open 18:00 until 02:00: the clocks go back at 02:00
    // BST, so the night is nine hours long and 01:00 comes twice (00:00Z BST, 01:00Z GMT).
    let london = hourly_venue(&p, owner, "Europe/London", 6, "18:00", "02:00").await;
    let night = starts(&p, owner, &london, "2027-10-30", 2).await;
    let expected: Vec<String> = utc(&[
        "2027-10-30T17",
        "2027-10-30T18",
        "2027-10-30T19",
        "2027-10-30T20",
        "2027-10-30T21",
        "2027-10-30T22",
        "2027-10-30T23",
        "2027-10-31T00",
        "2027-10-31T01",
    ]);
    assert_eq!(night, expected);
    // An ordinary Saturday a week before is closed by an exception; the next one is eight hours.
    assert_eq!(starts(&p, owner, &london, "2027-10-23", 2).await, Vec::<String>::new());
    assert_eq!(starts(&p, owner, &london, "2027-11-06", 2).await.len(), 8);
    // Six people: the two tables pushed together; seven: nobody.
    assert_eq!(starts(&p, owner, &london, "2027-10-30", 6).await, expected);
    assert_eq!(starts(&p, owner, &london, "2027-10-30", 7).await, Vec::<String>::new());
    // A party booked at the repeated 01:00 (BST) takes the two-top; the four-top still has it.
    let first_one = "2027-10-31T00:00:00.000Z";
    let b = p
        .post_ok(
            &format!("{london}/bookings"),
            owner,
            json!({"guest_name": "Owl", "party_size": 2, "starts_at": first_one, "duration_minutes": 60}),
        )
        .await;
    assert_eq!(b["table_ids"].as_array().unwrap().len(), 1);
    let a = p.get_ok(&format!("{london}/availability?date=2027-10-30&party_size=2"), owner).await;
    let at_one = a["slots"].as_array().unwrap().iter().find(|s| s["starts_at"] == first_one).unwrap();
    assert_ne!(at_one["tables"], b["table_ids"], "the other table");
    assert_eq!(starts(&p, owner, &london, "2027-10-30", 6).await.len(), 8, "no pair at that hour now");

    // New York, Saturday 13 March 2027, open 20:00 until 02:00: the clocks go forward at
    // 02:00 EST, which never happens on the wall; the night is six hours, 20:00 EST to 03:00 EDT.
    let ny = hourly_venue(&p, owner, "America/New_York", 6, "20:00", "02:00").await;
    assert_eq!(
        starts(&p, owner, &ny, "2027-03-13", 2).await,
        utc(&["2027-03-14T01", "2027-03-14T02", "2027-03-14T03", "2027-03-14T04", "2027-03-14T05", "2027-03-14T06"])
    );
    // The same night a week later (EDT throughout): 00:00Z to 06:00Z.
    assert_eq!(
        starts(&p, owner, &ny, "2027-03-20", 2).await.first().map(String::as_str),
        Some("2027-03-21T00:00:00.000Z")
    );
    // London's clocks had not changed then: its own spring night is a fortnight later.
    assert_eq!(
        starts(&p, owner, &london, "2027-03-13", 2).await.first().map(String::as_str),
        Some("2027-03-13T18:00:00.000Z")
    );
}
