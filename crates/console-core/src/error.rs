//! Errors the console shows a person: the platform's problem `code`s, typed.

use venuedesk_api::ProblemCode;
use venuedesk_api::permission::Permission;

/// Why a session ended without the user signing out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// A copy of the refresh token was used elsewhere: the platform revoked the session.
    RefreshTokenReused,
    /// Signed out elsewhere, or revoked by the user or an administrator.
    SessionRevoked,
    /// The refresh token expired (14 days idle, 30 days at most).
    RefreshTokenInvalid,
}

impl EndReason {
    pub fn explain(self) -> &'static str {
        match self {
            EndReason::RefreshTokenReused => {
                "your session was ended because its sign-in token was used from somewhere else; sign in again"
            }
            EndReason::SessionRevoked => "your session was signed out or revoked; sign in again",
            EndReason::RefreshTokenInvalid => "your session expired; sign in again",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The platform answered with a problem document.
    #[error("{detail} ({code})")]
    Problem { status: u16, code: ProblemCode, detail: String, request_id: String, retry_after: Option<u64> },
    /// No answer: the platform is unreachable (offline, DNS, TLS, timeout).
    #[error("cannot reach the platform: {0}")]
    Network(String),
    #[error("unexpected answer from the platform: {0}")]
    Decode(String),
    #[error("{}", .0.explain())]
    SessionEnded(EndReason),
    #[error("not signed in")]
    NotSignedIn,
    #[error("keychain: {0}")]
    Keychain(String),
    #[error("offline cache: {0}")]
    Cache(String),
    /// A change the console refuses before sending it (an impossible status change, an
    /// unknown product): the platform would refuse it too.
    #[error("{0}")]
    Invalid(String),
    /// The server address was refused before anything was sent to it: plain `http://` to
    /// another computer (passwords and tokens would cross the network readable), another
    /// scheme, or not a URL at all.
    #[error("{0}")]
    InsecureServer(String),
    /// The platform wants a stronger sign-in for this venue (`403 mfa_required`): the
    /// member's role now requires MFA. Nothing queued is lost; sync stops until the person
    /// signs in again with their second factor (after enrolling one when
    /// `enrollment_required`).
    #[error("{detail}")]
    MfaRequired { enrollment_required: bool, detail: String },
    /// A local change refused before it was queued: the permissions cached for this venue
    /// (from the last sync) do not include it, so the platform would answer 403.
    #[error("your role in this venue lacks the permission {0}, so this change was not made")]
    NotPermitted(Permission),
}

impl CoreError {
    pub fn code(&self) -> Option<ProblemCode> {
        match self {
            CoreError::Problem { code, .. } => Some(*code),
            CoreError::MfaRequired { .. } => Some(ProblemCode::MfaRequired),
            CoreError::NotPermitted(_) => Some(ProblemCode::Forbidden),
            _ => None,
        }
    }

    /// Worth retrying later with the same request (and Idempotency-Key).
    pub fn is_transient(&self) -> bool {
        match self {
            CoreError::Network(_) => true,
            CoreError::Problem { status, code, .. } => {
                *status >= 500 || *status == 429 || *code == ProblemCode::IdempotencyKeyInUse || *status == 408
            }
            _ => false,
        }
    }
}
