//! The audit chain rule (API.md, Audit), shared by the platform that writes the chain and
//! every client that verifies an export: per venue, `seq` from 1, the first `prev_hash` is 64
//! zeros, and `hash = hex(SHA-256(prev_hash + "\n" + RFC 8785 JSON of the event without
//! "hash"))`.

use serde_json::Value;
use sha2::{Digest, Sha256};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub fn canonical(v: &Value) -> String {
    // Serialising a serde_json::Value cannot fail.
    serde_json_canonicalizer::to_string(v).unwrap_or_default()
}

pub fn link_hash(prev_hash: &str, canonical: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(b"\n");
    h.update(canonical.as_bytes());
    hex::encode(h.finalize())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainError {
    pub seq: i64,
    pub reason: String,
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "audit chain broken at seq {}: {}", self.seq, self.reason)
    }
}

impl std::error::Error for ChainError {}

/// Checks events one at a time, in order (see [`verify`]).
#[derive(Debug, Default)]
pub struct Verifier {
    prev: Option<(i64, String)>,
    checked: u64,
}

impl Verifier {
    /// Checks the next event: the hashed members plus `hash`.
    pub fn push(&mut self, mut event: Value) -> Result<(), ChainError> {
        let seq = event.get("seq").and_then(Value::as_i64).unwrap_or(-1);
        let broken = |reason: &str| ChainError { seq, reason: reason.to_string() };
        let obj = event.as_object_mut().ok_or_else(|| broken("not a JSON object"))?;
        let hash = obj.remove("hash").and_then(|h| h.as_str().map(str::to_owned)).ok_or_else(|| broken("no hash"))?;
        let prev_hash = obj.get("prev_hash").and_then(Value::as_str).ok_or_else(|| broken("no prev_hash"))?.to_string();
        match &self.prev {
            None if seq == 1 && prev_hash != GENESIS => {
                return Err(broken("the first event must follow the zero hash"));
            }
            Some((prev_seq, prev_h)) => {
                if seq != prev_seq + 1 {
                    return Err(broken(&format!("expected seq {}", prev_seq + 1)));
                }
                if &prev_hash != prev_h {
                    return Err(broken("prev_hash does not match the previous event's hash"));
                }
            }
            None => {}
        }
        if link_hash(&prev_hash, &canonical(&event)) != hash {
            return Err(broken("hash does not match the event's content"));
        }
        self.prev = Some((seq, hash));
        self.checked += 1;
        Ok(())
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }
}

/// Checks events in order. Each item is one event as exported (the hashed members plus
/// `hash`). The first event's `prev_hash` anchors the check, so a date-range export verifies
/// too; a chain from the start has seq 1 and the zero hash. Returns the number checked.
pub fn verify<I: IntoIterator<Item = Value>>(events: I) -> Result<u64, ChainError> {
    let mut v = Verifier::default();
    for e in events {
        v.push(e)?;
    }
    Ok(v.checked())
}
