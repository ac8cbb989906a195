//! Bearer authentication for every `/v1` route that needs it: a valid EdDSA token whose
//! session is live and whose pair was not voided, or an API client's token whose client
//! still exists. Checked against the database on every request, so revocation and
//! deletion take effect at once.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use uuid::Uuid;
use venuedesk_api::ProblemCode;
use venuedesk_api::permission::PermissionSet;

use crate::error::{ApiError, ApiResult};
use crate::http::access_log::ActorSlot;
use crate::state::AppState;

#[derive(Debug, Clone, Copy)]
pub struct AuthContext {
    pub user_id: Uuid,
    pub session_id: Uuid,
    pub mfa_passed: bool,
}

/// An API client's token (OAuth2 client credentials): one venue, the granted scope.
#[derive(Debug, Clone, Copy)]
pub struct ClientContext {
    pub client_id: Uuid,
    pub venue_id: Uuid,
    /// The token's scope as still held by the client.
    pub scope: PermissionSet,
}

/// Whoever a bearer token speaks for. Venue routes take a `Caller`; routes about a
/// person's own account take [`AuthContext`], which an API client's token cannot be.
#[derive(Debug, Clone, Copy)]
pub enum Caller {
    User(AuthContext),
    Client(ClientContext),
}

impl Caller {
    /// The idempotency-key namespace of this caller.
    pub fn key_scope(&self) -> String {
        match self {
            Caller::User(a) => format!("user:{}", a.user_id),
            Caller::Client(c) => format!("client:{}", c.client_id),
        }
    }

    pub fn actor(&self) -> crate::audit::Actor {
        match self {
            Caller::User(a) => crate::audit::Actor::User(a.user_id),
            Caller::Client(c) => crate::audit::Actor::ApiClient(c.client_id),
        }
    }
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
    if token.starts_with(crate::routes::integrations::public_keys::PREFIX) {
        return Err(ApiError::with_detail(
            ProblemCode::Forbidden,
            "a publishable key reads only /v1/public/venue, /v1/public/menu and /v1/public/availability",
        ));
    }
    let mut verified = state.tokens.verify(token, state.clock.now());
    // Signed with a key this node has not loaded yet (rotated on another node): look once.
    if verified.as_ref().err() == Some(&crate::auth::tokens::Rejection::UnknownKey) && state.tokens.may_reload() {
        let platform = state.keys.platform().await?;
        if state.tokens.reload(state.store.as_ref(), &platform).await? {
            verified = state.tokens.verify(token, state.clock.now());
        }
    }
    let claims = verified
        .map_err(|_| unauthenticated("the access token is malformed, expired or not signed by this platform"))?;
    if let Some(grant) = &claims.client {
        let client = state
            .store
            .api_client(grant.venue, claims.sub)
            .await?
            .ok_or_else(|| unauthenticated("this API client was deleted"))?;
        let granted = PermissionSet::parse(
            &grant.scope.split(' ').filter(|s| !s.is_empty()).map(String::from).collect::<Vec<_>>(),
        )
        .map_err(|_| unauthenticated("the access token's scope is not understood"))?;
        if let Some(slot) = req.extensions().get::<ActorSlot>() {
            let _ = slot.0.set(client.id);
        }
        req.extensions_mut().insert(Caller::Client(ClientContext {
            client_id: client.id,
            venue_id: client.venue_id,
            scope: PermissionSet(granted.0 & client.permissions.0),
        }));
        return Ok(next.run(req).await);
    }
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
    let user = AuthContext { user_id: claims.sub, session_id: claims.sid, mfa_passed: auth.mfa_passed };
    req.extensions_mut().insert(user);
    req.extensions_mut().insert(Caller::User(user));
    Ok(next.run(req).await)
}

impl<S: Send + Sync> FromRequestParts<S> for AuthContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        match parts.extensions.get::<Caller>() {
            Some(Caller::User(a)) => Ok(*a),
            Some(Caller::Client(_)) => Err(ApiError::with_detail(
                ProblemCode::Forbidden,
                "an API client's token reaches only its venue's routes, not a person's account",
            )),
            None => Err(unauthenticated("authentication required")),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        parts.extensions.get::<Caller>().copied().ok_or_else(|| unauthenticated("authentication required"))
    }
}
