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

#[tokio::test]
async fn the_owner_sets_up_tables_hours_and_rules() {
    use venuedesk_console_app::error::Code;
    use venuedesk_console_app::views::{TableInput, WeeklyPeriodView};
    let mut d = demo_platform().await;
    let sign_in = |email: &'static str| {
        let base = d.base.clone();
        async move {
            let dir = tempfile::tempdir().unwrap();
            let c = Console::new(
                dir.path().to_path_buf(),
                Arc::new(MemoryKeychain::default()),
                "desk".into(),
                None,
                Arc::new(|_| {}),
            )
            .unwrap();
            c.sign_in(&base, email, PASSWORD).await.unwrap();
            c.sync_now().await.unwrap();
            (c, dir)
        }
    };
    let (owner, _o) = sign_in(common::OWNER).await;
    let (desk, _d) = sign_in(FRONT_DESK).await;
    let s = owner.floor_settings().await.unwrap();
    assert_eq!((s.tables.len(), s.weekly.len(), s.exceptions.len(), s.offline), (12, 7, 1, false));
    assert_eq!(s.rules.as_ref().map(|r| r.slot_minutes), Some(15));
    assert_eq!(desk.floor_settings().await.unwrap_err().code, Code::Forbidden, "front desk cannot manage settings");

    // A bar seat that pushes together with T1, renamed, then removed.
    let t1 = s.tables.iter().find(|t| t.name == "T1").unwrap().id.clone();
    let input = |name: &str| TableInput {
        name: name.into(),
        area: "Bar".into(),
        seats_min: 1,
        seats_max: 2,
        combinable_with: vec![t1.clone()],
    };
    let bar = owner.save_table(None, &input("B1")).await.unwrap();
    assert_eq!((bar.area.as_str(), bar.combinable_with.clone()), ("Bar", vec![t1.clone()]));
    let renamed = owner.save_table(Some(&bar.id), &input("Bar 1")).await.unwrap();
    assert_eq!(renamed.name, "Bar 1");
    let now = owner.floor_settings().await.unwrap();
    assert!(now.tables.iter().find(|t| t.id == t1).unwrap().combinable_with.contains(&bar.id), "both ways");
    let dup = owner.save_table(None, &input("T2")).await.unwrap_err();
    assert_eq!(dup.code, Code::NameTaken, "{dup:?}");
    assert_eq!(owner.save_table(None, &input(" ")).await.unwrap_err().code, Code::InvalidInput);
    owner.delete_table(&bar.id).await.unwrap();
    assert_eq!(owner.floor_settings().await.unwrap().tables.len(), 12);

    // Hours: noon to eleven, every day; rules: half-hour slots.
    let week: Vec<WeeklyPeriodView> =
        (1..=7).map(|d| WeeklyPeriodView { weekday: d, opens: "12:00".into(), closes: "23:00".into() }).collect();
    owner.save_opening_hours(&week, &[]).await.unwrap();
    let mut rules = now.rules.clone().unwrap();
    rules.slot_minutes = 30;
    owner.save_booking_rules(&rules).await.unwrap();
    let after = owner.floor_settings().await.unwrap();
    assert_eq!((after.weekly[0].opens.as_str(), after.exceptions.len()), ("12:00", 0));
    assert_eq!(after.rules.map(|r| r.slot_minutes), Some(30));
    rules.slot_minutes = 7;
    assert_eq!(
        owner.save_booking_rules(&rules).await.unwrap_err().code,
        Code::ValidationFailed,
        "the platform names the field"
    );
    // The front desk's timeline follows after a sync.
    desk.sync_now().await.unwrap();
    let floor = desk.floor_view(None).unwrap();
    assert_eq!(floor.periods.iter().map(|p| p.opens.as_str()).collect::<Vec<_>>(), ["12:00"]);

    // Offline: the copy kept here, and changes say they need the platform.
    d.go_offline().await;
    let kept = owner.floor_settings().await.unwrap();
    assert!(kept.offline);
    assert_eq!(kept.tables.len(), 12);
    assert_eq!(owner.save_table(None, &input("B2")).await.unwrap_err().code, Code::Offline);
}
