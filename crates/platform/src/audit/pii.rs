//! Personal data inside audit details is sealed with the key of its subject (a customer's
//! own key, or the venue's key for a guest without a customer record). Erasing the customer
//! destroys the key: the hashed row never changes, the data can no longer be read.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::crypto::{DataKey, SealError};

const PREFIX: &str = "pii:v1:";

pub fn customer_scope(venue_id: uuid::Uuid, customer_id: uuid::Uuid) -> String {
    format!("customer:{venue_id}:{customer_id}")
}

pub fn booking_scope(venue_id: uuid::Uuid, booking_id: uuid::Uuid) -> String {
    format!("booking:{venue_id}:{booking_id}")
}

/// Whether a key scope is about one data subject (destroyed on erasure, never cached).
pub fn is_subject_scope(scope: &str) -> bool {
    scope.starts_with("customer:") || scope.starts_with("booking:")
}

/// Whether a key scope belongs to `venue_id` (exports only open their own venue's data).
pub fn belongs_to(scope: &str, venue_id: uuid::Uuid) -> bool {
    let v = venue_id.to_string();
    scope == format!("venue:{v}")
        || scope.starts_with(&format!("venue:{v}#"))
        || scope.starts_with(&format!("customer:{v}:"))
        || scope.starts_with(&format!("booking:{v}:"))
}

pub fn venue_scope(venue_id: uuid::Uuid) -> String {
    format!("venue:{venue_id}")
}

/// `pii:v1:<key scope>:<base64 sealed value>`.
pub fn seal(scope: &str, key: &DataKey, plaintext: &str) -> Result<String, SealError> {
    let sealed = key.seal(format!("pii:{scope}").as_bytes(), plaintext.as_bytes())?;
    Ok(format!("{PREFIX}{scope}:{}", STANDARD_NO_PAD.encode(sealed)))
}

/// The key scope a sealed value names, if `value` is one.
pub fn scope_of(value: &str) -> Option<&str> {
    let rest = value.strip_prefix(PREFIX)?;
    rest.rsplit_once(':').map(|(scope, _)| scope)
}

pub fn open(value: &str, key: &DataKey) -> Option<String> {
    let rest = value.strip_prefix(PREFIX)?;
    let (scope, b64) = rest.rsplit_once(':')?;
    let sealed = STANDARD_NO_PAD.decode(b64).ok()?;
    let plain = key.open(format!("pii:{scope}").as_bytes(), &sealed).ok()?;
    String::from_utf8(plain.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_name_their_scope_and_open_only_with_its_key() {
        let key = DataKey::generate();
        let v = seal("customer:v:c", &key, "Ada Lovelace").unwrap();
        assert!(!v.contains("Ada"));
        assert_eq!(scope_of(&v), Some("customer:v:c"));
        assert_eq!(open(&v, &key).as_deref(), Some("Ada Lovelace"));
        assert_eq!(open(&v, &DataKey::generate()), None);
        assert_eq!(scope_of("plain text"), None);
    }
}
