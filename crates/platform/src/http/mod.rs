//! Cross-cutting HTTP behaviour, layered once around the whole router (crates.io style):
//! request id, access log, security headers, problem bodies for every error, panic
//! catching, timeout, body limit and client-IP resolution. See [`layer_all`].

pub mod access_log;
pub mod client_ip;
pub mod json;
pub mod metrics;
pub mod problem_fallback;
pub mod request_id;
pub mod security_headers;
pub mod versioning;

use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::error::ApiError;
use crate::state::AppState;
use venuedesk_api::ProblemCode;

/// Largest request body accepted (API.md: 1 MiB).
pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn layer_all(router: Router, state: AppState) -> Router {
    let timeout = Duration::from_secs(state.settings.request_timeout_secs.max(1));
    // Listed innermost first: the last `.layer` is the outermost.
    router
        .layer(from_fn_with_state(state.clone(), client_ip::resolve))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(CatchPanicLayer::custom(|_| ApiError::internal_kind("panic", "handler panicked").into_response()))
        .layer(from_fn(problem_fallback::ensure_problem_body))
        .layer(from_fn_with_state(state.clone(), metrics::record))
        .layer(from_fn_with_state(state.clone(), security_headers::apply))
        .layer(from_fn(access_log::log))
        .layer(from_fn(request_id::assign))
}

/// Answer for a path no route matches.
pub async fn not_found() -> ApiError {
    ApiError::with_detail(ProblemCode::NotFound, "no such resource")
}
