//! What a stored idempotency record means for a new request with the same key: one rule,
//! called by both backends inside the transaction that claims the key.

use crate::store::IdempotencyBegin;

/// `subject` of a record whose stored answer was erased with its subject (GDPR).
pub const ERASED_SUBJECT: &str = "erased";

/// A record as stored, times in Unix milliseconds.
pub struct StoredRecord {
    pub fingerprint: Vec<u8>,
    pub locked_until: Option<i64>,
    pub response: Option<Vec<u8>>,
    pub expires_at: i64,
    pub subject: Option<String>,
}

/// The answer for a request with `fingerprint` at `now_ms`; `None`: the record is expired
/// or abandoned, so the caller replaces it and the request starts afresh.
pub fn decide(stored: StoredRecord, fingerprint: &[u8; 32], now_ms: i64) -> Option<IdempotencyBegin> {
    let live = stored.expires_at > now_ms;
    let same = stored.fingerprint.as_slice() == fingerprint.as_slice();
    if live && stored.subject.as_deref() == Some(ERASED_SUBJECT) {
        return Some(if same { IdempotencyBegin::Erased } else { IdempotencyBegin::FingerprintMismatch });
    }
    let abandoned = stored.response.is_none() && stored.locked_until.is_none_or(|l| l <= now_ms);
    if !live || abandoned {
        return None;
    }
    Some(match (same, stored.response) {
        (false, _) => IdempotencyBegin::FingerprintMismatch,
        (true, Some(r)) => IdempotencyBegin::Replay(r),
        (true, None) => IdempotencyBegin::InFlight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(response: Option<&[u8]>, locked_until: Option<i64>, subject: Option<&str>) -> StoredRecord {
        StoredRecord {
            fingerprint: vec![1; 32],
            locked_until,
            response: response.map(<[u8]>::to_vec),
            expires_at: 1_000,
            subject: subject.map(str::to_string),
        }
    }

    #[test]
    fn each_stored_state_gets_its_answer() {
        let same = [1u8; 32];
        let other = [2u8; 32];
        assert!(
            matches!(decide(record(Some(b"r"), None, None), &same, 10), Some(IdempotencyBegin::Replay(r)) if r == b"r")
        );
        assert!(matches!(
            decide(record(Some(b"r"), None, None), &other, 10),
            Some(IdempotencyBegin::FingerprintMismatch)
        ));
        assert!(matches!(decide(record(None, Some(50), None), &same, 10), Some(IdempotencyBegin::InFlight)));
        assert!(decide(record(None, Some(5), None), &same, 10).is_none(), "abandoned");
        assert!(decide(record(Some(b"r"), None, None), &same, 1_000).is_none(), "expired");
        assert!(matches!(decide(record(None, None, Some(ERASED_SUBJECT)), &same, 10), Some(IdempotencyBegin::Erased)));
        assert!(matches!(
            decide(record(None, None, Some(ERASED_SUBJECT)), &other, 10),
            Some(IdempotencyBegin::FingerprintMismatch)
        ));
    }
}
