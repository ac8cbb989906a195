//! The waitlist of a busy night: parties waiting for a table, called when one is ready
//! (`offer`), and seated as a walk-in booking (`seat`) or taken off the list (`remove`).
//! The guest's name, phone and notes live only as long as the entry is open: seating moves
//! them onto the booking (in the same transaction), removing drops them.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::front_desk::{NewWaitlistEntry, SeatWaitlistEntry, WaitlistEntry, WaitlistSeated, WaitlistStatus};
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::{Booking, BookingSource, Page};
use venuedesk_api::{BookingStatus, Problem, ProblemCode};

use super::bookings::{MAX_PARTY, insert, subject, timing, walk_in_start};
use super::{load, page_limit, page_of, parse_cursor, query_error};
use crate::auth::context::Caller;
use crate::domain::access::authorize;
use crate::domain::{VenueScope, sealed, validate};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::{ApiJson, OptionalApiJson};
use crate::http::versioning::{created, tagged};
use crate::state::AppState;
use crate::store::{DocQuery, DocRecord, DocWrite, Entity};

/// More parties than any door holds at once; bounds the open list (answered unpaged).
pub const MAX_OPEN: usize = 200;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WaitlistQuery {
    /// `waiting`, `offered`, `seated` or `removed`; absent: the open list (waiting and
    /// offered, oldest first, all of it).
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

async fn doc_for(state: &AppState, vid: Uuid, e: &WaitlistEntry) -> ApiResult<DocRecord> {
    Ok(DocRecord {
        entity: Entity::WaitlistEntry,
        id: e.id,
        version: e.version,
        status: Some(e.status.as_str().to_owned()),
        starts_at: None,
        ends_at: None,
        party_size: Some(e.party_size),
        ref_id: e.booking_id,
        data_enc: sealed::seal(state, vid, e.id, e).await?,
        created_at: e.created_at,
        deleted: false,
        tables: None,
    })
}

fn phone(p: Option<&str>) -> ApiResult<Option<String>> {
    let Some(p) = validate::optional_text("phone", p, 40)? else { return Ok(None) };
    if !p.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) || !p.chars().any(|c| c.is_ascii_digit()) {
        return Err(ApiError::validation("phone", "digits, spaces and + - ( ) . only"));
    }
    Ok(Some(p))
}

/// The open entries, oldest first.
async fn open_entries(state: &AppState, vid: Uuid) -> ApiResult<Vec<WaitlistEntry>> {
    let mut out = Vec::new();
    for status in [WaitlistStatus::Waiting, WaitlistStatus::Offered] {
        let query =
            DocQuery { status: Some(status.as_str().into()), limit: MAX_OPEN as u32 + 1, ..DocQuery::default() };
        for d in state.store.docs(vid, Entity::WaitlistEntry, &query).await? {
            let mut e: WaitlistEntry = sealed::open(state, vid, &d).await?;
            e.version = d.version;
            out.push(e);
        }
    }
    out.sort_by_key(|e| (e.created_at, e.id));
    Ok(out)
}

/// The waitlist (`bookings:read`): without `status`, everyone still waiting or called.
#[utoipa::path(get, path = "/v1/venues/{vid}/waitlist", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path), WaitlistQuery),
    responses((status = 200, body = Page<WaitlistEntry>), (status = 400, description = "`bad_request`: unknown status", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<WaitlistQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<WaitlistEntry>>> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsRead)).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    let Some(status) = &q.status else {
        return Ok(Json(Page { items: open_entries(&state, scope.venue_id()).await?, next_cursor: None }));
    };
    let status = WaitlistStatus::parse(status).ok_or_else(|| {
        ApiError::with_detail(ProblemCode::BadRequest, "status must be one of waiting, offered, seated, removed")
    })?;
    let query = DocQuery {
        status: Some(status.as_str().into()),
        after: parse_cursor(q.cursor.as_deref())?,
        ..DocQuery::default()
    };
    Ok(Json(page_of(&state, scope.venue_id(), Entity::WaitlistEntry, query, limit).await?))
}

/// Put a party on the waitlist (`bookings:write`).
#[utoipa::path(post, path = "/v1/venues/{vid}/waitlist", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path)), request_body = NewWaitlistEntry,
    responses((status = 201, body = WaitlistEntry), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`id_conflict`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (also: the list already holds 200 open entries)", body = Problem, content_type = "application/problem+json")))]
pub async fn add(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewWaitlistEntry>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsWrite)).await?;
    let e = WaitlistEntry {
        id: body.id.unwrap_or_else(Uuid::now_v7),
        guest_name: validate::text("guest_name", &body.guest_name, 100)?,
        party_size: validate::range("party_size", body.party_size, 1, MAX_PARTY)?,
        phone: phone(body.phone.as_deref())?,
        notes: validate::optional_text("notes", body.notes.as_deref(), 1000)?,
        status: WaitlistStatus::Waiting,
        created_at: state.clock.now(),
        offered_at: None,
        closed_at: None,
        booking_id: None,
        version: 1,
    };
    if open_entries(&state, vid).await?.len() >= MAX_OPEN {
        return Err(ApiError::validation("party_size", format!("the waitlist already holds {MAX_OPEN} parties")));
    }
    let guest = sealed::pii(&state, &sealed::guest_scope(vid, e.id), &e.guest_name).await?;
    let audit = scope.audit(
        &state,
        "waitlist.add",
        "waitlist",
        Some(e.id.to_string()),
        json!({ "guest_name": guest, "party_size": e.party_size }),
    );
    let doc = doc_for(&state, vid, &e).await?;
    state.store.write_docs(vid, &[DocWrite { doc, expected_version: None }], false, &[], audit).await?;
    Ok(entry_subject(created(e.version, &e), vid, e.id))
}

/// The stored answer holds the guest's name: erasure of that scope drops it too.
fn entry_subject(res: Response, vid: Uuid, id: Uuid) -> Response {
    crate::idempotency::mark_subject(res, crate::audit::pii::booking_scope(vid, id))
}

fn refused(e: &WaitlistEntry, step: &str) -> ApiError {
    ApiError::with_detail(ProblemCode::InvalidTransition, format!("a {} entry cannot be {step}", e.status.as_str()))
}

/// The entry closed: the guest's details leave it.
fn closed(mut e: WaitlistEntry, status: WaitlistStatus, now: OffsetDateTime) -> WaitlistEntry {
    e.status = status;
    e.closed_at = Some(now);
    e.guest_name = String::new();
    e.phone = None;
    e.notes = None;
    e.version += 1;
    e
}

/// Runs a step on the current entry; when another write moved it meanwhile, reads it again
/// and retries (the step decides afresh whether it still applies).
async fn with_entry<T, F, Fut>(state: &AppState, scope: &VenueScope, id: Uuid, step: F) -> ApiResult<T>
where
    F: Fn(DocRecord, WaitlistEntry) -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
{
    let mut attempts = 0;
    loop {
        attempts += 1;
        let (doc, mut e): (_, WaitlistEntry) = load(state, scope, Entity::WaitlistEntry, id).await?;
        e.version = doc.version;
        match step(doc, e).await {
            Err(err) if err.code == ProblemCode::VersionMismatch && attempts < 3 => continue,
            other => return other,
        }
    }
}

/// Call the party: a table is ready (`bookings:write`). Only a waiting entry.
#[utoipa::path(post, path = "/v1/venues/{vid}/waitlist/{id}/offer", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = WaitlistEntry), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`: not waiting", body = Problem, content_type = "application/problem+json")))]
pub async fn offer(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsWrite)).await?;
    let e = with_entry(&state, &scope, id, |doc, mut e| {
        let (state, scope) = (&state, &scope);
        async move {
            if e.status != WaitlistStatus::Waiting {
                return Err(refused(&e, "offered"));
            }
            e.status = WaitlistStatus::Offered;
            e.offered_at = Some(state.clock.now());
            e.version = doc.version + 1;
            let audit = scope.audit(state, "waitlist.offer", "waitlist", Some(id.to_string()), json!({}));
            let write = DocWrite { doc: doc_for(state, vid, &e).await?, expected_version: Some(doc.version) };
            state.store.write_docs(vid, &[write], false, &[], audit).await?;
            Ok(e)
        }
    })
    .await?;
    Ok(entry_subject(tagged(e.version, &e), vid, id))
}

/// The party leaves the list (`bookings:write`); their details are dropped.
#[utoipa::path(post, path = "/v1/venues/{vid}/waitlist/{id}/remove", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = WaitlistEntry), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`: already seated or removed", body = Problem, content_type = "application/problem+json")))]
pub async fn remove(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsWrite)).await?;
    let e = with_entry(&state, &scope, id, |doc, e| {
        let (state, scope) = (&state, &scope);
        async move {
            if !e.status.is_open() {
                return Err(refused(&e, "removed"));
            }
            let e = closed(e, WaitlistStatus::Removed, state.clock.now());
            let audit = scope.audit(state, "waitlist.remove", "waitlist", Some(id.to_string()), json!({}));
            let write = DocWrite { doc: doc_for(state, vid, &e).await?, expected_version: Some(doc.version) };
            state.store.write_docs(vid, &[write], false, &[], audit).await?;
            Ok(e)
        }
    })
    .await?;
    Ok(tagged(e.version, &e))
}

/// Seat the party now (`bookings:write`): a walk-in booking, seated, on the tables given or
/// the smallest free fit, for the venue's default duration unless one is given. The booking
/// and the closed entry are written in one transaction, audited as one `waitlist.seat`
/// event naming the booking.
#[utoipa::path(post, path = "/v1/venues/{vid}/waitlist/{id}/seat", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    request_body(content = Option<SeatWaitlistEntry>, description = "optional"),
    responses((status = 201, body = WaitlistSeated, headers(("Location" = String, description = "the booking"))),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` (the entry, or a table not of this venue)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition` (already seated or removed), `table_unavailable` (no free table fits now), `capacity_exceeded` (a venue without tables)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: outside opening hours, tables that cannot be combined or seat too few", body = Problem, content_type = "application/problem+json")))]
pub async fn seat(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
    OptionalApiJson(body): OptionalApiJson<SeatWaitlistEntry>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsWrite)).await?;
    let seated = with_entry(&state, &scope, id, |doc, e| {
        let (state, scope, body) = (&state, &scope, &body);
        async move {
            if !e.status.is_open() {
                return Err(refused(&e, "seated"));
            }
            let now = state.clock.now();
            let duration = body.duration_minutes.unwrap_or_else(|| scope.venue.rules.duration_for(e.party_size));
            let (starts_at, ends_at) = timing(walk_in_start(now), duration, now)?;
            let mut b = Booking {
                id: Uuid::now_v7(),
                guest_name: e.guest_name.clone(),
                customer_id: None,
                party_size: e.party_size,
                starts_at,
                ends_at,
                duration_minutes: duration,
                status: BookingStatus::Seated,
                notes: e.notes.clone(),
                version: 1,
                created_at: now,
                table_ids: Vec::new(),
                source: BookingSource::WalkIn,
            };
            let mut entry = closed(e, WaitlistStatus::Seated, now);
            entry.booking_id = Some(b.id);
            let write = DocWrite { doc: doc_for(state, vid, &entry).await?, expected_version: Some(doc.version) };
            insert(state, scope, &mut b, body.table_ids.as_deref(), &[write], ("waitlist.seat", "waitlist", id))
                .await?;
            Ok(WaitlistSeated { entry, booking: b })
        }
    })
    .await?;
    // Two resources in one answer: no single ETag; the booking's is on its own GET.
    let location = format!("/v1/venues/{vid}/bookings/{}", seated.booking.id);
    let booking_id = seated.booking.id;
    let res =
        (axum::http::StatusCode::CREATED, [(axum::http::header::LOCATION, location)], Json(seated)).into_response();
    Ok(subject(res, vid, booking_id))
}
