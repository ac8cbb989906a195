//! The retention policy's deletion rules on PostgreSQL. Tenant tables are reached through
//! the narrow `retention` policies (migration 0006) and the `expired` invitations policy;
//! a transaction-scoped advisory lock per rule keeps two nodes from doing the same work
//! (a second one then finds nothing due).

use time::OffsetDateTime;

use super::PgStore;
use crate::store::{PruneRule, StoreResult, ms};

/// The statements of each rule; `$1` is the cutoff in Unix milliseconds.
fn statements(rule: PruneRule) -> &'static [&'static str] {
    match rule {
        PruneRule::IdempotencyRecords => &["DELETE FROM idempotency_records WHERE created_at <= $1"],
        PruneRule::RateLimitHits => &["DELETE FROM ip_hits WHERE at <= $1"],
        PruneRule::LoginFailures => &["DELETE FROM login_failures WHERE failed_at <= $1"],
        PruneRule::Lockouts => &["DELETE FROM lockouts WHERE locked_until <= $1"],
        PruneRule::MfaChallenges => &["DELETE FROM mfa_challenges WHERE expires_at <= $1"],
        PruneRule::Sessions => &[
            // Their refresh tokens first (counted with them), then the sessions.
            "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE \
               revoked_at <= $1 OR absolute_expires_at <= $1 OR NOT EXISTS \
               (SELECT 1 FROM refresh_tokens t WHERE t.session_id = sessions.id AND t.expires_at > $1))",
            "DELETE FROM sessions WHERE revoked_at <= $1 OR absolute_expires_at <= $1 OR NOT EXISTS \
               (SELECT 1 FROM refresh_tokens t WHERE t.session_id = sessions.id AND t.expires_at > $1)",
        ],
        PruneRule::SecurityEvents => &["DELETE FROM security_events WHERE at <= $1"],
        PruneRule::AuthzDenials => &["DELETE FROM authz_denials WHERE last_at <= $1"],
        PruneRule::UnacceptedInvitations => &["DELETE FROM invitations WHERE accepted_at IS NULL AND expires_at <= $1"],
        PruneRule::AcceptedInvitations => &["DELETE FROM invitations WHERE accepted_at <= $1"],
        PruneRule::WebhookDeliveries => {
            &["DELETE FROM webhook_deliveries WHERE status IN ('delivered', 'failed') AND last_at <= $1"]
        }
        PruneRule::PaymentEvents => &["DELETE FROM payment_events WHERE received_at <= $1"],
        PruneRule::SecurityAlerts => &["DELETE FROM security_alerts WHERE last_at <= $1"],
    }
}

pub(super) async fn prune(s: &PgStore, rule: PruneRule, before: OffsetDateTime) -> StoreResult<u64> {
    let cutoff = ms(before);
    let mut tx = s.keyed_tx(&format!("prune:{rule:?}")).await?;
    sqlx::query(
        "SELECT set_config('venuedesk.prune_before', $1, true), \
                set_config('venuedesk.purge_invitations_before', $1, true)",
    )
    .bind(cutoff.to_string())
    .execute(&mut *tx)
    .await?;
    let mut n = 0;
    for &sql in statements(rule) {
        n += sqlx::query(sql).bind(cutoff).execute(&mut *tx).await?.rows_affected();
    }
    tx.commit().await?;
    Ok(n)
}

pub(super) async fn tables(s: &PgStore) -> StoreResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
         AND tablename <> '_sqlx_migrations' ORDER BY tablename",
    )
    .fetch_all(s.pool())
    .await?)
}
