//! Sync with a progress bar, and the status line.

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use venuedesk_console_core::CoreError;

use crate::context::Ctx;
use crate::output::emit;

fn bar(json: bool, what: &str) -> ProgressBar {
    if json {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>8} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(what.to_string());
    bar
}

/// Drains the outbox, then pulls. Offline is not a failure for the queued work.
pub async fn sync(ctx: &Ctx) -> anyhow::Result<()> {
    let session = ctx.session()?;
    let mut cache = ctx.cache()?;
    let vid = ctx.venue()?;
    let send = bar(ctx.json, "sending");
    let report = cache
        .drain(&session, &mut |done, total| {
            send.set_length(total);
            send.set_position(done);
        })
        .await;
    send.finish_and_clear();
    let report = match report {
        Err(e @ CoreError::MfaRequired { .. }) => {
            let queued = cache.outbox_len()?;
            emit(ctx.json, &json!({"online": true, "sign_in_again": true, "queued": queued}), || {
                format!(
                    "Sync stopped: {e}. {queued} change(s) kept; run `venuedesk login` again, they are sent after it."
                )
            });
            return Err(e.into());
        }
        other => other?,
    };
    if report.busy {
        emit(ctx.json, &json!({"online": true, "busy": true, "queued": report.remaining}), || {
            format!("The platform is busy: {} change(s) kept, they will be sent on the next sync.", report.remaining)
        });
        anyhow::bail!("the platform is busy; {} change(s) still queued", report.remaining);
    }
    if report.offline {
        emit(ctx.json, &json!({"online": false, "queued": report.remaining}), || {
            format!("Offline: {} change(s) kept, they will be sent on the next sync.", report.remaining)
        });
        return Err(CoreError::Network("the platform could not be reached".into()).into());
    }
    let fetch = bar(ctx.json, "fetching");
    let pulled = cache
        .pull(&session, vid, &mut |done, total| {
            fetch.set_length(total);
            fetch.set_position(done);
        })
        .await?;
    fetch.finish_and_clear();
    let conflict = report.conflict.clone();
    emit(
        ctx.json,
        &json!({"online": true, "sent": report.sent, "fetched": pulled, "queued": report.remaining, "conflict": conflict.as_ref().map(|c| json!({"seq": c.seq, "id": c.entity_id, "code": c.code, "detail": c.detail}))}),
        || {
            let mut s = format!("Synced: {} sent, {} fetched.", report.sent, pulled);
            if let Some(c) = &conflict {
                s.push_str(&format!(
                    "\nConflict on {}: {} ({}). Retry or discard it in the console.",
                    c.entity_id, c.detail, c.code
                ));
            }
            s
        },
    );
    Ok(())
}

pub async fn status(ctx: &Ctx) -> anyhow::Result<()> {
    let cache = ctx.cache()?;
    let queued = cache.outbox_len()?;
    let conflicts = cache.conflicts()?.len();
    let last_sync = cache.meta("last_sync")?.and_then(|t| t.parse::<i64>().ok());
    let online = reqwest::Client::new()
        .get(format!("{}/healthz", ctx.server()?))
        .timeout(std::time::Duration::from_secs(3))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success());
    let last = last_sync.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok());
    emit(
        ctx.json,
        &json!({"online": online, "queued": queued, "conflicts": conflicts, "last_sync": last_sync, "venue": ctx.venue_name()}),
        || {
            format!(
                "{} · {queued} change(s) queued · {conflicts} conflict(s) · last sync {}",
                if online { "online" } else { "offline" },
                last.map_or("never".to_string(), |t| t.to_string())
            )
        },
    );
    Ok(())
}
