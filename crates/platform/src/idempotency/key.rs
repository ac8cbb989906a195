//! Parsing the `Idempotency-Key` header: a bare token or an RFC 8941 sf-string (`"…"`);
//! both mean the same key, which must be 1–255 visible ASCII characters.

use axum::http::HeaderValue;
use venuedesk_api::ProblemCode;

use crate::error::ApiError;

pub fn parse(value: Option<&HeaderValue>) -> Result<String, ApiError> {
    let Some(value) = value else {
        return Err(ApiError::with_detail(
            ProblemCode::IdempotencyKeyMissing,
            "send an Idempotency-Key header with every POST, PUT, PATCH and DELETE",
        ));
    };
    let invalid = || {
        ApiError::with_detail(
            ProblemCode::IdempotencyKeyInvalid,
            "the Idempotency-Key must be 1-255 visible ASCII characters",
        )
    };
    let raw = value.to_str().map_err(|_| invalid())?.trim();
    let key = match raw.strip_prefix('"') {
        Some(inner) => unquote(inner).ok_or_else(invalid)?,
        None => raw.to_string(),
    };
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(invalid());
    }
    Ok(key)
}

/// The body of an sf-string after its opening quote: `\"` and `\\` escapes, closing quote last.
fn unquote(inner: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next()? {
                e @ ('"' | '\\') => out.push(e),
                _ => return None,
            },
            '"' => return chars.next().is_none().then_some(out),
            other => out.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(v: &str) -> Result<String, ProblemCode> {
        parse(Some(&HeaderValue::from_str(v).unwrap())).map_err(|e| e.code)
    }

    #[test]
    fn bare_and_sf_string_mean_the_same_key() {
        assert_eq!(p("abc-123").unwrap(), "abc-123");
        assert_eq!(p("\"abc-123\"").unwrap(), "abc-123");
        assert_eq!(p(r#""a\"b""#).unwrap(), "a\"b");
    }

    #[test]
    fn rejects_missing_empty_long_and_invisible() {
        assert_eq!(parse(None).unwrap_err().code, ProblemCode::IdempotencyKeyMissing);
        assert_eq!(p("").unwrap_err(), ProblemCode::IdempotencyKeyInvalid);
        assert_eq!(p("\"\"").unwrap_err(), ProblemCode::IdempotencyKeyInvalid);
        assert_eq!(p(&"k".repeat(256)).unwrap_err(), ProblemCode::IdempotencyKeyInvalid);
        assert!(p(&"k".repeat(255)).is_ok());
        assert_eq!(p("has space").unwrap_err(), ProblemCode::IdempotencyKeyInvalid);
        assert_eq!(p("\"unterminated").unwrap_err(), ProblemCode::IdempotencyKeyInvalid);
        assert_eq!(p("\"a\"b\"").unwrap_err(), ProblemCode::IdempotencyKeyInvalid);
    }

    proptest! {
        #[test]
        fn never_panics(s in "[ -~]{0,300}") {
            if let Ok(v) = HeaderValue::from_str(&s) {
                let _ = parse(Some(&v));
            }
        }
    }
}
