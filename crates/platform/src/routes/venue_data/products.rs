//! The menu: products with prices in minor units.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::Problem;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::{NewProduct, Page, Product, ProductPatch};

use super::{load, page_limit, page_of, parse_cursor, query_error};
use crate::auth::context::Caller;
use crate::domain::access::authorize;
use crate::domain::{sealed, validate};
use crate::error::ApiResult;
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::http::versioning::{created, if_match, tagged};
use crate::state::AppState;
use crate::store::{DocQuery, DocRecord, DocWrite, Entity};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProductQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

async fn doc_for(state: &AppState, vid: Uuid, p: &Product, created_at: time::OffsetDateTime) -> ApiResult<DocRecord> {
    Ok(DocRecord {
        entity: Entity::Product,
        id: p.id,
        version: p.version,
        status: None,
        starts_at: None,
        ends_at: None,
        party_size: None,
        ref_id: None,
        data_enc: sealed::seal(state, vid, p.id, p).await?,
        created_at,
        deleted: false,
        tables: None,
    })
}

fn details(p: &Product) -> serde_json::Value {
    json!({ "name": p.name, "category": p.category, "price_cents": p.price_cents, "currency": p.currency, "available": p.available })
}

/// The venue's products (`products:read`).
#[utoipa::path(get, path = "/v1/venues/{vid}/products", tag = "products", security(("bearer" = [])), params(("vid" = Uuid, Path), ProductQuery),
    responses((status = 200, body = Page<Product>), (status = 400, description = "`bad_request`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<ProductQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<Product>>> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::ProductsRead)).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    let query = DocQuery { after: parse_cursor(q.cursor.as_deref())?, ..DocQuery::default() };
    Ok(Json(page_of(&state, scope.venue_id(), Entity::Product, query, limit).await?))
}

/// Add a product (`products:write`). An optional client-chosen `id` makes offline creates safe.
#[utoipa::path(post, path = "/v1/venues/{vid}/products", tag = "products", security(("bearer" = [])), params(("vid" = Uuid, Path)), request_body = NewProduct,
    responses((status = 201, body = Product), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`id_conflict`", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewProduct>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::ProductsWrite)).await?;
    let p = Product {
        id: body.id.unwrap_or_else(Uuid::now_v7),
        name: validate::text("name", &body.name, 100)?,
        category: validate::text("category", &body.category, 60)?,
        price_cents: validate::range("price_cents", body.price_cents, 0, 100_000_000)?,
        currency: validate::currency("currency", &body.currency)?,
        available: body.available,
        version: 1,
    };
    let doc = doc_for(&state, vid, &p, state.clock.now()).await?;
    let audit = scope.audit(&state, "product.create", "product", Some(p.id.to_string()), details(&p));
    state.store.write_docs(vid, &[DocWrite { doc, expected_version: None }], false, &[], audit).await?;
    let res = created(p.version, &p);
    Ok(res)
}

/// Change a product (`products:write`, `If-Match`).
#[utoipa::path(patch, path = "/v1/venues/{vid}/products/{id}", tag = "products", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path), ("If-Match" = String, Header)), request_body = ProductPatch,
    responses((status = 200, body = Product), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`precondition_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ProductPatch>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::ProductsWrite)).await?;
    let expected = if_match(&headers)?;
    let (doc, mut p): (_, Product) = load(&state, &scope, Entity::Product, id).await?;
    crate::http::versioning::check(expected, doc.version)?;
    if let Some(v) = &body.name {
        p.name = validate::text("name", v, 100)?;
    }
    if let Some(v) = &body.category {
        p.category = validate::text("category", v, 60)?;
    }
    if let Some(v) = body.price_cents {
        p.price_cents = validate::range("price_cents", v, 0, 100_000_000)?;
    }
    if let Some(v) = &body.currency {
        p.currency = validate::currency("currency", v)?;
    }
    if let Some(v) = body.available {
        p.available = v;
    }
    p.version = doc.version + 1;
    let new_doc = doc_for(&state, vid, &p, doc.created_at).await?;
    let audit = scope.audit(&state, "product.update", "product", Some(id.to_string()), details(&p));
    state
        .store
        .write_docs(vid, &[DocWrite { doc: new_doc, expected_version: Some(doc.version) }], false, &[], audit)
        .await?;
    Ok(tagged(p.version, &p))
}
