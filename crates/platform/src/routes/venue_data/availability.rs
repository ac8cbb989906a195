//! The front desk's question, "a table for four at eight?": every bookable start time of a
//! venue-local date for a party, with the tables it would get.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde::Deserialize;
use uuid::Uuid;
use venuedesk_api::Problem;
use venuedesk_api::front_desk::{AvailableSlot, SlotAvailability, Table};
use venuedesk_api::opening_hours::Hours;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue_time;

use super::bookings::MAX_PARTY;
use super::query_error;
use crate::auth::context::Caller;
use crate::domain::access::authorize;
use crate::domain::availability::{HeldTable, Search, Seats, slots};
use crate::domain::capacity::{LONGEST_BOOKING_MS, Occupancy};
use crate::domain::validate;
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::state::AppState;
use crate::store::{DocQuery, Entity, ms};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityQuery {
    /// `YYYY-MM-DD`, venue-local.
    pub date: String,
    pub party_size: i64,
}

/// Seats held by confirmed and seated bookings that may overlap `[from, until)` (a venue
/// without tables).
async fn occupancy(
    state: &AppState,
    vid: Uuid,
    from: time::OffsetDateTime,
    until: time::OffsetDateTime,
) -> ApiResult<Vec<Occupancy>> {
    let mut held = Vec::new();
    let mut after = None;
    loop {
        let query = DocQuery {
            starts_from: Some(from - time::Duration::milliseconds(LONGEST_BOOKING_MS)),
            starts_before: Some(until),
            by_start: true,
            after,
            limit: 500,
            ..DocQuery::default()
        };
        let page = state.store.docs(vid, Entity::Booking, &query).await?;
        for d in page.iter().filter(|d| matches!(d.status.as_deref(), Some("confirmed" | "seated"))) {
            if let (Some(s), Some(e), Some(p)) = (d.starts_at, d.ends_at, d.party_size) {
                held.push(Occupancy { starts_at: ms(s), ends_at: ms(e), party: p });
            }
        }
        match page.last() {
            Some(last) if page.len() == 500 => after = Some((ms(last.starts_at.unwrap_or(last.created_at)), last.id)),
            _ => return Ok(held),
        }
    }
}

/// The default duration for `party`, and the starts on `date` (venue-local) from `earliest`
/// on: the venue's tables, opening hours and rules when it has tables, else its seats. The
/// front desk asks with `earliest` now; a website (publishable key) with now plus the
/// minimum notice.
pub(crate) async fn open_starts(
    state: &AppState,
    venue: &crate::store::VenueRecord,
    date: chrono::NaiveDate,
    party: i64,
    earliest: time::OffsetDateTime,
) -> ApiResult<(i64, Vec<crate::domain::availability::Slot>)> {
    let vid = venue.id;
    let tz = validate::timezone("timezone", &venue.timezone)?;
    let (day_start, day_end) =
        venue_time::day_range(tz, date).map_err(|_| ApiError::validation("date", "is out of range"))?;
    let rules = &venue.rules;
    let (_, set) = super::opening_hours::current(state, vid).await?;
    let hours = Hours::check(&set.weekly, &set.exceptions).map_err(|e| ApiError::internal(e.to_string()))?;
    // Periods open on the date and may run into the next morning; a booking's hold runs
    // past it by its duration and the turnover.
    let (from, until) = (day_start, day_end + time::Duration::days(1));
    let floor: HashMap<Uuid, (_, Table)> = super::tables::all_tables(state, vid).await?;
    let tables: Vec<&Table> = floor.values().map(|(_, t)| t).collect();
    let search = Search { tz, date, party, rules, hours: &hours, earliest };
    let found = if tables.is_empty() {
        let bookings = occupancy(state, vid, from, until).await?;
        slots(&search, &Seats::Capacity { capacity: venue.capacity, bookings: &bookings })
    } else {
        let held: Vec<HeldTable> = state
            .store
            .table_holds(vid, from, until)
            .await?
            .into_iter()
            .map(|(table, from, until)| HeldTable { table, from, until })
            .collect();
        slots(&search, &Seats::Tables { tables: &tables, held: &held })
    }
    .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((rules.duration_for(party), found))
}

/// Bookable start times for a party on a date (`bookings:read`): on the venue's slot grid,
/// within its opening hours (all day when none are set), from now on, where a booking of
/// the default duration for that party size gets a free table (or pair of tables that
/// combine) until its end plus the turnover — or, without tables, fits the seat capacity.
/// Each slot names the tables a booking then would get; booking it is checked again.
#[utoipa::path(get, path = "/v1/venues/{vid}/availability", tag = "floor", security(("bearer" = [])), params(("vid" = Uuid, Path), AvailabilityQuery),
    responses((status = 200, body = SlotAvailability), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `date` or `party_size`", body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<AvailabilityQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<SlotAvailability>> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::BookingsRead)).await?;
    let Query(q) = q.map_err(query_error)?;
    let party = validate::range("party_size", q.party_size, 1, MAX_PARTY)?;
    let date =
        venue_time::parse_date(&q.date).map_err(|_| ApiError::validation("date", "must be a date YYYY-MM-DD"))?;
    let (duration, found) = open_starts(&state, &scope.venue, date, party, state.clock.now()).await?;
    Ok(Json(SlotAvailability {
        date: q.date,
        party_size: party,
        duration_minutes: duration,
        slots: found.into_iter().map(|s| AvailableSlot { starts_at: s.starts_at, tables: s.tables }).collect(),
    }))
}
