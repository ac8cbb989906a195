//! Venues, roles, members and invitations.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::json;
use time::Duration;
use uuid::Uuid;
use venuedesk_api::front_desk::BookingRules;
use venuedesk_api::me::RoleRef;
use venuedesk_api::permission::{BuiltinRole, Permission, PermissionSet};
use venuedesk_api::venue::{
    AcceptInvitation, InvitationCreated, Member, MemberPatch, MembershipCreated, NewInvitation, NewRole, NewVenue,
    Page, Role, RolePatch, Venue, VenuePatch,
};
use venuedesk_api::{Problem, ProblemCode};

use crate::audit::AuditDraft;
use crate::auth::context::{AuthContext, Caller};
use crate::auth::normalize_email;
use crate::crypto::sha256;
use crate::domain::access::{authorize, may_act_on, may_change_mfa, may_grant, not_found, refuse};
use crate::domain::{sealed, validate};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::http::request_id;
use crate::http::versioning::{created, if_match, tagged};
use crate::routes::auth::new_opaque_token;
use crate::state::AppState;
use crate::store::{InvitationRecord, MemberRecord, RoleRecord, VenueRecord};

pub const INVITATION_TTL: Duration = Duration::days(7);

pub fn venue_dto(v: &VenueRecord) -> Venue {
    Venue {
        id: v.id,
        name: v.name.clone(),
        timezone: v.timezone.clone(),
        capacity: v.capacity,
        created_at: v.created_at,
        version: v.version,
        slot_minutes: v.rules.slot_minutes,
        default_duration_minutes: v.rules.default_duration_minutes.clone(),
        min_notice_minutes: v.rules.min_notice_minutes,
        max_advance_days: v.rules.max_advance_days,
        turnover_minutes: v.rules.turnover_minutes,
    }
}

pub fn role_dto(r: &RoleRecord) -> Role {
    Role {
        id: r.id,
        name: r.name.clone(),
        builtin: r.builtin,
        permissions: r.permissions.names(),
        require_mfa: r.require_mfa,
        version: r.version,
    }
}

pub fn member_dto(m: &MemberRecord) -> Member {
    Member {
        user_id: m.user_id,
        email: m.email.clone(),
        display_name: m.display_name.clone(),
        role_id: m.role_id,
        mfa_enabled: m.mfa_enabled,
        joined_at: m.joined_at,
        version: m.version,
    }
}

/// Only owners may demote or remove an owner.
async fn unmake_owner_check(
    state: &AppState,
    scope: &crate::domain::VenueScope,
    roles: &[RoleRecord],
    uid: Uuid,
) -> ApiResult<()> {
    let Some(member) = state.store.members(scope.venue_id()).await?.into_iter().find(|m| m.user_id == uid) else {
        return Ok(());
    };
    let is_owner = roles.iter().any(|r| r.id == member.role_id && r.builtin && r.name == BuiltinRole::Owner.name());
    if is_owner && !scope.is_owner() {
        return Err(refuse(state, scope, "escalation", "only owners can change or remove an owner").await);
    }
    Ok(())
}

/// The role a member holds now (`None` when `uid` is not a member: the store answers 404).
async fn current_role<'r>(
    state: &AppState,
    roles: &'r [RoleRecord],
    vid: Uuid,
    uid: Uuid,
) -> ApiResult<Option<&'r RoleRecord>> {
    let member = state.store.members(vid).await?.into_iter().find(|m| m.user_id == uid);
    Ok(member.and_then(|m| roles.iter().find(|r| r.id == m.role_id)))
}

fn capacity(v: i64) -> ApiResult<i64> {
    validate::range("capacity", v, 1, 100_000)
}

/// Create a venue; the caller becomes its owner. The four built-in roles are created with it.
#[utoipa::path(post, path = "/v1/venues", tag = "venues", security(("bearer" = [])), request_body = NewVenue,
    responses((status = 201, body = Venue)))]
pub async fn create_venue(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: AuthContext,
    ApiJson(body): ApiJson<NewVenue>,
) -> ApiResult<Response> {
    let name = validate::text("name", &body.name, 100)?;
    validate::timezone("timezone", &body.timezone)?;
    let now = state.clock.now();
    let venue = VenueRecord {
        id: Uuid::now_v7(),
        name,
        timezone: body.timezone.clone(),
        capacity: capacity(body.capacity)?,
        created_at: now,
        version: 1,
        rules: BookingRules::default(),
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
    let owner_role = roles[0].id;
    let audit = AuditDraft {
        venue_id: venue.id,
        id: Uuid::now_v7(),
        at: now,
        actor: crate::audit::Actor::User(auth.user_id),
        action: "venue.create".into(),
        target_type: "venue".into(),
        target_id: Some(venue.id.to_string()),
        request_id: Some(request_id::current()),
        ip: Some(ip.label()),
        details: json!({ "name": venue.name, "timezone": venue.timezone, "capacity": venue.capacity }),
    };
    state.store.create_venue(&venue, &roles, auth.user_id, owner_role, audit).await?;
    let res = created(venue.version, venue_dto(&venue));
    Ok(res)
}

/// A venue the caller is a member of.
#[utoipa::path(get, path = "/v1/venues/{vid}", tag = "venues", security(("bearer" = [])), params(("vid" = Uuid, Path)),
    responses((status = 200, body = Venue), (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn get_venue(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, None).await?;
    Ok(tagged(scope.venue.version, venue_dto(&scope.venue)))
}

/// Change name, time zone or capacity (`settings:manage`).
#[utoipa::path(patch, path = "/v1/venues/{vid}", tag = "venues", security(("bearer" = [])), params(("vid" = Uuid, Path), ("If-Match" = String, Header)), request_body = VenuePatch,
    responses((status = 200, body = Venue), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`precondition_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn patch_venue(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<VenuePatch>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::SettingsManage)).await?;
    let expected = if_match(&headers)?;
    let mut v = scope.venue.clone();
    if let Some(n) = &body.name {
        v.name = validate::text("name", n, 100)?;
    }
    if let Some(tz) = &body.timezone {
        validate::timezone("timezone", tz)?;
        v.timezone = tz.clone();
    }
    if let Some(c) = body.capacity {
        v.capacity = capacity(c)?;
    }
    let r = &mut v.rules;
    r.slot_minutes = body.slot_minutes.unwrap_or(r.slot_minutes);
    if let Some(d) = &body.default_duration_minutes {
        r.default_duration_minutes = d.clone();
    }
    r.min_notice_minutes = body.min_notice_minutes.unwrap_or(r.min_notice_minutes);
    r.max_advance_days = body.max_advance_days.unwrap_or(r.max_advance_days);
    r.turnover_minutes = body.turnover_minutes.unwrap_or(r.turnover_minutes);
    if let Some((field, why)) = v.rules.problem() {
        return Err(ApiError::validation(field, why));
    }
    let audit = scope.audit(
        &state,
        "venue.update",
        "venue",
        Some(vid.to_string()),
        json!({ "name": v.name, "timezone": v.timezone, "capacity": v.capacity, "booking_rules": v.rules }),
    );
    let updated = state.store.update_venue(&v, expected, audit).await?;
    Ok(tagged(updated.version, venue_dto(&updated)))
}

/// The venue's roles (`members:read`).
#[utoipa::path(get, path = "/v1/venues/{vid}/roles", tag = "team", security(("bearer" = [])), params(("vid" = Uuid, Path)),
    responses((status = 200, body = Page<Role>), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list_roles(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
) -> ApiResult<Json<Page<Role>>> {
    authorize(&state, &auth, &ip, vid, Some(Permission::MembersRead)).await?;
    let items = state.store.roles(vid).await?.iter().map(role_dto).collect();
    Ok(Json(Page { items, next_cursor: None }))
}

fn permissions(names: &[String]) -> ApiResult<PermissionSet> {
    PermissionSet::parse(names)
        .map_err(|bad| ApiError::validation("permissions", format!("unknown permission {bad:?}")))
}

/// Create a custom role (`roles:manage`).
#[utoipa::path(post, path = "/v1/venues/{vid}/roles", tag = "team", security(("bearer" = [])), params(("vid" = Uuid, Path)), request_body = NewRole,
    responses((status = 201, body = Role), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`id_conflict` or `name_taken`", body = Problem, content_type = "application/problem+json")))]
pub async fn create_role(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewRole>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::RolesManage)).await?;
    let name = validate::text("name", &body.name, 60)?;
    if BuiltinRole::ALL.iter().any(|b| b.name() == name) {
        return Err(ApiError::with_detail(ProblemCode::NameTaken, "that name belongs to a built-in role"));
    }
    let role = RoleRecord {
        id: body.id.unwrap_or_else(Uuid::now_v7),
        name,
        builtin: false,
        permissions: permissions(&body.permissions)?,
        require_mfa: body.require_mfa,
        version: 1,
    };
    may_grant(&state, &scope, &role).await?;
    let audit = scope.audit(
        &state,
        "role.create",
        "role",
        Some(role.id.to_string()),
        json!({ "name": role.name, "permissions": role.permissions.names(), "require_mfa": role.require_mfa }),
    );
    let stored = state.store.put_role(vid, &role, None, audit).await?;
    let res = created(stored.version, role_dto(&stored));
    Ok(res)
}

/// Change a role (`roles:manage`). Built-in roles keep their name and permissions; their
/// `require_mfa` can change.
#[utoipa::path(patch, path = "/v1/venues/{vid}/roles/{rid}", tag = "team", security(("bearer" = [])), params(("vid" = Uuid, Path), ("rid" = Uuid, Path), ("If-Match" = String, Header)), request_body = RolePatch,
    responses((status = 200, body = Role), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`builtin_role` or `name_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`precondition_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn patch_role(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, rid)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RolePatch>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::RolesManage)).await?;
    let expected = if_match(&headers)?;
    let current = state.store.roles(vid).await?.into_iter().find(|r| r.id == rid).ok_or_else(not_found)?;
    let mut role = current.clone();
    if role.builtin && (body.name.is_some() || body.permissions.is_some()) {
        return Err(ApiError::with_detail(
            ProblemCode::BuiltinRole,
            "built-in roles keep their name and permissions; only require_mfa can change",
        ));
    }
    if let Some(n) = &body.name {
        role.name = validate::text("name", n, 60)?;
    }
    if let Some(p) = &body.permissions {
        role.permissions = permissions(p)?;
    }
    if let Some(m) = body.require_mfa {
        role.require_mfa = m;
    }
    if rid == scope.role.id && !scope.is_owner() {
        return Err(refuse(&state, &scope, "own_role", "you cannot change your own role; ask an owner").await);
    }
    may_act_on(&state, &scope, &current, "this role").await?;
    may_change_mfa(&state, &scope, current.require_mfa, role.require_mfa).await?;
    may_grant(&state, &scope, &role).await?;
    // What the role gains (a widening raises a security alert).
    let added = PermissionSet(role.permissions.0 & !current.permissions.0).names();
    let audit = scope.audit(
        &state,
        "role.update",
        "role",
        Some(rid.to_string()),
        json!({ "name": role.name, "permissions": role.permissions.names(), "require_mfa": role.require_mfa, "added": added }),
    );
    let stored = state.store.put_role(vid, &role, Some(expected), audit).await?;
    Ok(tagged(stored.version, role_dto(&stored)))
}

/// Delete a custom role nobody holds (`roles:manage`).
#[utoipa::path(delete, path = "/v1/venues/{vid}/roles/{rid}", tag = "team", security(("bearer" = [])), params(("vid" = Uuid, Path), ("rid" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`builtin_role` or `role_in_use`", body = Problem, content_type = "application/problem+json")))]
pub async fn delete_role(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, rid)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::RolesManage)).await?;
    if let Some(role) = state.store.roles(vid).await?.into_iter().find(|r| r.id == rid) {
        may_act_on(&state, &scope, &role, "this role").await?;
    }
    let audit = scope.audit(&state, "role.delete", "role", Some(rid.to_string()), json!({}));
    state.store.delete_role(vid, rid, audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The venue's members (`members:read`).
#[utoipa::path(get, path = "/v1/venues/{vid}/members", tag = "team", security(("bearer" = [])), params(("vid" = Uuid, Path)),
    responses((status = 200, body = Page<Member>), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list_members(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
) -> ApiResult<Json<Page<Member>>> {
    authorize(&state, &auth, &ip, vid, Some(Permission::MembersRead)).await?;
    let items = state.store.members(vid).await?.iter().map(member_dto).collect();
    Ok(Json(Page { items, next_cursor: None }))
}

/// Give a member another role (`members:manage`). The last owner cannot stop being one.
#[utoipa::path(patch, path = "/v1/venues/{vid}/members/{uid}", tag = "team", security(("bearer" = [])), params(("vid" = Uuid, Path), ("uid" = Uuid, Path), ("If-Match" = String, Header)), request_body = MemberPatch,
    responses((status = 200, body = Member), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` (member or role)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_owner`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`precondition_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn patch_member(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, uid)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<MemberPatch>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::MembersManage)).await?;
    let expected = if_match(&headers)?;
    let roles = state.store.roles(vid).await?;
    let new_role = roles.iter().find(|r| r.id == body.role_id).ok_or_else(not_found)?;
    may_grant(&state, &scope, new_role).await?;
    unmake_owner_check(&state, &scope, &roles, uid).await?;
    if let Some(current) = current_role(&state, &roles, vid, uid).await? {
        may_act_on(&state, &scope, current, "this member's role").await?;
        may_change_mfa(&state, &scope, current.require_mfa, new_role.require_mfa).await?;
    }
    // Made an owner: a security alert.
    let owner = new_role.builtin && new_role.name == BuiltinRole::Owner.name();
    let audit = scope.audit(
        &state,
        "member.role_change",
        "member",
        Some(uid.to_string()),
        json!({ "role_id": body.role_id, "owner": owner }),
    );
    let m = state.store.set_member_role(vid, uid, body.role_id, expected, audit).await?;
    Ok(tagged(m.version, member_dto(&m)))
}

/// Remove a member (`members:manage`). The last owner cannot be removed.
#[utoipa::path(delete, path = "/v1/venues/{vid}/members/{uid}", tag = "team", security(("bearer" = [])), params(("vid" = Uuid, Path), ("uid" = Uuid, Path)),
    responses((status = 204, description = "Removed"), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_owner`", body = Problem, content_type = "application/problem+json")))]
pub async fn delete_member(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, uid)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::MembersManage)).await?;
    let roles = state.store.roles(vid).await?;
    unmake_owner_check(&state, &scope, &roles, uid).await?;
    if let Some(current) = current_role(&state, &roles, vid, uid).await? {
        may_act_on(&state, &scope, current, "this member's role").await?;
    }
    let audit = scope.audit(&state, "member.remove", "member", Some(uid.to_string()), json!({}));
    state.store.remove_member(vid, uid, audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Invite someone by email (`members:manage`). The token is single use, valid 7 days.
#[utoipa::path(post, path = "/v1/venues/{vid}/invitations", tag = "team", security(("bearer" = [])), params(("vid" = Uuid, Path)), request_body = NewInvitation,
    responses((status = 201, body = InvitationCreated), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` (venue or role)", body = Problem, content_type = "application/problem+json")))]
pub async fn create_invitation(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewInvitation>,
) -> ApiResult<(StatusCode, Json<InvitationCreated>)> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::MembersManage)).await?;
    let email = normalize_email(&body.email)
        .ok_or_else(|| ApiError::validation("email", "must be a valid ASCII email address"))?;
    let role = state.store.roles(vid).await?.into_iter().find(|r| r.id == body.role_id).ok_or_else(not_found)?;
    may_grant(&state, &scope, &role).await?;
    let (token, hash) = new_opaque_token();
    let now = state.clock.now();
    let inv = InvitationRecord {
        venue_id: vid,
        id: Uuid::now_v7(),
        email: email.clone(),
        role_id: body.role_id,
        token_hash: hash,
        expires_at: now + INVITATION_TTL,
        created_at: now,
    };
    let sealed_email = sealed::venue_pii(&state, vid, &email).await?;
    let audit = scope.audit(
        &state,
        "invitation.create",
        "invitation",
        Some(inv.id.to_string()),
        json!({ "email": sealed_email, "role_id": body.role_id }),
    );
    state.store.create_invitation(&inv, audit).await?;
    Ok((StatusCode::CREATED, Json(InvitationCreated { id: inv.id, token, expires_at: inv.expires_at })))
}

/// Accept an invitation; the signed-in user's email must be the invited one.
#[utoipa::path(post, path = "/v1/invitations/accept", tag = "team", security(("bearer" = [])), request_body = AcceptInvitation,
    responses((status = 200, body = MembershipCreated),
        (status = 403, description = "`forbidden`: the invitation is for another email", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: unknown, used or expired token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_member`", body = Problem, content_type = "application/problem+json")))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: AuthContext,
    ApiJson(body): ApiJson<AcceptInvitation>,
) -> ApiResult<Json<MembershipCreated>> {
    let user = crate::routes::me::current_user(&state, &auth).await?;
    let audit = AuditDraft {
        venue_id: Uuid::nil(), // set by the store from the invitation
        id: Uuid::now_v7(),
        at: state.clock.now(),
        actor: crate::audit::Actor::User(user.id),
        action: "invitation.accept".into(),
        target_type: "invitation".into(),
        target_id: None,
        request_id: Some(request_id::current()),
        ip: Some(ip.label()),
        details: json!({ "user_id": user.id }),
    };
    let (venue, role) = match state
        .store
        .accept_invitation(sha256(body.token.as_bytes()), user.id, &user.email, audit.clone())
        .await
    {
        Err(crate::store::StoreError::Domain(crate::store::DomainError::EmailMismatch(venue_id))) => {
            // A 403 inside a venue: audited like any other.
            let denied = AuditDraft {
                venue_id,
                id: Uuid::now_v7(),
                action: "authz.denied".into(),
                details: json!({ "reason": "invitation_email_mismatch" }),
                ..audit
            };
            let key = format!("{}:invitation_email_mismatch:", user.id);
            state.store.append_denial(denied, &key, crate::domain::access::DENIAL_DEDUP_WINDOW).await?;
            return Err(ApiError::with_detail(ProblemCode::Forbidden, "this invitation is for another email address"));
        }
        other => other?,
    };
    Ok(Json(MembershipCreated {
        venue_id: venue.id,
        venue_name: venue.name,
        role: RoleRef { id: role.id, name: role.name },
        permissions: role.permissions.names(),
    }))
}
