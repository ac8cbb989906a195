//! The one error type handlers return. It renders RFC 9457 problem bodies carrying the
//! request id; anything unexpected is logged with that id and answered 500 without detail.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use venuedesk_api::problem::FieldError;
use venuedesk_api::{Problem, ProblemCode};

use crate::http::request_id;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug)]
pub struct ApiError {
    pub code: ProblemCode,
    pub detail: Option<String>,
    pub retry_after: Option<u64>,
    /// Rarely-set members, boxed to keep `Result<_, ApiError>` small.
    pub extra: Box<ProblemExtra>,
}

#[derive(Debug, Default)]
pub struct ProblemExtra {
    pub errors: Option<Vec<FieldError>>,
    pub reasons: Option<Vec<String>>,
    pub enrollment_required: Option<bool>,
    pub required_permission: Option<String>,
    pub current_version: Option<i64>,
    /// Logged, never sent.
    internal: Option<String>,
    /// What kind of failure an internal error is (no data): half of its error class.
    kind: Option<String>,
}

/// Set on a 500 response: the failure's kind, which `/metrics` counts per route as the
/// error class (`http::metrics`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorKind(pub String);

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: ProblemCode) -> Self {
        ApiError { code, detail: None, retry_after: None, extra: Box::default() }
    }

    pub fn with_detail(code: ProblemCode, detail: impl Into<String>) -> Self {
        let mut e = ApiError::new(code);
        e.detail = Some(detail.into());
        e
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        let mut e = ApiError::with_detail(ProblemCode::ValidationFailed, "the request has invalid fields");
        e.extra.errors = Some(vec![FieldError { field: field.into(), message: message.into() }]);
        e
    }

    pub fn with_reasons(mut self, reasons: Vec<String>) -> Self {
        self.extra.reasons = Some(reasons);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// An unexpected failure: logged with its cause, answered 500 with only the request id.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::internal_kind("internal", cause)
    }

    /// An unexpected failure of a known kind (a short, stable name without data).
    pub fn internal_kind(kind: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        let mut e = ApiError::new(ProblemCode::Internal);
        e.extra.internal = Some(cause.to_string());
        e.extra.kind = Some(kind.into());
        e
    }
}

macro_rules! internal_from {
    ($($t:ty => $kind:literal),+) => {
        $(impl From<$t> for ApiError { fn from(e: $t) -> Self { ApiError::internal_kind($kind, e) } })+
    };
}
internal_from!(
    crate::crypto::SealError => "crypto",
    crate::crypto::key_ring::KeyRingError => "key_ring",
    crate::auth::password::PasswordError => "password_hash",
    crate::auth::tokens::TokenError => "token",
    crate::auth::totp::TotpError => "totp"
);

/// A store failure's kind: its variant, and for a database error the driver's stable
/// code (SQLSTATE on PostgreSQL, the result code on SQLite) — never its message.
fn store_kind(e: &crate::store::StoreError) -> String {
    use crate::store::StoreError;
    match e {
        StoreError::Database(sqlx::Error::PoolTimedOut) => "database_pool_timeout".into(),
        StoreError::Database(sqlx::Error::Io(_)) => "database_io".into(),
        StoreError::Database(db) => match db.as_database_error().and_then(|d| d.code()) {
            Some(code) if code.len() <= 8 && code.chars().all(|c| c.is_ascii_alphanumeric()) => {
                format!("database:{code}")
            }
            _ => "database".into(),
        },
        StoreError::Migrate(_) => "migrate".into(),
        StoreError::Corrupt(_) => "corrupt_row".into(),
        StoreError::Conflict => "conflict".into(),
        StoreError::Domain(_) => "domain".into(),
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::{DomainError as D, StoreError};
        if let StoreError::Database(db) = &e
            && let Some(code) = db.as_database_error().and_then(|d| d.code())
            && matches!(code.as_ref(), "22021" | "22P05")
        {
            // PostgreSQL cannot store a NUL in text (SQLite can): refuse it, never a 500.
            return ApiError::with_detail(ProblemCode::ValidationFailed, "text must not contain a NUL character");
        }
        let StoreError::Domain(d) = e else { return ApiError::internal_kind(store_kind(&e), e) };
        match d {
            D::NotFound | D::InvitationInvalid => ApiError::with_detail(ProblemCode::NotFound, "no such resource"),
            D::IdConflict => ApiError::with_detail(ProblemCode::IdConflict, "this id is already in use"),
            D::VersionMismatch(v) => {
                let mut e =
                    ApiError::with_detail(ProblemCode::VersionMismatch, "the resource changed; fetch it and retry");
                e.extra.current_version = Some(v);
                e
            }
            D::CapacityExceeded => ApiError::with_detail(
                ProblemCode::CapacityExceeded,
                "not enough seats free at that time for this party",
            ),
            D::TableUnavailable => ApiError::with_detail(
                ProblemCode::TableUnavailable,
                "a table it needs is taken at that time (turnover included)",
            ),
            D::LastOwner => ApiError::with_detail(
                ProblemCode::LastOwner,
                "a venue needs at least one owner: make someone else owner first",
            ),
            D::RoleInUse => ApiError::with_detail(ProblemCode::RoleInUse, "move its members to another role first"),
            D::NameTaken => ApiError::with_detail(ProblemCode::NameTaken, "another role has this name"),
            D::Builtin => {
                ApiError::with_detail(ProblemCode::BuiltinRole, "built-in roles cannot be deleted or re-permissioned")
            }
            D::EmailMismatch(_) => {
                ApiError::with_detail(ProblemCode::Forbidden, "this invitation is for another email address")
            }
            D::AlreadyMember => {
                ApiError::with_detail(ProblemCode::AlreadyMember, "you are already a member of this venue")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let request_id = request_id::current();
        let status = StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if self.code == ProblemCode::Internal {
            // Every one at WARN with its cause; the first of each error class is also logged
            // at ERROR and counted as new by `http::metrics`.
            let kind = self.extra.kind.unwrap_or_else(|| "internal".into());
            tracing::warn!(request_id = %request_id, kind = %kind, cause = self.extra.internal.as_deref().unwrap_or("unknown"), "internal error");
            let body = serde_json::json!({ "status": 500, "title": "Internal server error", "request_id": request_id });
            let mut res = (status, body.to_string()).into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
            res.extensions_mut().insert(ErrorKind(kind));
            return res;
        }
        let problem = Problem {
            type_uri: format!("/problems/{}", self.code.as_str()),
            title: self.code.title().to_string(),
            status: self.code.status(),
            detail: self.detail,
            code: self.code,
            request_id,
            errors: self.extra.errors,
            reasons: self.extra.reasons,
            required_permission: self.extra.required_permission,
            current_version: self.extra.current_version,
            enrollment_required: self.extra.enrollment_required,
        };
        let body = serde_json::to_string(&problem).unwrap_or_else(|_| "{}".into());
        let mut res = (status, body).into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}
