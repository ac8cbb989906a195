//! The desktop console's operations, headless, against a live demo platform on a loopback
//! port (Harbour Bistro and its four staff): what each role can do from each screen, the
//! offline cache, TOTP, team rules, audit export and a revoked session.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use venuedesk_console_app::error::Code;
use venuedesk_console_app::views::{
    AuditFilter, BookingInput, BookingStatus, CustomerInput, ExportFormat, OrderLineInput, OrderStatus, Progress,
    RoleInput, SignInOutcome,
};
use venuedesk_console_app::{AppError, Console};
use venuedesk_console_core::MemoryKeychain;
use venuedesk_platform::demo;

mod common;

use common::{Demo, FRONT_DESK, KITCHEN, MANAGER, OWNER, PASSWORD, demo_platform};

struct Desk {
    console: Console,
    keychain: Arc<MemoryKeychain>,
    dir: tempfile::TempDir,
    progress: Arc<Mutex<Vec<Progress>>>,
}

fn new_desk() -> Desk {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Arc::new(MemoryKeychain::default());
    let progress = Arc::new(Mutex::new(Vec::new()));
    let sink = progress.clone();
    let console = Console::new(
        dir.path().to_path_buf(),
        keychain.clone(),
        "test desk".into(),
        None,
        Arc::new(move |p| sink.lock().unwrap().push(p)),
    )
    .unwrap();
    Desk { console, keychain, dir, progress }
}

async fn signed_in(d: &Demo, email: &str) -> Desk {
    let desk = new_desk();
    match desk.console.sign_in(&d.base, email, PASSWORD).await.unwrap() {
        SignInOutcome::SignedIn { state } => assert!(state.signed_in),
        SignInOutcome::MfaRequired { .. } => panic!("{email} has no MFA"),
    }
    desk.console.sync_now().await.unwrap();
    desk
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn tomorrow() -> String {
    let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
    (chrono::Utc::now().with_timezone(&tz).date_naive() + chrono::Duration::days(1)).to_string()
}

fn booking(name: &str, party: i64, date: &str, time: &str) -> BookingInput {
    BookingInput {
        guest_name: name.into(),
        party_size: party,
        date: date.into(),
        time: time.into(),
        duration_minutes: 90,
        notes: None,
        customer_id: None,
    }
}

#[tokio::test]
async fn front_desk_runs_the_day() {
    let d = demo_platform().await;
    let desk = signed_in(&d, FRONT_DESK).await;
    let c = &desk.console;
    let state = c.state();
    assert_eq!(state.venue.as_ref().unwrap().name, demo::VENUE_NAME);
    assert!(state.permissions.contains(&"bookings:write".to_string()));
    assert!(!state.permissions.contains(&"members:read".to_string()));
    assert!(desk.progress.lock().unwrap().iter().any(|p| p.total > 1), "sync reported progress");
    let status = c.sync_status().unwrap();
    assert!(status.online && status.pending == 0 && status.last_sync.is_some());

    // Today by default, from the cache, in London time, with covers per quarter hour.
    let today = c.day_view(None, None).unwrap();
    assert_eq!(today.timezone, "Europe/London");
    assert_eq!(today.bookings.len(), 6, "the demo books six tables a day");
    assert!(today.slots.len() >= 92);
    assert_eq!(today.slots[0].time, "00:00");
    // Tomorrow's demo bookings are all still to come (today's may all be over by late evening):
    // each quarter hour counts the confirmed parties at their tables then.
    let ahead = c.day_view(Some(&tomorrow()), None).unwrap();
    let at = |hm: &str| ahead.slots.iter().find(|s| s.time == hm).map(|s| s.covers).unwrap();
    let expected = |hm: &str| -> i64 {
        let (h, m) = hm.split_once(':').map(|(h, m)| (h.parse::<i64>().unwrap(), m.parse::<i64>().unwrap())).unwrap();
        let minute = h * 60 + m;
        ahead
            .bookings
            .iter()
            .filter(|b| b.status == BookingStatus::Confirmed)
            .filter(|b| {
                let (bh, bm) = b.local_time.split_once(':').unwrap();
                let start = bh.parse::<i64>().unwrap() * 60 + bm.parse::<i64>().unwrap();
                start <= minute && minute < start + b.duration_minutes
            })
            .map(|b| b.party_size)
            .sum()
    };
    assert!(at("19:30") > 0, "the demo's evening is booked");
    for hm in ["12:00", "13:45", "19:00", "19:30", "20:45", "23:45"] {
        assert_eq!(at(hm), expected(hm), "covers at {hm}");
    }

    // A phone booking for tomorrow: pending at once, confirmed by the next sync.
    let day = tomorrow();
    let b = c.create_booking(&booking("Rosa Diaz", 4, &day, "21:15")).unwrap();
    assert!(b.pending);
    assert_eq!((b.local_date.as_str(), b.local_time.as_str()), (day.as_str(), "21:15"));
    assert_eq!(c.sync_status().unwrap().pending, 1);
    c.sync_now().await.unwrap();
    let view = c.day_view(Some(&day), Some("rosa")).unwrap();
    assert_eq!(view.bookings.len(), 1);
    assert!(!view.bookings[0].pending && view.bookings[0].version == 1);

    // Edit, then seat: both queued, the seat behind the edit, sent in order.
    let edited = c.update_booking(&b.id, &booking("Rosa Diaz", 5, &day, "21:30")).unwrap();
    assert_eq!((edited.party_size, edited.local_time.as_str(), edited.pending), (5, "21:30", true));
    let seated = c.booking_action(&b.id, "seat").unwrap();
    assert_eq!(seated.status, BookingStatus::Seated);
    c.sync_now().await.unwrap();
    let view = c.day_view(Some(&day), Some("rosa")).unwrap();
    assert_eq!((view.bookings[0].status, view.bookings[0].pending), (BookingStatus::Seated, false));
    assert_eq!((view.bookings[0].party_size, view.bookings[0].version), (5, 3), "edited, then seated");
    assert_eq!(c.booking_action(&b.id, "cancel").unwrap_err().code, Code::InvalidInput, "seated cannot be cancelled");

    // Bad input is refused with a reason, and nothing is queued.
    for bad in [
        booking("", 2, &day, "19:00"),
        booking("Al", 0, &day, "19:00"),
        booking("Al", 2, &day, "25:00"),
        booking("Al", 2, "2026-02-30", "19:00"),
    ] {
        assert_eq!(c.create_booking(&bad).unwrap_err().code, Code::InvalidInput);
    }
    assert_eq!(c.sync_status().unwrap().pending, 0);

    // Customers with allergens for the lookup; a new one made here syncs.
    let customers = c.list_customers(None).unwrap();
    assert!(customers.iter().any(|c| !c.allergens.is_empty()));
    let new = c
        .create_customer(&CustomerInput {
            name: "Theo Kim".into(),
            email: Some(" ".into()),
            phone: None,
            allergens: vec!["Shellfish ".into()],
            dietary_notes: None,
        })
        .unwrap();
    assert!(new.pending && new.email.is_none() && new.allergens == vec!["shellfish".to_string()]);
    c.sync_now().await.unwrap();
    assert!(!c.list_customers(Some("theo")).unwrap()[0].pending);

    // Not the front desk's: the team is not cached, the audit trail is refused.
    assert!(c.list_members().unwrap().is_empty());
    assert_eq!(c.audit_page(&AuditFilter::default(), None).await.unwrap_err().code, Code::Forbidden);

    // Signing out leaves nothing: no keychain entry, no cache file.
    c.sign_out().await.unwrap();
    assert!(desk.keychain.is_empty());
    let left: Vec<_> = files_under(desk.dir.path()).into_iter().filter(|p| !p.ends_with("console.json")).collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(!c.state().signed_in);
}

#[tokio::test]
async fn kitchen_sees_orders_not_bookings() {
    let d = demo_platform().await;
    let desk = signed_in(&d, KITCHEN).await;
    let c = &desk.console;
    let perms = c.state().permissions;
    assert!(perms.contains(&"orders:write".to_string()) && !perms.contains(&"bookings:read".to_string()));
    assert!(c.day_view(None, None).unwrap().bookings.is_empty(), "no bookings on a kitchen device");
    let menu = c.list_products().unwrap();
    assert!(!menu.is_empty());
    let order = c
        .create_order(
            &[OrderLineInput { product_id: menu[0].id.clone(), quantity: 2, notes: Some("no salt".into()) }],
            Some("T7".into()),
        )
        .unwrap();
    assert!(order.pending && order.status == OrderStatus::Received);
    assert_eq!(order.total_cents, 2 * menu[0].price_cents);
    let moved = c.set_order_status(&order.id, "preparing").unwrap();
    assert_eq!(moved.status, OrderStatus::Preparing);
    assert_eq!(c.set_order_status(&order.id, "served").unwrap_err().code, Code::InvalidInput);
    c.sync_now().await.unwrap();
    let on_board = c.list_orders().unwrap().into_iter().find(|o| o.id == order.id).unwrap();
    assert_eq!(
        (on_board.status, on_board.pending, on_board.total_cents),
        (OrderStatus::Preparing, false, order.total_cents)
    );
    assert_eq!(c.sync_status().unwrap().pending, 0);
}

#[tokio::test]
async fn owner_enrols_totp_and_signs_in_with_it() {
    let d = demo_platform().await;
    let desk = signed_in(&d, OWNER).await;
    let c = &desk.console;
    assert!(!c.state().mfa_enabled);
    let enrolment = c.totp_begin(PASSWORD).await.unwrap();
    assert!(enrolment.qr_svg_data_uri.starts_with("data:image/svg+xml;base64,"));
    assert!(!format!("{enrolment:?}").contains(&enrolment.secret), "the secret stays out of Debug");
    assert!(enrolment.otpauth_uri.contains(&format!("secret={}", enrolment.secret)));
    // The code is computed here from the shown secret, as an authenticator app would.
    let key = totp_rs::Secret::Encoded(enrolment.secret.clone()).to_bytes().unwrap();
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, key).unwrap();
    let codes = c.totp_confirm(&totp.generate_current().unwrap()).await.unwrap();
    assert_eq!(codes.len(), 10);
    assert!(c.state().mfa_enabled);
    c.sign_out().await.unwrap();

    // Next sign-in asks for the code; a wrong one can be corrected.
    let again = new_desk();
    match again.console.sign_in(&d.base, OWNER, PASSWORD).await.unwrap() {
        SignInOutcome::MfaRequired { methods } => assert!(methods.contains(&"totp".to_string())),
        SignInOutcome::SignedIn { .. } => panic!("MFA is on"),
    }
    assert_eq!(again.console.complete_mfa("000000").await.unwrap_err().code, Code::InvalidMfaCode);
    // The next time step (the platform refuses a code twice): both clocks move 30 s on.
    d.clock.advance(time::Duration::seconds(30));
    let later = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 30;
    let state = again.console.complete_mfa(&totp.generate(later)).await.unwrap();
    assert!(state.signed_in && state.mfa_enabled);
    assert!(!again.keychain.is_empty(), "the refresh token went to the keychain");
}

#[tokio::test]
async fn owner_manages_the_team_within_the_rules() {
    let d = demo_platform().await;
    let desk = signed_in(&d, OWNER).await;
    let c = &desk.console;
    let members = c.list_members().unwrap();
    assert_eq!(members.len(), 4);
    let me = members.iter().find(|m| m.is_me).unwrap();
    assert_eq!(me.role_name, "owner");
    let roles = c.list_roles().unwrap();
    let role = |name: &str| roles.iter().find(|r| r.name == name).unwrap().id.clone();

    // The last owner cannot step down: explained, not just refused.
    let err = c.set_member_role(&me.user_id, &role("kitchen")).await.unwrap_err();
    assert_eq!(err.code, Code::LastOwner);
    assert!(err.message.contains("at least one owner"), "{}", err.message);

    let kit = members.iter().find(|m| m.email == KITCHEN).unwrap();
    let promoted = c.set_member_role(&kit.user_id, &role("manager")).await.unwrap();
    assert_eq!(promoted.role_name, "manager");
    let invitation = c.invite_member("new.host@example.com", &role("front_desk")).await.unwrap();
    assert!(!invitation.token.is_empty() && !format!("{invitation:?}").contains(&invitation.token));

    let host = c
        .save_role(
            None,
            &RoleInput { name: "Host".into(), permissions: vec!["bookings:read".into()], require_mfa: true },
        )
        .await
        .unwrap();
    assert!(!host.builtin && host.require_mfa);
    let changed = c
        .save_role(
            Some(&host.id),
            &RoleInput {
                name: "Host".into(),
                permissions: vec!["bookings:read".into(), "bookings:write".into()],
                require_mfa: false,
            },
        )
        .await
        .unwrap();
    assert_eq!((changed.permissions.len(), changed.version), (2, host.version + 1));
    c.delete_role(&host.id).await.unwrap();
    assert!(c.list_roles().unwrap().iter().all(|r| r.name != "Host"));
    let err = c.delete_role(&role("kitchen")).await.unwrap_err();
    assert_eq!(err.code, Code::BuiltinRole);
}

#[tokio::test]
async fn manager_exports_the_audit_log_verified() {
    let d = demo_platform().await;
    let desk = signed_in(&d, MANAGER).await;
    let c = &desk.console;
    let page = c
        .audit_page(&AuditFilter { action: Some("booking.create".into()), ..AuditFilter::default() }, None)
        .await
        .unwrap();
    assert!(!page.items.is_empty() && page.items.iter().all(|e| e.action == "booking.create"));
    let out = desk.dir.path().join("audit.jsonl");
    let result = c.export_audit(&AuditFilter::default(), ExportFormat::Jsonl, &out).await.unwrap();
    assert!(result.verified && result.events > 0, "{result:?}");
    let lines = std::fs::read_to_string(&out).unwrap().lines().filter(|l| !l.is_empty()).count() as u64;
    assert_eq!(lines, result.events);
    assert_eq!(venuedesk_console_core::audit::verify_file(&out).unwrap(), result.events);
    assert!(desk.progress.lock().unwrap().iter().any(|p| p.done > 1 && p.total == 0), "bytes reported while streaming");
    let csv = desk.dir.path().join("audit.csv");
    let result = c.export_audit(&AuditFilter::default(), ExportFormat::Csv, &csv).await.unwrap();
    assert!(!result.verified && std::fs::metadata(&csv).unwrap().len() > 0);
    // A customer's export lands where the save dialog said.
    let customer = &c.list_customers(None).unwrap()[0];
    let path = desk.dir.path().join("customer.json");
    c.export_customer(&customer.id, &path).await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(doc["customer"]["name"], customer.name.as_str());
}

#[tokio::test]
async fn the_save_dialog_proposes_a_file_name_never_a_path() {
    let d = demo_platform().await;
    let desk = signed_in(&d, MANAGER).await;
    let c = &desk.console;
    let customer = &c.list_customers(None).unwrap()[0];
    let proposal = c.customer_export_save_as(&customer.id).unwrap();
    let slug: String = customer
        .name
        .to_lowercase()
        .split(|ch: char| !ch.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    assert_eq!(proposal.file_name, format!("customer-{slug}.json"));
    assert_eq!((proposal.filter_name, proposal.extension), ("JSON", "json"));
    // Whatever is typed into the audit filter, the proposal stays a bare file name.
    let sneaky = AuditFilter { from: Some("../../.config/autostart/x".into()), to: None, ..AuditFilter::default() };
    let proposal = c.audit_export_save_as(&sneaky, ExportFormat::Jsonl).unwrap();
    assert_eq!(proposal.file_name, "audit-config-autostart-x-now.jsonl");
    assert_eq!(
        c.audit_export_save_as(&AuditFilter::default(), ExportFormat::Csv).unwrap().file_name,
        "audit-all-now.csv"
    );
    assert_eq!(venuedesk_console_app::security::recovery_codes_save_as().file_name, "venuedesk-recovery-codes.txt");
    // What could never be exported is refused before any dialog opens.
    assert_eq!(c.customer_export_save_as("not-an-id").unwrap_err().code, Code::InvalidInput);
    let signed_out = new_desk();
    assert_eq!(signed_out.console.customer_export_save_as(&customer.id).unwrap_err().code, Code::NotSignedIn);
    assert_eq!(
        signed_out.console.audit_export_save_as(&AuditFilter::default(), ExportFormat::Jsonl).unwrap_err().code,
        Code::NotSignedIn
    );
}

#[tokio::test]
async fn a_revoked_session_wipes_the_device() {
    let d = demo_platform().await;
    let a = signed_in(&d, MANAGER).await;
    let b = signed_in(&d, MANAGER).await;
    assert!(!b.keychain.is_empty());
    let sessions = a.console.list_sessions().await.unwrap();
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    let other = sessions.iter().find(|s| !s.current).unwrap();
    a.console.revoke_session(&other.id).await.unwrap();
    let err: AppError = b.console.sync_now().await.unwrap_err();
    assert_eq!(err.code, Code::SessionRevoked);
    let state = b.console.state();
    assert!(!state.signed_in && state.venues.is_empty());
    assert!(b.keychain.is_empty(), "refresh token and cache key gone");
    let left: Vec<_> = files_under(b.dir.path()).into_iter().filter(|p| !p.ends_with("console.json")).collect();
    assert!(left.is_empty(), "{left:?}");
    // The other device carries on.
    a.console.sync_now().await.unwrap();
}
