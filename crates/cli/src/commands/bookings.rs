//! Bookings: the day view from the cache (so it works offline), and changes queued for sync.

use anyhow::{Context, bail};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use clap::Subcommand;
use serde_json::json;
use uuid::Uuid;
use venuedesk_console_core::sync::NewBooking;

use crate::context::{Ctx, try_sync};
use crate::output::emit;

#[derive(Debug, Subcommand)]
pub enum BookingsCommand {
    /// One day's bookings (venue time zone); today by default.
    List {
        #[arg(long)]
        day: Option<String>,
        #[arg(long)]
        status: Option<String>,
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

fn to_utc(tz: chrono_tz::Tz, local: NaiveDateTime) -> anyhow::Result<time::OffsetDateTime> {
    let at = tz.from_local_datetime(&local).earliest().context("that local time does not exist (a clock change)")?;
    Ok(time::OffsetDateTime::from_unix_timestamp(at.timestamp())?)
}

pub async fn run(ctx: &Ctx, c: BookingsCommand) -> anyhow::Result<()> {
    let mut cache = ctx.cache()?;
    let vid = ctx.venue()?;
    let tz = ctx.timezone()?;
    match c {
        BookingsCommand::List { day, status, search } => {
            let online = try_sync(ctx, &mut cache).await?;
            let date = match day {
                Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                    .with_context(|| format!("{d:?} is not a YYYY-MM-DD date"))?,
                None => chrono::Utc::now().with_timezone(&tz).date_naive(),
            };
            let from = to_utc(tz, date.and_hms_opt(0, 0, 0).context("midnight")?)?;
            let to = to_utc(tz, date.succ_opt().context("next day")?.and_hms_opt(0, 0, 0).context("midnight")?)?;
            let rows = cache.bookings(from, to, status.as_deref(), search.as_deref())?;
            let items: Vec<_> = rows.iter().map(|(b, pending)| json!({"booking": b, "pending": pending})).collect();
            emit(ctx.json, &json!({"day": date.to_string(), "online": online, "items": items}), || {
                let mut lines = vec![format!(
                    "{} — {date}{}",
                    ctx.config.venue_name.clone().unwrap_or_default(),
                    if online { "" } else { " (offline: cached)" }
                )];
                for (b, pending) in &rows {
                    let local = chrono::DateTime::from_timestamp(b.starts_at.unix_timestamp(), 0)
                        .map(|t| t.with_timezone(&tz).format("%H:%M").to_string())
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
                    starts_at: to_utc(tz, local)?,
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
                BookingsCommand::Seat { .. } => "seat",
                BookingsCommand::Complete { .. } => "complete",
                BookingsCommand::Cancel { .. } => "cancel",
                _ => "no-show",
            };
            let b = cache.transition_booking(vid, id, action)?;
            let online = try_sync(ctx, &mut cache).await?;
            emit(ctx.json, &json!({"booking": b, "online": online}), || {
                format!("{} is now {}{}", b.guest_name, b.status, if online { "" } else { " (offline: queued)" })
            });
        }
    }
    Ok(())
}
