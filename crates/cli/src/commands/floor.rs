//! The front desk's questions at the door: free times for a party (`availability`) and the
//! waitlist. Availability comes from the platform; offline it is an estimate from the cache,
//! said so, and the platform decides when the booking is sent.

use std::collections::HashMap;

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::{Value, json};
use uuid::Uuid;
use venuedesk_api::front_desk::{SlotAvailability, Table, WaitlistEntry};
use venuedesk_api::venue::Venue;
use venuedesk_api::venue_time;
use venuedesk_console_core::cache::{Cache, Kind};
use venuedesk_console_core::sync::NewWaitlistEntry;

use crate::context::{Ctx, try_sync};
use crate::output::emit;

/// Table ids by name (case-insensitive), from the cache.
pub fn table_ids(cache: &Cache, names: &[String]) -> anyhow::Result<Vec<Uuid>> {
    let tables: Vec<Table> = cache.records::<Table>(Kind::Table, None, None)?.into_iter().map(|(t, _)| t).collect();
    names
        .iter()
        .map(|n| {
            tables
                .iter()
                .find(|t| t.name.eq_ignore_ascii_case(n))
                .map(|t| t.id)
                .with_context(|| format!("no table named {n:?} (see `venuedesk tables list`)"))
        })
        .collect()
}

fn table_names(cache: &Cache) -> anyhow::Result<HashMap<Uuid, String>> {
    Ok(cache.records::<Table>(Kind::Table, None, None)?.into_iter().map(|(t, _)| (t.id, t.name)).collect())
}

pub async fn availability(ctx: &Ctx, date: Option<String>, party: i64) -> anyhow::Result<()> {
    if party < 1 {
        bail!("the party size must be at least 1");
    }
    let mut cache = ctx.cache()?;
    let vid = ctx.venue()?;
    let tz = ctx.timezone()?;
    let now = time::OffsetDateTime::now_utc();
    let date = match date {
        Some(d) => venue_time::parse_date(&d)?,
        None => venue_time::local_date(tz, now)?,
    };
    let online = try_sync(ctx, &mut cache).await?;
    let session = ctx.session()?;
    // The platform decides; when it cannot be asked, the cache estimates.
    let asked = if online {
        let found: Result<SlotAvailability, _> =
            session.get(&format!("/v1/venues/{vid}/availability?date={date}&party_size={party}")).await;
        if let Ok(v) = session.get::<Venue>(&format!("/v1/venues/{vid}")).await {
            cache.remember_venue(&v)?;
        }
        match found {
            Ok(a) => Some(a),
            Err(venuedesk_console_core::CoreError::Network(_)) => None,
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let estimate = asked.is_none();
    let (duration, slots): (i64, Vec<(time::OffsetDateTime, Vec<Uuid>)>) = match asked {
        Some(a) => (a.duration_minutes, a.slots.into_iter().map(|s| (s.starts_at, s.tables)).collect()),
        None => {
            let e = cache.availability_estimate(tz, date, party, now)?;
            (e.duration_minutes, e.slots.into_iter().map(|s| (s.starts_at, s.tables)).collect())
        }
    };
    let names = table_names(&cache)?;
    let local = |t: time::OffsetDateTime| {
        venue_time::local_date_time(tz, t).map(|l| l.format("%H:%M").to_string()).unwrap_or_default()
    };
    let items: Vec<Value> = slots
        .iter()
        .map(|(at, tables)| {
            json!({"starts_at": at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                   "local_time": local(*at), "tables": tables})
        })
        .collect();
    let body = json!({"date": date.to_string(), "party_size": party, "duration_minutes": duration,
                      "estimate": estimate, "online": online, "slots": items});
    emit(ctx.json, &body, || {
        let mut lines = vec![format!(
            "{} — {date}, {party} people, {duration} min{}",
            ctx.venue_name().unwrap_or_default(),
            if estimate { " (offline: an estimate from the cache; the platform decides)" } else { "" }
        )];
        for (at, tables) in &slots {
            let on: Vec<&str> = tables.iter().filter_map(|t| names.get(t).map(String::as_str)).collect();
            lines.push(if on.is_empty() { local(*at) } else { format!("{}  {}", local(*at), on.join(" + ")) });
        }
        if slots.is_empty() {
            lines.push("no free time".into());
        }
        lines.join("\n")
    });
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum WaitlistCommand {
    /// Parties still waiting or called, in the order they came.
    List,
    /// Put a party on the list; queued when offline.
    Add {
        #[arg(long)]
        guest: String,
        #[arg(long)]
        party: i64,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Call a party: their table is ready.
    Offer { id: Uuid },
    /// Seat a party now: a walk-in booking, at the tables named or the smallest free fit.
    Seat {
        id: Uuid,
        /// A table's name; repeat to push tables together.
        #[arg(long = "table")]
        tables: Vec<String>,
    },
    /// The party left.
    Remove { id: Uuid },
}

fn line(e: &WaitlistEntry, pending: bool, now: time::OffsetDateTime) -> String {
    let waited = (now - e.created_at).whole_minutes().max(0);
    format!(
        "{:>3} min  {:>2} × {:<24} {:<8} {}{}{}",
        waited,
        e.party_size,
        e.guest_name,
        e.status.as_str(),
        e.id,
        e.phone.as_deref().map(|p| format!("  {p}")).unwrap_or_default(),
        if pending { "  (pending)" } else { "" }
    )
}

pub async fn waitlist(ctx: &Ctx, c: WaitlistCommand) -> anyhow::Result<()> {
    let mut cache = ctx.cache()?;
    let vid = ctx.venue()?;
    let now = time::OffsetDateTime::now_utc();
    let (changed, step) = match c {
        WaitlistCommand::List => {
            let online = try_sync(ctx, &mut cache).await?;
            let rows = cache.waitlist()?;
            let items: Vec<_> = rows.iter().map(|(e, p)| json!({"entry": e, "pending": p})).collect();
            emit(ctx.json, &json!({"online": online, "items": items}), || {
                let mut lines: Vec<String> = rows.iter().map(|(e, p)| line(e, *p, now)).collect();
                if lines.is_empty() {
                    lines.push("nobody waiting".into());
                }
                if !online {
                    lines.insert(0, "(offline: cached)".into());
                }
                lines.join("\n")
            });
            return Ok(());
        }
        WaitlistCommand::Add { guest, party, phone, notes } => (
            cache.add_to_waitlist(vid, NewWaitlistEntry { guest_name: guest, party_size: party, phone, notes })?,
            "added",
        ),
        WaitlistCommand::Offer { id } => (cache.waitlist_step(vid, id, "offer", None)?, "called"),
        WaitlistCommand::Seat { id, tables } => {
            let ids = if tables.is_empty() { None } else { Some(table_ids(&cache, &tables)?) };
            (cache.waitlist_step(vid, id, "seat", ids)?, "seated")
        }
        WaitlistCommand::Remove { id } => (cache.waitlist_step(vid, id, "remove", None)?, "removed"),
    };
    let online = try_sync(ctx, &mut cache).await?;
    let conflict = cache.conflicts()?.into_iter().find(|c| c.entity_id == changed.id);
    let (now_entry, pending) =
        cache.record::<WaitlistEntry>(Kind::Waitlist, changed.id)?.unwrap_or((changed.clone(), true));
    let booking = now_entry.booking_id.and_then(|b| cache.booking(b).ok().flatten()).map(|(b, _)| b);
    let names = table_names(&cache)?;
    emit(
        ctx.json,
        &json!({"entry": now_entry, "booking": booking, "pending": pending, "online": online,
                "conflict": conflict.as_ref().map(|c| json!({"code": c.code, "detail": c.detail}))}),
        || match (&conflict, &booking) {
            (Some(c), _) => format!("Not {step}: {} ({}). Discard or retry it in the console.", c.detail, c.code),
            (None, Some(b)) => {
                let on: Vec<&str> = b.table_ids.iter().filter_map(|t| names.get(t).map(String::as_str)).collect();
                format!("{} seated at {} (walk-in booking {})", b.guest_name, on.join(" + "), b.id)
            }
            (None, None) if pending => format!("{} {step} offline (pending): {}", changed.guest_name, changed.id),
            (None, None) => format!("{} {step}: {}", changed.guest_name, changed.id),
        },
    );
    Ok(())
}
