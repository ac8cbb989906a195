//! Security › Alerts, for those who manage the venue's settings (owners): the venue's
//! security alerts as the platform raised them, newest first. Each read is kept in the
//! encrypted cache, so offline the list still shows, marked with when it was read. A badge
//! counts the alerts with events newer than what this person last looked at on this
//! computer ("seen" is kept in the same cache; a burst that grows shows as unseen again).

use time::OffsetDateTime;
use venuedesk_api::alerts::SecurityAlert;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::Page;
use venuedesk_console_core::CoreError;
use venuedesk_console_core::cache::Snapshot;

use crate::console::Console;
use crate::error::AppError;
use crate::local_time::rfc3339;
use crate::views::{AlertView, AlertsView};

/// What each kind is called on screen.
pub fn title(kind: &str) -> &'static str {
    match kind {
        "refresh_token_reuse" => "Stolen session suspected",
        "lockout" => "Account locked out",
        "mfa_disabled" => "Two-factor authentication turned off",
        "new_owner" => "New owner",
        "role_widened" => "Role given more permissions",
        "customer_erased" => "Customer erased",
        "audit_exported" => "Audit trail exported",
        _ => "Security alert",
    }
}

fn ms(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_nanosecond(t.millisecond() as u32 * 1_000_000).unwrap_or(t)
}

impl Console {
    /// The venue's alerts (online: from the platform, and kept; offline: the last kept).
    pub async fn security_alerts(&self) -> Result<AlertsView, AppError> {
        let permissions = self.with_cache(|cache, _| Ok(cache.permissions()?))?;
        if !permissions.iter().any(|p| p == Permission::SettingsManage.as_str()) {
            return Ok(AlertsView { items: None, unseen: 0, read_at: None, offline: false });
        }
        let online = self.online()?;
        let path = format!("/v1/venues/{}/alerts?limit=100", online.venue_id);
        let (alerts, read_at, offline) = match online.session.get::<Page<SecurityAlert>>(&path).await {
            Ok(page) => {
                self.mark_online();
                let now = ms(OffsetDateTime::now_utc());
                self.with_cache(|cache, _| Ok(cache.put_snapshot_at(Snapshot::Alerts, &page.items, now)?))?;
                (Some(page.items), Some(now), false)
            }
            Err(e @ CoreError::Network(_)) => {
                let _ = self.fail(e);
                let kept = self.with_cache(|cache, _| Ok(cache.snapshot::<Vec<SecurityAlert>>(Snapshot::Alerts)?))?;
                match kept {
                    Some((items, at)) => (Some(items), Some(at), true),
                    None => (Some(Vec::new()), None, true),
                }
            }
            Err(e) => return Err(self.fail(e)),
        };
        let seen = self.seen_up_to()?;
        let items: Vec<AlertView> = alerts
            .unwrap_or_default()
            .iter()
            .map(|a| AlertView {
                id: a.id.to_string(),
                kind: a.kind.clone(),
                title: title(&a.kind).to_string(),
                summary: a.summary.clone(),
                at: rfc3339(a.at),
                last_at: rfc3339(a.last_at),
                count: a.count,
                audit_seq: a.audit_seq,
                unseen: seen.is_none_or(|s| a.last_at > s),
            })
            .collect();
        let unseen = items.iter().filter(|a| a.unseen).count() as u32;
        Ok(AlertsView { items: Some(items), unseen, read_at: read_at.map(rfc3339), offline })
    }

    /// This person has looked at the alerts: the badge clears (until the next event).
    pub fn mark_alerts_seen(&self) -> Result<(), AppError> {
        self.with_cache(|cache, _| {
            let Some((items, _)) = cache.snapshot::<Vec<SecurityAlert>>(Snapshot::Alerts)? else { return Ok(()) };
            if let Some(newest) = items.iter().map(|a| a.last_at).max() {
                cache.put_snapshot(Snapshot::AlertsSeen, &venuedesk_api::timestamp::format(newest))?;
            }
            Ok(())
        })
    }

    fn seen_up_to(&self) -> Result<Option<OffsetDateTime>, AppError> {
        self.with_cache(|cache, _| {
            Ok(cache
                .snapshot::<String>(Snapshot::AlertsSeen)?
                .and_then(|(s, _)| OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339).ok()))
        })
    }
}
