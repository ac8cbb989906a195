//! The headers API.md puts on every response, errors and 404s included.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

const ALWAYS: &[(HeaderName, &str)] = &[
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
];

/// Whether a response must never be cached: credentials and account data (`/v1/auth/*`,
/// `/v1/me*`), and every answer to a bearer request, whatever its status — venue data is
/// personal data, and a shared cache must not keep it.
pub fn is_no_store(path: &str, bearer: bool) -> bool {
    bearer || path.starts_with("/v1/auth/") || path == "/v1/me" || path.starts_with("/v1/me/")
}

pub async fn apply(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let no_store = is_no_store(req.uri().path(), req.headers().contains_key(header::AUTHORIZATION));
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    for (name, value) in ALWAYS {
        headers.insert(name.clone(), HeaderValue::from_static(value));
    }
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if state.settings.tls {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    }
    if no_store {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::is_no_store;

    #[test]
    fn no_store_covers_auth_me_and_every_bearer_request() {
        assert!(is_no_store("/v1/auth/login", false));
        assert!(is_no_store("/v1/me", false));
        assert!(is_no_store("/v1/me/mfa/totp", false));
        assert!(is_no_store("/v1/venues/x/bookings", true));
        assert!(!is_no_store("/v1/venues/x/bookings", false));
        assert!(!is_no_store("/healthz", false));
        assert!(!is_no_store("/openapi.json", false));
    }
}
