//! The refresh-token rotation rules (API.md, "POST /v1/auth/refresh"), as a pure decision
//! so every storage backend applies exactly the same policy inside its own transaction.

use time::{Duration, OffsetDateTime};

/// What the store knows about a presented refresh token.
#[derive(Debug, Clone)]
pub struct PresentedToken {
    pub expires_at: OffsetDateTime,
    pub rotated_at: Option<OffsetDateTime>,
    pub rotated_by_key_hash: Option<[u8; 32]>,
    /// The token issued by this one's rotation has itself been rotated already.
    pub successor_rotated: bool,
    pub voided: bool,
    pub session_revoked: bool,
    pub session_absolute_expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Normal single-use rotation.
    Rotate,
    /// Lost-response retry of the rotation that rotated this token: void the pair that
    /// rotation issued and issue a fresh one.
    RetrySameRotation,
    /// A rotated (or voided) token came back: revoke the whole session.
    Reuse,
    SessionRevoked,
    Invalid,
}

pub fn decide(
    token: &PresentedToken,
    key_hash: Option<&[u8; 32]>,
    now: OffsetDateTime,
    retry_window: Duration,
) -> Decision {
    let session_over = now >= token.session_absolute_expires_at;
    if let Some(rotated_at) = token.rotated_at {
        let same_key = matches!((key_hash, token.rotated_by_key_hash.as_ref()), (Some(a), Some(b)) if a == b);
        let in_window = now - rotated_at <= retry_window;
        if same_key && in_window && !token.successor_rotated && !token.session_revoked && !session_over {
            return Decision::RetrySameRotation;
        }
        return Decision::Reuse;
    }
    if token.voided {
        return Decision::Reuse;
    }
    if token.session_revoked {
        return Decision::SessionRevoked;
    }
    if now >= token.expires_at || session_over {
        return Decision::Invalid;
    }
    Decision::Rotate
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh(now: OffsetDateTime) -> PresentedToken {
        PresentedToken {
            expires_at: now + Duration::days(14),
            rotated_at: None,
            rotated_by_key_hash: None,
            successor_rotated: false,
            voided: false,
            session_revoked: false,
            session_absolute_expires_at: now + Duration::days(30),
        }
    }

    const WINDOW: Duration = Duration::seconds(60);

    #[test]
    fn fresh_token_rotates() {
        let now = OffsetDateTime::now_utc();
        assert_eq!(decide(&fresh(now), None, now, WINDOW), Decision::Rotate);
    }

    #[test]
    fn expired_idle_or_absolute_is_invalid() {
        let now = OffsetDateTime::now_utc();
        let mut t = fresh(now);
        t.expires_at = now;
        assert_eq!(decide(&t, None, now, WINDOW), Decision::Invalid);
        let mut t = fresh(now);
        t.session_absolute_expires_at = now - Duration::seconds(1);
        assert_eq!(decide(&t, None, now, WINDOW), Decision::Invalid);
    }

    #[test]
    fn rotated_token_is_reuse_unless_same_key_within_window() {
        let now = OffsetDateTime::now_utc();
        let key = [7u8; 32];
        let mut t = fresh(now);
        t.rotated_at = Some(now - Duration::seconds(10));
        t.rotated_by_key_hash = Some(key);
        assert_eq!(decide(&t, Some(&key), now, WINDOW), Decision::RetrySameRotation);
        assert_eq!(decide(&t, None, now, WINDOW), Decision::Reuse);
        assert_eq!(decide(&t, Some(&[8u8; 32]), now, WINDOW), Decision::Reuse);
        assert_eq!(decide(&t, Some(&key), now + Duration::seconds(51), WINDOW), Decision::Reuse);
        t.successor_rotated = true;
        assert_eq!(decide(&t, Some(&key), now, WINDOW), Decision::Reuse);
    }

    #[test]
    fn no_retry_past_the_session_end() {
        let now = OffsetDateTime::now_utc();
        let key = [7u8; 32];
        let mut t = fresh(now);
        t.rotated_at = Some(now - Duration::seconds(5));
        t.rotated_by_key_hash = Some(key);
        t.session_absolute_expires_at = now - Duration::seconds(1);
        assert_eq!(decide(&t, Some(&key), now, WINDOW), Decision::Reuse);
    }

    #[test]
    fn rotation_without_key_can_never_be_retried() {
        let now = OffsetDateTime::now_utc();
        let mut t = fresh(now);
        t.rotated_at = Some(now);
        assert_eq!(decide(&t, None, now, WINDOW), Decision::Reuse);
    }

    #[test]
    fn voided_pair_is_reuse_and_revoked_session_is_reported() {
        let now = OffsetDateTime::now_utc();
        let mut t = fresh(now);
        t.voided = true;
        assert_eq!(decide(&t, None, now, WINDOW), Decision::Reuse);
        let mut t = fresh(now);
        t.session_revoked = true;
        assert_eq!(decide(&t, None, now, WINDOW), Decision::SessionRevoked);
    }
}
