//! `--demo`: a living demo venue ("Harbour Bistro", Europe/London, 60 seats) with one user
//! per built-in role, products, customers with allergens, and a week of bookings and orders.
//! Running it again on the same database duplicates nothing; it sets the demo users'
//! password to the one printed.

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use serde_json::json;
use time::Duration;
use venuedesk_api::front_desk::{HoursException, OpeningHours, Table, WaitlistEntry, WaitlistStatus, WeeklyPeriod};
use venuedesk_api::permission::BuiltinRole;
use venuedesk_api::venue::{Booking, BookingSource, Customer, Order, OrderItem, Product};
use venuedesk_api::venue_time;
use venuedesk_api::{BookingStatus, OrderStatus};

use crate::audit::AuditDraft;
use crate::auth::password_policy;
use crate::domain::sealed;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{DocRecord, DocWrite, Entity, InvitationRecord, RoleRecord, TableHold, VenueRecord};
use crate::store::{NewSecurityEvent, UserRecord};

pub const OWNER_EMAIL: &str = "owner@demo.venuedesk.test";
pub const VENUE_NAME: &str = "Harbour Bistro";
/// The demo users: (email, display name, built-in role).
pub const USERS: &[(&str, &str, BuiltinRole)] = &[
    (OWNER_EMAIL, "Olive Owner", BuiltinRole::Owner),
    ("manager@demo.venuedesk.test", "Max Manager", BuiltinRole::Manager),
    ("frontdesk@demo.venuedesk.test", "Fran Frontdesk", BuiltinRole::FrontDesk),
    ("kitchen@demo.venuedesk.test", "Kit Kitchen", BuiltinRole::Kitchen),
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("VENUEDESK_DEMO_PASSWORD does not meet the password policy: {0}")]
    WeakPassword(String),
    #[error("creating the demo account failed: {0:?}")]
    Setup(ApiError),
}

impl<E: Into<ApiError>> From<E> for DemoError {
    fn from(e: E) -> Self {
        DemoError::Setup(e.into())
    }
}

/// A random password that meets the policy (four groups of five, mixed classes).
pub fn generate_password() -> SecretString {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    loop {
        let groups: Vec<String> =
            (0..4).map(|_| (0..5).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()).collect();
        let candidate = format!("{}!{}", groups.join("-"), rng.gen_range(10..100));
        if password_policy::check(&candidate, &[OWNER_EMAIL]).is_empty() {
            return SecretString::from(candidate);
        }
    }
}

/// Creates a demo user, or resets its password. Returns the user id.
async fn ensure_user(state: &AppState, email: &str, name: &str, hash: &str) -> Result<Uuid, DemoError> {
    let now = state.clock.now();
    if let Some(user) = state.store.user_by_email(email).await? {
        let event =
            NewSecurityEvent { user_id: user.id, kind: "password_changed", at: now, ip: None, session_id: None };
        state.store.change_password(user.id, hash, None, event).await?;
        return Ok(user.id);
    }
    let user = UserRecord {
        id: Uuid::now_v7(),
        email: email.into(),
        display_name: name.into(),
        password_hash: hash.into(),
        totp_secret_enc: None,
        totp_pending_enc: None,
        totp_last_step: None,
        created_at: now,
    };
    let event = NewSecurityEvent { user_id: user.id, kind: "signup", at: now, ip: None, session_id: None };
    state.store.create_user(&user, event).await?;
    Ok(user.id)
}

/// The whole demo: users, venue, team, menu, customers, a week of bookings and orders.
/// Returns the venue id.
pub async fn seed(state: &AppState, password: &SecretString) -> Result<Uuid, DemoError> {
    let reasons = password_policy::check(password.expose_secret(), &[OWNER_EMAIL]);
    if !reasons.is_empty() {
        return Err(DemoError::WeakPassword(reasons.join("; ")));
    }
    let hash = state.passwords.hash(password).await?;
    let mut ids = Vec::new();
    for (email, name, _) in USERS {
        ids.push(ensure_user(state, email, name, &hash).await?);
    }
    let owner = ids[0];
    if let Some((venue, _)) = state.store.memberships(owner).await?.into_iter().find(|(v, _)| v.name == VENUE_NAME) {
        return Ok(venue.id);
    }
    let now = state.clock.now();
    let venue = VenueRecord {
        id: Uuid::now_v7(),
        name: VENUE_NAME.into(),
        timezone: "Europe/London".into(),
        capacity: 60,
        created_at: now,
        version: 1,
        rules: venuedesk_api::front_desk::BookingRules::default(),
    };
    let vid = venue.id;
    let system = |action: &str, target_type: &str, target: Option<String>, details: serde_json::Value| AuditDraft {
        venue_id: vid,
        id: Uuid::now_v7(),
        at: state.clock.now(),
        actor: crate::audit::Actor::System,
        action: action.into(),
        target_type: target_type.into(),
        target_id: target,
        request_id: None,
        ip: None,
        details,
    };
    let roles: Vec<RoleRecord> = BuiltinRole::ALL
        .iter()
        .map(|b| RoleRecord {
            id: Uuid::now_v7(),
            name: b.name().into(),
            builtin: true,
            permissions: b.permissions(),
            require_mfa: false,
            version: 1,
        })
        .collect();
    state
        .store
        .create_venue(
            &venue,
            &roles,
            owner,
            roles[0].id,
            system("venue.create", "venue", Some(vid.to_string()), json!({"demo": true})),
        )
        .await?;
    for (i, (email, _, role)) in USERS.iter().enumerate().skip(1) {
        let role_id = roles[BuiltinRole::ALL.iter().position(|r| r == role).unwrap_or(0)].id;
        let token_hash = crate::crypto::random_32();
        let inv = InvitationRecord {
            venue_id: vid,
            id: Uuid::now_v7(),
            email: (*email).into(),
            role_id,
            token_hash,
            expires_at: now + Duration::days(1),
            created_at: now,
        };
        state
            .store
            .create_invitation(
                &inv,
                system("invitation.create", "invitation", Some(inv.id.to_string()), json!({"demo": true})),
            )
            .await?;
        state
            .store
            .accept_invitation(
                token_hash,
                ids[i],
                email,
                system("invitation.accept", "invitation", None, json!({"demo": true})),
            )
            .await?;
    }
    let doc = |entity: Entity, id: Uuid, version: i64, data_enc: Vec<u8>| DocRecord {
        entity,
        id,
        version,
        status: None,
        starts_at: None,
        ends_at: None,
        party_size: None,
        ref_id: None,
        data_enc,
        created_at: now,
        deleted: false,
        tables: None,
    };
    let menu: &[(&str, &str, i64)] = &[
        ("Harbour fish stew", "Mains", 1850),
        ("Crab linguine", "Mains", 1695),
        ("Mushroom risotto", "Mains", 1450),
        ("Oysters (6)", "Starters", 1200),
        ("Heritage tomato salad", "Starters", 850),
        ("Sticky toffee pudding", "Desserts", 750),
        ("Lemon posset", "Desserts", 700),
        ("Sparkling water", "Drinks", 350),
    ];
    let mut products = Vec::new();
    for (name, category, price) in menu {
        let p = Product {
            id: Uuid::now_v7(),
            name: (*name).into(),
            category: (*category).into(),
            price_cents: *price,
            currency: "GBP".into(),
            available: true,
            version: 1,
        };
        let d = doc(Entity::Product, p.id, 1, sealed::seal(state, vid, p.id, &p).await?);
        state
            .store
            .write_docs(
                vid,
                &[DocWrite { doc: d, expected_version: None }],
                false,
                &[],
                system("product.create", "product", Some(p.id.to_string()), json!({"name": p.name})),
            )
            .await?;
        products.push(p);
    }
    let people: &[(&str, &str, &[&str], Option<&str>)] = &[
        ("Ada Lovelace", "ada@example.com", &["peanuts"], Some("Prefers a window table")),
        ("Grace Hopper", "grace@example.com", &["shellfish", "gluten"], None),
        ("Alan Turing", "alan@example.com", &[], Some("Vegetarian")),
        ("Katherine Johnson", "katherine@example.com", &["dairy"], None),
        ("Tim Berners-Lee", "tim@example.com", &["sesame"], Some("Vegan")),
    ];
    let mut customers = Vec::new();
    for (name, email, allergens, notes) in people {
        let c = Customer {
            id: Uuid::now_v7(),
            name: (*name).into(),
            email: Some((*email).into()),
            phone: None,
            allergens: allergens.iter().map(|a| a.to_string()).collect(),
            dietary_notes: notes.map(str::to_string),
            version: 1,
        };
        let d = doc(Entity::Customer, c.id, 1, sealed::seal(state, vid, c.id, &c).await?);
        let sealed_name = sealed::pii(state, &crate::audit::pii::customer_scope(vid, c.id), &c.name).await?;
        state
            .store
            .write_docs(
                vid,
                &[DocWrite { doc: d, expected_version: None }],
                false,
                &[],
                system("customer.create", "customer", Some(c.id.to_string()), json!({"name": sealed_name})),
            )
            .await?;
        customers.push(c);
    }
    let floor = seed_floor(state, vid, &doc, &system).await?;
    let floor_refs: Vec<&Table> = floor.iter().collect();
    // Tables each booking holds, until its end plus the turnover.
    let mut held: Vec<(Uuid, time::OffsetDateTime, time::OffsetDateTime)> = Vec::new();
    let turnover = Duration::minutes(venuedesk_api::front_desk::BookingRules::default().turnover_minutes);
    // A week around today: past days completed, today's mixed, future confirmed.
    let tz: chrono_tz::Tz = "Europe/London".parse().map_err(|_| DemoError::Setup(ApiError::internal("tz")))?;
    let Ok(today) = venue_time::local_date(tz, now) else { return Ok(vid) };
    let guests = ["Walk-in", "Sam Patel", "Jo Rivers", "Lee Chen", "Mia Novak", "Noah Berg"];
    let mut n = 0usize;
    for day in -3i64..=3 {
        let Some(date) = today.checked_add_signed(chrono::Duration::days(day)) else { continue };
        let Ok(midnight) = venue_time::day_start(tz, date) else { continue };
        for (slot, hour) in [12i64, 13, 18, 19, 19, 20].iter().enumerate() {
            n += 1;
            let starts_at = midnight + Duration::hours(*hour) + Duration::minutes(if slot % 2 == 0 { 0 } else { 30 });
            let customer = n.is_multiple_of(3).then(|| &customers[n % customers.len()]);
            let status = if day < 0 || starts_at + Duration::minutes(90) < now {
                BookingStatus::Completed
            } else {
                BookingStatus::Confirmed
            };
            let b = Booking {
                id: Uuid::now_v7(),
                guest_name: customer.map_or(guests[n % guests.len()].to_string(), |c| c.name.clone()),
                customer_id: customer.map(|c| c.id),
                party_size: 2 + (n % 5) as i64,
                starts_at,
                ends_at: starts_at + Duration::minutes(90),
                duration_minutes: 90,
                status,
                notes: n.is_multiple_of(4).then(|| "Birthday: bring a candle".to_string()),
                version: 1,
                created_at: now,
                table_ids: Vec::new(),
                source: BookingSource::Phone,
            };
            let mut b = b;
            let until = b.ends_at + turnover;
            let taken: std::collections::HashSet<Uuid> =
                held.iter().filter(|(_, from, to)| *from < until && *to > b.starts_at).map(|(t, _, _)| *t).collect();
            b.table_ids = crate::domain::seating::choose(&floor_refs, &taken, b.party_size).unwrap_or_default();
            held.extend(b.table_ids.iter().map(|t| (*t, b.starts_at, until)));
            let mut d = doc(Entity::Booking, b.id, 1, sealed::seal(state, vid, b.id, &b).await?);
            d.tables = (!b.table_ids.is_empty()).then(|| TableHold { ids: b.table_ids.clone(), until });
            d.status = Some(b.status.as_str().to_owned());
            d.starts_at = Some(b.starts_at);
            d.ends_at = Some(b.ends_at);
            d.party_size = Some(b.party_size);
            d.ref_id = b.customer_id;
            let guest = sealed::pii(state, &sealed::guest_scope(vid, b.id), &b.guest_name).await?;
            state
                .store
                .write_docs(
                    vid,
                    &[DocWrite { doc: d, expected_version: None }],
                    false,
                    &[],
                    system(
                        "booking.create",
                        "booking",
                        Some(b.id.to_string()),
                        json!({"guest_name": guest, "party_size": b.party_size}),
                    ),
                )
                .await?;
            if day == 0 && n.is_multiple_of(2) {
                let items: Vec<OrderItem> = products
                    .iter()
                    .skip(n % 4)
                    .take(2)
                    .map(|p| OrderItem {
                        product_id: p.id,
                        name: p.name.clone(),
                        quantity: 1 + (n % 2) as i64,
                        unit_price_cents: p.price_cents,
                        notes: None,
                    })
                    .collect();
                let total = items.iter().map(|i| i.quantity * i.unit_price_cents).sum();
                let status =
                    [OrderStatus::Received, OrderStatus::Preparing, OrderStatus::Ready, OrderStatus::Served][n % 4];
                let o = Order {
                    id: Uuid::now_v7(),
                    status,
                    items,
                    total_cents: total,
                    currency: "GBP".into(),
                    booking_id: Some(b.id),
                    table_label: Some(format!("T{}", 1 + n % 12)),
                    version: 1,
                    created_at: now,
                };
                let mut d = doc(Entity::Order, o.id, 1, sealed::seal(state, vid, o.id, &o).await?);
                d.status = Some(o.status.as_str().to_owned());
                d.ref_id = o.booking_id;
                state
                    .store
                    .write_docs(
                        vid,
                        &[DocWrite { doc: d, expected_version: None }],
                        false,
                        &[],
                        system("order.create", "order", Some(o.id.to_string()), json!({"total_cents": o.total_cents})),
                    )
                    .await?;
            }
        }
    }
    // Two parties at the door, waiting for a table.
    for (name, party, phone, waited) in [("Ruth Olsen", 3, Some("+44 7700 900456"), 12), ("Dev Shah", 2, None, 4)] {
        let e = WaitlistEntry {
            id: Uuid::now_v7(),
            guest_name: name.into(),
            party_size: party,
            phone: phone.map(str::to_string),
            notes: None,
            status: WaitlistStatus::Waiting,
            created_at: now - Duration::minutes(waited),
            offered_at: None,
            closed_at: None,
            booking_id: None,
            version: 1,
        };
        let mut d = doc(Entity::WaitlistEntry, e.id, 1, sealed::seal(state, vid, e.id, &e).await?);
        d.status = Some(e.status.as_str().into());
        d.party_size = Some(e.party_size);
        d.created_at = e.created_at;
        let guest = sealed::pii(state, &sealed::guest_scope(vid, e.id), &e.guest_name).await?;
        state
            .store
            .write_docs(
                vid,
                &[DocWrite { doc: d, expected_version: None }],
                false,
                &[],
                system(
                    "waitlist.add",
                    "waitlist",
                    Some(e.id.to_string()),
                    json!({"guest_name": guest, "party_size": party}),
                ),
            )
            .await?;
    }
    Ok(vid)
}

/// The floor: a main room and a terrace (some tables push together), open 11:00 until
/// 02:00 every day, and one private-event evening a fortnight ahead (18:00–23:00).
async fn seed_floor(
    state: &AppState,
    vid: Uuid,
    doc: &impl Fn(Entity, Uuid, i64, Vec<u8>) -> DocRecord,
    system: &impl Fn(&str, &str, Option<String>, serde_json::Value) -> AuditDraft,
) -> Result<Vec<Table>, DemoError> {
    let layout: &[(&str, &str, i64, i64)] = &[
        ("T1", "Main room", 1, 2),
        ("T2", "Main room", 1, 2),
        ("T3", "Main room", 2, 4),
        ("T4", "Main room", 2, 4),
        ("T5", "Main room", 2, 4),
        ("T6", "Main room", 4, 6),
        ("T7", "Main room", 4, 6),
        ("T8", "Main room", 6, 8),
        ("P1", "Terrace", 1, 2),
        ("P2", "Terrace", 1, 2),
        ("P3", "Terrace", 2, 4),
        ("P4", "Terrace", 2, 4),
    ];
    let mut tables: Vec<Table> = layout
        .iter()
        .map(|(name, area, min, max)| Table {
            id: Uuid::now_v7(),
            name: (*name).into(),
            area: (*area).into(),
            seats_min: *min,
            seats_max: *max,
            combinable_with: Vec::new(),
            version: 1,
        })
        .collect();
    // Pairs that push together, both ways.
    for (a, b) in [(0usize, 1usize), (2, 3), (8, 9), (10, 11)] {
        let (ia, ib) = (tables[a].id, tables[b].id);
        tables[a].combinable_with.push(ib);
        tables[b].combinable_with.push(ia);
    }
    for t in &tables {
        let d = doc(Entity::Table, t.id, 1, sealed::seal(state, vid, t.id, t).await?);
        let details = json!({"name": t.name, "area": t.area, "seats_min": t.seats_min, "seats_max": t.seats_max, "combinable_with": t.combinable_with});
        state
            .store
            .write_docs(
                vid,
                &[DocWrite { doc: d, expected_version: None }],
                false,
                &[],
                system("table.create", "table", Some(t.id.to_string()), details),
            )
            .await?;
    }
    let tz: chrono_tz::Tz = "Europe/London".parse().map_err(|_| DemoError::Setup(ApiError::internal("tz")))?;
    let event = venue_time::local_date(tz, state.clock.now())
        .ok()
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(14)))
        .map(|d| d.to_string());
    let hours = OpeningHours {
        weekly: (1..=7).map(|d| WeeklyPeriod { weekday: d, opens: "11:00".into(), closes: "02:00".into() }).collect(),
        exceptions: event
            .into_iter()
            .map(|date| HoursException {
                date,
                closed: false,
                opens: Some("18:00".into()),
                closes: Some("23:00".into()),
            })
            .collect(),
        version: 1,
    };
    let d = doc(Entity::OpeningHours, vid, 1, sealed::seal(state, vid, vid, &hours).await?);
    state
        .store
        .write_docs(
            vid,
            &[DocWrite { doc: d, expected_version: None }],
            false,
            &[],
            system(
                "opening_hours.update",
                "venue",
                Some(vid.to_string()),
                json!({"weekly": hours.weekly.len(), "exceptions": hours.exceptions.len()}),
            ),
        )
        .await?;
    Ok(tables)
}

/// Loads `count` bookings straight into the store (sealed, one audit event per thousand),
/// bypassing capacity: for benchmarks and load demos, not for real venues. They are spread
/// over `days` days from `first`, a quarter hour apart within a day.
pub async fn bulk_bookings(
    state: &AppState,
    venue_id: Uuid,
    count: usize,
    first: time::OffsetDateTime,
    days: usize,
) -> Result<(), DemoError> {
    bulk_bookings_on_tables(state, venue_id, count, first, days, &[]).await
}

/// [`bulk_bookings`], each held on one of `tables` (round robin within the day). With 104
/// tables or more and up to 1,000 bookings a day no two overlap on a table: the k-th booking
/// of a day starts on quarter hour k mod 96, and the next on its table 104 bookings later,
/// two hours on.
pub async fn bulk_bookings_on_tables(
    state: &AppState,
    venue_id: Uuid,
    count: usize,
    first: time::OffsetDateTime,
    days: usize,
    tables: &[Uuid],
) -> Result<(), DemoError> {
    let now = state.clock.now();
    let turnover = Duration::minutes(venuedesk_api::front_desk::BookingRules::default().turnover_minutes);
    let days = days.max(1);
    let mut batch = Vec::with_capacity(1000);
    for i in 0..count {
        let starts_at = first + Duration::days((i % days) as i64) + Duration::minutes(15 * ((i / days) % 96) as i64);
        let b = Booking {
            id: Uuid::now_v7(),
            guest_name: format!("Guest {i}"),
            customer_id: None,
            party_size: 2,
            starts_at,
            ends_at: starts_at + Duration::minutes(90),
            duration_minutes: 90,
            status: BookingStatus::Confirmed,
            notes: None,
            version: 1,
            created_at: now,
            table_ids: if tables.is_empty() { Vec::new() } else { vec![tables[(i / days) % tables.len()]] },
            source: BookingSource::Phone,
        };
        let doc = DocRecord {
            entity: Entity::Booking,
            id: b.id,
            version: 1,
            status: Some(b.status.as_str().to_owned()),
            starts_at: Some(b.starts_at),
            ends_at: Some(b.ends_at),
            party_size: Some(b.party_size),
            ref_id: None,
            data_enc: sealed::seal(state, venue_id, b.id, &b).await?,
            created_at: now,
            deleted: false,
            tables: (!b.table_ids.is_empty())
                .then(|| TableHold { ids: b.table_ids.clone(), until: b.ends_at + turnover }),
        };
        batch.push(DocWrite { doc, expected_version: None });
        if batch.len() == 1000 || i + 1 == count {
            let audit = AuditDraft {
                venue_id,
                id: Uuid::now_v7(),
                at: now,
                actor: crate::audit::Actor::System,
                action: "booking.import".into(),
                target_type: "venue".into(),
                target_id: None,
                request_id: None,
                ip: None,
                details: json!({ "bookings": batch.len() }),
            };
            state.store.write_docs(venue_id, &batch, false, &[], audit).await?;
            batch.clear();
        }
    }
    Ok(())
}
