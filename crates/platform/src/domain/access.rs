//! Tenant isolation by construction: a [`VenueScope`] can only be built here, from an
//! authenticated membership, and every venue-data handler needs one. A venue the caller is
//! not a member of answers 404, exactly like one that does not exist. Every 403 inside a
//! venue is audited as `authz.denied`.

use serde_json::json;
use uuid::Uuid;
use venuedesk_api::ProblemCode;
use venuedesk_api::permission::Permission;

use crate::audit::{Actor, AuditDraft};
use crate::auth::context::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::request_id;
use crate::state::AppState;
use crate::store::{RoleRecord, VenueRecord};

// A private field, not #[non_exhaustive]: that attribute would still let the rest of this
// crate build a scope; the field keeps construction inside this module.
#[allow(clippy::manual_non_exhaustive)]
#[derive(Debug, Clone)]
pub struct VenueScope {
    pub venue: VenueRecord,
    /// The member's role; for an API client, its token's scope as a role of its own.
    pub role: RoleRecord,
    pub actor: Actor,
    pub ip: String,
    pub request_id: String,
    /// Only [`authorize`] builds a scope.
    _sealed: (),
}

impl VenueScope {
    pub fn venue_id(&self) -> Uuid {
        self.venue.id
    }

    pub fn may(&self, p: Permission) -> bool {
        self.role.permissions.contains(p)
    }

    pub fn is_owner(&self) -> bool {
        self.role.builtin && self.role.name == venuedesk_api::permission::BuiltinRole::Owner.name()
    }

    /// An audit event by this caller in this venue.
    pub fn audit(
        &self,
        state: &AppState,
        action: &str,
        target_type: &str,
        target_id: Option<String>,
        details: serde_json::Value,
    ) -> AuditDraft {
        AuditDraft {
            venue_id: self.venue.id,
            id: Uuid::now_v7(),
            at: state.clock.now(),
            actor: self.actor,
            action: action.into(),
            target_type: target_type.into(),
            target_id,
            request_id: Some(self.request_id.clone()),
            ip: Some(self.ip.clone()),
            details,
        }
    }
}

pub fn not_found() -> ApiError {
    ApiError::with_detail(ProblemCode::NotFound, "no such resource")
}

/// Checks membership (an API client: that it is the token's venue), the role's MFA
/// requirement, and `permission` (when given).
pub async fn authorize(
    state: &AppState,
    caller: &Caller,
    ip: &ClientIp,
    venue_id: Uuid,
    permission: Option<Permission>,
) -> ApiResult<VenueScope> {
    let auth = match caller {
        Caller::User(auth) => auth,
        Caller::Client(client) => {
            // A client's token stops at its venue's edge: any other venue does not exist.
            if client.venue_id != venue_id {
                return Err(not_found());
            }
            let venue = state.store.venue(venue_id).await?.ok_or_else(not_found)?;
            let role = RoleRecord {
                id: client.client_id,
                name: "api_client".into(),
                builtin: false,
                permissions: client.scope,
                require_mfa: false,
                version: 0,
            };
            let scope = VenueScope {
                venue,
                role,
                actor: caller.actor(),
                ip: ip.label(),
                request_id: request_id::current(),
                _sealed: (),
            };
            if let Some(p) = permission {
                require(state, &scope, p).await?;
            }
            return Ok(scope);
        }
    };
    let (venue, role) = state.store.membership(venue_id, auth.user_id).await?.ok_or_else(not_found)?;
    let scope = VenueScope {
        venue,
        role,
        actor: caller.actor(),
        ip: ip.label(),
        request_id: request_id::current(),
        _sealed: (),
    };
    if scope.role.require_mfa && !auth.mfa_passed {
        let enrolled = state.store.user_by_id(auth.user_id).await?.is_some_and(|u| u.mfa_enabled());
        deny(state, &scope, "mfa_required", None).await?;
        let mut e = ApiError::with_detail(
            ProblemCode::MfaRequired,
            if enrolled {
                "your role requires MFA: sign in again with your authenticator code"
            } else {
                "your role requires MFA: enrol TOTP under Security, then sign in again"
            },
        );
        e.extra.enrollment_required = Some(!enrolled);
        return Err(e);
    }
    if let Some(p) = permission {
        require(state, &scope, p).await?;
    }
    Ok(scope)
}

/// `403 forbidden` (audited) unless the scope's role has `p`.
pub async fn require(state: &AppState, scope: &VenueScope, p: Permission) -> ApiResult<()> {
    if scope.may(p) {
        return Ok(());
    }
    deny(state, scope, "forbidden", Some(p)).await?;
    let mut e = ApiError::with_detail(ProblemCode::Forbidden, format!("your role lacks the permission {p}"));
    e.extra.required_permission = Some(p.as_str().to_string());
    Err(e)
}

/// `403 forbidden` for a rule beyond a missing permission (audited like every venue 403).
pub async fn refuse(state: &AppState, scope: &VenueScope, reason: &str, detail: &str) -> ApiError {
    if let Err(e) = deny(state, scope, reason, None).await {
        return e;
    }
    ApiError::with_detail(ProblemCode::Forbidden, detail)
}

/// Nobody hands out more than they hold, and only owners make or unmake owners: a role
/// with `members:manage` or `roles:manage` cannot lift itself above its own permissions.
pub async fn may_grant(state: &AppState, scope: &VenueScope, role: &RoleRecord) -> ApiResult<()> {
    let extra = role.permissions.0 & !scope.role.permissions.0;
    if extra != 0 {
        let names = venuedesk_api::permission::PermissionSet(extra).names().join(", ");
        return Err(refuse(
            state,
            scope,
            "escalation",
            &format!("you cannot grant permissions your role lacks: {names}"),
        )
        .await);
    }
    if role.builtin && role.name == venuedesk_api::permission::BuiltinRole::Owner.name() && !scope.is_owner() {
        return Err(refuse(state, scope, "escalation", "only owners can make someone an owner").await);
    }
    Ok(())
}

/// Members and roles above the caller are out of reach: changing or removing a member, or
/// changing or deleting a role, needs the target's *current* permissions to be within the
/// caller's (owners may act on anyone).
pub async fn may_act_on(state: &AppState, scope: &VenueScope, target: &RoleRecord, what: &str) -> ApiResult<()> {
    if scope.is_owner() {
        return Ok(());
    }
    let above = target.permissions.0 & !scope.role.permissions.0;
    if above != 0 {
        let names = venuedesk_api::permission::PermissionSet(above).names().join(", ");
        return Err(refuse(
            state,
            scope,
            "above_caller",
            &format!("{what} holds permissions your role lacks: {names}; ask an owner"),
        )
        .await);
    }
    Ok(())
}

/// Lowering an MFA requirement — on a role, or by moving a member from a role that
/// requires MFA to one that does not — is for owners only.
pub async fn may_change_mfa(state: &AppState, scope: &VenueScope, from: bool, to: bool) -> ApiResult<()> {
    if from && !to && !scope.is_owner() {
        return Err(refuse(state, scope, "mfa_lowering", "only owners can lower an MFA requirement").await);
    }
    Ok(())
}

/// Identical denials (same actor, venue, and permission or reason) are audited at most
/// once in this window: a client hammering a forbidden route cannot flood the chain.
pub const DENIAL_DEDUP_WINDOW: time::Duration = time::Duration::minutes(1);

async fn deny(state: &AppState, scope: &VenueScope, reason: &str, p: Option<Permission>) -> ApiResult<()> {
    let details = json!({ "reason": reason, "required_permission": p.map(|p| p.as_str()) });
    let draft = scope.audit(state, "authz.denied", "venue", Some(scope.venue.id.to_string()), details);
    let key = format!(
        "{}:{}:{reason}:{}",
        scope.actor.kind(),
        scope.actor.id().unwrap_or_default(),
        p.map_or("", |p| p.as_str())
    );
    state.store.append_denial(draft, &key, DENIAL_DEDUP_WINDOW).await?;
    Ok(())
}
