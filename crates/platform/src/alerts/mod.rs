//! Security alerts: critical events — refresh-token reuse, a lockout, MFA disabled, a new
//! owner, a role's permissions widened, a customer erased, the audit trail exported — are
//! shown to the venue's owners (`GET /v1/venues/{vid}/alerts`) and sent to the venue's
//! webhook endpoints as `security.alert`. A burst of one kind within [`WINDOW`] folds into
//! one alert with a `count`; its first event is sent at once, and once the window has
//! closed one summary with the final count follows — a storm sends two events, not
//! thousands.

pub mod rules;

use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::state::AppState;
use crate::store::{AlertRecord, NewAlert, OutgoingEvent};

/// How long a burst of one kind folds into one alert (from its first event).
pub const WINDOW: Duration = Duration::minutes(5);

/// The webhook event of an alert; `summary` for the closing one of a burst.
pub fn event(venue_id: Uuid, a: &AlertRecord, summary: bool, now: OffsetDateTime) -> OutgoingEvent {
    let id = Uuid::now_v7();
    let payload = json!({
        "type": "security.alert",
        "timestamp": venuedesk_api::timestamp::format(now),
        "venue_id": venue_id,
        "data": {
            "id": a.id,
            "kind": a.kind,
            "summary": a.summary,
            "count": a.count,
            "first_at": venuedesk_api::timestamp::format(a.first_at),
            "last_at": venuedesk_api::timestamp::format(a.last_at),
            "audit_seq": a.audit_seq,
            "burst_closed": summary,
        },
    });
    OutgoingEvent { id, kind: "security.alert", payload: payload.to_string() }
}

/// Raises an account-level alert (reuse, lockout, MFA disabled) in every venue the account
/// belongs to. Failures are logged: the event that caused it has already happened.
pub async fn raise_for_user(state: &AppState, user_id: Uuid, kind: rules::Kind) {
    let venues = match state.store.memberships(user_id).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, kind = kind.name(), "security alert not raised");
            return;
        }
    };
    for (venue, _) in venues {
        let alert = NewAlert {
            venue_id: venue.id,
            kind: kind.name(),
            summary: kind.summary().into(),
            at: state.clock.now(),
            audit_seq: None,
            window: WINDOW,
        };
        if let Err(e) = state.store.raise_alert(&alert).await {
            tracing::warn!(error = %e, kind = kind.name(), "security alert not raised");
        }
    }
}

/// Sends the closing summary of every burst whose window has ended (the housekeeping
/// loop calls this every minute on every node; the store sends each once).
pub async fn send_summaries(state: &AppState) -> Result<usize, crate::store::StoreError> {
    state.store.summarize_alerts(state.clock.now() - WINDOW, state.clock.now()).await
}
