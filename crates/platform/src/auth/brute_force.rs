//! Brute-force limits (API.md, "Failed logins"). Two independent counters, both in the
//! database so they hold across restarts and nodes: failures per email (lockout), and
//! signup/login/MFA requests per client IP (rate limit).

use time::Duration;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::Admission;
use venuedesk_api::ProblemCode;

pub const FAILURES_BEFORE_LOCK: u32 = 5;
pub const FAILURE_WINDOW: Duration = Duration::minutes(15);
pub const LOCK_FOR: Duration = Duration::minutes(15);
pub const IP_WINDOW: Duration = Duration::minutes(1);

fn seconds(d: Duration) -> u64 {
    // Round up: never tell a client to come back before it may.
    let ms = d.whole_milliseconds().max(0) as u64;
    ms.div_ceil(1000).max(1)
}

/// Route layer for signup, login and the MFA step: counts every request from the client
/// IP before anything else runs, so malformed and oversized requests count too.
pub async fn limit_sign_in(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(ip): axum::Extension<crate::http::client_ip::ClientIp>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> ApiResult<axum::response::Response> {
    admit_ip(&state, &ip.rate_limit_key()).await?;
    Ok(next.run(req).await)
}

/// Refresh requests per client IP a minute (API.md, Limits and hardening), counted apart
/// from the sign-in limit: garbage refresh tokens cannot keep the database busy.
pub const REFRESH_PER_IP_MINUTE: u32 = 60;

/// Route layer for `POST /v1/auth/refresh`: its own per-IP counter, before the body is read.
pub async fn limit_refresh(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::Extension(ip): axum::Extension<crate::http::client_ip::ClientIp>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> ApiResult<axum::response::Response> {
    let now = state.clock.now();
    let key = format!("refresh:{}", ip.rate_limit_key());
    match state.store.admit_ip_hit(&key, now, IP_WINDOW, REFRESH_PER_IP_MINUTE).await? {
        Admission::Allowed => Ok(next.run(req).await),
        Admission::RetryAfter(d) => Err(ApiError::with_detail(
            ProblemCode::RateLimited,
            "too many refresh requests from this address; try again later",
        )
        .retry_after(seconds(d))),
    }
}

/// Counts one signup/login/MFA request from `ip`; `429 rate_limited` past the limit.
pub async fn admit_ip(state: &AppState, ip: &str) -> ApiResult<()> {
    let now = state.clock.now();
    match state.store.admit_ip_hit(ip, now, IP_WINDOW, state.settings.auth_requests_per_ip_minute).await? {
        Admission::Allowed => Ok(()),
        Admission::RetryAfter(d) => Err(ApiError::with_detail(
            ProblemCode::RateLimited,
            "too many sign-in requests from this address; try again later",
        )
        .retry_after(seconds(d))),
    }
}

/// What a login's failures are counted under: the email as typed, trimmed and lower-cased.
/// A NUL (which no valid email holds, and PostgreSQL text cannot store) becomes U+FFFD, so
/// garbage is counted like any other wrong email on both backends.
pub fn identifier(email: &str) -> String {
    email.trim().to_ascii_lowercase().replace('\0', "\u{fffd}")
}

/// `429 locked_out` while the identifier is locked, whatever the password.
pub async fn check_lock(state: &AppState, identifier: &str) -> ApiResult<()> {
    match state.store.lockout(identifier, state.clock.now()).await? {
        Admission::Allowed => Ok(()),
        Admission::RetryAfter(d) => Err(locked(d)),
    }
}

fn locked(d: Duration) -> ApiError {
    ApiError::with_detail(ProblemCode::LockedOut, "too many failed attempts for this account; try again later")
        .retry_after(seconds(d))
}

/// Longest identifier counted; longer input cannot be an email and is not stored.
pub const MAX_IDENTIFIER: usize = 254;

/// Records a failure; when it locks the account of `user`, that user gets a `locked_out`
/// security event.
pub async fn record_failure(
    state: &AppState,
    identifier: &str,
    user: Option<uuid::Uuid>,
    ip: Option<String>,
) -> ApiResult<()> {
    if identifier.len() > MAX_IDENTIFIER {
        return Ok(());
    }
    let now = state.clock.now();
    let locked_now =
        state.store.record_login_failure(identifier, now, FAILURE_WINDOW, FAILURES_BEFORE_LOCK, LOCK_FOR).await?;
    if locked_now && let Some(user_id) = user {
        locked_event(state, user_id, ip).await?;
    }
    Ok(())
}

/// A second-factor attempt, counted against the identifier's lockout *before* its code is
/// judged (API.md, Limits and hardening): however many arrive at once, at most
/// [`FAILURES_BEFORE_LOCK`] are judged per window, the rest answer `429 locked_out`.
#[must_use = "an attempt must be settled as accepted or rejected"]
pub struct Attempt {
    identifier: String,
    at: time::OffsetDateTime,
    user: Option<uuid::Uuid>,
    ip: Option<String>,
}

/// Admits one attempt for `identifier`, or answers `429 locked_out`.
pub async fn begin_attempt(
    state: &AppState,
    identifier: &str,
    user: Option<uuid::Uuid>,
    ip: Option<String>,
) -> ApiResult<Attempt> {
    // A locked identifier is answered from a reader: a flood of attempts never takes the writer.
    check_lock(state, identifier).await?;
    let at = state.clock.now();
    let (admission, locked_now) =
        state.store.begin_attempt(identifier, at, FAILURE_WINDOW, FAILURES_BEFORE_LOCK, LOCK_FOR).await?;
    match admission {
        Admission::Allowed => Ok(Attempt { identifier: identifier.to_string(), at, user, ip }),
        Admission::RetryAfter(d) => {
            if locked_now && let Some(user_id) = user {
                locked_event(state, user_id, ip).await?;
            }
            Err(locked(d))
        }
    }
}

impl Attempt {
    /// The code was right: the attempt stops counting. Still refused when a burst of
    /// others locked the identifier meanwhile (as a login re-checks after hashing).
    pub async fn accepted(self, state: &AppState) -> ApiResult<()> {
        state.store.withdraw_attempt(&self.identifier, self.at).await?;
        check_lock(state, &self.identifier).await
    }

    /// The code was wrong: it stays counted, and the identifier locks once the allowance is used.
    pub async fn rejected(self, state: &AppState) -> ApiResult<()> {
        let now = state.clock.now();
        let locked_now = state
            .store
            .lock_if_exhausted(&self.identifier, now, FAILURE_WINDOW, FAILURES_BEFORE_LOCK, LOCK_FOR)
            .await?;
        if locked_now && let Some(user_id) = self.user {
            locked_event(state, user_id, self.ip).await?;
        }
        Ok(())
    }
}

async fn locked_event(state: &AppState, user_id: uuid::Uuid, ip: Option<String>) -> ApiResult<()> {
    let event =
        crate::store::NewSecurityEvent { user_id, kind: "locked_out", at: state.clock.now(), ip, session_id: None };
    state.store.add_security_event(event).await?;
    crate::alerts::raise_for_user(state, user_id, crate::alerts::rules::Kind::Lockout).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn identifiers_are_storable_text() {
        assert_eq!(super::identifier("  Kate@Example.COM "), "kate@example.com");
        assert_eq!(super::identifier("kate@example.com\0"), "kate@example.com\u{fffd}");
    }

    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(seconds(Duration::milliseconds(1)), 1);
        assert_eq!(seconds(Duration::milliseconds(1500)), 2);
        assert_eq!(seconds(Duration::seconds(-3)), 1);
        assert_eq!(seconds(Duration::minutes(15)), 900);
    }
}
