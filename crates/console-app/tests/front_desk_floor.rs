//! The front desk's floor in the desktop console, headless, on the demo venue (two areas,
//! opening hours, a waitlist): the timeline, availability from the platform and offline
//! from the cache, seating from the waitlist, a walk-in and a move to another table.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use venuedesk_console_app::Console;
use venuedesk_console_app::views::{BookingStatus, SignInOutcome, WaitlistInput, WalkInInput};
use venuedesk_console_core::MemoryKeychain;

mod common;

use common::{FRONT_DESK, PASSWORD, demo_platform};

#[tokio::test]
async fn a_saturday_night_on_the_floor() {
    let mut d = demo_platform().await;
    let dir = tempfile::tempdir().unwrap();
    let c = Console::new(
        dir.path().to_path_buf(),
        Arc::new(MemoryKeychain::default()),
        "desk".into(),
        None,
        Arc::new(|_| {}),
    )
    .unwrap();
    match c.sign_in(&d.base, FRONT_DESK, PASSWORD).await.unwrap() {
        SignInOutcome::SignedIn { .. } => {}
        SignInOutcome::MfaRequired { .. } => panic!("no MFA"),
    }
    c.sync_now().await.unwrap();

    // The timeline: twelve tables in two areas, open 11:00 until 02:00, every booking at a table.
    let floor = c.floor_view(None).unwrap();
    assert_eq!(floor.tables.len(), 12);
    assert_eq!(floor.tables.iter().filter(|t| t.area == "Terrace").count(), 4);
    assert_eq!(
        floor.periods.iter().map(|p| (p.opens.as_str(), p.closes.as_str(), p.closes_next_day)).collect::<Vec<_>>(),
        [("11:00", "02:00", true)]
    );
    assert!(!floor.bookings.is_empty() && floor.bookings.iter().all(|b| !b.table_ids.is_empty()));

    // Availability for four tomorrow, from the platform.
    let tomorrow =
        (chrono::NaiveDate::parse_from_str(&floor.date, "%Y-%m-%d").unwrap() + chrono::Duration::days(1)).to_string();
    let asked = c.availability(&tomorrow, 4).await.unwrap();
    assert!(!asked.estimate);
    assert_eq!(asked.duration_minutes, 90);
    assert_eq!(asked.times.first().map(|t| t.time.as_str()), Some("11:00"));
    assert!(asked.times.iter().all(|t| !t.table_names.is_empty()));

    // The waitlist: Ruth is seated (one key in the UI), and becomes a walk-in at a table.
    let waiting = c.waitlist().unwrap();
    assert_eq!(waiting.iter().map(|w| w.guest_name.as_str()).collect::<Vec<_>>(), ["Ruth Olsen", "Dev Shah"]);
    assert!(waiting[0].waited_minutes >= 12);
    let ruth = c.waitlist_step(&waiting[0].id, "seat", &[]).unwrap();
    assert_eq!((ruth.status.as_str(), ruth.pending), ("seated", true));
    c.sync_now().await.unwrap();
    assert_eq!(c.waitlist().unwrap().len(), 1);
    let now = c.floor_view(None).unwrap();
    let seated = now.bookings.iter().find(|b| b.guest_name == "Ruth Olsen").expect("her walk-in booking");
    assert_eq!((seated.status, seated.source.as_str(), seated.party_size), (BookingStatus::Seated, "walk_in", 3));
    assert_eq!(seated.table_ids.len(), 1);

    // A walk-in at the window (P1), then moved to P2 with the keyboard's move.
    let p1 = now.tables.iter().find(|t| t.name == "P1").unwrap().id.clone();
    let p2 = now.tables.iter().find(|t| t.name == "P2").unwrap().id.clone();
    let walk =
        c.walk_in(&WalkInInput { guest_name: "Kit".into(), party_size: 2, table_ids: vec![p1.clone()] }).unwrap();
    assert_eq!((walk.status, walk.pending), (BookingStatus::Seated, true));
    c.sync_now().await.unwrap();
    let kit = c.floor_view(None).unwrap().bookings.into_iter().find(|b| b.id == walk.id).unwrap();
    assert_eq!((kit.table_ids.clone(), kit.pending, kit.version), (vec![p1], false, 1));
    let moved = c.move_booking(&walk.id, None, Some(std::slice::from_ref(&p2))).unwrap();
    assert_eq!(moved.table_ids, vec![p2.clone()]);
    c.sync_now().await.unwrap();
    let kit = c.floor_view(None).unwrap().bookings.into_iter().find(|b| b.id == walk.id).unwrap();
    assert_eq!((kit.table_ids, kit.pending, kit.version), (vec![p2], false, 2));

    // Offline: add to the waitlist (queued) and ask for times: an estimate, said so, the
    // same as the platform's answer for a night nobody else has touched since the sync.
    c.add_to_waitlist(&WaitlistInput { guest_name: "Ola".into(), party_size: 2, phone: None, notes: None }).unwrap();
    assert_eq!(c.waitlist().unwrap().len(), 2);
    d.go_offline().await;
    let guessed = c.availability(&tomorrow, 4).await.unwrap();
    assert!(guessed.estimate);
    assert_eq!(
        guessed.times.iter().map(|t| &t.time).collect::<Vec<_>>(),
        asked.times.iter().map(|t| &t.time).collect::<Vec<_>>()
    );
    // Bad input is refused before anything is queued.
    assert!(
        c.add_to_waitlist(&WaitlistInput { guest_name: " ".into(), party_size: 2, phone: None, notes: None }).is_err()
    );
    assert!(c.walk_in(&WalkInInput { guest_name: "X".into(), party_size: 0, table_ids: vec![] }).is_err());
    assert!(c.waitlist_step(&waiting[1].id, "dance", &[]).is_err());
}
