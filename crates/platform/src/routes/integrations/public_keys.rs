//! Publishable keys (`pk_live_…`) for a venue's own website (`api_clients:manage`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::integrations::{NewPublicKey, PublicKey, PublicKeyCreated};
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::Page;

use crate::auth::context::Caller;
use crate::crypto::{random_32, sha256};
use crate::domain::access::authorize;
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::state::AppState;
use crate::store::PublicKeyRecord;

pub const PREFIX: &str = "pk_live_";
const MAX_ORIGINS: usize = 10;

/// An origin as browsers send it: `https://host[:port]`, lower-case, no path. `http://`
/// is accepted for loopback only (a developer's machine).
pub fn normalize_origin(raw: &str) -> Option<String> {
    let u = reqwest::Url::parse(raw.trim()).ok()?;
    let host = u.host_str()?.to_ascii_lowercase();
    let loopback = host == "localhost" || host == "127.0.0.1" || host == "[::1]";
    let scheme_ok = u.scheme() == "https" || (u.scheme() == "http" && loopback);
    let bare = (u.path() == "/" || u.path().is_empty()) && u.query().is_none() && u.fragment().is_none();
    if !scheme_ok || !bare || !u.username().is_empty() || u.password().is_some() {
        return None;
    }
    Some(match u.port() {
        Some(p) => format!("{}://{host}:{p}", u.scheme()),
        None => format!("{}://{host}", u.scheme()),
    })
}

fn dto(k: &PublicKeyRecord) -> PublicKey {
    PublicKey {
        id: k.id,
        key_prefix: k.key_prefix.clone(),
        allowed_origins: k.allowed_origins.clone(),
        created_at: k.created_at,
    }
}

/// Create a publishable key (`api_clients:manage`). The key is in this answer only.
#[utoipa::path(post, path = "/v1/venues/{vid}/public-keys", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path)), request_body = NewPublicKey, responses((status = 201, body = PublicKeyCreated)))]
pub async fn create(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewPublicKey>,
) -> ApiResult<(StatusCode, Json<PublicKeyCreated>)> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::ApiClientsManage)).await?;
    if body.allowed_origins.is_empty() || body.allowed_origins.len() > MAX_ORIGINS {
        return Err(ApiError::validation("allowed_origins", "give 1 to 10 origins"));
    }
    let mut origins: Vec<String> = Vec::new();
    for raw in &body.allowed_origins {
        let o = normalize_origin(raw).ok_or_else(|| {
            ApiError::validation("allowed_origins", format!("{raw:?} is not an origin like https://example.com"))
        })?;
        if !origins.contains(&o) {
            origins.push(o);
        }
    }
    let key = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(random_32()));
    let now = state.clock.now();
    let record = PublicKeyRecord {
        venue_id: vid,
        id: Uuid::now_v7(),
        key_hash: sha256(key.as_bytes()),
        key_prefix: key.chars().take(venuedesk_api::integrations::PUBLIC_KEY_SHOWN_CHARS).collect(),
        allowed_origins: origins.clone(),
        created_at: now,
    };
    let audit = scope.audit(
        &state,
        "public_key.create",
        "public_key",
        Some(record.id.to_string()),
        json!({ "allowed_origins": origins }),
    );
    state.store.create_public_key(&record, audit).await?;
    Ok((StatusCode::CREATED, Json(PublicKeyCreated { id: record.id, key, allowed_origins: origins, created_at: now })))
}

/// The venue's publishable keys (`api_clients:manage`).
#[utoipa::path(get, path = "/v1/venues/{vid}/public-keys", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path)), responses((status = 200, body = Page<PublicKey>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path(vid): Path<Uuid>,
) -> ApiResult<Json<Page<PublicKey>>> {
    authorize(&state, &caller, &ip, vid, Some(Permission::ApiClientsManage)).await?;
    let items = state.store.public_keys(vid).await?.iter().map(dto).collect();
    Ok(Json(Page { items, next_cursor: None }))
}

/// Delete a publishable key (`api_clients:manage`): it stops working at once.
#[utoipa::path(delete, path = "/v1/venues/{vid}/public-keys/{id}", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("id" = Uuid, Path)), responses((status = 204, description = "deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::ApiClientsManage)).await?;
    let audit = scope.audit(&state, "public_key.delete", "public_key", Some(id.to_string()), json!({}));
    state.store.delete_public_key(vid, id, audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_bare_https_or_loopback_http() {
        assert_eq!(normalize_origin("https://Example.com/").as_deref(), Some("https://example.com"));
        assert_eq!(normalize_origin("https://example.com:8443").as_deref(), Some("https://example.com:8443"));
        assert_eq!(normalize_origin("http://localhost:5173").as_deref(), Some("http://localhost:5173"));
        assert_eq!(normalize_origin("http://example.com"), None);
        assert_eq!(normalize_origin("https://example.com/path"), None);
        assert_eq!(normalize_origin("*"), None);
        assert_eq!(normalize_origin("null"), None);
    }
}
