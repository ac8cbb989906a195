//! `venuedesk-bench domain`, last part: the cost of the capacity check as overlapping
//! bookings pile up. Every booking overlaps every other (same start, capacity 100,000), the
//! worst case for the check; the 4,000th must cost at most 3x the 100th (API.md: the check
//! is O(n log n) in the overlapping bookings, and it runs while the writer is held).

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use serde_json::json;
use uuid::Uuid;

use super::Target;

/// Median latency of booking creates number `around - 10 ..= around + 10`, taken from one
/// sequential run of `total` creates.
pub async fn overlapping_creates(t: &Target, token: &str, vid: &str, total: usize) -> Result<Vec<Duration>> {
    let at = (time::OffsetDateTime::now_utc() + time::Duration::days(3)).replace_nanosecond(0)?;
    let at = venuedesk_api::timestamp::format(at);
    let mut took = Vec::with_capacity(total);
    for n in 0..total {
        let begin = Instant::now();
        let res = t
            .client
            .post(format!("{}/v1/venues/{vid}/bookings", t.base))
            .bearer_auth(token)
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .json(
                &json!({"guest_name": format!("Pile {n}"), "party_size": 1, "starts_at": at, "duration_minutes": 120}),
            )
            .send()
            .await?;
        if res.status() != 201 {
            bail!("overlapping booking {n} answered {}", res.status());
        }
        took.push(begin.elapsed());
    }
    Ok(took)
}

/// The median of the 21 creates around the `n`th (1-based).
pub fn median_around(took: &[Duration], n: usize) -> Duration {
    let lo = n.saturating_sub(11);
    let mut window: Vec<Duration> = took[lo..(n + 10).min(took.len())].to_vec();
    window.sort();
    window[window.len() / 2]
}
