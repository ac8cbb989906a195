//! Bookings: the day view in the venue's time zone, capacity with no double booking, and
//! the status machine.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use venuedesk_api::opening_hours::Hours;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::{Booking, BookingPatch, BookingSource, NewBooking, Page};
use venuedesk_api::{BookingAction, BookingStatus, Problem, ProblemCode};

use super::{load, page_limit, page_of, parse_cursor, query_error};
use crate::auth::context::Caller;
use crate::domain::access::{authorize, not_found};
use crate::domain::{VenueScope, sealed, time_range, validate};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::http::versioning::{created, if_match, tagged};
use crate::state::AppState;
use crate::store::{DocQuery, DocRecord, DocWrite, DomainError, Entity, StoreError, TableHold};

pub const MAX_PARTY: i64 = 1000;

/// The venue's tables, opened, by id (read once per request).
type Floor = std::collections::HashMap<Uuid, (DocRecord, venuedesk_api::front_desk::Table)>;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BookingQuery {
    /// RFC 3339 instant, or `YYYY-MM-DD` for the start of that day in the venue's time zone.
    pub from: Option<String>,
    /// RFC 3339 instant, or `YYYY-MM-DD` for the end of that day in the venue's time zone.
    pub to: Option<String>,
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

async fn doc_for(state: &AppState, vid: Uuid, b: &Booking, tables: Option<TableHold>) -> ApiResult<DocRecord> {
    Ok(DocRecord {
        entity: Entity::Booking,
        id: b.id,
        version: b.version,
        status: Some(b.status.as_str().to_owned()),
        starts_at: Some(b.starts_at),
        ends_at: Some(b.ends_at),
        party_size: Some(b.party_size),
        ref_id: b.customer_id,
        data_enc: sealed::seal(state, vid, b.id, b).await?,
        created_at: b.created_at,
        deleted: false,
        tables,
    })
}

/// Start (in UTC) and end of a booking; refuses one that ends in the past or starts more
/// than three years ahead. Checked arithmetic: no date can overflow into a panic.
pub(super) fn timing(
    starts_at: OffsetDateTime,
    duration: i64,
    now: OffsetDateTime,
) -> ApiResult<(OffsetDateTime, OffsetDateTime)> {
    let duration =
        validate::range("duration_minutes", duration, 1, crate::domain::capacity::LONGEST_BOOKING_MS / 60_000)?;
    let starts_at = validate::instant("starts_at", starts_at)?;
    if starts_at > now + Duration::days(3 * 365) {
        return Err(ApiError::validation("starts_at", "must be within three years"));
    }
    let ends_at = starts_at
        .checked_add(Duration::minutes(duration))
        .ok_or_else(|| ApiError::validation("starts_at", "is out of range"))?;
    if ends_at <= now {
        return Err(ApiError::validation("starts_at", "the booking would end in the past"));
    }
    Ok((starts_at, ends_at))
}

/// Marks a response as holding this booking's guest data, so erasure also deletes the
/// stored idempotent copy of it.
pub(super) fn subject(res: Response, vid: Uuid, booking: Uuid) -> Response {
    crate::idempotency::mark_subject(res, crate::audit::pii::booking_scope(vid, booking))
}

async fn check_customer(state: &AppState, scope: &VenueScope, customer: Option<Uuid>) -> ApiResult<()> {
    if let Some(c) = customer {
        // Another venue's customer id is as unknown as a made-up one.
        state.store.doc(scope.venue_id(), Entity::Customer, c).await?.filter(|d| !d.deleted).ok_or_else(not_found)?;
    }
    Ok(())
}

async fn audit_details(state: &AppState, vid: Uuid, b: &Booking) -> ApiResult<serde_json::Value> {
    let guest = sealed::pii(state, &sealed::guest_scope(vid, b.id), &b.guest_name).await?;
    Ok(json!({
        "guest_name": guest,
        "customer_id": b.customer_id,
        "party_size": b.party_size,
        "starts_at": crate::audit::chain::format_at(b.starts_at),
        "duration_minutes": b.duration_minutes,
        "status": b.status,
        "table_ids": b.table_ids,
        "source": b.source,
    }))
}

/// Most tables one booking may hold.
const MAX_TABLES_PER_BOOKING: usize = 10;

/// In a venue with tables: the booking must fall within the opening hours (when set; not a
/// walk-in) and gets the tables chosen (checked: this venue's, combinable, enough seats) or the smallest
/// free fit. `None` in a venue without tables, where the seat capacity applies instead.
/// The store checks the tables again under the venue's lock (`409 table_unavailable`).
async fn seat_on_tables(
    state: &AppState,
    scope: &VenueScope,
    floor: &Floor,
    b: &Booking,
    chosen: Option<&[Uuid]>,
) -> ApiResult<Option<TableHold>> {
    let vid = scope.venue_id();
    if floor.is_empty() {
        if chosen.is_some_and(|c| !c.is_empty()) {
            return Err(not_found());
        }
        return Ok(None);
    }
    let (_, set) = super::opening_hours::current(state, vid).await?;
    let hours = Hours::check(&set.weekly, &set.exceptions).map_err(|e| ApiError::internal(e.to_string()))?;
    let tz = validate::timezone("timezone", &scope.venue.timezone)?;
    // A walk-in is at the door: whoever is serving seats them, whatever the hours say
    // (they are for bookings ahead). Tables are still held as for any booking.
    let open = b.source == BookingSource::WalkIn
        || hours.is_empty()
        || hours.covers(tz, b.starts_at, b.ends_at).map_err(|e| ApiError::internal(e.to_string()))?;
    if !open {
        return Err(ApiError::validation("starts_at", "the booking is not within the venue's opening hours"));
    }
    let until = b
        .ends_at
        .checked_add(Duration::minutes(scope.venue.rules.turnover_minutes))
        .ok_or_else(|| ApiError::validation("starts_at", "is out of range"))?;
    let ids = match chosen {
        Some(ids) if !ids.is_empty() => {
            if ids.len() > MAX_TABLES_PER_BOOKING {
                return Err(ApiError::validation("table_ids", format!("at most {MAX_TABLES_PER_BOOKING} tables")));
            }
            let mut picked = Vec::new();
            for id in ids {
                let (_, t) = floor.get(id).ok_or_else(not_found)?;
                if picked.iter().any(|p: &&venuedesk_api::front_desk::Table| p.id == *id) {
                    return Err(ApiError::validation("table_ids", "names a table twice"));
                }
                picked.push(t);
            }
            for (i, a) in picked.iter().enumerate() {
                if let Some(b) = picked[i + 1..].iter().find(|b| !a.combinable_with.contains(&b.id)) {
                    return Err(ApiError::validation(
                        "table_ids",
                        format!("{} and {} cannot be pushed together", a.name, b.name),
                    ));
                }
            }
            let seats: i64 = picked.iter().map(|t| t.seats_max).sum();
            if seats < b.party_size {
                return Err(ApiError::validation("party_size", format!("the tables chosen seat {seats}")));
            }
            ids.to_vec()
        }
        _ => {
            let held: std::collections::HashSet<Uuid> =
                state.store.held_tables(vid, b.starts_at, until, b.id).await?.into_iter().collect();
            let tables: Vec<&venuedesk_api::front_desk::Table> = floor.values().map(|(_, t)| t).collect();
            crate::domain::seating::choose(&tables, &held, b.party_size).ok_or_else(|| {
                ApiError::with_detail(
                    ProblemCode::TableUnavailable,
                    format!("no free table (or pair of tables) seats {} then", b.party_size),
                )
            })?
        }
    };
    Ok(Some(TableHold { ids, until }))
}

/// Writes a new booking on its tables (or within the seat capacity), with `extra` writes in
/// the same transaction, audited as `action` on (`subject type`, id). A table picked here
/// can be taken by a booking committed meanwhile: then it picks again, unless the caller
/// chose the tables.
pub(super) async fn insert(
    state: &AppState,
    scope: &VenueScope,
    b: &mut Booking,
    chosen: Option<&[Uuid]>,
    extra: &[DocWrite],
    (action, subject_type, subject_id): (&str, &str, Uuid),
) -> ApiResult<()> {
    let vid = scope.venue_id();
    let floor = super::tables::all_tables(state, vid).await?;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let hold = seat_on_tables(state, scope, &floor, b, chosen).await?;
        b.table_ids = hold.as_ref().map(|h| h.ids.clone()).unwrap_or_default();
        let check_capacity = hold.is_none();
        let mut writes = vec![DocWrite { doc: doc_for(state, vid, b, hold).await?, expected_version: None }];
        writes.extend_from_slice(extra);
        let mut details = audit_details(state, vid, b).await?;
        if subject_id != b.id {
            details["booking_id"] = json!(b.id);
        }
        let audit = scope.audit(state, action, subject_type, Some(subject_id.to_string()), details);
        match state.store.write_docs(vid, &writes, check_capacity, &[], audit).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Domain(DomainError::TableUnavailable)) if chosen.is_none() && attempts < 3 => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// A walk-in: starts now (to the millisecond the wire carries), seated at once.
pub(super) fn walk_in_start(now: OffsetDateTime) -> OffsetDateTime {
    now.replace_nanosecond(now.millisecond() as u32 * 1_000_000).unwrap_or(now)
}

/// Whether a booking's tables still seat it and are free (but for itself) at its time.
async fn still_fits(state: &AppState, scope: &VenueScope, floor: &Floor, b: &Booking) -> ApiResult<bool> {
    let vid = scope.venue_id();
    let seats: i64 = b.table_ids.iter().filter_map(|t| floor.get(t)).map(|(_, t)| t.seats_max).sum();
    if seats < b.party_size || b.table_ids.iter().any(|t| !floor.contains_key(t)) {
        return Ok(false);
    }
    let until = b.ends_at.checked_add(Duration::minutes(scope.venue.rules.turnover_minutes)).unwrap_or(b.ends_at);
    let held = state.store.held_tables(vid, b.starts_at, until, b.id).await?;
    Ok(!b.table_ids.iter().any(|t| held.contains(t)))
}

/// Bookings by start time (`bookings:read`); without `from`/`to`: today in the venue's time zone.
#[utoipa::path(get, path = "/v1/venues/{vid}/bookings", tag = "bookings", security(("bearer" = [])), params(("vid" = Uuid, Path), BookingQuery),
    responses((status = 200, body = Page<Booking>), (status = 400, description = "`bad_request`: unparsable from/to or unknown status", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<BookingQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<Booking>>> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsRead)).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    let tz = validate::timezone("timezone", &scope.venue.timezone)?;
    let bad = |what: &str| {
        ApiError::with_detail(
            ProblemCode::BadRequest,
            format!("{what} must be an RFC 3339 instant or a YYYY-MM-DD date"),
        )
    };
    let (mut from, mut to) = match (&q.from, &q.to) {
        (None, None) => {
            let (s, e) = time_range::today(tz, state.clock.now()).ok_or_else(|| ApiError::internal("no today"))?;
            (Some(s), Some(e))
        }
        _ => (None, None),
    };
    if let Some(f) = &q.from {
        from = Some(validate::instant("from", time_range::parse_bound(tz, f).ok_or_else(|| bad("from"))?.0)?);
    }
    if let Some(t) = &q.to {
        let (start, day_end) = time_range::parse_bound(tz, t).ok_or_else(|| bad("to"))?;
        to = Some(validate::instant("to", day_end.unwrap_or(start))?);
    }
    if let Some(s) = &q.status
        && s.parse::<BookingStatus>().is_err()
    {
        return Err(ApiError::with_detail(
            ProblemCode::BadRequest,
            format!("status must be one of {}", BookingStatus::one_of()),
        ));
    }
    let query = DocQuery {
        status: q.status.clone(),
        starts_from: from,
        starts_before: to,
        after: parse_cursor(q.cursor.as_deref())?,
        by_start: true,
        ..DocQuery::default()
    };
    Ok(Json(page_of(&state, vid, Entity::Booking, query, limit).await?))
}

/// Book a table (`bookings:write`): confirmed at once when the seats are free.
#[utoipa::path(post, path = "/v1/venues/{vid}/bookings", tag = "bookings", security(("bearer" = [])), params(("vid" = Uuid, Path)), request_body = NewBooking,
    responses((status = 201, body = Booking), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` (venue, or a `customer_id` not of this venue)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`capacity_exceeded` or `id_conflict`", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewBooking>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsWrite)).await?;
    let now = state.clock.now();
    let source = body.source.unwrap_or_default();
    let walk_in = source == BookingSource::WalkIn;
    // A walk-in starts now, to the millisecond the wire carries.
    let starts_at = if walk_in { walk_in_start(now) } else { body.starts_at };
    let (starts_at, ends_at) = timing(starts_at, body.duration_minutes, now)?;
    let mut b = Booking {
        id: body.id.unwrap_or_else(Uuid::now_v7),
        guest_name: validate::text("guest_name", &body.guest_name, 100)?,
        customer_id: body.customer_id,
        party_size: validate::range("party_size", body.party_size, 1, MAX_PARTY)?,
        starts_at,
        ends_at,
        duration_minutes: body.duration_minutes,
        status: if walk_in { BookingStatus::Seated } else { BookingStatus::Confirmed },
        notes: validate::optional_text("notes", body.notes.as_deref(), 1000)?,
        version: 1,
        created_at: now,
        table_ids: Vec::new(),
        source,
    };
    check_customer(&state, &scope, b.customer_id).await?;
    let id = b.id;
    insert(&state, &scope, &mut b, body.table_ids.as_deref(), &[], ("booking.create", "booking", id)).await?;
    let res = created(b.version, &b);
    Ok(subject(res, vid, b.id))
}

/// One booking (`bookings:read`).
#[utoipa::path(get, path = "/v1/venues/{vid}/bookings/{id}", tag = "bookings", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = Booking), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsRead)).await?;
    let (doc, mut b): (_, Booking) = load(&state, &scope, Entity::Booking, id).await?;
    b.version = doc.version;
    Ok(tagged(b.version, &b))
}

/// Change a confirmed or seated booking (`bookings:write`, `If-Match`); capacity is checked again.
#[utoipa::path(patch, path = "/v1/venues/{vid}/bookings/{id}", tag = "bookings", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path), ("If-Match" = String, Header)), request_body = BookingPatch,
    responses((status = 200, body = Booking), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`capacity_exceeded`, or `invalid_transition` for a finished booking", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`precondition_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<BookingPatch>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsWrite)).await?;
    let expected = if_match(&headers)?;
    let (doc, mut b): (_, Booking) = load(&state, &scope, Entity::Booking, id).await?;
    crate::http::versioning::check(expected, doc.version)?;
    if !b.status.may_be_changed() {
        return Err(ApiError::with_detail(
            ProblemCode::InvalidTransition,
            format!("a {} booking cannot be changed", b.status),
        ));
    }
    if let Some(v) = &body.guest_name {
        b.guest_name = validate::text("guest_name", v, 100)?;
    }
    if let Some(v) = body.customer_id {
        check_customer(&state, &scope, v).await?;
        b.customer_id = v;
    }
    if let Some(v) = body.party_size {
        b.party_size = validate::range("party_size", v, 1, MAX_PARTY)?;
    }
    if let Some(v) = body.starts_at {
        b.starts_at = v;
    }
    if let Some(v) = body.duration_minutes {
        b.duration_minutes = v;
    }
    if body.starts_at.is_some() || body.duration_minutes.is_some() {
        (b.starts_at, b.ends_at) = timing(b.starts_at, b.duration_minutes, state.clock.now())?;
    }
    if let Some(v) = body.notes {
        b.notes = validate::optional_text("notes", v.as_deref(), 1000)?;
    }
    // On tables: a new time, size or table is checked (hours, seats, free), keeping its
    // tables unless others are named or they no longer fit (too few seats, taken at the new
    // time): then, like a booking that has none yet, it gets the smallest free fit.
    let moved = body.starts_at.is_some()
        || body.duration_minutes.is_some()
        || body.party_size.is_some()
        || body.table_ids.is_some();
    let floor = super::tables::all_tables(&state, vid).await?;
    let on_tables = !floor.is_empty();
    let hold = if moved && on_tables {
        let keep =
            body.table_ids.is_none() && !b.table_ids.is_empty() && still_fits(&state, &scope, &floor, &b).await?;
        let current = keep.then(|| b.table_ids.clone());
        seat_on_tables(&state, &scope, &floor, &b, body.table_ids.as_deref().or(current.as_deref())).await?
    } else if body.table_ids.as_ref().is_some_and(|t| !t.is_empty()) {
        return Err(not_found());
    } else {
        None
    };
    if let Some(h) = &hold {
        b.table_ids = h.ids.clone();
    }
    let check_capacity = !on_tables;
    b.version = doc.version + 1;
    let new_doc = doc_for(&state, vid, &b, hold).await?;
    let audit =
        scope.audit(&state, "booking.update", "booking", Some(id.to_string()), audit_details(&state, vid, &b).await?);
    state
        .store
        .write_docs(vid, &[DocWrite { doc: new_doc, expected_version: Some(doc.version) }], check_capacity, &[], audit)
        .await?;
    Ok(subject(tagged(b.version, &b), vid, b.id))
}

async fn transition(
    state: AppState,
    ip: ClientIp,
    auth: Caller,
    vid: Uuid,
    id: Uuid,
    action: BookingAction,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsWrite)).await?;
    // No If-Match here: a concurrent change is retried on fresh data, the machine decides.
    for _ in 0..3 {
        let (doc, mut b): (_, Booking) = load(&state, &scope, Entity::Booking, id).await?;
        let next = action
            .apply(b.status)
            .map_err(|refused| ApiError::with_detail(ProblemCode::InvalidTransition, refused.to_string()))?;
        b.status = next;
        b.version = doc.version + 1;
        let new_doc = doc_for(&state, vid, &b, None).await?;
        let verb = action.as_str().replace('-', "_");
        let audit =
            scope.audit(&state, &format!("booking.{verb}"), "booking", Some(id.to_string()), json!({ "status": next }));
        match state
            .store
            .write_docs(vid, &[DocWrite { doc: new_doc, expected_version: Some(doc.version) }], false, &[], audit)
            .await
        {
            Ok(()) => return Ok(subject(tagged(b.version, &b), vid, b.id)),
            Err(StoreError::Domain(DomainError::VersionMismatch(_))) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::with_detail(ProblemCode::VersionMismatch, "the booking kept changing; retry"))
}

macro_rules! transition_route {
    ($name:ident, $path:literal, $action:expr, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = "bookings", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
            responses((status = 200, body = Booking), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "`invalid_transition`", body = Problem, content_type = "application/problem+json")))]
        pub async fn $name(State(state): State<AppState>, Extension(ip): Extension<ClientIp>, auth: Caller, Path((vid, id)): Path<(Uuid, Uuid)>) -> ApiResult<Response> {
            transition(state, ip, auth, vid, id, $action).await
        }
    };
}

transition_route!(
    seat,
    "/v1/venues/{vid}/bookings/{id}/seat",
    BookingAction::Seat,
    "Seat the party: confirmed → seated (`bookings:write`)."
);
transition_route!(
    complete,
    "/v1/venues/{vid}/bookings/{id}/complete",
    BookingAction::Complete,
    "Seated → completed (`bookings:write`)."
);
transition_route!(
    cancel,
    "/v1/venues/{vid}/bookings/{id}/cancel",
    BookingAction::Cancel,
    "Confirmed → cancelled (`bookings:write`)."
);
transition_route!(
    no_show,
    "/v1/venues/{vid}/bookings/{id}/no-show",
    BookingAction::NoShow,
    "Confirmed → no_show (`bookings:write`)."
);
