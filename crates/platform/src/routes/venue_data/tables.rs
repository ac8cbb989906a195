//! The venue's tables, in areas, with the seats each takes and the tables it can be pushed
//! together with. `combinable_with` is kept symmetric: naming B on A adds A on B, in the
//! same transaction (both versions move, both appear in the change feed).

use std::collections::{BTreeSet, HashMap};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::front_desk::{NewTable, Table, TablePatch};
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::Page;
use venuedesk_api::{Problem, ProblemCode};

use super::{load, page_limit, page_of, parse_cursor, query_error};
use crate::auth::context::Caller;
use crate::domain::access::{authorize, not_found};
use crate::domain::{sealed, validate};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::http::versioning::{created, if_match, tagged};
use crate::state::AppState;
use crate::store::{DocQuery, DocRecord, DocWrite, Entity};

/// More tables than any room holds; bounds the work of a change.
pub const MAX_TABLES: usize = 500;
const MAX_SEATS: i64 = 100;
const MAX_COMBINABLE: usize = 20;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TableQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

async fn doc_for(state: &AppState, vid: Uuid, t: &Table, created_at: OffsetDateTime) -> ApiResult<DocRecord> {
    Ok(DocRecord {
        entity: Entity::Table,
        id: t.id,
        version: t.version,
        status: None,
        starts_at: None,
        ends_at: None,
        party_size: None,
        ref_id: None,
        data_enc: sealed::seal(state, vid, t.id, t).await?,
        created_at,
        deleted: false,
        tables: None,
    })
}

fn details(t: &Table) -> serde_json::Value {
    json!({ "name": t.name, "area": t.area, "seats_min": t.seats_min, "seats_max": t.seats_max, "combinable_with": t.combinable_with })
}

/// Every live table of the venue, opened, by id.
pub async fn all_tables(state: &AppState, vid: Uuid) -> ApiResult<HashMap<Uuid, (DocRecord, Table)>> {
    let query = DocQuery { limit: MAX_TABLES as u32 + 1, ..DocQuery::default() };
    let mut out = HashMap::new();
    for d in state.store.docs(vid, Entity::Table, &query).await? {
        let mut t: Table = sealed::open(state, vid, &d).await?;
        t.version = d.version;
        out.insert(d.id, (d, t));
    }
    Ok(out)
}

fn seats(min: i64, max: i64) -> ApiResult<(i64, i64)> {
    let max = validate::range("seats_max", max, 1, MAX_SEATS)?;
    let min = validate::range("seats_min", min, 1, MAX_SEATS)?;
    if min > max {
        return Err(ApiError::validation("seats_min", "must not be more than seats_max"));
    }
    Ok((min, max))
}

fn unique_name(tables: &HashMap<Uuid, (DocRecord, Table)>, name: &str, except: Option<Uuid>) -> ApiResult<()> {
    let taken = tables.values().any(|(_, t)| Some(t.id) != except && t.name.to_lowercase() == name.to_lowercase());
    if taken {
        return Err(ApiError::with_detail(ProblemCode::NameTaken, "another table has this name"));
    }
    Ok(())
}

/// The partners a table names: other live tables of this venue, each once.
fn partners(tables: &HashMap<Uuid, (DocRecord, Table)>, me: Uuid, ids: &[Uuid]) -> ApiResult<BTreeSet<Uuid>> {
    if ids.len() > MAX_COMBINABLE {
        return Err(ApiError::validation("combinable_with", format!("names at most {MAX_COMBINABLE} tables")));
    }
    let mut set = BTreeSet::new();
    for id in ids {
        if *id == me {
            return Err(ApiError::validation("combinable_with", "a table cannot be combined with itself"));
        }
        // Like any id in a body that is not this venue's: not found (another venue's too).
        if !tables.contains_key(id) {
            return Err(not_found());
        }
        if !set.insert(*id) {
            return Err(ApiError::validation("combinable_with", format!("{id} is named twice")));
        }
    }
    Ok(set)
}

/// The writes that keep the partners' lists in step when `me` now combines with `now`
/// (and did with `before`).
async fn partner_writes(
    state: &AppState,
    vid: Uuid,
    tables: &HashMap<Uuid, (DocRecord, Table)>,
    me: Uuid,
    before: &BTreeSet<Uuid>,
    now: &BTreeSet<Uuid>,
) -> ApiResult<Vec<DocWrite>> {
    let mut writes = Vec::new();
    for id in before.symmetric_difference(now) {
        let Some((doc, t)) = tables.get(id) else { continue };
        let mut t = t.clone();
        t.combinable_with.retain(|x| *x != me);
        if now.contains(id) {
            t.combinable_with.push(me);
        }
        t.version = doc.version + 1;
        writes.push(DocWrite {
            doc: doc_for(state, vid, &t, doc.created_at).await?,
            expected_version: Some(doc.version),
        });
    }
    Ok(writes)
}

/// The venue's tables, oldest first (`bookings:read`).
#[utoipa::path(get, path = "/v1/venues/{vid}/tables", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path), TableQuery),
    responses((status = 200, body = Page<Table>), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<TableQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<Table>>> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsRead)).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    let query = DocQuery { after: parse_cursor(q.cursor.as_deref())?, ..DocQuery::default() };
    Ok(Json(page_of(&state, scope.venue_id(), Entity::Table, query, limit).await?))
}

/// Add a table (`settings:manage`). The tables it names in `combinable_with` name it back.
#[utoipa::path(post, path = "/v1/venues/{vid}/tables", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path)), request_body = NewTable,
    responses((status = 201, body = Table), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: the venue, or a table `combinable_with` names", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`name_taken` (another table has this name), `id_conflict`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`: a table it names changed meanwhile; retry", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewTable>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::SettingsManage)).await?;
    let name = validate::text("name", &body.name, 40)?;
    let area = match body.area.as_deref() {
        Some(a) => validate::text("area", a, 40)?,
        None => "Main".to_string(),
    };
    let (seats_min, seats_max) = seats(body.seats_min.unwrap_or(1), body.seats_max)?;
    let tables = all_tables(&state, vid).await?;
    if tables.len() >= MAX_TABLES {
        return Err(ApiError::validation("name", format!("a venue has at most {MAX_TABLES} tables")));
    }
    unique_name(&tables, &name, None)?;
    let id = body.id.unwrap_or_else(Uuid::now_v7);
    let combined = partners(&tables, id, &body.combinable_with)?;
    let t =
        Table { id, name, area, seats_min, seats_max, combinable_with: combined.iter().copied().collect(), version: 1 };
    let mut writes = vec![DocWrite { doc: doc_for(&state, vid, &t, state.clock.now()).await?, expected_version: None }];
    writes.extend(partner_writes(&state, vid, &tables, id, &BTreeSet::new(), &combined).await?);
    let audit = scope.audit(&state, "table.create", "table", Some(id.to_string()), details(&t));
    state.store.write_docs(vid, &writes, false, &[], audit).await?;
    Ok(created(t.version, &t))
}

/// Change a table (`settings:manage`, `If-Match`).
#[utoipa::path(patch, path = "/v1/venues/{vid}/tables/{id}", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path), ("If-Match" = String, Header)), request_body = TablePatch,
    responses((status = 200, body = Table), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`name_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`precondition_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TablePatch>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::SettingsManage)).await?;
    let expected = if_match(&headers)?;
    let (doc, mut t): (_, Table) = load(&state, &scope, Entity::Table, id).await?;
    crate::http::versioning::check(expected, doc.version)?;
    let tables = all_tables(&state, vid).await?;
    if let Some(v) = &body.name {
        t.name = validate::text("name", v, 40)?;
        unique_name(&tables, &t.name, Some(id))?;
    }
    if let Some(v) = &body.area {
        t.area = validate::text("area", v, 40)?;
    }
    (t.seats_min, t.seats_max) = seats(body.seats_min.unwrap_or(t.seats_min), body.seats_max.unwrap_or(t.seats_max))?;
    let before: BTreeSet<Uuid> = t.combinable_with.iter().copied().collect();
    let now = match &body.combinable_with {
        Some(ids) => partners(&tables, id, ids)?,
        None => before.clone(),
    };
    t.combinable_with = now.iter().copied().collect();
    t.version = doc.version + 1;
    let mut writes =
        vec![DocWrite { doc: doc_for(&state, vid, &t, doc.created_at).await?, expected_version: Some(doc.version) }];
    writes.extend(partner_writes(&state, vid, &tables, id, &before, &now).await?);
    let audit = scope.audit(&state, "table.update", "table", Some(id.to_string()), details(&t));
    state.store.write_docs(vid, &writes, false, &[], audit).await?;
    Ok(tagged(t.version, &t))
}

/// Remove a table (`settings:manage`); the tables it combined with forget it.
#[utoipa::path(delete, path = "/v1/venues/{vid}/tables/{id}", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204, description = "removed"), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`table_in_use`: a booking that has not ended holds it; move or cancel that first", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`: a table it combined with changed meanwhile; retry", body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::SettingsManage)).await?;
    let (doc, t): (_, Table) = load(&state, &scope, Entity::Table, id).await?;
    // A table a live booking still holds (now or later) stays until that booking moves.
    let now = state.clock.now();
    let held = state.store.held_tables(vid, now, now + time::Duration::days(3 * 366), Uuid::nil()).await?;
    if held.contains(&id) {
        return Err(ApiError::with_detail(
            ProblemCode::TableInUse,
            "a booking that has not ended holds this table: move or cancel it first",
        ));
    }
    let tables = all_tables(&state, vid).await?;
    let before: BTreeSet<Uuid> = t.combinable_with.iter().copied().collect();
    let gone = DocRecord { version: doc.version + 1, deleted: true, ..doc.clone() };
    let mut writes = vec![DocWrite { doc: gone, expected_version: Some(doc.version) }];
    writes.extend(partner_writes(&state, vid, &tables, id, &before, &BTreeSet::new()).await?);
    let audit = scope.audit(&state, "table.delete", "table", Some(id.to_string()), json!({ "name": t.name }));
    state.store.write_docs(vid, &writes, false, &[], audit).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
