//! Errors made outside handlers (405 from the router, 408 from the timeout, 413 from the
//! body limit) come without a body; give each the problem body its status promises. A
//! handler's own JSON answer (`503 {"status": "unavailable"}` from the health probes, as
//! the contract gives it) is left as it is.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::{ApiError, PROBLEM_JSON};
use venuedesk_api::ProblemCode;

pub async fn ensure_problem_body(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON));
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_problem || is_json {
        return res;
    }
    let code = match status.as_u16() {
        400 => ProblemCode::BadRequest,
        404 => ProblemCode::NotFound,
        405 => ProblemCode::MethodNotAllowed,
        408 => ProblemCode::RequestTimeout,
        413 => ProblemCode::PayloadTooLarge,
        415 => ProblemCode::UnsupportedMediaType,
        422 => ProblemCode::ValidationFailed,
        429 => ProblemCode::RateLimited,
        _ => ProblemCode::Internal,
    };
    let allow = res.headers().get(header::ALLOW).cloned();
    let mut out = if code == ProblemCode::Internal {
        ApiError::internal(format!("bare {status} response")).into_response()
    } else {
        ApiError::new(code).into_response()
    };
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}
