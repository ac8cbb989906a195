//! Standard Webhooks v1 signatures: `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">`, keyed with the base64 part of a `whsec_` secret. During a
//! rotation's overlap both secrets sign, space-separated, so a receiver with either
//! verifies.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

pub const PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> Zeroizing<String> {
    Zeroizing::new(format!("{PREFIX}{}", STANDARD.encode(crate::crypto::random_32())))
}

/// The key bytes of a `whsec_` secret.
fn key_bytes(secret: &str) -> Option<Zeroizing<Vec<u8>>> {
    STANDARD.decode(secret.strip_prefix(PREFIX)?).ok().map(Zeroizing::new)
}

/// One `v1,<signature>` for the message.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = key_bytes(secret)?;
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(format!("{msg_id}.{timestamp}.").as_bytes());
    ctx.update(body.as_bytes());
    Some(format!("v1,{}", STANDARD.encode(ctx.sign().as_ref())))
}

/// The header value: every given secret's signature, space-separated.
pub fn header(secrets: &[&str], msg_id: &str, timestamp: i64, body: &str) -> String {
    secrets.iter().filter_map(|s| sign(s, msg_id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example in the Standard Webhooks specification.
    #[test]
    fn matches_the_specification_example() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        let sig = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn both_secrets_sign_during_an_overlap() {
        let (a, b) = (new_secret(), new_secret());
        let h = header(&[a.as_str(), b.as_str()], "m", 1, "{}");
        let parts: Vec<&str> = h.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.starts_with("v1,") && p.len() > 3));
        assert!(sign("not-a-secret", "m", 1, "{}").is_none());
    }
}
