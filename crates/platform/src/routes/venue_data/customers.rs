//! Customers: contact details, allergens and dietary notes, sealed at rest; export
//! (GDPR Art. 15/20) and erasure (Art. 17) by destroying the customer's key.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::Problem;
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::{Booking, Customer, CustomerExport, CustomerPatch, NewCustomer, Order, Page};

use super::{load, page_limit, page_of, parse_cursor, query_error};
use crate::audit::pii;
use crate::auth::context::Caller;
use crate::domain::access::authorize;
use crate::domain::{VenueScope, sealed, validate};
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::http::versioning::{created, if_match, tagged};
use crate::state::AppState;
use crate::store::{DocQuery, DocRecord, DocWrite, Entity};

pub const ERASED_GUEST: &str = "Erased guest";

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CustomerQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

async fn doc_for(state: &AppState, vid: Uuid, c: &Customer, created_at: time::OffsetDateTime) -> ApiResult<DocRecord> {
    Ok(DocRecord {
        entity: Entity::Customer,
        id: c.id,
        version: c.version,
        status: None,
        starts_at: None,
        ends_at: None,
        party_size: None,
        ref_id: None,
        data_enc: sealed::seal(state, vid, c.id, c).await?,
        created_at,
        deleted: false,
        tables: None,
    })
}

fn check(c: Customer) -> ApiResult<Customer> {
    let email = match c.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => Some(
            crate::auth::normalize_email(e)
                .ok_or_else(|| ApiError::validation("email", "must be a valid ASCII email address"))?,
        ),
        None => None,
    };
    Ok(Customer {
        name: validate::text("name", &c.name, 100)?,
        email,
        phone: validate::optional_text("phone", c.phone.as_deref(), 40)?,
        allergens: validate::allergens(&c.allergens)?,
        dietary_notes: validate::optional_text("dietary_notes", c.dietary_notes.as_deref(), 1000)?,
        ..c
    })
}

/// The venue's customers (`customers:read`).
#[utoipa::path(get, path = "/v1/venues/{vid}/customers", tag = "customers", security(("bearer" = [])), params(("vid" = Uuid, Path), CustomerQuery),
    responses((status = 200, body = Page<Customer>), (status = 400, description = "`bad_request`", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    q: Result<Query<CustomerQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<Page<Customer>>> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::CustomersRead)).await?;
    let Query(q) = q.map_err(query_error)?;
    let limit = page_limit(q.limit)?;
    let query = DocQuery { after: parse_cursor(q.cursor.as_deref())?, ..DocQuery::default() };
    Ok(Json(page_of(&state, scope.venue_id(), Entity::Customer, query, limit).await?))
}

/// Add a customer (`customers:write`).
#[utoipa::path(post, path = "/v1/venues/{vid}/customers", tag = "customers", security(("bearer" = [])), params(("vid" = Uuid, Path)), request_body = NewCustomer,
    responses((status = 201, body = Customer), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`id_conflict`", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<NewCustomer>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::CustomersWrite)).await?;
    let c = check(Customer {
        id: body.id.unwrap_or_else(Uuid::now_v7),
        name: body.name,
        email: body.email,
        phone: body.phone,
        allergens: body.allergens,
        dietary_notes: body.dietary_notes,
        version: 1,
    })?;
    let doc = doc_for(&state, vid, &c, state.clock.now()).await?;
    let name = sealed::pii(&state, &pii::customer_scope(vid, c.id), &c.name).await?;
    let audit = scope.audit(&state, "customer.create", "customer", Some(c.id.to_string()), json!({ "name": name }));
    state.store.write_docs(vid, &[DocWrite { doc, expected_version: None }], false, &[], audit).await?;
    let res = created(c.version, &c);
    Ok(subject(res, vid, c.id))
}

/// One customer (`customers:read`).
#[utoipa::path(get, path = "/v1/venues/{vid}/customers/{id}", tag = "customers", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = Customer), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` (also once erased)", body = Problem, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::CustomersRead)).await?;
    let (doc, mut c): (_, Customer) = load(&state, &scope, Entity::Customer, id).await?;
    c.version = doc.version;
    Ok(tagged(c.version, &c))
}

/// Change a customer (`customers:write`, `If-Match`). `null` clears an optional field.
#[utoipa::path(patch, path = "/v1/venues/{vid}/customers/{id}", tag = "customers", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path), ("If-Match" = String, Header)), request_body = CustomerPatch,
    responses((status = 200, body = Customer), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`version_mismatch`", body = Problem, content_type = "application/problem+json"),
        (status = 428, description = "`precondition_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn patch(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CustomerPatch>,
) -> ApiResult<Response> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::CustomersWrite)).await?;
    let expected = if_match(&headers)?;
    let (doc, mut c): (_, Customer) = load(&state, &scope, Entity::Customer, id).await?;
    crate::http::versioning::check(expected, doc.version)?;
    let mut fields = Vec::new();
    if let Some(v) = body.name {
        c.name = v;
        fields.push("name");
    }
    if let Some(v) = body.email {
        c.email = v;
        fields.push("email");
    }
    if let Some(v) = body.phone {
        c.phone = v;
        fields.push("phone");
    }
    if let Some(v) = body.allergens {
        c.allergens = v;
        fields.push("allergens");
    }
    if let Some(v) = body.dietary_notes {
        c.dietary_notes = v;
        fields.push("dietary_notes");
    }
    let mut c = check(c)?;
    c.version = doc.version + 1;
    let new_doc = doc_for(&state, vid, &c, doc.created_at).await?;
    let audit = scope.audit(&state, "customer.update", "customer", Some(id.to_string()), json!({ "fields": fields }));
    state
        .store
        .write_docs(vid, &[DocWrite { doc: new_doc, expected_version: Some(doc.version) }], false, &[], audit)
        .await?;
    Ok(subject(tagged(c.version, &c), vid, c.id))
}

/// Marks a response as holding this customer's data, so erasure also deletes the stored
/// idempotent copy of it.
fn subject(res: Response, vid: Uuid, customer: Uuid) -> Response {
    crate::idempotency::mark_subject(res, pii::customer_scope(vid, customer))
}

async fn bookings_of(state: &AppState, scope: &VenueScope, customer: Uuid) -> ApiResult<Vec<(DocRecord, Booking)>> {
    let query = DocQuery { ref_id: Some(customer), limit: 100_000, by_start: true, ..DocQuery::default() };
    let mut out = Vec::new();
    for d in state.store.docs(scope.venue_id(), Entity::Booking, &query).await? {
        let mut b: Booking = sealed::open(state, scope.venue_id(), &d).await?;
        b.version = d.version;
        out.push((d, b));
    }
    Ok(out)
}

/// Everything held about a customer: profile, bookings and their orders (`customers:read`).
/// The export itself is audited.
#[utoipa::path(get, path = "/v1/venues/{vid}/customers/{id}/export", tag = "customers", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = CustomerExport), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` (also once erased)", body = Problem, content_type = "application/problem+json")))]
pub async fn export(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<Json<CustomerExport>> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::CustomersRead)).await?;
    let (doc, mut customer): (_, Customer) = load(&state, &scope, Entity::Customer, id).await?;
    customer.version = doc.version;
    let bookings = bookings_of(&state, &scope, id).await?;
    let mut orders = Vec::new();
    for (_, b) in &bookings {
        let query = DocQuery { ref_id: Some(b.id), limit: 100_000, ..DocQuery::default() };
        for d in state.store.docs(vid, Entity::Order, &query).await? {
            let mut o: Order = sealed::open(&state, vid, &d).await?;
            o.version = d.version;
            orders.push(o);
        }
    }
    let audit = scope.audit(
        &state,
        "customer.export",
        "customer",
        Some(id.to_string()),
        json!({ "bookings": bookings.len(), "orders": orders.len() }),
    );
    state.store.append_audit(audit).await?;
    Ok(Json(CustomerExport {
        customer,
        bookings: bookings.into_iter().map(|(_, b)| b).collect(),
        orders,
        exported_at: state.clock.now(),
    }))
}

/// Erase a customer (`customers:erase`, GDPR Art. 17): personal data is overwritten, their
/// bookings keep no guest name or notes, and the customer's key is destroyed, so personal
/// data in past audit events can no longer be read. The audit chain is untouched.
#[utoipa::path(delete, path = "/v1/venues/{vid}/customers/{id}", tag = "customers", security(("bearer" = [])), params(("vid" = Uuid, Path), ("id" = Uuid, Path)),
    responses((status = 204, description = "Erased"), (status = 403, description = "`forbidden`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn erase(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    auth: Caller,
    Path((vid, id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let scope = authorize(&state, &auth, &ip, vid, Some(Permission::CustomersErase)).await?;
    // A concurrent change makes a version check fail: read again and retry.
    for _ in 0..3 {
        let (doc, _): (_, Customer) = load(&state, &scope, Entity::Customer, id).await?;
        let blank = Customer {
            id,
            name: String::new(),
            email: None,
            phone: None,
            allergens: Vec::new(),
            dietary_notes: None,
            version: doc.version + 1,
        };
        let mut erased = doc_for(&state, vid, &blank, doc.created_at).await?;
        erased.deleted = true;
        let mut writes = vec![DocWrite { doc: erased, expected_version: Some(doc.version) }];
        let mut drop_keys = vec![pii::customer_scope(vid, id)];
        for (d, mut b) in bookings_of(&state, &scope, id).await? {
            drop_keys.push(pii::booking_scope(vid, b.id));
            b.guest_name = ERASED_GUEST.into();
            b.notes = None;
            b.version = d.version + 1;
            let data_enc = sealed::seal(&state, vid, b.id, &b).await?;
            writes.push(DocWrite {
                doc: DocRecord { version: b.version, data_enc, ..d.clone() },
                expected_version: Some(d.version),
            });
            // Their orders are kept, without free text that may describe the guest.
            let query = DocQuery { ref_id: Some(b.id), limit: 100_000, ..DocQuery::default() };
            for od in state.store.docs(vid, Entity::Order, &query).await? {
                let mut o: Order = sealed::open(&state, vid, &od).await?;
                o.table_label = None;
                for item in &mut o.items {
                    item.notes = None;
                }
                o.version = od.version + 1;
                let data_enc = sealed::seal(&state, vid, o.id, &o).await?;
                writes.push(DocWrite {
                    doc: DocRecord { version: o.version, data_enc, ..od.clone() },
                    expected_version: Some(od.version),
                });
            }
        }
        let audit = scope.audit(
            &state,
            "customer.erase",
            "customer",
            Some(id.to_string()),
            json!({ "records_anonymised": writes.len() - 1 }),
        );
        match state.store.write_docs(vid, &writes, false, &drop_keys, audit).await {
            Ok(()) => {
                for k in &drop_keys {
                    state.keys.forget(k);
                }
                return Ok(StatusCode::NO_CONTENT);
            }
            Err(crate::store::StoreError::Domain(crate::store::DomainError::VersionMismatch(_))) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::with_detail(venuedesk_api::ProblemCode::VersionMismatch, "the customer's data kept changing; retry"))
}
