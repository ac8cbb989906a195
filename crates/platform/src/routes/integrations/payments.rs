//! Payment-gated orders (API.md, Integrations): the venue's provider settings
//! (`payments:manage`), and the provider's webhook, which alone confirms a payment.
//! The `Stripe-Signature` (`t=…,v1=…`: HMAC-SHA256 of `t.payload`, 300 s tolerance) is
//! verified before the body is read; each event id is applied once; the event is kept as
//! the payment state and audited. No client-side call can move an order awaiting payment.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use uuid::Uuid;
use venuedesk_api::integrations::{PaymentEventReceipt, PaymentSettings, PaymentSettingsInput};
use venuedesk_api::permission::Permission;
use venuedesk_api::venue::Order;
use venuedesk_api::{Problem, ProblemCode};

use crate::audit::{Actor, AuditDraft};
use crate::auth::context::Caller;
use crate::domain::access::authorize;
use crate::domain::sealed;
use crate::error::{ApiError, ApiResult};
use crate::http::client_ip::ClientIp;
use crate::http::json::ApiJson;
use crate::http::request_id;
use crate::routes::venue_data::orders::doc_for;
use crate::state::AppState;
use crate::store::{DocWrite, DomainError, Entity, PaymentEventRecord, PaymentSettingsRecord, StoreError};

/// How old a signed event may be (Stripe's default tolerance).
pub const TOLERANCE_SECS: i64 = 300;

pub fn secret_aad(venue_id: Uuid) -> String {
    format!("payment-webhook-secret:{venue_id}")
}

/// Whether `header` signs `body` with `secret` at a time within the tolerance of `now`.
pub fn stripe_signature_valid(header: &str, body: &[u8], secret: &str, now: i64) -> bool {
    let mut t: Option<i64> = None;
    let mut v1: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse().ok(),
            Some(("v1", v)) => v1.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > TOLERANCE_SECS || v1.is_empty() {
        return false;
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(format!("{t}.").as_bytes());
    ctx.update(body);
    let expected = ctx.sign();
    v1.iter().any(|sig| bool::from(sig.as_slice().ct_eq(expected.as_ref())))
}

fn settings_dto(s: Option<&PaymentSettingsRecord>) -> PaymentSettings {
    PaymentSettings {
        configured: s.is_some(),
        provider: s.map(|s| s.provider.clone()),
        updated_at: s.map(|s| s.updated_at),
    }
}

/// Set the venue's payment provider (`payments:manage`). The secret is sealed, never returned.
#[utoipa::path(put, path = "/v1/venues/{vid}/payments", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path)), request_body = PaymentSettingsInput, responses((status = 200, body = PaymentSettings)))]
pub async fn put(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path(vid): Path<Uuid>,
    ApiJson(body): ApiJson<PaymentSettingsInput>,
) -> ApiResult<Json<PaymentSettings>> {
    let scope = authorize(&state, &caller, &ip, vid, Some(Permission::PaymentsManage)).await?;
    if body.provider != "stripe" {
        return Err(ApiError::validation("provider", "must be \"stripe\""));
    }
    let secret = body.webhook_secret.trim();
    if !(16..=256).contains(&secret.len()) || !secret.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "webhook_secret",
            "must be the provider's signing secret (16-256 visible characters)",
        ));
    }
    let key = state.keys.venue(vid).await?;
    let record = PaymentSettingsRecord {
        venue_id: vid,
        provider: body.provider.clone(),
        webhook_secret_enc: key.seal(secret_aad(vid).as_bytes(), secret.as_bytes())?,
        updated_at: state.clock.now(),
    };
    let audit =
        scope.audit(&state, "payments.configure", "venue", Some(vid.to_string()), json!({ "provider": body.provider }));
    state.store.put_payment_settings(&record, audit).await?;
    Ok(Json(settings_dto(Some(&record))))
}

/// Whether the venue has a payment provider (`payments:manage`); never the secret.
#[utoipa::path(get, path = "/v1/venues/{vid}/payments", tag = "integrations", security(("bearer" = [])),
    params(("vid" = Uuid, Path)), responses((status = 200, body = PaymentSettings)))]
pub async fn get(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    caller: Caller,
    Path(vid): Path<Uuid>,
) -> ApiResult<Json<PaymentSettings>> {
    authorize(&state, &caller, &ip, vid, Some(Permission::PaymentsManage)).await?;
    Ok(Json(settings_dto(state.store.payment_settings(vid).await?.as_ref())))
}

fn system_audit(
    state: &AppState,
    vid: Uuid,
    ip: &ClientIp,
    action: &str,
    target: (&str, Option<String>),
    details: Value,
) -> AuditDraft {
    AuditDraft {
        venue_id: vid,
        id: Uuid::now_v7(),
        at: state.clock.now(),
        actor: Actor::System,
        action: action.into(),
        target_type: target.0.into(),
        target_id: target.1,
        request_id: Some(request_id::current()),
        ip: Some(ip.label()),
        details,
    }
}

/// Moves the order as the payment outcome says, if it is still awaiting payment; what it did.
async fn settle(
    state: &AppState,
    vid: Uuid,
    ip: &ClientIp,
    order_id: Uuid,
    paid: bool,
    event_id: &str,
) -> ApiResult<&'static str> {
    for _ in 0..3 {
        let Some(doc) = state.store.doc(vid, Entity::Order, order_id).await?.filter(|d| !d.deleted) else {
            return Ok("no_order");
        };
        let mut o: Order = sealed::open(state, vid, &doc).await?;
        let Some(next) = o.status.settle_payment(paid) else { return Ok("no_change") };
        let from = std::mem::replace(&mut o.status, next);
        o.version = doc.version + 1;
        let new_doc = doc_for(state, vid, &o).await?;
        let audit = system_audit(
            state,
            vid,
            ip,
            "order.status",
            ("order", Some(order_id.to_string())),
            json!({ "from": from, "to": next, "payment_event": event_id }),
        );
        match state
            .store
            .write_docs(vid, &[DocWrite { doc: new_doc, expected_version: Some(doc.version) }], false, &[], audit)
            .await
        {
            Ok(()) => return Ok(if paid { "paid" } else { "payment_failed" }),
            Err(StoreError::Domain(DomainError::VersionMismatch(_))) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::with_detail(ProblemCode::VersionMismatch, "the order kept changing; the provider will retry"))
}

/// The payment provider's events (anonymous; the signature is the authentication).
#[utoipa::path(post, path = "/v1/payments/webhooks/{vid}", tag = "integrations", params(("vid" = Uuid, Path)),
    request_body(content = Value, description = "The provider's event, exactly as sent (the signature covers these bytes)"),
    responses((status = 200, body = PaymentEventReceipt),
        (status = 400, description = "`bad_request`: the `Stripe-Signature` is missing, wrong or older than 300 s (nothing was read or changed), or the event is not JSON with `id` and `type`", body = Problem, content_type = "application/problem+json")))]
pub async fn webhook(
    State(state): State<AppState>,
    Extension(ip): Extension<ClientIp>,
    Path(vid): Path<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PaymentEventReceipt>> {
    let refused =
        || ApiError::with_detail(ProblemCode::BadRequest, "the Stripe-Signature is missing, wrong or too old");
    let settings = state.store.payment_settings(vid).await?.ok_or_else(refused)?;
    let key = state.keys.venue(vid).await?;
    let secret = key.open(secret_aad(vid).as_bytes(), &settings.webhook_secret_enc)?;
    let secret = std::str::from_utf8(&secret).map_err(ApiError::internal)?;
    let header = headers.get("stripe-signature").and_then(|v| v.to_str().ok()).ok_or_else(refused)?;
    if !stripe_signature_valid(header, &body, secret, state.clock.now().unix_timestamp()) {
        return Err(refused());
    }
    // Verified: now the body may be read.
    let event: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::with_detail(ProblemCode::BadRequest, "the event is not JSON"))?;
    let (Some(id), Some(kind)) = (event["id"].as_str(), event["type"].as_str()) else {
        return Err(ApiError::with_detail(ProblemCode::BadRequest, "the event has no id or type"));
    };
    if id.is_empty() || id.len() > 255 || kind.len() > 255 {
        return Err(ApiError::with_detail(ProblemCode::BadRequest, "the event id or type is not one a provider sends"));
    }
    if state.store.payment_event_seen(vid, id).await? {
        return Ok(Json(PaymentEventReceipt { received: true, duplicate: true }));
    }
    let order_id =
        event.pointer("/data/object/metadata/order_id").and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok());
    let outcome = match (kind, order_id) {
        ("payment_intent.succeeded", Some(o)) => settle(&state, vid, &ip, o, true, id).await?,
        ("payment_intent.payment_failed", Some(o)) => settle(&state, vid, &ip, o, false, id).await?,
        (_, None) if kind.starts_with("payment_intent.") => "no_order",
        _ => "ignored",
    };
    let record = PaymentEventRecord {
        venue_id: vid,
        event_id: id.to_string(),
        kind: kind.to_string(),
        order_id,
        outcome: outcome.to_string(),
        received_at: state.clock.now(),
    };
    let audit = system_audit(
        &state,
        vid,
        &ip,
        "payment.event",
        ("payment_event", Some(id.to_string())),
        json!({ "type": kind, "order_id": order_id, "outcome": outcome }),
    );
    let first = state.store.record_payment_event(&record, audit).await?;
    Ok(Json(PaymentEventReceipt { received: true, duplicate: !first }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, body: &str) -> String {
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
        format!("t={t},v1={}", hex::encode(ring::hmac::sign(&key, format!("{t}.{body}").as_bytes())))
    }

    #[test]
    fn signatures_are_checked_with_their_time() {
        let body = r#"{"id":"evt_1"}"#;
        let h = sign("whsec_test_secret_123", 1000, body);
        assert!(stripe_signature_valid(&h, body.as_bytes(), "whsec_test_secret_123", 1000));
        assert!(stripe_signature_valid(&h, body.as_bytes(), "whsec_test_secret_123", 1300));
        assert!(!stripe_signature_valid(&h, body.as_bytes(), "whsec_test_secret_123", 1301), "stale");
        assert!(!stripe_signature_valid(&h, body.as_bytes(), "whsec_other_secret_12", 1000), "other secret");
        assert!(!stripe_signature_valid(&h, br#"{"id":"evt_2"}"#, "whsec_test_secret_123", 1000), "other body");
        assert!(!stripe_signature_valid("t=1000,v1=", body.as_bytes(), "whsec_test_secret_123", 1000), "empty v1");
        assert!(!stripe_signature_valid("v1=00", body.as_bytes(), "whsec_test_secret_123", 1000), "no t");
        // A second, valid v1 among others (the provider rolling its secret) is accepted.
        let good = sign("whsec_test_secret_123", 1000, body);
        let both = format!("t=1000,v1=deadbeef,{}", good.split(',').nth(1).unwrap());
        assert!(stripe_signature_valid(&both, body.as_bytes(), "whsec_test_secret_123", 1000));
    }
}
