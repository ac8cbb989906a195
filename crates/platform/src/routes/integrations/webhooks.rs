//! A venue's webhook endpoints and their delivery log (`webhooks:manage`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::Problem;
use venuedesk_api::integrations::{NewWebhook, Webhook, WebhookCreated, WebhookDelivery, WebhookPatch, WebhookSecret};
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::Page;

use crate::auth::context::Caller;
use crate::domain::access::{VenueScope, authorize, not_found};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::http::versioning::{created, if_match, tagged};
use crate::routes::venue_data::{page_limit, query_error};
use crate::state::AppState;
use crate::store::{DeliveryRecord, WebhookRecord};
use crate::webhooks::events::EVENT_TYPES;
use crate::webhooks::{SECRET_OVERLAP, signature, target};

pub fn secret_aad(venue_id: Uuid, id: Uuid) -> String {
    format!("webhook-secret:{venue_id}:{id}")
}

/// Seals a signing secret with the venue's data key, bound to the endpoint.
pub async fn seal_secret(state: &AppState, venue_id: Uuid, id: Uuid, secret: &str) -> ApiResult<Vec<u8>> {
    let key = state.keys.venue(venue_id).await?;
    Ok(key.seal(secret_aad(venue_id, id).as_bytes(), secret.as_bytes())?)
}

/// The endpoint's signing secrets now: the current one, and the previous one during the overlap.
pub async fn open_secrets(state: &AppState, w: &WebhookRecord) -> ApiResult<Vec<zeroize::Zeroizing<String>>> {
    let key = state.keys.venue(w.venue_id).await?;
    let aad = secret_aad(w.venue_id, w.id);
    let open = |sealed: &[u8]| -> ApiResult<zeroize::Zeroizing<String>> {
        let plain = key.open(aad.as_bytes(), sealed)?;
        String::from_utf8(plain.to_vec()).map(zeroize::Zeroizing::new).map_err(ApiError::internal)
    };
    let mut secrets = vec![open(&w.secret_enc)?];
    if let (Some(prev), Some(until)) = (&w.previous_secret_enc, w.previous_expires_at)
        && state.clock.now() < until
    {
        secrets.push(open(prev)?);
    }
    Ok(secrets)
}

fn dto(w: &WebhookRecord, now: time::OffsetDateTime) -> Webhook {
    Webhook {
        id: w.id,
        url: w.url.clone(),
        events: w.events.clone(),
        enabled: w.enabled,
        version: w.version,
        created_at: w.created_at,
        previous_secret_expires_at: w.previous_expires_at.filter(|t| *t > now),
    }
}

fn delivery_dto(d: &DeliveryRecord) -> WebhookDelivery {
    WebhookDelivery {
        id: d.id,
        event_id: d.event_id,
        event: d.event.clone(),
        attempt: d.attempt,
        status: d.status.clone(),
        status_code: d.status_code,
        at: d.at,
        next_at: d.next_at,
    }
}

async fn checked_url(state: &AppState, url: &str) -> ApiResult<String> {
    let url = url.trim();
    if url.len() > 2048 {
        return Err(ApiError::validation("url", "must be at most 2048 characters"));
    }
    target::resolve(url, state.settings.webhooks_allow_private)
        .await
        .map_err(|e| ApiError::validation("url", e.to_string()))?;
    Ok(url.to_string())
}

fn checked_events(events: &[String]) -> ApiResult<Vec<String>> {
    if events.is_empty() {
        return Err(ApiError::validation("events", "subscribe to at least one event"));
    }
    let mut out: Vec<String> = Vec::new();
    for e in events {
        if !EVENT_TYPES.contains(&e.as_str()) {
            return Err(ApiError::validation(
                "events",
                format!("unknown event {e:?}; one of {}", EVENT_TYPES.join(", ")),
            ));
        }
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    Ok(out)
}

async fn endpoint(state: &AppState, scope: &VenueScope, id: Uuid) -> ApiResult<WebhookRecord> {
    state.store.webhook(scope.venue_id(), id).await?.ok_or_else(not_found)
}

/// Add a webhook endpoint (`webhooks:manage`). The signing secret is in this answer only.
#[utoipa::path(post, path = "/v1/venues/{vid}/webhooks", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path)), request_body = NewWebhook,
    responses((status = 201, body = WebhookCreated),
        (status = 422, description = "`validation_failed`: not https, resolves to a loopback/private/link-local address, unknown event", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::WebhooksManage)).await?;
    let events = checked_events(&body.events)?;
    let url = checked_url(&state, &body.url).await?;
    let id = Uuid::now_v7();
    let secret = signature::new_secret();
    let now = state.clock.now();
    let record = WebhookRecord {
        venue_id: vid,
        id,
        url: url.clone(),
        events: events.clone(),
        secret_enc: seal_secret(&state, vid, id, &secret).await?,
        previous_secret_enc: None,
        previous_expires_at: None,
        enabled: true,
        created_at: now,
        version: 1,
    };
    let audit =
        scope.audit(&state, "webhook.create", "webhook", Some(id.to_string()), json!({ "url": url, "events": events }));
    state.store.create_webhook(&record, audit).await?;
    Ok(created(
        1,
        WebhookCreated { id, url, events, secret: secret.to_string(), enabled: true, version: 1, created_at: now },
    ))
}

/// The venue's webhook endpoints (`webhooks:manage`), without secrets.
#[utoipa::path(get, path = "/v1/venues/{vid}/webhooks", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path)), responses((status = 200, body = Page<Webhook>)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path(vid): Path<Uuid>,
) -> ApiResult<Json<Page<Webhook>>> {
    authorize(&state, &caller, &ip, vid, Some(Permission::WebhooksManage)).await?;
    let now = state.clock.now();
    let items = state.store.webhooks(vid).await?.iter().map(|w| dto(w, now)).collect();
    Ok(Json(Page { items, next_cursor: None }))
}

/// One webhook endpoint (`webhooks:manage`).
#[utoipa::path(get, path = "/v1/venues/{vid}/webhooks/{id}", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("id" = Uuid, Path)), responses((status = 200, body = Webhook)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::WebhooksManage)).await?;
    let w = endpoint(&state, &scope, id).await?;
    Ok(tagged(w.version, dto(&w, state.clock.now())))
}

/// Change an endpoint's URL, events or `enabled` (`webhooks:manage`, `If-Match`).
#[utoipa::path(patch, path = "/v1/venues/{vid}/webhooks/{id}", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("id" = Uuid, Path), ("If-Match" = String, Header)), request_body = WebhookPatch,
    responses((status = 200, body = Webhook)))]
pub async fn patch(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<WebhookPatch>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::WebhooksManage)).await?;
    let expected = if_match(&headers)?;
    let mut w = endpoint(&state, &scope, id).await?;
    crate::http::versioning::check(expected, w.version)?;
    if let Some(events) = &body.events {
        w.events = checked_events(events)?;
    }
    if let Some(url) = &body.url {
        w.url = checked_url(&state, url).await?;
    }
    if let Some(enabled) = body.enabled {
        w.enabled = enabled;
    }
    let audit = scope.audit(
        &state,
        "webhook.update",
        "webhook",
        Some(id.to_string()),
        json!({ "url": w.url, "events": w.events, "enabled": w.enabled }),
    );
    let saved = state.store.update_webhook(&w, expected, audit).await?;
    Ok(tagged(saved.version, dto(&saved, state.clock.now())))
}

/// Delete an endpoint and its delivery log (`webhooks:manage`).
#[utoipa::path(delete, path = "/v1/venues/{vid}/webhooks/{id}", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("id" = Uuid, Path)), responses((status = 204, description = "deleted")))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::WebhooksManage)).await?;
    let audit = scope.audit(&state, "webhook.delete", "webhook", Some(id.to_string()), json!({}));
    state.store.delete_webhook(vid, id, audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new signing secret (`webhooks:manage`); the previous one keeps signing for 24 hours.
#[utoipa::path(post, path = "/v1/venues/{vid}/webhooks/{id}/secret", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("id" = Uuid, Path)), responses((status = 200, body = WebhookSecret)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<WebhookSecret>> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::WebhooksManage)).await?;
    let w = endpoint(&state, &scope, id).await?;
    let secret = signature::new_secret();
    let until = state.clock.now() + SECRET_OVERLAP;
    let rotated = WebhookRecord {
        previous_secret_enc: Some(w.secret_enc.clone()),
        previous_expires_at: Some(until),
        secret_enc: seal_secret(&state, vid, id, &secret).await?,
        ..w.clone()
    };
    let audit = scope.audit(
        &state,
        "webhook.rotate_secret",
        "webhook",
        Some(id.to_string()),
        json!({ "previous_secret_expires_at": venuedesk_api::timestamp::format(until) }),
    );
    state.store.update_webhook(&rotated, w.version, audit).await?;
    Ok(Json(WebhookSecret { secret: secret.to_string(), previous_secret_expires_at: until }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DeliveryQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The endpoint's delivery log, newest first (`webhooks:manage`).
#[utoipa::path(get, path = "/v1/venues/{vid}/webhooks/{id}/deliveries", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("id" = Uuid, Path), DeliveryQuery), responses((status = 200, body = Page<WebhookDelivery>)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
    q: Result<Query<DeliveryQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<WebhookDelivery>>> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::WebhooksManage)).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    let before = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            ApiError::with_detail(venuedesk_api::ProblemCode::BadRequest, "cursor is not one this API gave")
        })?),
    };
    endpoint(&state, &scope, id).await?;
    let rows = state.store.deliveries(vid, id, before, limit).await?;
    let next_cursor = (rows.len() == limit as usize).then(|| rows.last().map(|d| d.seq.to_string())).flatten();
    Ok(Json(Page { items: rows.iter().map(delivery_dto).collect(), next_cursor }))
}

/// Try a delivery again now (`webhooks:manage`), also one that was given up.
#[utoipa::path(post, path = "/v1/venues/{vid}/webhooks/{id}/deliveries/{did}/retry", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("id" = Uuid, Path), ("did" = Uuid, Path)), responses((status = 200, body = WebhookDelivery)))]
pub async fn retry(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path((vid, id, did)): Path<(Uuid, Uuid, Uuid)>,
) -> ApiResult<Json<WebhookDelivery>> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::WebhooksManage)).await?;
    let audit =
        scope.audit(&state, "webhook.retry", "webhook_delivery", Some(did.to_string()), json!({ "webhook_id": id }));
    let d = state.store.retry_delivery(vid, id, did, state.clock.now(), audit).await?;
    Ok(Json(delivery_dto(&d)))
}
