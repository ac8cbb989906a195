//! The chain rule: per venue, `seq` from 1, `prev_hash` of the first event is 64 zeros, and
//! `hash = hex(SHA-256(prev_hash + "\n" + canonical_json(event without "hash")))` with RFC 8785
//! canonical JSON. Anyone with a JSON Lines export can recompute it with nothing else.

use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

pub use venuedesk_api::audit_chain::{ChainError, GENESIS, Verifier, canonical, link_hash, verify};

/// An event before the store gives it its place in the chain.
#[derive(Debug, Clone)]
pub struct AuditDraft {
    pub venue_id: Uuid,
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub actor: Actor,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub request_id: Option<String>,
    pub ip: Option<String>,
    /// Personal data in here is already sealed (see `audit::pii`).
    pub details: Value,
}

/// Who did it: a person, an API client acting for its venue, or the platform itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    System,
    User(Uuid),
    ApiClient(Uuid),
}

impl Actor {
    pub fn kind(self) -> &'static str {
        match self {
            Actor::System => "system",
            Actor::User(_) => "user",
            Actor::ApiClient(_) => "api_client",
        }
    }

    pub fn id(self) -> Option<Uuid> {
        match self {
            Actor::System => None,
            Actor::User(id) | Actor::ApiClient(id) => Some(id),
        }
    }
}

/// RFC 3339 in UTC with exactly three fraction digits: the exact `at` string that is hashed
/// (events stored before v1.1 keep the shorter form they were hashed with).
pub fn format_at(at: OffsetDateTime) -> String {
    venuedesk_api::timestamp::format(at)
}

/// The event as hashed: every member except `hash`.
pub fn event_value(d: &AuditDraft, seq: i64, prev_hash: &str) -> Value {
    json!({
        "seq": seq,
        "id": d.id,
        "at": format_at(d.at),
        "actor": { "type": d.actor.kind(), "id": d.actor.id() },
        "action": d.action,
        "target": { "type": d.target_type, "id": d.target_id },
        "request_id": d.request_id,
        "ip": d.ip,
        "details": d.details,
        "prev_hash": prev_hash,
    })
}

/// The canonical text and hash of a draft placed at `seq` after `prev_hash`.
pub fn seal(d: &AuditDraft, seq: i64, prev_hash: &str) -> (String, String) {
    let canonical = canonical(&event_value(d, seq, prev_hash));
    let hash = link_hash(prev_hash, &canonical);
    (canonical, hash)
}

/// Verifies a venue's whole chain as stored, page by page. Names the first broken `seq`.
pub async fn verify_store(
    store: &dyn crate::store::Store,
    venue_id: Uuid,
) -> Result<Result<u64, ChainError>, crate::store::StoreError> {
    let mut v = Verifier::default();
    let mut query = crate::store::AuditQuery { limit: 1000, ..Default::default() };
    loop {
        let rows = store.audit_events(venue_id, &query).await?;
        let Some(last) = rows.last() else { break };
        query.after_seq = last.seq;
        for r in &rows {
            let mut event: Value = match serde_json::from_str(&r.canonical) {
                Ok(e) => e,
                Err(_) => return Ok(Err(ChainError { seq: r.seq, reason: "stored event is not JSON".into() })),
            };
            if event.get("seq").and_then(Value::as_i64) != Some(r.seq) {
                return Ok(Err(ChainError { seq: r.seq, reason: "stored seq differs from the event's".into() }));
            }
            if let Some(column) = column_disagreeing(&event, r) {
                return Ok(Err(ChainError {
                    seq: r.seq,
                    reason: format!("stored {column} column differs from the hashed event"),
                }));
            }
            event["hash"] = Value::String(r.hash.clone());
            if let Err(e) = v.push(event) {
                return Ok(Err(e));
            }
        }
        if rows.len() < 1000 {
            break;
        }
    }
    Ok(Ok(v.checked()))
}

/// The first column (of those filters select on) that does not say what the hashed event says.
fn column_disagreeing(event: &Value, r: &crate::store::StoredAuditEvent) -> Option<&'static str> {
    if event.get("action").and_then(Value::as_str) != Some(r.action.as_str()) {
        return Some("action");
    }
    if event.pointer("/actor/id").and_then(Value::as_str) != r.actor_id.as_deref() {
        return Some("actor_id");
    }
    let at_ms = event
        .get("at")
        .and_then(Value::as_str)
        .and_then(venuedesk_api::timestamp::parse)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64);
    if at_ms != Some(r.at_ms) {
        return Some("at_ms");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(action: &str) -> AuditDraft {
        AuditDraft {
            venue_id: Uuid::nil(),
            id: Uuid::now_v7(),
            at: OffsetDateTime::now_utc(),
            actor: Actor::User(Uuid::now_v7()),
            action: action.into(),
            target_type: "booking".into(),
            target_id: Some("b1".into()),
            request_id: Some("r1".into()),
            ip: Some("127.0.0.1".into()),
            details: json!({"party_size": 4, "z": "last", "a": "first"}),
        }
    }

    fn chain(n: i64) -> Vec<Value> {
        let mut prev = GENESIS.to_string();
        let mut out = Vec::new();
        for seq in 1..=n {
            let d = draft("booking.create");
            let (canonical, hash) = seal(&d, seq, &prev);
            let mut v: Value = serde_json::from_str(&canonical).unwrap();
            v["hash"] = Value::String(hash.clone());
            out.push(v);
            prev = hash;
        }
        out
    }

    #[test]
    fn canonical_form_sorts_keys_without_whitespace() {
        let c = canonical(&json!({"b": 1, "a": {"d": [1, 2], "c": null}}));
        assert_eq!(c, r#"{"a":{"c":null,"d":[1,2]},"b":1}"#);
    }

    #[test]
    fn a_chain_verifies_and_any_change_is_found() {
        let events = chain(5);
        assert_eq!(verify(events.clone()).unwrap(), 5);
        let mut tampered = events.clone();
        tampered[2]["details"]["party_size"] = json!(40);
        assert_eq!(verify(tampered).unwrap_err().seq, 3);
        let mut dropped = events.clone();
        dropped.remove(1);
        assert_eq!(verify(dropped).unwrap_err().seq, 3);
        let mut relinked = events.clone();
        relinked[3]["prev_hash"] = json!(GENESIS);
        assert_eq!(verify(relinked).unwrap_err().seq, 4);
        // A range that starts mid-chain is anchored by its first prev_hash.
        assert_eq!(verify(events[2..].to_vec()).unwrap(), 3);
    }

    #[test]
    fn at_is_utc_with_milliseconds() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_764_181_800_123_456_789).unwrap();
        assert_eq!(format_at(at), "2025-11-26T18:30:00.123Z");
    }
}
