//! JSON bodies with the documented problems: 415 for another content type, 413 past the
//! limit, 400 for malformed JSON or wrong types, 422 naming a missing field.

use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;
use venuedesk_api::ProblemCode;

use super::BODY_LIMIT;
use crate::error::ApiError;

pub struct ApiJson<T>(pub T);

pub fn is_json_content_type(value: Option<&str>) -> bool {
    let Some(v) = value else { return false };
    let mime = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let msg = e.to_string();
        if let Some(rest) = msg.strip_prefix("missing field `")
            && let Some(field) = rest.split('`').next()
        {
            return ApiError::validation(field, "is required");
        }
        ApiError::with_detail(ProblemCode::BadRequest, format!("invalid JSON body: {msg}"))
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        if !is_json_content_type(ct) {
            return Err(ApiError::with_detail(ProblemCode::UnsupportedMediaType, "send the body as application/json"));
        }
        let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .map_err(|_| ApiError::with_detail(ProblemCode::PayloadTooLarge, "the body is larger than 1 MiB"))?;
        parse(&bytes).map(ApiJson)
    }
}

/// A body that may be left out (an action with options): no body at all is `T::default()`;
/// a body present is held to the same rules as [`ApiJson`].
pub struct OptionalApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let has_type = req.headers().contains_key(header::CONTENT_TYPE);
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, BODY_LIMIT)
            .await
            .map_err(|_| ApiError::with_detail(ProblemCode::PayloadTooLarge, "the body is larger than 1 MiB"))?;
        if bytes.is_empty() && !has_type {
            return Ok(OptionalApiJson(T::default()));
        }
        let req = Request::from_parts(parts, axum::body::Body::from(bytes));
        ApiJson::<T>::from_request(req, state).await.map(|ApiJson(v)| OptionalApiJson(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use venuedesk_api::auth::LoginRequest;

    #[test]
    fn content_types() {
        assert!(is_json_content_type(Some("application/json")));
        assert!(is_json_content_type(Some("Application/JSON; charset=utf-8")));
        assert!(is_json_content_type(Some("application/merge-patch+json")));
        assert!(!is_json_content_type(Some("text/plain")));
        assert!(!is_json_content_type(None));
    }

    #[test]
    fn missing_field_is_named() {
        let err = parse::<LoginRequest>(br#"{"email":"a@b.co"}"#).err().unwrap();
        assert_eq!(err.code, ProblemCode::ValidationFailed);
        assert_eq!(err.extra.errors.unwrap()[0].field, "password");
        let err = parse::<LoginRequest>(br#"{"email":1,"password":"x"}"#).err().unwrap();
        assert_eq!(err.code, ProblemCode::BadRequest);
    }

    proptest! {
        // Whatever bytes arrive, parsing answers a value or a 4xx problem; it never panics.
        #[test]
        fn parser_never_panics_and_only_answers_4xx(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Err(e) = parse::<LoginRequest>(&bytes) {
                prop_assert!(e.code == ProblemCode::BadRequest || e.code == ProblemCode::ValidationFailed);
            }
        }

        #[test]
        fn json_shaped_noise_never_panics(s in r#"\{("[a-z_]{0,12}":("[^"]{0,20}"|[0-9]{1,5}|null|true|\[\]),?){0,4}\}"#) {
            if let Err(e) = parse::<LoginRequest>(s.as_bytes()) {
                prop_assert!(e.code.status() == 400 || e.code.status() == 422);
            }
        }
    }
}
