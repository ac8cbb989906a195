//! `incident revoke-sessions`: end every session of an account, a venue's team or everyone
//! at once. Every request checks its session in the database, so a revoked session's
//! access tokens answer `401 session_revoked` on every node from the next request; a
//! console told so wipes its local data.

use std::collections::BTreeMap;

use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{Actor, AuditDraft};
use crate::auth::normalize_email;
use crate::store::{Store, StoreError};

/// Whose sessions end.
#[derive(Debug, Clone)]
pub enum RevokeScope {
    /// One account, by email.
    User(String),
    /// Every member of a venue.
    Venue(Uuid),
    /// Every account.
    All,
}

impl RevokeScope {
    fn name(&self) -> &'static str {
        match self {
            RevokeScope::User(_) => "user",
            RevokeScope::Venue(_) => "venue",
            RevokeScope::All => "all",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    #[error("no account has that email address")]
    UnknownUser,
    #[error("no venue with id {0}")]
    UnknownVenue(Uuid),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub accounts: usize,
    pub sessions: u64,
    /// Venues whose audit trail records it (each venue of each account reached).
    pub venues_audited: usize,
}

/// The reason stored on each session, and the kind of security event each account sees.
pub const REASON: &str = "incident";
pub const EVENT_KIND: &str = "incident_revoked";

pub async fn revoke_sessions(
    store: &dyn Store,
    now: OffsetDateTime,
    scope: RevokeScope,
) -> Result<Revoked, IncidentError> {
    let users: Option<Vec<Uuid>> = match &scope {
        RevokeScope::User(email) => {
            let email = normalize_email(email).ok_or(IncidentError::UnknownUser)?;
            let user = store.user_by_email(&email).await?.ok_or(IncidentError::UnknownUser)?;
            Some(vec![user.id])
        }
        RevokeScope::Venue(venue_id) => {
            store.venue(*venue_id).await?.ok_or(IncidentError::UnknownVenue(*venue_id))?;
            Some(store.members(*venue_id).await?.into_iter().map(|m| m.user_id).collect())
        }
        RevokeScope::All => None,
    };
    let reached = store.revoke_sessions(users.as_deref(), now, REASON, EVENT_KIND).await?;
    let sessions: u64 = reached.iter().map(|(_, n)| n).sum();

    // Each venue concerned records it in its own chain, with the sessions of its members.
    let mut per_venue: BTreeMap<Uuid, u64> = BTreeMap::new();
    match (&scope, &users) {
        (RevokeScope::Venue(venue_id), _) => {
            per_venue.insert(*venue_id, sessions);
        }
        (RevokeScope::User(_), Some(ids)) => {
            for id in ids {
                for (venue, _) in store.memberships(*id).await? {
                    per_venue.insert(venue.id, sessions);
                }
            }
        }
        _ => {
            for (user_id, n) in &reached {
                for (venue, _) in store.memberships(*user_id).await? {
                    *per_venue.entry(venue.id).or_default() += n;
                }
            }
        }
    }
    let target_user = match (&scope, &users) {
        (RevokeScope::User(_), Some(ids)) => ids.first().map(|id| id.to_string()),
        _ => None,
    };
    for (venue_id, n) in &per_venue {
        let (target_type, target_id) = match &target_user {
            Some(id) => ("user", Some(id.clone())),
            None => ("venue", Some(venue_id.to_string())),
        };
        store
            .append_audit(AuditDraft {
                venue_id: *venue_id,
                id: Uuid::now_v7(),
                at: now,
                actor: Actor::System,
                action: "incident.revoke_sessions".into(),
                target_type: target_type.into(),
                target_id,
                request_id: None,
                ip: None,
                details: json!({ "scope": scope.name(), "sessions": n }),
            })
            .await?;
    }
    Ok(Revoked { accounts: reached.len(), sessions, venues_audited: per_venue.len() })
}
