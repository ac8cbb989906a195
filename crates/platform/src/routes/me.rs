//! The signed-in user: profile, password change, security events.

use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use secrecy::SecretString;
use serde::Deserialize;
use uuid::Uuid;
use venuedesk_api::me::{MeResponse, PasswordChangeRequest, SecurityEvent, SecurityEventList};
use venuedesk_api::{Problem, ProblemCode};

use crate::auth::context::AuthContext;
use crate::auth::{brute_force, password_policy};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::routes::auth::{event, user_dto};
use crate::state::AppState;
use crate::store::UserRecord;

pub async fn current_user(state: &AppState, auth: &AuthContext) -> ApiResult<UserRecord> {
    state
        .store
        .user_by_id(auth.user_id)
        .await?
        .ok_or_else(|| ApiError::with_detail(ProblemCode::Unauthenticated, "the account no longer exists"))
}

/// Re-checks the password for a sensitive change. Failures count towards the email's
/// lockout, so a stolen access token cannot be used to guess the password.
pub async fn confirm_password(state: &AppState, user: &UserRecord, password: String) -> ApiResult<()> {
    brute_force::check_lock(state, &user.email).await?;
    let password = SecretString::from(password);
    if !state.passwords.verify(&password, Some(&user.password_hash)).await? {
        brute_force::record_failure(state, &user.email, Some(user.id), None).await?;
        return Err(ApiError::with_detail(ProblemCode::InvalidCredentials, "the password is wrong"));
    }
    Ok(())
}

/// The caller and their venue memberships.
#[utoipa::path(get, path = "/v1/me", tag = "me", security(("bearer" = [])), responses((status = 200, body = MeResponse)))]
pub async fn me(State(state): State<AppState>, auth: AuthContext) -> ApiResult<Json<MeResponse>> {
    let user = current_user(&state, &auth).await?;
    let memberships = state
        .store
        .memberships(user.id)
        .await?
        .into_iter()
        .map(|(v, r)| venuedesk_api::me::Membership {
            venue_id: v.id,
            venue_name: v.name,
            role: venuedesk_api::me::RoleRef { id: r.id, name: r.name },
            permissions: r.permissions.names(),
        })
        .collect();
    Ok(Json(MeResponse { user: user_dto(&user), memberships }))
}

/// Change the password. Every other session of the user is revoked.
#[utoipa::path(post, path = "/v1/me/password", tag = "me", security(("bearer" = [])), request_body = PasswordChangeRequest,
    responses(
        (status = 204, description = "Changed; other sessions revoked"),
        (status = 401, description = "`invalid_credentials`: the current password is wrong", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`weak_password` (member `reasons`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`locked_out`; `Retry-After`", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: AuthContext,
    ApiJson(body): ApiJson<PasswordChangeRequest>,
) -> ApiResult<StatusCode> {
    let user = current_user(&state, &auth).await?;
    confirm_password(&state, &user, body.current_password.clone()).await?;
    let mut reasons = password_policy::check(&body.new_password, &[&user.email, &user.display_name]);
    if body.new_password == body.current_password {
        reasons.push("must differ from the current password".into());
    }
    if !reasons.is_empty() {
        return Err(ApiError::with_detail(ProblemCode::WeakPassword, "the new password does not meet the policy")
            .with_reasons(reasons));
    }
    let hash = state.passwords.hash(&SecretString::from(body.new_password)).await?;
    state
        .store
        .change_password(
            user.id,
            &hash,
            Some(auth.session_id),
            event(user.id, "password_changed", &state, &ip, Some(auth.session_id)),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// 1–200, default 50.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The caller's own security events, newest first: logins, failures, logouts, revocations,
/// refresh-token reuse, MFA and password changes.
#[utoipa::path(get, path = "/v1/me/security-events", tag = "me", security(("bearer" = [])), params(Page),
    responses(
        (status = 200, body = SecurityEventList),
        (status = 400, description = "`bad_request`: limit outside 1-200 or a malformed cursor", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn security_events(
    State(state): State<AppState>,
    auth: AuthContext,
    page: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<SecurityEventList>> {
    let Query(page) = page.map_err(|e| ApiError::with_detail(ProblemCode::BadRequest, e.body_text()))?;
    let limit = page.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::with_detail(ProblemCode::BadRequest, "limit must be between 1 and 200"));
    }
    let before = match page.cursor {
        Some(c) => {
            Some(Uuid::parse_str(&c).map_err(|_| ApiError::with_detail(ProblemCode::BadRequest, "malformed cursor"))?)
        }
        None => None,
    };
    let rows = state.store.security_events(auth.user_id, before, limit + 1).await?;
    let has_more = rows.len() > limit as usize;
    let items: Vec<SecurityEvent> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| SecurityEvent { id: r.id, kind: r.kind, at: r.at, ip: r.ip, session_id: r.session_id })
        .collect();
    let next_cursor = if has_more { items.last().map(|e| e.id.to_string()) } else { None };
    Ok(Json(SecurityEventList { items, next_cursor }))
}
