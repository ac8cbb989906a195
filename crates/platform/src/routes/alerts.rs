//! `GET /v1/venues/{vid}/alerts`: the venue's security alerts, newest first (`alerts`).

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde::Deserialize;
use uuid::Uuid;
use venuedesk_api::Problem;
use venuedesk_api::alerts::SecurityAlert;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::Page;

use crate::auth::context::Caller;
use crate::domain::access::authorize;
use crate::error::ApiResult;
use crate::http::client_ip::ClientIp;
use crate::routes::venue_data::{page_limit, query_error};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AlertQuery {
    /// 1–200, default 50.
    pub limit: Option<u32>,
}

/// The venue's security alerts (`settings:manage`), newest first: refresh-token reuse,
/// lockouts and MFA turned off by its members, new owners, widened roles, erasures and
/// audit exports. A burst of one kind is folded into one alert with a `count`.
#[utoipa::path(get, path = "/v1/venues/{vid}/alerts", tag = "security", security(("bearer" = [])),
    params(("vid" = Uuid, Path), AlertQuery),
    responses((status = 200, body = Page<SecurityAlert>),
        (status = 400, description = "`bad_request`: limit out of range", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`: needs settings:manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<AlertQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<SecurityAlert>>> {
    authorize(&state, &caller, &ip, vid, Some(Permission::SettingsManage)).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    let items = state
        .store
        .alerts(vid, limit)
        .await?
        .into_iter()
        .map(|a| SecurityAlert {
            id: a.id,
            kind: a.kind,
            at: a.first_at,
            last_at: a.last_at,
            summary: a.summary,
            count: a.count,
            audit_seq: a.audit_seq,
        })
        .collect();
    Ok(Json(Page { items, next_cursor: None }))
}
