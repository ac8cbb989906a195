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
