//! Optimistic concurrency: every changeable resource has a `version`, sent as a quoted
//! `ETag`; every PATCH needs `If-Match: "<version>"` (428 without, 412 when stale).

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use venuedesk_api::ProblemCode;

use crate::error::{ApiError, ApiResult};

/// The version an `If-Match` header names: `"7"`, `W/"7"` or `7`.
pub fn if_match(headers: &HeaderMap) -> ApiResult<i64> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Err(ApiError::with_detail(
            ProblemCode::PreconditionRequired,
            "send If-Match: \"<version>\" with every PATCH",
        ));
    };
    let raw = v.to_str().unwrap_or("").trim();
    let raw = raw.strip_prefix("W/").unwrap_or(raw);
    let raw = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(raw);
    raw.parse::<i64>()
        .map_err(|_| ApiError::with_detail(ProblemCode::BadRequest, "If-Match must be a quoted version such as \"3\""))
}

/// A JSON body with its `ETag`.
pub fn tagged<T: Serialize>(version: i64, body: T) -> Response {
    let mut res = Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{version}\"")) {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// A `201 Created` JSON body with its `ETag`.
pub fn created<T: Serialize>(version: i64, body: T) -> Response {
    let mut res = tagged(version, body);
    *res.status_mut() = axum::http::StatusCode::CREATED;
    res
}

/// 412 unless `expected` is the current version.
pub fn check(expected: i64, current: i64) -> ApiResult<()> {
    if expected == current {
        return Ok(());
    }
    let mut e = ApiError::with_detail(ProblemCode::VersionMismatch, "the resource changed; fetch it and retry");
    e.extra.current_version = Some(current);
    Err(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_weak_and_bare() {
        let mut h = HeaderMap::new();
        assert_eq!(if_match(&h).unwrap_err().code, ProblemCode::PreconditionRequired);
        for (v, want) in [("\"3\"", 3), ("W/\"4\"", 4), ("5", 5)] {
            h.insert(header::IF_MATCH, HeaderValue::from_static(v));
            assert_eq!(if_match(&h).unwrap(), want);
        }
        h.insert(header::IF_MATCH, HeaderValue::from_static("\"x\""));
        assert_eq!(if_match(&h).unwrap_err().code, ProblemCode::BadRequest);
    }
}
