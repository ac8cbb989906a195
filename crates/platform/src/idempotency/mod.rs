//! `Idempotency-Key` for every authenticated POST, PUT, PATCH and DELETE
//! (draft-ietf-httpapi-idempotency-key-header, as API.md pins it down). Records are scoped
//! to (user, key), fingerprinted by method + path + body hash, sealed at rest because some
//! responses carry secrets, and kept 24 hours.

pub mod key;
pub mod stored_record;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::Duration;
use venuedesk_api::ProblemCode;

use crate::auth::context::Caller;
use crate::error::{ApiError, ApiResult};
use crate::http::BODY_LIMIT;
use crate::state::AppState;

pub const HEADER: &str = "idempotency-key";
pub const KEEP_FOR: Duration = Duration::hours(24);
/// A record still "in flight" after this long belongs to a crashed request; a retry may take it.
pub const LOCK_FOR: Duration = Duration::minutes(2);
/// Response headers worth replaying.
const REPLAYED_HEADERS: &[&str] = &["content-type", "etag", "location", "retry-after"];

#[derive(Serialize, Deserialize)]
struct StoredResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

/// Set by a handler whose response holds a data subject's personal data (the key scope
/// that erasing the subject destroys), so the stored copy is erased with them.
#[derive(Debug, Clone)]
pub struct Subject(pub String);

/// Marks `res` as holding personal data of the subject whose key scope is `scope`.
pub fn mark_subject(mut res: Response, scope: String) -> Response {
    res.extensions_mut().insert(Subject(scope));
    res
}

pub fn is_mutating(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE)
}

pub fn fingerprint(method: &Method, path_and_query: &str, body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(method.as_str().as_bytes());
    h.update(b"\n");
    h.update(path_and_query.as_bytes());
    h.update(b"\n");
    h.update(Sha256::digest(body));
    h.finalize().into()
}

/// Whether an answer is kept for replay (API.md: not 429 or 5xx; the 409 in-use answer
/// comes from this middleware before anything is stored). A 403 is not kept either: it
/// answers who the caller is *now* (role, MFA), so once they sign in with MFA or are given
/// the permission, the same queued request must be judged again, not refused for 24 hours.
fn storable(status: StatusCode) -> bool {
    status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::FORBIDDEN && !status.is_server_error()
}

pub async fn enforce(State(state): State<AppState>, req: Request, next: Next) -> ApiResult<Response> {
    if !is_mutating(req.method()) {
        return Ok(next.run(req).await);
    }
    let caller =
        req.extensions().get::<Caller>().copied().ok_or_else(|| ApiError::new(ProblemCode::Unauthenticated))?;
    let key = key::parse(req.headers().get(HEADER))?;
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .map_err(|_| ApiError::with_detail(ProblemCode::PayloadTooLarge, "the body is larger than 1 MiB"))?;
    let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let fp = fingerprint(&parts.method, path, &bytes);
    let scope = caller.key_scope();
    let aad = format!("idempotency:{scope}:{key}");
    let request_id = crate::http::request_id::current();
    // From taking the key on, everything runs in its own task, to the end, even when the
    // client goes away or the request times out: a key taken is always either finished
    // and recorded or released, so a retry is answered from the record instead of waiting
    // out a stale lock (a client killed just after the key was taken used to leave it
    // locked with the write never made), and a started write never runs twice.
    let work = async move {
        let now = state.clock.now();
        match state.store.idempotency_begin(&scope, &key, fp, now, LOCK_FOR, KEEP_FOR).await? {
            crate::store::IdempotencyBegin::InFlight => Err(ApiError::with_detail(
                ProblemCode::IdempotencyKeyInUse,
                "a request with this Idempotency-Key is still being processed; retry shortly",
            )),
            crate::store::IdempotencyBegin::Erased => Err(ApiError::with_detail(
                ProblemCode::NotFound,
                "the answer to this request held personal data that has since been erased",
            )),
            crate::store::IdempotencyBegin::FingerprintMismatch => Err(ApiError::with_detail(
                ProblemCode::IdempotencyKeyReused,
                "this Idempotency-Key was used for a different request",
            )),
            crate::store::IdempotencyBegin::Replay(sealed) => {
                let data_key = state.keys.platform().await?;
                let plain = data_key.open(aad.as_bytes(), &sealed)?;
                let stored: StoredResponse = serde_json::from_slice(&plain).map_err(ApiError::internal)?;
                state.metrics.idempotent_replays.inc();
                replay(stored)
            }
            crate::store::IdempotencyBegin::Started => {
                let req = Request::from_parts(parts, Body::from(bytes));
                process(state, scope, key, aad, next.run(req).await).await
            }
        }
    };
    tokio::spawn(crate::http::request_id::scope(request_id, work)).await.map_err(ApiError::internal)?
}

fn replay(stored: StoredResponse) -> ApiResult<Response> {
    let body = STANDARD.decode(stored.body).map_err(ApiError::internal)?;
    let status = StatusCode::from_u16(stored.status).map_err(ApiError::internal)?;
    let mut res = (status, body).into_response();
    let headers = res.headers_mut();
    headers.remove("content-type");
    for (name, value) in stored.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            headers.insert(n, v);
        }
    }
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(res)
}

/// Records the answer of a first request (or releases the key when it is not kept).
async fn process(state: AppState, scope: String, key: String, aad: String, res: Response) -> ApiResult<Response> {
    if !storable(res.status()) {
        state.store.idempotency_release(&scope, &key).await?;
        return Ok(res);
    }
    let (parts, body) = res.into_parts();
    let subject = parts.extensions.get::<Subject>().map(|s| s.0.clone());
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            state.store.idempotency_release(&scope, &key).await?;
            return Err(ApiError::internal(e));
        }
    };
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        headers: REPLAYED_HEADERS
            .iter()
            .filter_map(|h| parts.headers.get(*h).and_then(|v| v.to_str().ok()).map(|v| (h.to_string(), v.to_string())))
            .collect(),
        body: STANDARD.encode(&body),
    };
    let plain = zeroize::Zeroizing::new(serde_json::to_vec(&stored).map_err(ApiError::internal)?);
    let sealed = state.keys.platform().await?.seal(aad.as_bytes(), &plain)?;
    state.store.idempotency_complete(&scope, &key, &sealed, subject.as_deref()).await?;
    Ok(Response::from_parts(parts, Body::from(body)))
}
