//! Errors as they cross to the UI: `{code, message}`, where `code` is a [`Code`] (the
//! platform's problem code or one of the console's own) and `message` a sentence a person
//! understands. The UI compares codes against the TypeScript `Code` type generated from
//! here, so a misspelt code fails its type check instead of silently never matching.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use venuedesk_api::ProblemCode;
use venuedesk_console_core::{CoreError, EndReason};

/// Declares [`Code`]: the console's own codes, then every platform problem code under the
/// same name and wire string as `ProblemCode` (so nothing on the wire changes, and a new
/// problem code fails to compile here until it has a console code).
macro_rules! codes {
    (
        console { $( $(#[$own_doc:meta])* $own:ident => $own_s:literal, )+ }
        platform { $( $p:ident => $p_s:literal, )+ }
    ) => {
        /// What went wrong, as the UI tells errors apart. Serialised as the snake_case
        /// string it has always been on the wire (`"offline"`, `"last_owner"`, …).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
        #[ts(export)]
        pub enum Code {
            $( $(#[$own_doc])* #[serde(rename = $own_s)] $own, )+
            $( #[serde(rename = $p_s)] $p, )+
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$own,)+ $(Code::$p,)+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( Code::$own => $own_s, )+
                    $( Code::$p => $p_s, )+
                }
            }
        }

        impl From<ProblemCode> for Code {
            fn from(code: ProblemCode) -> Code {
                match code {
                    $( ProblemCode::$p => Code::$p, )+
                }
            }
        }
    };
}

codes! {
    console {
        /// The platform cannot be reached and the action needs it.
        Offline => "offline",
        /// Sign in first.
        NotSignedIn => "not_signed_in",
        /// Choose a venue first.
        NoVenue => "no_venue",
        /// Refused before it was sent: the platform would refuse it too.
        InvalidInput => "invalid_input",
        /// The encrypted offline cache failed.
        Cache => "cache",
        /// The OS keychain failed.
        Keychain => "keychain",
        /// A file could not be written.
        Io => "io",
        /// A plain `http://` server that is not on this computer: refused, tokens would
        /// cross the network in the clear.
        InsecureServer => "insecure_server",
    }
    platform {
        BadRequest => "bad_request",
        IdempotencyKeyMissing => "idempotency_key_missing",
        IdempotencyKeyInvalid => "idempotency_key_invalid",
        Unauthenticated => "unauthenticated",
        SessionRevoked => "session_revoked",
        InvalidCredentials => "invalid_credentials",
        InvalidMfaCode => "invalid_mfa_code",
        RefreshTokenInvalid => "refresh_token_invalid",
        RefreshTokenReused => "refresh_token_reused",
        Forbidden => "forbidden",
        OriginNotAllowed => "origin_not_allowed",
        MfaRequired => "mfa_required",
        NotFound => "not_found",
        MethodNotAllowed => "method_not_allowed",
        RequestTimeout => "request_timeout",
        IdempotencyKeyInUse => "idempotency_key_in_use",
        EmailTaken => "email_taken",
        IdConflict => "id_conflict",
        CapacityExceeded => "capacity_exceeded",
        TableUnavailable => "table_unavailable",
        TableInUse => "table_in_use",
        InvalidTransition => "invalid_transition",
        LastOwner => "last_owner",
        RoleInUse => "role_in_use",
        NameTaken => "name_taken",
        BuiltinRole => "builtin_role",
        AlreadyMember => "already_member",
        MfaAlreadyEnabled => "mfa_already_enabled",
        MfaNotEnabled => "mfa_not_enabled",
        MfaEnrollmentNotStarted => "mfa_enrollment_not_started",
        VersionMismatch => "version_mismatch",
        PayloadTooLarge => "payload_too_large",
        UnsupportedMediaType => "unsupported_media_type",
        ValidationFailed => "validation_failed",
        WeakPassword => "weak_password",
        IdempotencyKeyReused => "idempotency_key_reused",
        PreconditionRequired => "precondition_required",
        RateLimited => "rate_limited",
        LockedOut => "locked_out",
        Internal => "internal",
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message} ({code})")]
#[ts(export)]
pub struct AppError {
    pub code: Code,
    pub message: String,
}

impl AppError {
    pub fn new(code: Code, message: impl Into<String>) -> AppError {
        AppError { code, message: message.into() }
    }

    pub fn invalid(message: impl Into<String>) -> AppError {
        AppError::new(Code::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::new(Code::Internal, message)
    }

    pub fn io(e: std::io::Error) -> AppError {
        AppError::new(Code::Io, format!("the file could not be written: {e}"))
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
                AppError { code: code.into(), message: problem_message(code, detail, retry_after) }
            }
            CoreError::Network(_) => {
                AppError::new(Code::Offline, "The platform cannot be reached right now; this needs a connection.")
            }
            CoreError::SessionEnded(reason) => AppError::new(
                match reason {
                    EndReason::RefreshTokenReused => Code::RefreshTokenReused,
                    EndReason::SessionRevoked => Code::SessionRevoked,
                    EndReason::RefreshTokenInvalid => Code::RefreshTokenInvalid,
                },
                capitalise(reason.explain()),
            ),
            CoreError::NotSignedIn => AppError::new(Code::NotSignedIn, "Sign in first."),
            CoreError::Invalid(m) => AppError::invalid(capitalise(&m)),
            CoreError::Cache(m) => AppError::new(Code::Cache, format!("The offline cache failed: {m}")),
            CoreError::Keychain(m) => AppError::new(Code::Keychain, format!("The system keychain failed: {m}")),
            CoreError::Decode(m) => AppError::internal(format!("Unexpected answer from the platform: {m}")),
            CoreError::InsecureServer(m) => AppError::new(Code::InsecureServer, capitalise(&m)),
            CoreError::MfaRequired { enrollment_required, .. } => AppError::new(
                Code::MfaRequired,
                if enrollment_required {
                    "Your role in this venue now requires two-step verification: set up an authenticator \
                     app, then sign in again. Nothing waiting to sync is lost."
                } else {
                    "Your role in this venue now requires two-step verification: sign in again with your \
                     authenticator code. Nothing waiting to sync is lost."
                },
            ),
            CoreError::NotPermitted(p) => AppError::new(
                Code::Forbidden,
                format!("You do not have permission to do this: your role in this venue lacks {p}."),
            ),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_the_same_string_on_the_wire_as_before() {
        for &code in Code::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(code.as_str()));
            assert_eq!(serde_json::from_value::<Code>(serde_json::json!(code.as_str())).unwrap(), code);
        }
        let e = AppError::new(Code::NoVenue, "Choose a venue first.");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"code": "no_venue", "message": "Choose a venue first."})
        );
    }

    #[test]
    fn every_platform_problem_keeps_its_code() {
        for &p in ProblemCode::ALL {
            assert_eq!(Code::from(p).as_str(), p.as_str());
            let e = AppError::from(CoreError::Problem {
                status: p.status(),
                code: p,
                detail: "d".into(),
                request_id: "r".into(),
                retry_after: None,
            });
            assert_eq!(serde_json::to_value(&e).unwrap()["code"], serde_json::json!(p.as_str()));
        }
    }

    #[test]
    fn console_errors_have_their_codes() {
        let cases = [
            (CoreError::Network("down".into()), Code::Offline),
            (CoreError::NotSignedIn, Code::NotSignedIn),
            (CoreError::SessionEnded(EndReason::RefreshTokenReused), Code::RefreshTokenReused),
            (CoreError::SessionEnded(EndReason::SessionRevoked), Code::SessionRevoked),
            (CoreError::SessionEnded(EndReason::RefreshTokenInvalid), Code::RefreshTokenInvalid),
            (CoreError::Invalid("no".into()), Code::InvalidInput),
            (CoreError::Cache("c".into()), Code::Cache),
            (CoreError::Keychain("k".into()), Code::Keychain),
            (CoreError::Decode("x".into()), Code::Internal),
            (CoreError::InsecureServer("plain http:// is refused".into()), Code::InsecureServer),
            (CoreError::MfaRequired { enrollment_required: false, detail: "d".into() }, Code::MfaRequired),
            (CoreError::MfaRequired { enrollment_required: true, detail: "d".into() }, Code::MfaRequired),
            (CoreError::NotPermitted(venuedesk_api::permission::Permission::AuditExport), Code::Forbidden),
        ];
        for (e, code) in cases {
            assert_eq!(AppError::from(e).code, code);
        }
        // Codes are distinct strings: no two variants share one.
        let mut seen = std::collections::HashSet::new();
        assert!(Code::ALL.iter().all(|c| seen.insert(c.as_str())));
    }
}
