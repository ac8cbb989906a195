//! The caller's sessions: sign out, list, revoke one.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use uuid::Uuid;
use venuedesk_api::me::{SessionInfo, SessionList};
use venuedesk_api::{Problem, ProblemCode};

use crate::auth::context::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::routes::auth::event;
use crate::state::AppState;

/// Sign out: revokes this session; its access and refresh tokens stop working at once.
#[utoipa::path(post, path = "/v1/auth/logout", tag = "sessions", security(("bearer" = [])),
    responses((status = 204, description = "Signed out")))]
pub async fn logout(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: AuthContext,
) -> ApiResult<StatusCode> {
    state
        .store
        .revoke_session(
            auth.user_id,
            auth.session_id,
            "logout",
            event(auth.user_id, "logout", &state, &ip, Some(auth.session_id)),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's live sessions; `current` marks the one making this request.
#[utoipa::path(get, path = "/v1/auth/sessions", tag = "sessions", security(("bearer" = [])),
    responses((status = 200, body = SessionList)))]
pub async fn list(State(state): State<AppState>, auth: AuthContext) -> ApiResult<Json<SessionList>> {
    let sessions = state.store.list_sessions(auth.user_id, state.clock.now()).await?;
    let items = sessions
        .into_iter()
        .map(|s| SessionInfo {
            current: s.id == auth.session_id,
            id: s.id,
            device_name: s.device_name,
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            ip: s.ip,
        })
        .collect();
    Ok(Json(SessionList { items }))
}

/// Revoke one of the caller's own sessions. Another user's session id answers 404.
#[utoipa::path(delete, path = "/v1/auth/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "`not_found`: no live session with this id belongs to the caller", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: AuthContext,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let revoked = state
        .store
        .revoke_session(
            auth.user_id,
            id,
            "revoked_by_user",
            event(auth.user_id, "session_revoked", &state, &ip, Some(id)),
        )
        .await?;
    if !revoked {
        return Err(ApiError::with_detail(ProblemCode::NotFound, "no such session"));
    }
    Ok(StatusCode::NO_CONTENT)
}
