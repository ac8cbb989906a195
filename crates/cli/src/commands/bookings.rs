//! Bookings: the day view from the cache (so it works offline), and changes queued for sync.

use anyhow::{Context, bail};
use chrono::NaiveDateTime;
use clap::Subcommand;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::{BookingAction, BookingStatus, venue_time};
use venuedesk_console_core::sync::NewBooking;

use crate::context::{Ctx, try_sync};
use crate::output::emit;

#[derive(Debug, Subcommand)]
pub enum BookingsCommand {
    /// One day's bookings (venue time zone); today by default.
    List {
        #[arg(long)]
        day: Option<String>,
        /// confirmed, seated, completed, cancelled or no_show.
        #[arg(long)]
        status: Option<BookingStatus>,
        /// Part of the guest's name.
        #[arg(long)]
        search: Option<String>,
    },
    /// Book a table; queued when offline.
    Create {
        #[arg(long)]
        guest: String,
        #[arg(long)]
        party: i64,
        /// "YYYY-MM-DD HH:MM" in the venue's local time.
        #[arg(long)]
        at: String,
        #[arg(long, default_value_t = 90)]
        duration: i64,
        #[arg(long)]
        notes: Option<String>,
    },
    /// Move a booking to another time and/or table; queued when offline, with the version
    /// it was made on: if someone changed the booking meanwhile, nothing is overwritten and
    /// the conflict shows both versions.
    Move {
        id: Uuid,
        /// "HH:MM" on the same day, or "YYYY-MM-DD HH:MM", venue time.
        #[arg(long)]
        at: Option<String>,
        /// A table's name; repeat to push tables together.
        #[arg(long = "table")]
        tables: Vec<String>,
    },
    Seat {
        id: Uuid,
    },
    Complete {
        id: Uuid,
    },
    Cancel {
        id: Uuid,
    },
    NoShow {
        id: Uuid,
    },
}

pub async fn run(ctx: &Ctx, c: BookingsCommand) -> anyhow::Result<()> {
    let mut cache = ctx.cache()?;
    let vid = ctx.venue()?;
    let tz = ctx.timezone()?;
    match c {
        BookingsCommand::List { day, status, search } => {
            let online = try_sync(ctx, &mut cache).await?;
            let date = match day {
                Some(d) => venue_time::parse_date(&d)?,
                None => venue_time::local_date(tz, time::OffsetDateTime::now_utc())?,
            };
            let (from, to) = venue_time::day_range(tz, date)?;
            let rows = cache.bookings(from, to, status.map(BookingStatus::as_str), search.as_deref())?;
            let items: Vec<_> = rows.iter().map(|(b, pending)| json!({"booking": b, "pending": pending})).collect();
            emit(ctx.json, &json!({"day": date.to_string(), "online": online, "items": items}), || {
                let mut lines = vec![format!(
                    "{} — {date}{}",
                    ctx.venue_name().unwrap_or_default(),
                    if online { "" } else { " (offline: cached)" }
                )];
                for (b, pending) in &rows {
                    let local = venue_time::local_date_time(tz, b.starts_at)
                        .map(|t| t.format("%H:%M").to_string())
                        .unwrap_or_default();
                    lines.push(format!(
                        "{local}  {:>2} × {:<24} {:<10} {}{}",
                        b.party_size,
                        b.guest_name,
                        b.status,
                        b.id,
                        if *pending { "  (pending)" } else { "" }
                    ));
                }
                if rows.is_empty() {
                    lines.push("no bookings".into());
                }
                lines.join("\n")
            });
        }
        BookingsCommand::Create { guest, party, at, duration, notes } => {
            let local = NaiveDateTime::parse_from_str(&at, "%Y-%m-%d %H:%M")
                .with_context(|| format!("{at:?} is not \"YYYY-MM-DD HH:MM\""))?;
            if party < 1 {
                bail!("the party size must be at least 1");
            }
            let b = cache.create_booking(
                vid,
                NewBooking {
                    guest_name: guest,
                    party_size: party,
                    starts_at: venue_time::instant(tz, local)?,
                    duration_minutes: duration,
                    notes,
                    customer_id: None,
                },
            )?;
            let online = try_sync(ctx, &mut cache).await?;
            let (now, pending) = cache.booking(b.id)?.unwrap_or((b.clone(), true));
            let conflict = cache.conflicts()?.into_iter().find(|c| c.entity_id == b.id);
            emit(
                ctx.json,
                &json!({"booking": now, "pending": pending, "online": online, "conflict": conflict.as_ref().map(|c| json!({"code": c.code, "detail": c.detail}))}),
                || match &conflict {
                    Some(c) => format!("Not booked: {} ({}). Discard or retry it in the console.", c.detail, c.code),
                    None if pending => format!("Booked {} offline (pending): {}", now.guest_name, now.id),
                    None => format!("Booked {}: {}", now.guest_name, now.id),
                },
            );
        }
        BookingsCommand::Move { id, at, tables } => {
            if at.is_none() && tables.is_empty() {
                bail!("say where to: --at and/or --table");
            }
            let (b, _) = cache.booking(id)?.with_context(|| format!("no booking {id} here (run `venuedesk sync`)"))?;
            let starts_at = match at.as_deref() {
                None => b.starts_at,
                Some(a) => {
                    let local = match NaiveDateTime::parse_from_str(a, "%Y-%m-%d %H:%M") {
                        Ok(l) => l,
                        Err(_) => {
                            let time = chrono::NaiveTime::parse_from_str(a, "%H:%M")
                                .with_context(|| format!("{a:?} is neither \"HH:MM\" nor \"YYYY-MM-DD HH:MM\""))?;
                            venue_time::local_date_time(tz, b.starts_at)?.date().and_time(time)
                        }
                    };
                    venue_time::instant(tz, local)?
                }
            };
            let ids = if tables.is_empty() { None } else { Some(crate::commands::floor::table_ids(&cache, &tables)?) };
            let change = NewBooking {
                guest_name: b.guest_name.clone(),
                party_size: b.party_size,
                starts_at,
                duration_minutes: b.duration_minutes,
                notes: b.notes.clone(),
                customer_id: b.customer_id,
            };
            cache.update_booking(vid, id, change, ids)?;
            let online = try_sync(ctx, &mut cache).await?;
            let (now, pending) = cache.booking(id)?.unwrap_or((b.clone(), true));
            let conflict = cache.conflicts()?.into_iter().find(|c| c.entity_id == id);
            let local = |t: time::OffsetDateTime| {
                venue_time::local_date_time(tz, t).map(|l| l.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default()
            };
            let theirs = conflict.as_ref().and_then(|c| c.versions.as_ref()).and_then(|(_, t)| t.clone());
            emit(
                ctx.json,
                &json!({"booking": now, "pending": pending, "online": online,
                        "conflict": conflict.as_ref().map(|c| json!({"code": c.code, "detail": c.detail, "theirs": theirs}))}),
                || match (&conflict, &theirs) {
                    (Some(_), Some(t)) => format!(
                        "Not moved: someone changed this booking meanwhile (now {} × {} at {}). Nothing was overwritten: keep yours or take theirs in the console.",
                        t.party_size,
                        t.guest_name,
                        local(t.starts_at)
                    ),
                    (Some(c), None) => {
                        format!("Not moved: {} ({}). Discard or retry it in the console.", c.detail, c.code)
                    }
                    (None, _) if pending => {
                        format!("{} moved to {} offline (pending)", now.guest_name, local(now.starts_at))
                    }
                    (None, _) => format!("{} moved to {}", now.guest_name, local(now.starts_at)),
                },
            );
        }
        BookingsCommand::Seat { id }
        | BookingsCommand::Complete { id }
        | BookingsCommand::Cancel { id }
        | BookingsCommand::NoShow { id } => {
            let action = match c {
                BookingsCommand::Seat { .. } => BookingAction::Seat,
                BookingsCommand::Complete { .. } => BookingAction::Complete,
                BookingsCommand::Cancel { .. } => BookingAction::Cancel,
                _ => BookingAction::NoShow,
            };
            let b = cache.transition_booking(vid, id, action.as_str())?;
            let online = try_sync(ctx, &mut cache).await?;
            emit(ctx.json, &json!({"booking": b, "online": online}), || {
                format!("{} is now {}{}", b.guest_name, b.status, if online { "" } else { " (offline: queued)" })
            });
        }
    }
    Ok(())
}
