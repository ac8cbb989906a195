//! Field checks shared by venue handlers; each failure names its field (422).

use crate::error::{ApiError, ApiResult};

pub fn text(field: &str, value: &str, max: usize) -> ApiResult<String> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max || v.chars().any(char::is_control) {
        return Err(ApiError::validation(field, format!("must be 1-{max} printable characters")));
    }
    Ok(v.to_string())
}

pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            if v.chars().count() > max || v.chars().any(|c| c.is_control() && c != '\n') {
                return Err(ApiError::validation(field, format!("must be at most {max} printable characters")));
            }
            Ok(Some(v.to_string()))
        }
    }
}

pub fn range(field: &str, value: i64, min: i64, max: i64) -> ApiResult<i64> {
    if value < min || value > max {
        return Err(ApiError::validation(field, format!("must be between {min} and {max}")));
    }
    Ok(value)
}

pub fn currency(field: &str, value: &str) -> ApiResult<String> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(value.to_string())
    } else {
        Err(ApiError::validation(field, "must be an ISO 4217 code such as EUR"))
    }
}

pub fn timezone(field: &str, value: &str) -> ApiResult<chrono_tz::Tz> {
    value
        .parse::<chrono_tz::Tz>()
        .map_err(|_| ApiError::validation(field, "must be an IANA time zone such as Europe/London"))
}

pub fn allergens(values: &[String]) -> ApiResult<Vec<String>> {
    if values.len() > 30 {
        return Err(ApiError::validation("allergens", "at most 30"));
    }
    values.iter().map(|a| text("allergens", a, 60)).collect()
}

/// The one checked conversion of an instant taken from a request: UTC, years 0001–9999,
/// else `422` naming the field (never a panic in the offset arithmetic).
pub fn instant(field: &str, value: time::OffsetDateTime) -> ApiResult<time::OffsetDateTime> {
    venuedesk_api::timestamp::to_utc(value)
        .ok_or_else(|| ApiError::validation(field, "must fall within years 0001-9999 in UTC"))
}
