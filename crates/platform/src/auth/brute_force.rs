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

/// Records a failure. Returns the lock error when this failure locked the identifier.
pub async fn record_failure(state: &AppState, identifier: &str) -> ApiResult<Option<ApiError>> {
    let now = state.clock.now();
    let locked_now =
        state.store.record_login_failure(identifier, now, FAILURE_WINDOW, FAILURES_BEFORE_LOCK, LOCK_FOR).await?;
    Ok(locked_now.then(|| locked(LOCK_FOR)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(seconds(Duration::milliseconds(1)), 1);
        assert_eq!(seconds(Duration::milliseconds(1500)), 2);
        assert_eq!(seconds(Duration::seconds(-3)), 1);
        assert_eq!(seconds(Duration::minutes(15)), 900);
    }
}
