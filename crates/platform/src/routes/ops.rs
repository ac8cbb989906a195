//! Operational endpoints: health, JWKS, security.txt. `/openapi.json` is served by the app.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use time::format_description::well_known::Rfc3339;
use venuedesk_api::me::Health;

use crate::error::ApiResult;
use crate::state::AppState;

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
pub async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Health>> {
    state.store.health().await?;
    Ok(Json(Health { status: "ok".into() }))
}

/// Public keys that verify access tokens (RFC 7517; OKP/Ed25519).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "operations", responses((status = 200, description = "JSON Web Key Set", body = Object)))]
pub async fn jwks(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.tokens.jwks().clone())
}

/// RFC 9116 security contact. `Expires` is always about a year ahead.
#[utoipa::path(get, path = "/.well-known/security.txt", tag = "operations", responses((status = 200, description = "RFC 9116 text", content_type = "text/plain")))]
pub async fn security_txt(State(state): State<AppState>) -> impl IntoResponse {
    let expires = (state.clock.now() + time::Duration::days(360))
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    let body = format!(
        "Contact: {}\nExpires: {expires}\nPolicy: {}\nPreferred-Languages: en\n",
        state.settings.security_contact, state.settings.security_policy
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body)
}
