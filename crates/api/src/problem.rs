//! RFC 9457 problem details and the stable `code`s of API.md.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! problem_codes {
    ($($variant:ident => ($code:literal, $status:literal, $title:literal)),+ $(,)?) => {
        /// Every machine-readable error code the platform answers with.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ProblemCode { $($variant),+ }

        impl ProblemCode {
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $code),+ }
            }

            pub fn status(self) -> u16 {
                match self { $(ProblemCode::$variant => $status),+ }
            }

            pub fn title(self) -> &'static str {
                match self { $(ProblemCode::$variant => $title),+ }
            }

            pub fn parse(code: &str) -> Option<ProblemCode> {
                match code { $($code => Some(ProblemCode::$variant),)+ _ => None }
            }
        }
    };
}

problem_codes! {
    BadRequest => ("bad_request", 400, "Bad request"),
    IdempotencyKeyMissing => ("idempotency_key_missing", 400, "Idempotency-Key header required"),
    IdempotencyKeyInvalid => ("idempotency_key_invalid", 400, "Idempotency-Key header invalid"),
    Unauthenticated => ("unauthenticated", 401, "Authentication required"),
    SessionRevoked => ("session_revoked", 401, "Session revoked"),
    InvalidCredentials => ("invalid_credentials", 401, "Invalid credentials"),
    InvalidMfaCode => ("invalid_mfa_code", 401, "Invalid MFA code"),
    RefreshTokenInvalid => ("refresh_token_invalid", 401, "Refresh token invalid"),
    RefreshTokenReused => ("refresh_token_reused", 401, "Refresh token reused"),
    Forbidden => ("forbidden", 403, "Forbidden"),
    OriginNotAllowed => ("origin_not_allowed", 403, "Origin not allowed"),
    MfaRequired => ("mfa_required", 403, "MFA required"),
    NotFound => ("not_found", 404, "Not found"),
    MethodNotAllowed => ("method_not_allowed", 405, "Method not allowed"),
    RequestTimeout => ("request_timeout", 408, "Request timeout"),
    IdempotencyKeyInUse => ("idempotency_key_in_use", 409, "Idempotency key in use"),
    EmailTaken => ("email_taken", 409, "Email already registered"),
    IdConflict => ("id_conflict", 409, "Id already in use"),
    CapacityExceeded => ("capacity_exceeded", 409, "Capacity exceeded"),
    TableUnavailable => ("table_unavailable", 409, "Table unavailable"),
    TableInUse => ("table_in_use", 409, "Table in use"),
    InvalidTransition => ("invalid_transition", 409, "Invalid status transition"),
    LastOwner => ("last_owner", 409, "Venue would have no owner"),
    RoleInUse => ("role_in_use", 409, "Role still assigned to members"),
    NameTaken => ("name_taken", 409, "Name already in use"),
    BuiltinRole => ("builtin_role", 409, "Built-in roles cannot be changed that way"),
    AlreadyMember => ("already_member", 409, "Already a member of this venue"),
    MfaAlreadyEnabled => ("mfa_already_enabled", 409, "MFA already enabled"),
    MfaNotEnabled => ("mfa_not_enabled", 409, "MFA not enabled"),
    MfaEnrollmentNotStarted => ("mfa_enrollment_not_started", 409, "No TOTP enrolment in progress"),
    VersionMismatch => ("version_mismatch", 412, "Version mismatch"),
    PayloadTooLarge => ("payload_too_large", 413, "Payload too large"),
    UnsupportedMediaType => ("unsupported_media_type", 415, "Unsupported media type"),
    ValidationFailed => ("validation_failed", 422, "Validation failed"),
    WeakPassword => ("weak_password", 422, "Password too weak"),
    IdempotencyKeyReused => ("idempotency_key_reused", 422, "Idempotency key reused"),
    PreconditionRequired => ("precondition_required", 428, "If-Match header required"),
    RateLimited => ("rate_limited", 429, "Too many requests"),
    LockedOut => ("locked_out", 429, "Too many failed attempts"),
    Internal => ("internal", 500, "Internal server error"),
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field that failed validation (`422 validation_failed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An RFC 9457 problem body as the platform sends it. Extra members (`errors`, `reasons`,
/// `required_permission`, `current_version`, `enrollment_required`) are flattened in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `/problems/<code>`, a URI reference relative to the API's origin.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub code: ProblemCode,
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_permission: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrollment_required: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_serde_and_parse() {
        for code in ProblemCode::ALL {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(ProblemCode::parse(code.as_str()), Some(*code));
            assert!((400..=599).contains(&code.status()));
        }
    }
}
