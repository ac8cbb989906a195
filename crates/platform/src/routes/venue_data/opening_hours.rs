//! The venue's opening hours: a week of periods and dated exceptions, venue-local, kept as
//! one document per venue (its id the venue's). Version 0 until first set.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, http::header};
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::Problem;
use venuedesk_api::front_desk::{OpeningHours, OpeningHoursPut};
use venuedesk_api::opening_hours::Hours;
use venuedesk_api::permission::Permission;

use crate::auth::context::Caller;
use crate::domain::access::authorize;
use crate::domain::sealed;
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::http::versioning::{check, if_match, tagged};
use crate::state::AppState;
use crate::store::{DocRecord, DocWrite, Entity};

/// The stored document and its hours (none yet: empty lists, version 0).
pub async fn current(state: &AppState, vid: Uuid) -> ApiResult<(Option<DocRecord>, OpeningHours)> {
    match state.store.doc(vid, Entity::OpeningHours, vid).await?.filter(|d| !d.deleted) {
        Some(d) => {
            let mut h: OpeningHours = sealed::open(state, vid, &d).await?;
            h.version = d.version;
            Ok((Some(d), h))
        }
        None => Ok((None, OpeningHours { weekly: Vec::new(), exceptions: Vec::new(), version: 0 })),
    }
}

/// The venue's opening hours (`bookings:read`).
#[utoipa::path(get, path = "/v1/venues/{vid}/opening-hours", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path)),
    responses((status = 200, body = OpeningHours, description = "The hours, with their version as `ETag` (0 until first set)."),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsRead)).await?;
    let (_, hours) = current(&state, scope.venue_id()).await?;
    Ok(tagged(hours.version, &hours))
}

/// Replace the opening hours (`settings:manage`). `If-Match` is needed once they have been
/// set; the first time it may be left out (or be `"0"`).
#[utoipa::path(put, path = "/v1/venues/{vid}/opening-hours", tag = "floor", security(("bearer" = [])),
    params(("vid" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "the version last read; required once the hours have been set")),
    request_body = OpeningHoursPut,
    responses((status = 200, body = OpeningHours), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`id_conflict`: set for the first time by someone else meanwhile; read and retry", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `errors` names the field, e.g. `weekly[2].closes`", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`precondition_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn put(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<OpeningHoursPut>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::SettingsManage)).await?;
    let (doc, old) = current(&state, vid).await?;
    match (&doc, headers.contains_key(header::IF_MATCH)) {
        (Some(d), _) => check(if_match(&headers)?, d.version)?,
        (None, true) => check(if_match(&headers)?, 0)?,
        (None, false) => {}
    }
    Hours::check(&body.weekly, &body.exceptions).map_err(|e| ApiError::validation(&e.field, e.message))?;
    let mut weekly = body.weekly;
    weekly.sort_by(|a, b| (a.weekday, &a.opens).cmp(&(b.weekday, &b.opens)));
    let mut exceptions = body.exceptions;
    exceptions.sort_by(|a, b| a.date.cmp(&b.date));
    let hours = OpeningHours { weekly, exceptions, version: old.version + 1 };
    let record = DocRecord {
        entity: Entity::OpeningHours,
        id: vid,
        version: hours.version,
        status: None,
        starts_at: None,
        ends_at: None,
        party_size: None,
        ref_id: None,
        data_enc: sealed::seal(&state, vid, vid, &hours).await?,
        created_at: doc.as_ref().map_or_else(|| state.clock.now(), |d| d.created_at),
        deleted: false,
        tables: None,
    };
    let audit = scope.audit(
        &state,
        "opening_hours.update",
        "opening_hours",
        Some(vid.to_string()),
        json!({ "weekly": hours.weekly, "exceptions": hours.exceptions }),
    );
    let write = DocWrite { doc: record, expected_version: doc.as_ref().map(|d| d.version) };
    state.store.write_docs(vid, &[write], false, &[], audit).await?;
    Ok(tagged(hours.version, &hours))
}
