//! What a venue's own website reads with a publishable key (`Authorization: Bearer
//! pk_live_…`): the venue, its menu and its free start times. Read-only by construction:
//! these are the only routes a publishable key opens, and all are GET.
//!
//! Origin binding stops a browser on another site from using the key (its `Origin` is
//! not allowed: `403 origin_not_allowed`, and no CORS preflight is answered for it). It
//! does not stop a program that sends a forged `Origin` — which is why the key can only
//! read what the website shows anyway.

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use venuedesk_api::ProblemCode;
use venuedesk_api::integrations::{Availability, AvailableTime, PublicMenu, PublicMenuItem, PublicVenue};
use venuedesk_api::venue::Product;

use crate::auth::context::bearer;
use crate::crypto::sha256;
use crate::domain::sealed;
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::routes::integrations::public_keys::PREFIX;
use crate::routes::venue_data::query_error;
use crate::state::AppState;
use crate::store::{Admission, DocQuery, Entity, PublicKeyRecord};

/// Requests a minute per key, and per key and client address.
pub const PER_KEY_MINUTE: u32 = 600;
pub const PER_KEY_AND_IP_MINUTE: u32 = 120;

/// The key a request presented, once checked.
#[derive(Debug, Clone)]
pub struct PublicCaller {
    pub key: PublicKeyRecord,
}

fn origin(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ORIGIN).and_then(|v| v.to_str().ok())
}

fn cors(res: &mut Response, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        res.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    res.headers_mut().insert(header::VARY, HeaderValue::from_static("Origin"));
}

fn not_allowed() -> ApiError {
    ApiError::with_detail(ProblemCode::OriginNotAllowed, "this key is not for a website at that origin")
}

/// Route layer of `/v1/public/*`: preflights for allowed origins, the key, its origin and
/// its limits.
pub async fn require_publishable_key(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> ApiResult<Response> {
    let origin_header = origin(req.headers()).map(str::to_string);
    if req.method() == Method::OPTIONS {
        let Some(o) = origin_header else { return Err(not_allowed()) };
        if !state.store.origin_allowed(&o).await? {
            return Err(not_allowed());
        }
        let mut res = StatusCode::NO_CONTENT.into_response();
        cors(&mut res, &o);
        let h = res.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return Ok(res);
    }
    let token = bearer(req.headers())
        .filter(|t| t.starts_with(PREFIX))
        .ok_or_else(|| ApiError::with_detail(ProblemCode::Unauthenticated, "send Authorization: Bearer pk_live_…"))?;
    let key = state
        .store
        .public_key_by_hash(sha256(token.as_bytes()))
        .await?
        .ok_or_else(|| ApiError::with_detail(ProblemCode::Unauthenticated, "unknown or deleted publishable key"))?;
    if let Some(o) = &origin_header
        && !key.allowed_origins.iter().any(|a| a == o)
    {
        return Err(not_allowed());
    }
    let ip = req.extensions().get::<ClientIp>().map(|i| i.rate_limit_key()).unwrap_or_default();
    let now = state.clock.now();
    let minute = time::Duration::minutes(1);
    for (bucket, limit) in
        [(format!("pk:{}", key.id), PER_KEY_MINUTE), (format!("pk:{}:{ip}", key.id), PER_KEY_AND_IP_MINUTE)]
    {
        if let Admission::RetryAfter(d) = state.store.admit_ip_hit(&bucket, now, minute, limit).await? {
            return Err(ApiError::with_detail(ProblemCode::RateLimited, "too many requests with this key")
                .retry_after(d.whole_seconds().max(1) as u64));
        }
    }
    req.extensions_mut().insert(PublicCaller { key });
    let mut res = next.run(req).await;
    if let Some(o) = &origin_header {
        cors(&mut res, o);
    }
    Ok(res)
}

/// A preflight is answered by the layer above; this only gives the route its OPTIONS.
pub async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// The venue, for its website (publishable key).
#[utoipa::path(get, path = "/v1/public/venue", tag = "public", security(("publishable_key" = [])),
    responses((status = 200, body = PublicVenue),
        (status = 401, description = "`unauthenticated`: no, unknown or deleted publishable key", body = venuedesk_api::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`origin_not_allowed`", body = venuedesk_api::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`", body = venuedesk_api::Problem, content_type = "application/problem+json")))]
pub async fn venue(
    State(state): State<AppState>,
    Extension(caller): Extension<PublicCaller>,
) -> ApiResult<Json<PublicVenue>> {
    let v = state.store.venue(caller.key.venue_id).await?.ok_or_else(crate::domain::access::not_found)?;
    Ok(Json(PublicVenue { id: v.id, name: v.name, timezone: v.timezone }))
}

/// The venue's available products (publishable key).
#[utoipa::path(get, path = "/v1/public/menu", tag = "public", security(("publishable_key" = [])),
    responses((status = 200, body = PublicMenu),
        (status = 401, description = "`unauthenticated`", body = venuedesk_api::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`origin_not_allowed`", body = venuedesk_api::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`", body = venuedesk_api::Problem, content_type = "application/problem+json")))]
pub async fn menu(
    State(state): State<AppState>,
    Extension(caller): Extension<PublicCaller>,
) -> ApiResult<Json<PublicMenu>> {
    let vid = caller.key.venue_id;
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page =
            state.store.docs(vid, Entity::Product, &DocQuery { after, limit: 200, ..DocQuery::default() }).await?;
        for doc in page.iter().filter(|d| !d.deleted) {
            let p: Product = sealed::open(&state, vid, doc).await?;
            if p.available {
                items.push(PublicMenuItem {
                    id: p.id,
                    name: p.name,
                    category: p.category,
                    price_cents: p.price_cents,
                    currency: p.currency,
                });
            }
        }
        match page.last() {
            Some(last) if page.len() == 200 => after = Some((crate::store::ms(last.created_at), last.id)),
            _ => break,
        }
    }
    Ok(Json(PublicMenu { items }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityQuery {
    /// `YYYY-MM-DD` in the venue's time zone.
    pub date: String,
    pub party_size: i64,
}

/// Bookable start times for a party on a date (publishable key): the venue's slots within
/// its opening hours, from now plus its minimum notice, up to its maximum advance, where
/// the default duration for the party gets a free table (or pair that combines) — or, in a
/// venue without tables, fits its seats. Tables are not named to the public.
#[utoipa::path(get, path = "/v1/public/availability", tag = "public", security(("publishable_key" = [])), params(AvailabilityQuery),
    responses((status = 200, body = Availability),
        (status = 400, description = "`bad_request`", body = venuedesk_api::Problem, content_type = "application/problem+json"),
        (status = 401, description = "`unauthenticated`", body = venuedesk_api::Problem, content_type = "application/problem+json"),
        (status = 403, description = "`origin_not_allowed`", body = venuedesk_api::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: date or party_size", body = venuedesk_api::Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`", body = venuedesk_api::Problem, content_type = "application/problem+json")))]
pub async fn availability(
    State(state): State<AppState>,
    Extension(caller): Extension<PublicCaller>,
    q: Result<Query<AvailabilityQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Availability>> {
    let Query(q) = q.map_err(query_error)?;
    let vid = caller.key.venue_id;
    let v = state.store.venue(vid).await?.ok_or_else(crate::domain::access::not_found)?;
    if !(1..=v.capacity).contains(&q.party_size) {
        return Err(ApiError::validation("party_size", format!("must be 1-{}", v.capacity)));
    }
    let tz = venuedesk_api::venue_time::zone(&v.timezone).map_err(ApiError::internal)?;
    let date = venuedesk_api::venue_time::parse_date(&q.date)
        .map_err(|_| ApiError::validation("date", "must be a date like 2026-12-24"))?;
    // A website offers what the front desk would take from a guest: the venue's tables,
    // opening hours and rules (minimum notice, how far ahead), else its seats.
    let now = state.clock.now();
    let today = venuedesk_api::venue_time::local_date(tz, now).map_err(ApiError::internal)?;
    let last = today + chrono::Duration::days(v.rules.max_advance_days);
    let (duration, found) = if date > last {
        (v.rules.duration_for(q.party_size), Vec::new())
    } else {
        let earliest = now + time::Duration::minutes(v.rules.min_notice_minutes);
        crate::routes::venue_data::availability::open_starts(&state, &v, date, q.party_size, earliest).await?
    };
    let mut times = Vec::with_capacity(found.len());
    for s in found {
        let local = venuedesk_api::venue_time::local_date_time(tz, s.starts_at).map_err(ApiError::internal)?;
        times.push(AvailableTime { starts_at: s.starts_at, local_time: local.format("%H:%M").to_string() });
    }
    Ok(Json(Availability { date: q.date, party_size: q.party_size, duration_minutes: duration, times }))
}
