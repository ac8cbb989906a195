//! The per-venue change feed the console syncs from. Each entity appears once, at the seq of
//! its latest change, with its current state: erased personal data is never served again.

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde::Deserialize;
use uuid::Uuid;
use venuedesk_api::Problem;
use venuedesk_api::front_desk::{OpeningHours, Table, WaitlistEntry};
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::{Booking, Change, ChangeFeed, Customer, Order, Product};

use super::{page_limit, query_error};
use crate::auth::context::Caller;
use crate::domain::access::authorize;
use crate::domain::sealed;
use crate::error::ApiResult;
use crate::http::client_ip::ClientIp;
use crate::routes::venues::{member_dto, role_dto};
use crate::state::AppState;
use crate::store::Entity;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// The `next_since` of the previous page; 0 for everything.
    pub since: Option<i64>,
    pub limit: Option<u32>,
}

async fn doc_data(state: &AppState, vid: Uuid, entity: Entity, id: Uuid) -> ApiResult<Option<serde_json::Value>> {
    let Some(d) = state.store.doc(vid, entity, id).await?.filter(|d| !d.deleted) else { return Ok(None) };
    let mut v: serde_json::Value = match entity {
        Entity::Product => serde_json::to_value(sealed::open::<Product>(state, vid, &d).await?),
        Entity::Customer => serde_json::to_value(sealed::open::<Customer>(state, vid, &d).await?),
        Entity::Booking => serde_json::to_value(sealed::open::<Booking>(state, vid, &d).await?),
        Entity::Order => serde_json::to_value(sealed::open::<Order>(state, vid, &d).await?),
        Entity::Table => serde_json::to_value(sealed::open::<Table>(state, vid, &d).await?),
        Entity::OpeningHours => serde_json::to_value(sealed::open::<OpeningHours>(state, vid, &d).await?),
        Entity::WaitlistEntry => serde_json::to_value(sealed::open::<WaitlistEntry>(state, vid, &d).await?),
    }
    .map_err(crate::error::ApiError::internal)?;
    v["version"] = d.version.into();
    Ok(Some(v))
}

/// Changes after `since`, oldest first; only entities the caller may read.
#[utoipa::path(get, path = "/v1/venues/{vid}/changes", tag = "sync", security(("bearer" = [])), params(("vid" = Uuid, Path), FeedQuery),
    responses((status = 200, body = ChangeFeed), (status = 400, description = "`bad_request`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn changes(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<ChangeFeed>> {
    let scope = authorize(&state, &auth, &ip, vid, None).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    let since = q.since.unwrap_or(0).max(0);
    let mut entities = Vec::new();
    for (p, names) in [
        (Permission::BookingsRead, &["booking", "table", "opening_hours", "waitlist"][..]),
        (Permission::OrdersRead, &["order"][..]),
        (Permission::CustomersRead, &["customer"][..]),
        (Permission::ProductsRead, &["product"][..]),
        (Permission::MembersRead, &["member", "role"][..]),
    ] {
        if scope.may(p) {
            entities.extend_from_slice(names);
        }
    }
    let rows = state.store.changes(vid, since, limit + 1, &entities).await?;
    let has_more = rows.len() > limit as usize;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next_since = rows.last().map_or(since, |r| r.seq);
    let (members, roles) = if rows.iter().any(|r| r.entity == "member" || r.entity == "role") {
        (state.store.members(vid).await?, state.store.roles(vid).await?)
    } else {
        (Vec::new(), Vec::new())
    };
    let mut changes = Vec::with_capacity(rows.len());
    for r in rows {
        let data = if r.op == "delete" {
            None
        } else {
            match r.entity.as_str() {
                "member" => {
                    members.iter().find(|m| m.user_id == r.id).and_then(|m| serde_json::to_value(member_dto(m)).ok())
                }
                "role" => roles.iter().find(|x| x.id == r.id).and_then(|x| serde_json::to_value(role_dto(x)).ok()),
                other => match Entity::parse(other) {
                    Some(e) => doc_data(&state, vid, e, r.id).await?,
                    None => None,
                },
            }
        };
        // An order awaiting payment is for those who handle payments; the kitchen sees it
        // once it is paid (its move to `received` is a change of its own).
        let data = data.filter(|d| {
            r.entity != "order" || d["status"] != "awaiting_payment" || scope.may(Permission::PaymentsManage)
        });
        let op = if data.is_none() { "delete".to_string() } else { r.op };
        changes.push(Change { seq: r.seq, entity: r.entity, id: r.id, op, data });
    }
    state.metrics.changes_served.inc_by(changes.len() as u64);
    Ok(Json(ChangeFeed { changes, next_since, has_more }))
}
