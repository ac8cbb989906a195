//! The retention policy: one table says how long each class of data is kept, and both
//! `GET /.well-known/retention-policy.json` and `prune` are made from it, so what is
//! published is what is enforced. `prune` runs hourly in every `serve` and on demand.

use time::{Duration, OffsetDateTime};
use venuedesk_api::retention::RetentionEntry;

use crate::store::{PruneRule, Store, StoreError};

/// A retention period as ISO 8601 shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Zero,
    Hours(i64),
    Days(i64),
    /// 365 days each.
    Years(i64),
}

impl Period {
    pub fn duration(self) -> Duration {
        match self {
            Period::Zero => Duration::ZERO,
            Period::Hours(n) => Duration::hours(n),
            Period::Days(n) => Duration::days(n),
            Period::Years(n) => Duration::days(365 * n),
        }
    }

    pub fn iso8601(self) -> String {
        match self {
            Period::Zero => "PT0S".into(),
            Period::Hours(n) => format!("PT{n}H"),
            Period::Days(n) => format!("P{n}D"),
            Period::Years(n) => format!("P{n}Y"),
        }
    }
}

/// What happens to a class's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletion {
    /// Deleted by `prune` once `retention` has passed since `from`.
    Delete(Period, PruneRule),
    /// Kept for good (the audit trail).
    Never,
    /// Kept while its account or venue exists.
    WithOwner,
    /// Files outside the database, deleted by the command that makes them (`backup
    /// --prune-days`, default 30).
    Files(Period),
}

#[derive(Debug, Clone, Copy)]
pub struct DataClass {
    pub name: &'static str,
    pub tables: &'static [&'static str],
    pub deletion: Deletion,
    pub from: &'static str,
    pub description: &'static str,
}

/// The policy. Every table of the schema is in some class (a test checks both backends).
pub const POLICY: &[DataClass] = &[
    DataClass {
        name: "idempotency_records",
        tables: &["idempotency_records"],
        deletion: Deletion::Delete(Period::Days(1), PruneRule::IdempotencyRecords),
        from: "creation",
        description: "Stored answers to writes, so a retry with the same Idempotency-Key is answered, not redone; encrypted.",
    },
    DataClass {
        name: "rate_limit_hits",
        tables: &["ip_hits"],
        deletion: Deletion::Delete(Period::Hours(1), PruneRule::RateLimitHits),
        from: "creation",
        description: "Client IP addresses of sign-in, refresh and token requests, counted for rate limits.",
    },
    DataClass {
        name: "login_failures",
        tables: &["login_failures"],
        deletion: Deletion::Delete(Period::Days(1), PruneRule::LoginFailures),
        from: "creation",
        description: "Failed sign-in and MFA attempts per email address, counted for lockouts.",
    },
    DataClass {
        name: "lockouts",
        tables: &["lockouts"],
        deletion: Deletion::Delete(Period::Days(1), PruneRule::Lockouts),
        from: "end",
        description: "Email addresses locked out after too many failures, until when.",
    },
    DataClass {
        name: "mfa_challenges",
        tables: &["mfa_challenges"],
        deletion: Deletion::Delete(Period::Zero, PruneRule::MfaChallenges),
        from: "expiry",
        description: "Half-finished sign-ins waiting for a TOTP code (5 minutes).",
    },
    DataClass {
        name: "sessions",
        tables: &["sessions", "refresh_tokens"],
        deletion: Deletion::Delete(Period::Days(30), PruneRule::Sessions),
        from: "end",
        description: "Sessions (device name, IP address) and the hashes of their refresh tokens; ended by sign-out, revocation, or expiry.",
    },
    DataClass {
        name: "security_events",
        tables: &["security_events"],
        deletion: Deletion::Delete(Period::Years(1), PruneRule::SecurityEvents),
        from: "creation",
        description: "An account's sign-ins, failures, MFA and session changes, with IP addresses.",
    },
    DataClass {
        name: "authz_denials",
        tables: &["authz_denials"],
        deletion: Deletion::Delete(Period::Hours(1), PruneRule::AuthzDenials),
        from: "end",
        description: "When an identical denial was last audited (denials are audited at most once a minute); the audit events themselves are kept.",
    },
    DataClass {
        name: "unaccepted_invitations",
        tables: &["invitations"],
        deletion: Deletion::Delete(Period::Days(1), PruneRule::UnacceptedInvitations),
        from: "expiry",
        description: "Invitations (email address, role) never accepted.",
    },
    DataClass {
        name: "accepted_invitations",
        tables: &["invitations"],
        deletion: Deletion::Delete(Period::Days(30), PruneRule::AcceptedInvitations),
        from: "acceptance",
        description: "Invitations (email address, role) once accepted; the membership they made stays.",
    },
    DataClass {
        name: "webhook_deliveries",
        tables: &["webhook_deliveries"],
        deletion: Deletion::Delete(Period::Days(30), PruneRule::WebhookDeliveries),
        from: "last_attempt",
        description: "Webhook events and their delivery log, once delivered or given up; pending ones are kept until they are.",
    },
    DataClass {
        name: "payment_events",
        tables: &["payment_events"],
        deletion: Deletion::Delete(Period::Years(1), PruneRule::PaymentEvents),
        from: "receipt",
        description: "Payment-provider events received (event id, kind, order), kept so each is applied once and for reconciliation.",
    },
    DataClass {
        name: "security_alerts",
        tables: &["security_alerts"],
        deletion: Deletion::Delete(Period::Years(1), PruneRule::SecurityAlerts),
        from: "last_event",
        description: "Security alerts shown to a venue's owners (kind, when, how many; no personal data).",
    },
    DataClass {
        name: "backups",
        tables: &[],
        deletion: Deletion::Files(Period::Days(30)),
        from: "creation",
        description: "Encrypted backups (age format) in the backup directory: each `backup` deletes those older than 30 days.",
    },
    DataClass {
        name: "audit_events",
        tables: &["audit_events"],
        deletion: Deletion::Never,
        from: "creation",
        description: "The venue's append-only, hash-chained audit trail. Kept; personal data in it is sealed under the person's key and crypto-shredded on erasure, which leaves the chain intact.",
    },
    DataClass {
        name: "venue_data",
        tables: &[
            "venues",
            "roles",
            "members",
            "docs",
            "booking_tables",
            "changes",
            "venue_sequences",
            "api_clients",
            "webhook_endpoints",
            "public_keys",
            "public_key_origins",
            "payment_settings",
        ],
        deletion: Deletion::WithOwner,
        from: "creation",
        description: "The venue's bookings, orders, customers, team and integrations, kept while the venue uses them; a customer's erasure crypto-shreds their personal data at once.",
    },
    DataClass {
        name: "accounts",
        tables: &["users", "recovery_codes"],
        deletion: Deletion::WithOwner,
        from: "creation",
        description: "Accounts (email address, name, password hash, sealed TOTP secret) and hashed recovery codes.",
    },
    DataClass {
        name: "keys",
        tables: &["signing_keys", "data_keys"],
        deletion: Deletion::WithOwner,
        from: "creation",
        description: "Token-signing keys and wrapped data keys; a data key is destroyed when what it seals is erased.",
    },
];

/// The published policy, made from [`POLICY`].
pub fn document() -> Vec<RetentionEntry> {
    POLICY
        .iter()
        .map(|c| {
            let (retention, deletion) = match c.deletion {
                Deletion::Delete(period, _) | Deletion::Files(period) => (Some(period.iso8601()), "delete"),
                Deletion::Never => (None, "never"),
                Deletion::WithOwner => (None, "with_owner"),
            };
            RetentionEntry {
                data_class: c.name.into(),
                retention,
                deletion: deletion.into(),
                from: c.from.into(),
                tables: c.tables.iter().map(|t| (*t).into()).collect(),
                description: c.description.into(),
            }
        })
        .collect()
}

/// Deletes what the policy says is due at `now`; rows deleted per class, in policy order.
/// Every class is tried even when one fails; the first error is returned after.
pub async fn prune(store: &dyn Store, now: OffsetDateTime) -> Result<Vec<(&'static str, u64)>, StoreError> {
    let mut done = Vec::new();
    let mut first_error = None;
    for class in POLICY {
        if let Deletion::Delete(period, rule) = class.deletion {
            match store.prune(rule, now - period.duration()).await {
                Ok(n) => done.push((class.name, n)),
                Err(e) => {
                    tracing::warn!(data_class = class.name, error = %e, "pruning failed");
                    first_error.get_or_insert(e);
                }
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(done),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_answers_are_kept_exactly_as_long_as_published() {
        let class = POLICY.iter().find(|c| c.name == "idempotency_records").map(|c| c.deletion);
        assert_eq!(
            class,
            Some(Deletion::Delete(Period::Days(1), PruneRule::IdempotencyRecords)),
            "the published period"
        );
        assert_eq!(crate::idempotency::KEEP_FOR, Period::Days(1).duration(), "what a replay relies on");
    }

    #[test]
    fn class_names_are_unique_and_periods_render_as_iso_8601() {
        let mut names: Vec<&str> = POLICY.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), POLICY.len());
        assert_eq!(
            [Period::Zero, Period::Hours(1), Period::Days(30), Period::Years(1)].map(Period::iso8601),
            ["PT0S", "PT1H", "P30D", "P1Y"]
        );
        assert_eq!(Period::Years(1).duration(), Duration::days(365));
    }
}
