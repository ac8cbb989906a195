//! Errors as they cross to the UI: `{code, message}`, the platform's problem code or one of
//! the console's own (`offline`, `not_signed_in`, `no_venue`, `invalid_input`, `cache`,
//! `io`, `internal`), and a sentence a person understands.

use serde::Serialize;
use ts_rs::TS;
use venuedesk_api::ProblemCode;
use venuedesk_console_core::{CoreError, EndReason};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message} ({code})")]
#[ts(export)]
pub struct AppError {
    pub code: String,
    pub message: String,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> AppError {
        AppError { code: code.into(), message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new("invalid_input", message)
    }

    pub fn io(e: std::io::Error) -> AppError {
        AppError::new("io", format!("the file could not be written: {e}"))
    }
}

fn wait(retry_after: Option<u64>) -> String {
    match retry_after {
        Some(s) if s >= 90 => format!("try again in {} minutes", s.div_ceil(60)),
        Some(s) => format!("try again in {s} seconds"),
        None => "try again later".into(),
    }
}

/// What a person reads for a platform problem.
pub fn problem_message(code: ProblemCode, detail: String, retry_after: Option<u64>) -> String {
    match code {
        ProblemCode::InvalidCredentials => "The email or password is not right.".to_string(),
        ProblemCode::LockedOut => {
            format!("Too many failed sign-ins for this account: it is locked for now; {}.", wait(retry_after))
        }
        ProblemCode::RateLimited => {
            format!("Too many sign-in attempts from this computer; {}.", wait(retry_after))
        }
        ProblemCode::InvalidMfaCode => "That code is not right (or was already used).".to_string(),
        ProblemCode::LastOwner => "A venue always keeps at least one owner: make someone else owner \
                                               first, then change or remove this one."
            .to_string(),
        ProblemCode::Forbidden => format!("You do not have permission to do this. {detail}"),
        ProblemCode::CapacityExceeded => format!("Not enough seats at that time. {detail}"),
        ProblemCode::VersionMismatch => {
            "Someone changed this in the meantime; it has been refreshed, check and try again.".to_string()
        }
        _ => detail,
    }
}

impl From<CoreError> for AppError {
    fn from(e: CoreError) -> AppError {
        match e {
            CoreError::Problem { code, detail, retry_after, .. } => {
                AppError { code: code.as_str().into(), message: problem_message(code, detail, retry_after) }
            }
            CoreError::Network(_) => {
                AppError::new("offline", "The platform cannot be reached right now; this needs a connection.")
            }
            CoreError::SessionEnded(reason) => AppError::new(
                match reason {
                    EndReason::RefreshTokenReused => "refresh_token_reused",
                    EndReason::SessionRevoked => "session_revoked",
                    EndReason::RefreshTokenInvalid => "refresh_token_invalid",
                },
                capitalise(reason.explain()),
            ),
            CoreError::NotSignedIn => AppError::new("not_signed_in", "Sign in first."),
            CoreError::Invalid(m) => AppError::invalid(capitalise(&m)),
            CoreError::Cache(m) => AppError::new("cache", format!("The offline cache failed: {m}")),
            CoreError::Keychain(m) => AppError::new("keychain", format!("The system keychain failed: {m}")),
            CoreError::Decode(m) => AppError::new("internal", format!("Unexpected answer from the platform: {m}")),
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
