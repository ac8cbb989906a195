//! Operational endpoints: health, JWKS, security.txt. `/openapi.json` is served by the app.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use time::format_description::well_known::Rfc3339;
use venuedesk_api::me::Health;

use crate::state::AppState;

/// How long a health probe waits for the database before calling it unreachable.
const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

async fn database_reachable(state: &AppState) -> bool {
    matches!(tokio::time::timeout(PROBE_TIMEOUT, state.store.health()).await, Ok(Ok(())))
}

fn unavailable() -> (StatusCode, Json<Health>) {
    (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable".into() }))
}

/// Liveness and database reachability: `503` while the database cannot be reached, `200`
/// again as soon as it can (no restart).
#[utoipa::path(get, path = "/healthz", tag = "operations", responses(
    (status = 200, description = "The database is reachable", body = Health),
    (status = 503, description = "The database cannot be reached", body = Health),
))]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    if database_reachable(&state).await {
        (StatusCode::OK, Json(Health { status: "ok".into() }))
    } else {
        unavailable()
    }
}

/// Readiness for a load balancer: `200` only when this node can serve (database reachable,
/// every migration this binary needs applied).
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "This node can serve", body = Health),
    (status = 503, description = "The database is unreachable or its schema is not current", body = Health),
))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    if !database_reachable(&state).await {
        return unavailable();
    }
    match tokio::time::timeout(PROBE_TIMEOUT, state.store.migrations_current()).await {
        Ok(Ok(true)) => (StatusCode::OK, Json(Health { status: "ready".into() })),
        _ => unavailable(),
    }
}

/// Public keys that verify access tokens (RFC 7517; OKP/Ed25519).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "operations", responses((status = 200, description = "JSON Web Key Set", body = Object)))]
pub async fn jwks(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(state.tokens.jwks(state.clock.now()))
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

/// The retention policy: one entry per data class, made from the same table the hourly
/// `prune` enforces.
#[utoipa::path(get, path = "/.well-known/retention-policy.json", tag = "operations", responses(
    (status = 200, description = "A JSON array, one entry per data class", body = [venuedesk_api::retention::RetentionEntry]),
))]
pub async fn retention_policy() -> Json<Vec<venuedesk_api::retention::RetentionEntry>> {
    Json(crate::ops::retention::document())
}
