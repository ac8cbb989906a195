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

/// Whether a path carries credentials or account data and must never be cached.
pub fn is_no_store_path(path: &str) -> bool {
    path.starts_with("/v1/auth/") || path == "/v1/me" || path.starts_with("/v1/me/")
}

pub async fn apply(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let no_store = is_no_store_path(req.uri().path());
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
    use super::is_no_store_path;

    #[test]
    fn no_store_covers_auth_and_me_only() {
        assert!(is_no_store_path("/v1/auth/login"));
        assert!(is_no_store_path("/v1/me"));
        assert!(is_no_store_path("/v1/me/mfa/totp"));
        assert!(!is_no_store_path("/v1/members"));
        assert!(!is_no_store_path("/healthz"));
    }
}
