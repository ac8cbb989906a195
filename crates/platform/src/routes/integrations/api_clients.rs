//! API clients of a venue: server-to-server callers (a till, an accounting system) that
//! get tokens by OAuth2 client credentials instead of a person's password.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use time::Duration;
use uuid::Uuid;
use venuedesk_api::Problem;
use venuedesk_api::integrations::{ApiClient, ApiClientCreated, ApiClientList, ApiClientSecret, NewApiClient};
use venuedesk_api::permission::{Permission, PermissionSet};

use crate::auth::context::Caller;
use crate::crypto::{random_32, sha256};
use crate::domain::access::{authorize, refuse};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::state::AppState;
use crate::store::ApiClientRecord;

/// How long the secret before a rotation keeps working, so callers can be re-configured.
pub const SECRET_OVERLAP: Duration = Duration::hours(24);

use venuedesk_api::integrations::PERSON_ONLY_PERMISSIONS as PERSON_ONLY;

/// A new client secret: 256 random bits, base64url, with a prefix secret scanners can find.
fn new_secret() -> (String, [u8; 32]) {
    let secret = format!("vdcs_{}", URL_SAFE_NO_PAD.encode(random_32()));
    let hash = sha256(secret.as_bytes());
    (secret, hash)
}

fn dto(c: &ApiClientRecord, now: time::OffsetDateTime) -> ApiClient {
    ApiClient {
        id: c.id,
        client_id: c.id.to_string(),
        name: c.name.clone(),
        permissions: c.permissions.names(),
        created_at: c.created_at,
        previous_secret_expires_at: c.previous_expires_at.filter(|t| *t > now),
    }
}

/// Create an API client (`api_clients:manage`). Its permissions must be within yours; the
/// secret is in this answer only.
#[utoipa::path(post, path = "/v1/venues/{vid}/api-clients", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path)), request_body = NewApiClient,
    responses((status = 201, body = ApiClientCreated),
        (status = 403, description = "`forbidden`: lacks `api_clients:manage`, or a permission you lack", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: name, unknown or person-only permission", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewApiClient>,
) -> ApiResult<(StatusCode, Json<ApiClientCreated>)> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::ApiClientsManage)).await?;
    let name = body.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::validation("name", "must be 1-100 characters, no control characters"));
    }
    let permissions = PermissionSet::parse(&body.permissions)
        .map_err(|p| ApiError::validation("permissions", format!("unknown permission {p:?}")))?;
    if permissions.0 == 0 {
        return Err(ApiError::validation("permissions", "give the client at least one permission"));
    }
    if let Some(p) = PERSON_ONLY.iter().find(|p| permissions.contains(**p)) {
        return Err(ApiError::validation("permissions", format!("{p} is for people, not API clients")));
    }
    let extra = permissions.0 & !scope.role.permissions.0;
    if extra != 0 {
        let names = PermissionSet(extra).names().join(", ");
        return Err(refuse(
            &state,
            &scope,
            "escalation",
            &format!("you cannot grant permissions your role lacks: {names}"),
        )
        .await);
    }
    let crate::audit::Actor::User(created_by) = scope.actor else {
        return Err(refuse(&state, &scope, "person_only", "only a person can create API clients").await);
    };
    let (secret, hash) = new_secret();
    let now = state.clock.now();
    let client = ApiClientRecord {
        venue_id: vid,
        id: Uuid::now_v7(),
        name: name.clone(),
        permissions,
        secret_hash: hash,
        previous_secret_hash: None,
        previous_expires_at: None,
        created_by,
        created_at: now,
    };
    let audit = scope.audit(
        &state,
        "api_client.create",
        "api_client",
        Some(client.id.to_string()),
        json!({ "name": name, "permissions": permissions.names() }),
    );
    state.store.create_api_client(&client, audit).await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiClientCreated {
            id: client.id,
            client_id: client.id.to_string(),
            client_secret: secret,
            name: client.name,
            permissions: permissions.names(),
            created_at: now,
        }),
    ))
}

/// The venue's API clients (`api_clients:manage`), without secrets.
#[utoipa::path(get, path = "/v1/venues/{vid}/api-clients", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path)),
    responses((status = 200, body = ApiClientList),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path(vid): Path<Uuid>,
) -> ApiResult<Json<ApiClientList>> {
    authorize(&state, &caller, &ip, vid, Some(Permission::ApiClientsManage)).await?;
    let now = state.clock.now();
    let items = state.store.api_clients(vid).await?.iter().map(|c| dto(c, now)).collect();
    Ok(Json(ApiClientList { items, next_cursor: None }))
}

/// Delete an API client (`api_clients:manage`): every token it holds stops working at once.
#[utoipa::path(delete, path = "/v1/venues/{vid}/api-clients/{id}", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204, description = "deleted"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::ApiClientsManage)).await?;
    let audit = scope.audit(&state, "api_client.delete", "api_client", Some(id.to_string()), json!({}));
    state.store.delete_api_client(vid, id, audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new secret for an API client (`api_clients:manage`); the previous one is accepted
/// for 24 hours more.
#[utoipa::path(post, path = "/v1/venues/{vid}/api-clients/{id}/secret", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = ApiClientSecret),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<ApiClientSecret>> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::ApiClientsManage)).await?;
    let (secret, hash) = new_secret();
    let until = state.clock.now() + SECRET_OVERLAP;
    let audit = scope.audit(
        &state,
        "api_client.rotate_secret",
        "api_client",
        Some(id.to_string()),
        json!({ "previous_secret_expires_at": venuedesk_api::timestamp::format(until) }),
    );
    state.store.rotate_api_client_secret(vid, id, hash, until, audit).await?;
    Ok(Json(ApiClientSecret { client_secret: secret, previous_secret_expires_at: until }))
}
