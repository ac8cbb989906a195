//! Bearer authentication for every `/v1` route that needs it: a valid EdDSA token whose
//! session is live and whose pair was not voided. Checked against the database on every
//! request, so revocation takes effect at once.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;
use venuedesk_api::ProblemCode;

use crate::error::{ApiError, ApiResult};
use crate::http::access_log::ActorSlot;
use crate::state::AppState;

#[derive(Debug, Clone, Copy)]
pub struct AuthContext {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub mfa_passed: bool,
}

fn unauthenticated(detail: &str) -> ApiError {
    ApiError::with_detail(ProblemCode::Unauthenticated, detail)
}

pub fn bearer(parts: &axum::http::HeaderMap) -> Option<&str> {
    let value = parts.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim()).filter(|t| !t.is_empty())
}

pub async fn require_auth(State(state): State<AppState>, mut req: Request, next: Next) -> ApiResult<Response> {
    let token = bearer(req.headers()).ok_or_else(|| unauthenticated("send Authorization: Bearer <access_token>"))?;
    let claims = state
        .tokens
        .verify(token, state.clock.now())
        .map_err(|_| unauthenticated("the access token is malformed, expired or not signed by this platform"))?;
    let auth = state
        .store
        .session_auth_state(claims.sid, claims.jti)
        .await?
        .filter(|s| s.user_id == claims.sub)
        .ok_or_else(|| unauthenticated("the access token's session does not exist"))?;
    if auth.revoked {
        return Err(ApiError::with_detail(ProblemCode::SessionRevoked, "this session was signed out or revoked"));
    }
    if auth.pair_voided {
        return Err(unauthenticated("this access token was superseded; refresh"));
    }
    if let Some(slot) = req.extensions().get::<ActorSlot>() {
        let _ = slot.0.set(claims.sub);
    }
    req.extensions_mut().insert(AuthContext {
        user_id: claims.sub,
        session_id: claims.sid,
        mfa_passed: auth.mfa_passed,
    });
    Ok(next.run(req).await)
}

impl<S: Send + Sync> FromRequestParts<S> for AuthContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<AuthContext>().copied().ok_or_else(|| unauthenticated("authentication required"))
    }
}
