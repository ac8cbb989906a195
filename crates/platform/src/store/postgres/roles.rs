//! The two database roles of the production tier. The OWNER creates and upgrades the schema
//! (`venuedesk-platform migrate`); the APPLICATION role serves and holds only what serving
//! needs. Row-level security binds a role that is neither owner, superuser nor BYPASSRLS
//! — `serve` refuses to start as any of those.

use sqlx::Row;

use super::{MIGRATOR, PgStore};
use crate::store::{StoreError, StoreResult};

/// Why `serve` refuses the role it connected as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnsafeRole {
    #[error("role {0:?} is a superuser: row-level security would not apply; serve as the application role")]
    Superuser(String),
    #[error("role {0:?} has BYPASSRLS: row-level security would not apply; serve as the application role")]
    BypassRls(String),
    #[error("role {0:?} owns the tables (or is a member of their owner): serve as the application role, not the owner")]
    Owner(String),
}

/// A role (or schema) name as SQL text: an identifier of letters, digits and `_` only, quoted.
fn quoted_role(name: &str) -> StoreResult<String> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(format!("\"{name}\""))
    } else {
        Err(StoreError::Corrupt(format!("{name:?} is not a role name (letters, digits and _ only)")))
    }
}

impl PgStore {
    /// Creates or upgrades the schema (run as the owner) and grants `app_role` what serving
    /// needs and no more: on `audit_events` only SELECT and INSERT.
    pub async fn migrate_as_owner(&self, app_role: &str) -> StoreResult<()> {
        let role = quoted_role(app_role)?;
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(app_role)
            .fetch_one(self.pool())
            .await?;
        if !exists {
            return Err(StoreError::Corrupt(format!(
                "the application role {app_role:?} does not exist: CREATE ROLE {app_role} LOGIN PASSWORD '…' \
                 (not a superuser, no BYPASSRLS), then run migrate again"
            )));
        }
        MIGRATOR.run(self.pool()).await?;
        let mut tx = self.pool().begin().await?;
        // Table names come from the catalogue of our own schema, not from input.
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
        )
        .fetch_all(&mut *tx)
        .await?;
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text").fetch_one(&mut *tx).await?;
        let schema = quoted_role(&schema)?;
        sqlx::query(sqlx::AssertSqlSafe(format!("GRANT USAGE ON SCHEMA {schema} TO {role}"))).execute(&mut *tx).await?;
        for table in tables {
            let grant = match table.as_str() {
                "audit_events" => "SELECT, INSERT",
                "_sqlx_migrations" => "SELECT",
                _ => "SELECT, INSERT, UPDATE, DELETE",
            };
            sqlx::query(sqlx::AssertSqlSafe(format!("REVOKE ALL ON TABLE \"{table}\" FROM {role}")))
                .execute(&mut *tx)
                .await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("GRANT {grant} ON TABLE \"{table}\" TO {role}")))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Refuses a role that row-level security would not bind.
    pub async fn check_serving_role(&self) -> StoreResult<Result<(), UnsafeRole>> {
        let row = sqlx::query(
            "SELECT current_user::text AS name, r.rolsuper, r.rolbypassrls, \
                    COALESCE((SELECT pg_has_role(current_user, t.tableowner, 'MEMBER') FROM pg_tables t \
                              WHERE t.schemaname = current_schema() AND t.tablename = 'audit_events'), false) AS owner \
             FROM pg_roles r WHERE r.rolname = current_user",
        )
        .fetch_one(self.pool())
        .await?;
        let name: String = row.try_get("name")?;
        Ok(if row.try_get("rolsuper")? {
            Err(UnsafeRole::Superuser(name))
        } else if row.try_get("rolbypassrls")? {
            Err(UnsafeRole::BypassRls(name))
        } else if row.try_get("owner")? {
            Err(UnsafeRole::Owner(name))
        } else {
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_plain_identifiers() {
        assert_eq!(quoted_role("venuedesk_app").ok(), Some("\"venuedesk_app\"".to_string()));
        for bad in ["", "app; DROP TABLE users", "a\"b", "1app", "app-role", &"a".repeat(64)] {
            assert!(quoted_role(bad).is_err(), "{bad:?}");
        }
    }
}
