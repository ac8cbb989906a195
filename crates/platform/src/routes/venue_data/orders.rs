//! Orders: totals computed here from the venue's product prices, and the kitchen's status
//! machine.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::{NewOrder, Order, OrderItem, OrderStatusChange, Page, Product};
use venuedesk_api::{OrderStatus, Problem, ProblemCode};

use super::{load, page_limit, page_of, parse_cursor, query_error};
use crate::auth::context::Caller;
use crate::domain::access::{authorize, not_found};
use crate::domain::{sealed, validate};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::http::versioning::{created, tagged};
use crate::state::AppState;
use crate::store::{DocQuery, DocRecord, DocWrite, DomainError, Entity, StoreError};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    pub status: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub(crate) async fn doc_for(state: &AppState, vid: Uuid, o: &Order) -> ApiResult<DocRecord> {
    Ok(DocRecord {
        entity: Entity::Order,
        id: o.id,
        version: o.version,
        status: Some(o.status.as_str().to_owned()),
        starts_at: None,
        ends_at: None,
        party_size: None,
        ref_id: o.booking_id,
        data_enc: sealed::seal(state, vid, o.id, o).await?,
        created_at: o.created_at,
        deleted: false,
        tables: None,
    })
}

/// Orders, oldest first (`orders:read`), optionally by status.
#[utoipa::path(get, path = "/v1/venues/{vid}/orders", tag = "orders", security(("bearer" = [])), params(("vid" = Uuid, Path), OrderQuery),
    responses((status = 200, body = Page<Order>), (status = 400, description = "`bad_request`: unknown status", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<OrderQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<Order>>> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::OrdersRead)).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    if let Some(s) = &q.status
        && s.parse::<OrderStatus>().is_err()
    {
        return Err(ApiError::with_detail(
            ProblemCode::BadRequest,
            format!("status must be one of {}", OrderStatus::one_of()),
        ));
    }
    let query = DocQuery { status: q.status.clone(), after: parse_cursor(q.cursor.as_deref())?, ..DocQuery::default() };
    let mut page: Page<Order> = page_of(&state, vid, Entity::Order, query, limit).await?;
    // Orders awaiting payment are for those who handle payments, not the kitchen.
    if !scope.may(Permission::PaymentsManage) {
        page.items.retain(|o| o.status != OrderStatus::AwaitingPayment);
    }
    Ok(Json(page))
}

/// Place an order (`orders:write`); prices and the total come from the venue's products.
#[utoipa::path(post, path = "/v1/venues/{vid}/orders", tag = "orders", security(("bearer" = [])), params(("vid" = Uuid, Path)), request_body = NewOrder,
    responses((status = 201, body = Order), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`: venue, or a `product_id`/`booking_id` not of this venue", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`id_conflict`", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewOrder>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::OrdersWrite)).await?;
    if body.items.is_empty() || body.items.len() > 100 {
        return Err(ApiError::validation("items", "must hold 1-100 items"));
    }
    if let Some(b) = body.booking_id {
        state.store.doc(vid, Entity::Booking, b).await?.filter(|d| !d.deleted).ok_or_else(not_found)?;
    }
    let mut items = Vec::new();
    let mut currency: Option<String> = None;
    let mut total: i64 = 0;
    for (i, item) in body.items.iter().enumerate() {
        let quantity = validate::range(&format!("items[{i}].quantity"), item.quantity, 1, 100)?;
        let (_, product): (_, Product) = load(&state, &scope, Entity::Product, item.product_id).await?;
        if !product.available {
            return Err(ApiError::validation(
                &format!("items[{i}].product_id"),
                format!("{} is not available", product.name),
            ));
        }
        match &currency {
            Some(c) if *c != product.currency => {
                return Err(ApiError::validation("items", "all products of an order must share one currency"));
            }
            _ => currency = Some(product.currency.clone()),
        }
        total += product.price_cents * quantity;
        items.push(OrderItem {
            product_id: product.id,
            name: product.name,
            quantity,
            unit_price_cents: product.price_cents,
            notes: validate::optional_text(&format!("items[{i}].notes"), item.notes.as_deref(), 200)?,
        });
    }
    let status = match body.payment.as_deref() {
        None | Some("none") => OrderStatus::Received,
        Some("required") => {
            if state.store.payment_settings(vid).await?.is_none() {
                return Err(ApiError::validation("payment", "this venue has no payment provider set up"));
            }
            OrderStatus::AwaitingPayment
        }
        Some(_) => return Err(ApiError::validation("payment", "must be \"required\" or \"none\"")),
    };
    let o = Order {
        id: body.id.unwrap_or_else(Uuid::now_v7),
        status,
        items,
        total_cents: total,
        currency: currency.unwrap_or_default(),
        booking_id: body.booking_id,
        table_label: validate::optional_text("table_label", body.table_label.as_deref(), 40)?,
        version: 1,
        created_at: state.clock.now(),
    };
    let doc = doc_for(&state, vid, &o).await?;
    let audit = scope.audit(&state, "order.create", "order", Some(o.id.to_string()), json!({ "items": o.items.len(), "total_cents": o.total_cents, "currency": o.currency, "booking_id": o.booking_id }));
    state.store.write_docs(vid, &[DocWrite { doc, expected_version: None }], false, &[], audit).await?;
    Ok(holds_guest_data(created(o.version, &o), vid, o.booking_id))
}

/// An order linked to a booking may carry text about its guest (table label, item notes):
/// its stored idempotent answer is erased with the booking's customer.
fn holds_guest_data(res: Response, vid: Uuid, booking: Option<Uuid>) -> Response {
    match booking {
        Some(b) => crate::idempotency::mark_subject(res, crate::audit::pii::booking_scope(vid, b)),
        None => res,
    }
}

/// Move an order along (`orders:write`): received → preparing → ready → served, or to
/// cancelled before it is served.
#[utoipa::path(post, path = "/v1/venues/{vid}/orders/{id}/status", tag = "orders", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)), request_body = OrderStatusChange,
    responses((status = 200, body = Order), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_transition`", body = Problem, content_type = "application/problem+json")))]
pub async fn set_status(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<OrderStatusChange>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::OrdersWrite)).await?;
    let to = body
        .target()
        .map_err(|_| ApiError::validation("status", format!("must be one of {}", OrderStatus::one_of())))?;
    for _ in 0..3 {
        let (doc, mut o): (_, Order) = load(&state, &scope, Entity::Order, id).await?;
        let next = o
            .status
            .move_to(to)
            .map_err(|refused| ApiError::with_detail(ProblemCode::InvalidTransition, refused.to_string()))?;
        let from = std::mem::replace(&mut o.status, next);
        o.version = doc.version + 1;
        let new_doc = doc_for(&state, vid, &o).await?;
        let audit =
            scope.audit(&state, "order.status", "order", Some(id.to_string()), json!({ "from": from, "to": o.status }));
        match state
            .store
            .write_docs(vid, &[DocWrite { doc: new_doc, expected_version: Some(doc.version) }], false, &[], audit)
            .await
        {
            Ok(()) => return Ok(holds_guest_data(tagged(o.version, &o), vid, o.booking_id)),
            Err(StoreError::Domain(DomainError::VersionMismatch(_))) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::with_detail(ProblemCode::VersionMismatch, "the order kept changing; retry"))
}
