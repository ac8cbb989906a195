//! A venue's data: products, customers, bookings, orders, the change feed and the audit
//! trail. Every handler starts from a `VenueScope`, so every query is scoped by venue.

pub mod audit;
pub mod availability;
pub mod bookings;
pub mod customers;
pub mod feed;
pub mod opening_hours;
pub mod orders;
pub mod products;
pub mod tables;
pub mod waitlist;

use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use uuid::Uuid;
use venuedesk_api::ProblemCode;

use crate::domain::VenueScope;
use crate::domain::access::not_found;
use crate::domain::sealed;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{DocRecord, Entity};

pub fn page_limit(limit: Option<u32>) -> ApiResult<u32> {
    let l = limit.unwrap_or(50);
    if !(1..=200).contains(&l) {
        return Err(ApiError::with_detail(ProblemCode::BadRequest, "limit must be between 1 and 200"));
    }
    Ok(l)
}

/// Cursor `<sort key ms>.<id>` of the last item of a page.
pub fn cursor(key: OffsetDateTime, id: Uuid) -> String {
    format!("{}.{id}", key.unix_timestamp_nanos() / 1_000_000)
}

pub fn parse_cursor(c: Option<&str>) -> ApiResult<Option<(i64, Uuid)>> {
    let Some(c) = c else { return Ok(None) };
    let bad = || ApiError::with_detail(ProblemCode::BadRequest, "malformed cursor");
    let (k, id) = c.split_once('.').ok_or_else(bad)?;
    Ok(Some((k.parse().map_err(|_| bad())?, Uuid::parse_str(id).map_err(|_| bad())?)))
}

/// A live document of this venue, opened; 404 when missing, erased, or another venue's.
pub async fn load<T: DeserializeOwned>(
    state: &AppState,
    scope: &VenueScope,
    entity: Entity,
    id: Uuid,
) -> ApiResult<(DocRecord, T)> {
    let doc = state.store.doc(scope.venue_id(), entity, id).await?.filter(|d| !d.deleted).ok_or_else(not_found)?;
    let value = sealed::open(state, scope.venue_id(), &doc).await?;
    Ok((doc, value))
}

/// Venue documents that carry the store's version.
pub trait Versioned {
    fn set_version(&mut self, version: i64);
}

macro_rules! versioned {
    ($($t:ty),+) => { $(impl Versioned for $t { fn set_version(&mut self, version: i64) { self.version = version; } })+ };
}
versioned!(
    venuedesk_api::venue::Product,
    venuedesk_api::venue::Customer,
    venuedesk_api::venue::Booking,
    venuedesk_api::venue::Order,
    venuedesk_api::front_desk::Table,
    venuedesk_api::front_desk::WaitlistEntry
);

/// One page of documents: `limit` items opened, their versions set, and the cursor of the
/// last one when there are more (by start time for bookings, else by creation).
pub async fn page_of<T: DeserializeOwned + Versioned>(
    state: &AppState,
    venue_id: Uuid,
    entity: Entity,
    mut query: crate::store::DocQuery,
    limit: u32,
) -> ApiResult<venuedesk_api::venue::Page<T>> {
    query.limit = limit + 1;
    let docs = state.store.docs(venue_id, entity, &query).await?;
    let more = docs.len() > limit as usize;
    let mut items = Vec::with_capacity(docs.len().min(limit as usize));
    for d in docs.iter().take(limit as usize) {
        let mut item: T = sealed::open(state, venue_id, d).await?;
        item.set_version(d.version);
        items.push(item);
    }
    let next_cursor = if more {
        docs.get(limit as usize - 1).and_then(|d| {
            let key = if query.by_start { d.starts_at } else { Some(d.created_at) };
            key.map(|k| cursor(k, d.id))
        })
    } else {
        None
    };
    Ok(venuedesk_api::venue::Page { items, next_cursor })
}

/// 400 for query parameters that fail to parse (wrong types, unknown names).
pub fn query_error(e: axum::extract::rejection::QueryRejection) -> ApiError {
    ApiError::with_detail(ProblemCode::BadRequest, e.body_text())
}
