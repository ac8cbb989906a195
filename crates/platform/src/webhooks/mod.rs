//! Outgoing webhooks (API.md, Integrations): events written to an outbox in the same
//! transaction as the change they announce, delivered by a worker any node may run,
//! signed per Standard Webhooks v1, to targets checked against SSRF.

pub mod events;
pub mod signature;
pub mod target;
pub mod worker;

use time::Duration;

/// The waits after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; after the
/// last the delivery is given up (it can still be retried by hand).
pub const RETRY_SCHEDULE: [Duration; 7] = [
    Duration::seconds(5),
    Duration::minutes(5),
    Duration::minutes(30),
    Duration::hours(2),
    Duration::hours(5),
    Duration::hours(10),
    Duration::hours(10),
];

/// When to try again after `attempts` failed attempts, or `None` when it is given up.
pub fn next_retry(attempts: i64) -> Option<Duration> {
    usize::try_from(attempts).ok().and_then(|n| n.checked_sub(1)).and_then(|i| RETRY_SCHEDULE.get(i).copied())
}

/// How long a rotated secret keeps signing next to the new one.
pub const SECRET_OVERLAP: Duration = Duration::hours(24);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_the_documented_one_then_gives_up() {
        assert_eq!(next_retry(1), Some(Duration::seconds(5)));
        assert_eq!(next_retry(2), Some(Duration::minutes(5)));
        assert_eq!(next_retry(7), Some(Duration::hours(10)));
        assert_eq!(next_retry(8), None);
        assert_eq!(next_retry(0), None);
    }
}
