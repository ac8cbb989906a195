//! SQLite implementation of the venue domain: typed tables for venues, roles and members,
//! sealed documents for venue data, the change feed and the audit chain.

use sqlx::{Connection, Row, Sqlite, Transaction};
use uuid::Uuid;
use venuedesk_api::permission::{BuiltinRole, PermissionSet};

use super::{SqliteStore, conflict_or, from_ms, ms, uuid};
use crate::audit::{AuditDraft, GENESIS, chain};
use crate::domain::{capacity, last_owner};
use crate::store::*;

type Tx<'a> = Transaction<'a, Sqlite>;

fn refused(e: DomainError) -> StoreError {
    StoreError::Domain(e)
}

/// Why a versioned update touched no row: the row is gone, or it moved on to `current`.
fn stale_or_missing(current: Option<i64>) -> StoreError {
    refused(current.map_or(DomainError::NotFound, DomainError::VersionMismatch))
}

/// Appends an audit event at the end of the venue's chain. Writes are serialised by the
/// single writer connection, so two events can never claim the same place.
pub(super) async fn append_audit_tx(tx: &mut Tx<'_>, d: &AuditDraft) -> StoreResult<i64> {
    let venue = d.venue_id.to_string();
    let last: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT seq, hash, at_ms FROM audit_events WHERE venue_id = ? ORDER BY seq DESC LIMIT 1")
            .bind(&venue)
            .fetch_optional(&mut **tx)
            .await?;
    let (seq, prev, not_before) = match last {
        Some((s, h, at)) => (s + 1, h, Some(at)),
        None => (1, GENESIS.to_string(), None),
    };
    // Stamped here, in the serialised transaction: `at` never goes backwards along `seq`
    // (a request that started earlier may commit later), so a time-range export is always
    // a contiguous, verifiable slice of the chain.
    let at = match not_before {
        Some(prev_ms) if ms(d.at) < prev_ms => from_ms(prev_ms)?,
        _ => d.at,
    };
    let d = &AuditDraft { at, ..d.clone() };
    let (canonical, hash) = chain::seal(d, seq, &prev);
    sqlx::query(
        "INSERT INTO audit_events (venue_id, seq, id, at_ms, actor_id, action, canonical, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&venue)
    .bind(seq)
    .bind(d.id.to_string())
    .bind(ms(d.at))
    .bind(d.actor.id().map(|a| a.to_string()))
    .bind(&d.action)
    .bind(&canonical)
    .bind(&prev)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    if let Some(kind) = crate::alerts::rules::from_audit(d) {
        let alert = NewAlert {
            venue_id: d.venue_id,
            kind: kind.name(),
            summary: kind.summary().into(),
            at: d.at,
            audit_seq: Some(seq),
            window: crate::alerts::WINDOW,
        };
        super::alerts::raise_tx(tx, &alert).await?;
    }
    Ok(seq)
}

/// Moves an entity to the head of the venue's change feed.
async fn append_change_tx(tx: &mut Tx<'_>, venue_id: Uuid, entity: &str, id: Uuid, op: &str) -> StoreResult<()> {
    let venue = venue_id.to_string();
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO venue_sequences (venue_id, change_seq) VALUES (?, 1) \
         ON CONFLICT (venue_id) DO UPDATE SET change_seq = change_seq + 1 RETURNING change_seq",
    )
    .bind(&venue)
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM changes WHERE venue_id = ? AND entity = ? AND entity_id = ?")
        .bind(&venue)
        .bind(entity)
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO changes (venue_id, seq, entity, entity_id, op) VALUES (?, ?, ?, ?, ?)")
        .bind(&venue)
        .bind(seq)
        .bind(entity)
        .bind(id.to_string())
        .bind(op)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A venue's booking rules as stored: JSON, what is missing the defaults (`{}` before any were set).
fn rules_from(json: &str) -> StoreResult<venuedesk_api::front_desk::BookingRules> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt(format!("booking rules: {e}")))
}

fn rules_json(rules: &venuedesk_api::front_desk::BookingRules) -> StoreResult<String> {
    serde_json::to_string(rules).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn venue_from_row(r: &sqlx::sqlite::SqliteRow, prefix: &str) -> StoreResult<VenueRecord> {
    let col = |c: &str| format!("{prefix}{c}");
    Ok(VenueRecord {
        id: uuid(r.try_get::<&str, _>(col("id").as_str())?)?,
        name: r.try_get(col("name").as_str())?,
        timezone: r.try_get(col("timezone").as_str())?,
        capacity: r.try_get(col("capacity").as_str())?,
        created_at: from_ms(r.try_get(col("created_at").as_str())?)?,
        version: r.try_get(col("version").as_str())?,
        rules: rules_from(r.try_get(col("booking_rules").as_str())?)?,
    })
}

fn role_from_row(r: &sqlx::sqlite::SqliteRow, prefix: &str) -> StoreResult<RoleRecord> {
    let col = |c: &str| format!("{prefix}{c}");
    Ok(RoleRecord {
        id: uuid(r.try_get::<&str, _>(col("id").as_str())?)?,
        name: r.try_get(col("name").as_str())?,
        builtin: r.try_get(col("builtin").as_str())?,
        permissions: PermissionSet::from_stored(r.try_get(col("permissions").as_str())?),
        require_mfa: r.try_get(col("require_mfa").as_str())?,
        version: r.try_get(col("version").as_str())?,
    })
}

const VENUE_ROLE_SELECT: &str = "SELECT v.id AS v_id, v.name AS v_name, v.timezone AS v_timezone, v.capacity AS v_capacity, \
     v.created_at AS v_created_at, v.version AS v_version, v.booking_rules AS v_booking_rules, r.id AS r_id, r.name AS r_name, r.builtin AS r_builtin, \
     r.permissions AS r_permissions, r.require_mfa AS r_require_mfa, r.version AS r_version \
     FROM members m JOIN venues v ON v.id = m.venue_id JOIN roles r ON r.venue_id = m.venue_id AND r.id = m.role_id";

async fn insert_role(tx: &mut Tx<'_>, venue_id: Uuid, role: &RoleRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO roles (venue_id, id, name, builtin, permissions, require_mfa, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(venue_id.to_string())
    .bind(role.id.to_string())
    .bind(&role.name)
    .bind(role.builtin)
    .bind(role.permissions.0 as i64)
    .bind(role.require_mfa)
    .bind(role.version)
    .execute(&mut **tx)
    .await
    .map_err(conflict_or)?;
    Ok(())
}

pub(super) async fn create_venue(
    s: &SqliteStore,
    venue: &VenueRecord,
    roles: &[RoleRecord],
    owner: Uuid,
    owner_role: Uuid,
    audit: AuditDraft,
) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("INSERT INTO venues (id, name, timezone, capacity, created_at, version, booking_rules) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(venue.id.to_string())
        .bind(&venue.name)
        .bind(&venue.timezone)
        .bind(venue.capacity)
        .bind(ms(venue.created_at))
        .bind(venue.version)
        .bind(rules_json(&venue.rules)?)
        .execute(&mut *tx)
        .await
        .map_err(conflict_or)?;
    for role in roles {
        insert_role(&mut tx, venue.id, role).await?;
        append_change_tx(&mut tx, venue.id, "role", role.id, "upsert").await?;
    }
    sqlx::query("INSERT INTO members (venue_id, user_id, role_id, joined_at, version) VALUES (?, ?, ?, ?, 1)")
        .bind(venue.id.to_string())
        .bind(owner.to_string())
        .bind(owner_role.to_string())
        .bind(ms(venue.created_at))
        .execute(&mut *tx)
        .await?;
    append_change_tx(&mut tx, venue.id, "member", owner, "upsert").await?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn venue(s: &SqliteStore, venue_id: Uuid) -> StoreResult<Option<VenueRecord>> {
    let row =
        sqlx::query("SELECT id, name, timezone, capacity, created_at, version, booking_rules FROM venues WHERE id = ?")
            .bind(venue_id.to_string())
            .fetch_optional(&s.reader)
            .await?;
    row.map(|r| venue_from_row(&r, "")).transpose()
}

pub(super) async fn update_venue(
    s: &SqliteStore,
    v: &VenueRecord,
    expected: i64,
    audit: AuditDraft,
) -> StoreResult<VenueRecord> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let n = sqlx::query(
        "UPDATE venues SET name = ?, timezone = ?, capacity = ?, booking_rules = ?, version = version + 1 WHERE id = ? AND version = ?",
    )
    .bind(&v.name)
    .bind(&v.timezone)
    .bind(v.capacity)
    .bind(rules_json(&v.rules)?)
    .bind(v.id.to_string())
    .bind(expected)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 0 {
        let current: Option<i64> = sqlx::query_scalar("SELECT version FROM venues WHERE id = ?")
            .bind(v.id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        return Err(stale_or_missing(current));
    }
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(VenueRecord { version: expected + 1, ..v.clone() })
}

pub(super) async fn membership(
    s: &SqliteStore,
    venue_id: Uuid,
    user_id: Uuid,
) -> StoreResult<Option<(VenueRecord, RoleRecord)>> {
    let sql = sqlx::AssertSqlSafe(format!("{VENUE_ROLE_SELECT} WHERE m.venue_id = ? AND m.user_id = ?"));
    let row = sqlx::query(sql).bind(venue_id.to_string()).bind(user_id.to_string()).fetch_optional(&s.reader).await?;
    row.map(|r| Ok((venue_from_row(&r, "v_")?, role_from_row(&r, "r_")?))).transpose()
}

pub(super) async fn memberships(s: &SqliteStore, user_id: Uuid) -> StoreResult<Vec<(VenueRecord, RoleRecord)>> {
    let sql = sqlx::AssertSqlSafe(format!("{VENUE_ROLE_SELECT} WHERE m.user_id = ? ORDER BY v.name"));
    let rows = sqlx::query(sql).bind(user_id.to_string()).fetch_all(&s.reader).await?;
    rows.iter().map(|r| Ok((venue_from_row(r, "v_")?, role_from_row(r, "r_")?))).collect()
}

pub(super) async fn roles(s: &SqliteStore, venue_id: Uuid) -> StoreResult<Vec<RoleRecord>> {
    let rows = sqlx::query(
        "SELECT id, name, builtin, permissions, require_mfa, version FROM roles WHERE venue_id = ? ORDER BY builtin DESC, name",
    )
    .bind(venue_id.to_string())
    .fetch_all(&s.reader)
    .await?;
    rows.iter().map(|r| role_from_row(r, "")).collect()
}

pub(super) async fn put_role(
    s: &SqliteStore,
    venue_id: Uuid,
    role: &RoleRecord,
    expected: Option<i64>,
    audit: AuditDraft,
) -> StoreResult<RoleRecord> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let stored = match expected {
        None => {
            let taken: Option<String> =
                sqlx::query_scalar("SELECT id FROM roles WHERE venue_id = ? AND (id = ? OR name = ?)")
                    .bind(venue_id.to_string())
                    .bind(role.id.to_string())
                    .bind(&role.name)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = taken {
                return Err(refused(if id == role.id.to_string() {
                    DomainError::IdConflict
                } else {
                    DomainError::NameTaken
                }));
            }
            insert_role(&mut tx, venue_id, role).await?;
            role.clone()
        }
        Some(v) => {
            let n = sqlx::query(
                "UPDATE roles SET name = ?, permissions = ?, require_mfa = ?, version = version + 1 \
                 WHERE venue_id = ? AND id = ? AND version = ?",
            )
            .bind(&role.name)
            .bind(role.permissions.0 as i64)
            .bind(role.require_mfa)
            .bind(venue_id.to_string())
            .bind(role.id.to_string())
            .bind(v)
            .execute(&mut *tx)
            .await
            .map_err(|e| match conflict_or(e) {
                StoreError::Conflict => refused(DomainError::NameTaken),
                other => other,
            })?
            .rows_affected();
            if n == 0 {
                let current: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM roles WHERE venue_id = ? AND id = ?")
                        .bind(venue_id.to_string())
                        .bind(role.id.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                return Err(stale_or_missing(current));
            }
            RoleRecord { version: v + 1, ..role.clone() }
        }
    };
    append_change_tx(&mut tx, venue_id, "role", role.id, "upsert").await?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(stored)
}

pub(super) async fn delete_role(s: &SqliteStore, venue_id: Uuid, role_id: Uuid, audit: AuditDraft) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let builtin: Option<bool> = sqlx::query_scalar("SELECT builtin FROM roles WHERE venue_id = ? AND id = ?")
        .bind(venue_id.to_string())
        .bind(role_id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    match builtin {
        None => return Err(refused(DomainError::NotFound)),
        Some(true) => return Err(refused(DomainError::Builtin)),
        Some(false) => {}
    }
    let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE venue_id = ? AND role_id = ?")
        .bind(venue_id.to_string())
        .bind(role_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if used > 0 {
        return Err(refused(DomainError::RoleInUse));
    }
    sqlx::query("DELETE FROM invitations WHERE venue_id = ? AND role_id = ? AND accepted_at IS NULL")
        .bind(venue_id.to_string())
        .bind(role_id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM roles WHERE venue_id = ? AND id = ?")
        .bind(venue_id.to_string())
        .bind(role_id.to_string())
        .execute(&mut *tx)
        .await?;
    append_change_tx(&mut tx, venue_id, "role", role_id, "delete").await?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

fn member_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<MemberRecord> {
    Ok(MemberRecord {
        user_id: uuid(r.try_get::<&str, _>("user_id")?)?,
        email: r.try_get("email")?,
        display_name: r.try_get("display_name")?,
        role_id: uuid(r.try_get::<&str, _>("role_id")?)?,
        mfa_enabled: r.try_get::<Option<Vec<u8>>, _>("totp_secret_enc")?.is_some(),
        joined_at: from_ms(r.try_get("joined_at")?)?,
        version: r.try_get("version")?,
    })
}

const MEMBER_SELECT: &str = "SELECT m.user_id, u.email, u.display_name, m.role_id, u.totp_secret_enc, m.joined_at, m.version \
     FROM members m JOIN users u ON u.id = m.user_id";

pub(super) async fn members(s: &SqliteStore, venue_id: Uuid) -> StoreResult<Vec<MemberRecord>> {
    let sql = sqlx::AssertSqlSafe(format!("{MEMBER_SELECT} WHERE m.venue_id = ? ORDER BY m.joined_at, m.user_id"));
    let rows = sqlx::query(sql).bind(venue_id.to_string()).fetch_all(&s.reader).await?;
    rows.iter().map(member_from_row).collect()
}

/// Owners left if `user_id` stopped being one.
async fn other_owners(tx: &mut Tx<'_>, venue_id: Uuid, user_id: Uuid) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM members m JOIN roles r ON r.venue_id = m.venue_id AND r.id = m.role_id \
         WHERE m.venue_id = ? AND m.user_id != ? AND r.builtin = 1 AND r.name = ?",
    )
    .bind(venue_id.to_string())
    .bind(user_id.to_string())
    .bind(BuiltinRole::Owner.name())
    .fetch_one(&mut **tx)
    .await?)
}

async fn is_owner_role(tx: &mut Tx<'_>, venue_id: Uuid, role_id: &str) -> StoreResult<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM roles WHERE venue_id = ? AND id = ? AND builtin = 1 AND name = ?")
            .bind(venue_id.to_string())
            .bind(role_id)
            .bind(BuiltinRole::Owner.name())
            .fetch_one(&mut **tx)
            .await?;
    Ok(n > 0)
}

pub(super) async fn set_member_role(
    s: &SqliteStore,
    venue_id: Uuid,
    user_id: Uuid,
    role_id: Uuid,
    expected: i64,
    audit: AuditDraft,
) -> StoreResult<MemberRecord> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let current: Option<(String, i64)> =
        sqlx::query_as("SELECT role_id, version FROM members WHERE venue_id = ? AND user_id = ?")
            .bind(venue_id.to_string())
            .bind(user_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let Some((current_role, version)) = current else { return Err(refused(DomainError::NotFound)) };
    let role_exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM roles WHERE venue_id = ? AND id = ?")
        .bind(venue_id.to_string())
        .bind(role_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if role_exists == 0 {
        return Err(refused(DomainError::NotFound));
    }
    if version != expected {
        return Err(refused(DomainError::VersionMismatch(version)));
    }
    let change = last_owner::OwnerChange {
        is_owner_now: is_owner_role(&mut tx, venue_id, &current_role).await?,
        stays_owner: is_owner_role(&mut tx, venue_id, &role_id.to_string()).await?,
    };
    last_owner::check(change, other_owners(&mut tx, venue_id, user_id).await?).map_err(refused)?;
    sqlx::query("UPDATE members SET role_id = ?, version = version + 1 WHERE venue_id = ? AND user_id = ?")
        .bind(role_id.to_string())
        .bind(venue_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await?;
    append_change_tx(&mut tx, venue_id, "member", user_id, "upsert").await?;
    append_audit_tx(&mut tx, &audit).await?;
    let sql = sqlx::AssertSqlSafe(format!("{MEMBER_SELECT} WHERE m.venue_id = ? AND m.user_id = ?"));
    let row = sqlx::query(sql).bind(venue_id.to_string()).bind(user_id.to_string()).fetch_one(&mut *tx).await?;
    let member = member_from_row(&row)?;
    tx.commit().await?;
    Ok(member)
}

pub(super) async fn remove_member(
    s: &SqliteStore,
    venue_id: Uuid,
    user_id: Uuid,
    audit: AuditDraft,
) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let role: Option<String> = sqlx::query_scalar("SELECT role_id FROM members WHERE venue_id = ? AND user_id = ?")
        .bind(venue_id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    let Some(role) = role else { return Err(refused(DomainError::NotFound)) };
    let change =
        last_owner::OwnerChange { is_owner_now: is_owner_role(&mut tx, venue_id, &role).await?, stays_owner: false };
    last_owner::check(change, other_owners(&mut tx, venue_id, user_id).await?).map_err(refused)?;
    sqlx::query("DELETE FROM members WHERE venue_id = ? AND user_id = ?")
        .bind(venue_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *tx)
        .await?;
    append_change_tx(&mut tx, venue_id, "member", user_id, "delete").await?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn create_invitation(s: &SqliteStore, inv: &InvitationRecord, audit: AuditDraft) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let role_exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM roles WHERE venue_id = ? AND id = ?")
        .bind(inv.venue_id.to_string())
        .bind(inv.role_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if role_exists == 0 {
        return Err(refused(DomainError::NotFound));
    }
    sqlx::query(
        "INSERT INTO invitations (venue_id, id, email, role_id, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(inv.venue_id.to_string())
    .bind(inv.id.to_string())
    .bind(&inv.email)
    .bind(inv.role_id.to_string())
    .bind(&inv.token_hash[..])
    .bind(ms(inv.expires_at))
    .bind(ms(inv.created_at))
    .execute(&mut *tx)
    .await?;
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn accept_invitation(
    s: &SqliteStore,
    token_hash: [u8; 32],
    user_id: Uuid,
    email: &str,
    mut audit: AuditDraft,
) -> StoreResult<(VenueRecord, RoleRecord)> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let row = sqlx::query(
        "SELECT venue_id, id, email, role_id, expires_at, accepted_at FROM invitations WHERE token_hash = ?",
    )
    .bind(&token_hash[..])
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Err(refused(DomainError::InvitationInvalid)) };
    let accepted: Option<i64> = row.try_get("accepted_at")?;
    if accepted.is_some() || from_ms(row.try_get("expires_at")?)? <= audit.at {
        return Err(refused(DomainError::InvitationInvalid));
    }
    let venue_id = uuid(row.try_get::<&str, _>("venue_id")?)?;
    if row.try_get::<&str, _>("email")? != email {
        return Err(refused(DomainError::EmailMismatch(venue_id)));
    }
    let invitation_id: String = row.try_get("id")?;
    let role_id: String = row.try_get("role_id")?;
    let already: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE venue_id = ? AND user_id = ?")
        .bind(venue_id.to_string())
        .bind(user_id.to_string())
        .fetch_one(&mut *tx)
        .await?;
    if already > 0 {
        return Err(refused(DomainError::AlreadyMember));
    }
    sqlx::query("UPDATE invitations SET accepted_at = ? WHERE venue_id = ? AND id = ?")
        .bind(ms(audit.at))
        .bind(venue_id.to_string())
        .bind(&invitation_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO members (venue_id, user_id, role_id, joined_at, version) VALUES (?, ?, ?, ?, 1)")
        .bind(venue_id.to_string())
        .bind(user_id.to_string())
        .bind(&role_id)
        .bind(ms(audit.at))
        .execute(&mut *tx)
        .await?;
    append_change_tx(&mut tx, venue_id, "member", user_id, "upsert").await?;
    let sql = sqlx::AssertSqlSafe(format!("{VENUE_ROLE_SELECT} WHERE m.venue_id = ? AND m.user_id = ?"));
    let r = sqlx::query(sql).bind(venue_id.to_string()).bind(user_id.to_string()).fetch_one(&mut *tx).await?;
    let out = (venue_from_row(&r, "v_")?, role_from_row(&r, "r_")?);
    audit.venue_id = venue_id;
    audit.target_id = Some(invitation_id);
    // Joining as an owner raises a security alert.
    audit.details["owner"] = serde_json::json!(out.1.builtin && out.1.name == BuiltinRole::Owner.name());
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(out)
}

fn doc_from_row(r: &sqlx::sqlite::SqliteRow) -> StoreResult<DocRecord> {
    let entity: &str = r.try_get("entity")?;
    Ok(DocRecord {
        entity: Entity::parse(entity).ok_or_else(|| StoreError::Corrupt(format!("entity {entity:?}")))?,
        id: uuid(r.try_get::<&str, _>("id")?)?,
        version: r.try_get("version")?,
        status: r.try_get("status")?,
        starts_at: r.try_get::<Option<i64>, _>("starts_at")?.map(from_ms).transpose()?,
        ends_at: r.try_get::<Option<i64>, _>("ends_at")?.map(from_ms).transpose()?,
        party_size: r.try_get("party_size")?,
        ref_id: r.try_get::<Option<&str>, _>("ref_id")?.map(uuid).transpose()?,
        data_enc: r.try_get("data_enc")?,
        created_at: from_ms(r.try_get("created_at")?)?,
        deleted: r.try_get("deleted")?,
        tables: None,
    })
}

const DOC_COLUMNS: &str =
    "entity, id, version, status, starts_at, ends_at, party_size, ref_id, data_enc, created_at, deleted";

pub(super) async fn doc(s: &SqliteStore, venue_id: Uuid, entity: Entity, id: Uuid) -> StoreResult<Option<DocRecord>> {
    let sql =
        sqlx::AssertSqlSafe(format!("SELECT {DOC_COLUMNS} FROM docs WHERE venue_id = ? AND id = ? AND entity = ?"));
    let row = sqlx::query(sql)
        .bind(venue_id.to_string())
        .bind(id.to_string())
        .bind(entity.as_str())
        .fetch_optional(&s.reader)
        .await?;
    row.as_ref().map(doc_from_row).transpose()
}

pub(super) async fn held_tables(
    s: &SqliteStore,
    venue_id: Uuid,
    from: OffsetDateTime,
    until: OffsetDateTime,
    except: Uuid,
) -> StoreResult<Vec<Uuid>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT table_id FROM booking_tables WHERE venue_id = ? AND booking_id <> ? AND starts_at < ? AND blocked_until > ?",
    )
    .bind(venue_id.to_string())
    .bind(except.to_string())
    .bind(ms(until))
    .bind(ms(from))
    .fetch_all(&s.reader)
    .await?;
    ids.iter().map(|i| uuid(i)).collect()
}

pub(super) async fn table_holds(
    s: &SqliteStore,
    venue_id: Uuid,
    from: OffsetDateTime,
    until: OffsetDateTime,
) -> StoreResult<Vec<(Uuid, OffsetDateTime, OffsetDateTime)>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT table_id, starts_at, blocked_until FROM booking_tables WHERE venue_id = ? AND starts_at < ? AND blocked_until > ?",
    )
    .bind(venue_id.to_string())
    .bind(ms(until))
    .bind(ms(from))
    .fetch_all(&s.reader)
    .await?;
    rows.into_iter().map(|(t, a, b)| Ok((uuid(&t)?, from_ms(a)?, from_ms(b)?))).collect()
}

pub(super) async fn docs(s: &SqliteStore, venue_id: Uuid, entity: Entity, q: &DocQuery) -> StoreResult<Vec<DocRecord>> {
    let key = if q.by_start { "starts_at" } else { "created_at" };
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {DOC_COLUMNS} FROM docs WHERE venue_id = ?1 AND entity = ?2 AND deleted = 0 \
         AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR starts_at >= ?4) AND (?5 IS NULL OR starts_at < ?5) \
         AND (?6 IS NULL OR ref_id = ?6) AND (?7 IS NULL OR ({key}, id) > (?7, ?8)) \
         ORDER BY {key}, id LIMIT ?9"
    ));
    let rows = sqlx::query(sql)
        .bind(venue_id.to_string())
        .bind(entity.as_str())
        .bind(q.status.as_deref())
        .bind(q.starts_from.map(ms))
        .bind(q.starts_before.map(ms))
        .bind(q.ref_id.map(|r| r.to_string()))
        .bind(q.after.map(|a| a.0))
        .bind(q.after.map(|a| a.1.to_string()))
        .bind(i64::from(q.limit))
        .fetch_all(&s.reader)
        .await?;
    rows.iter().map(doc_from_row).collect()
}

/// A booking's customer (an order's booking) must be live when the link is made: checked
/// in the writing transaction, so an erasure cannot race a new link to the erased customer.
async fn check_reference(tx: &mut Tx<'_>, venue_id: Uuid, w: &DocWrite) -> StoreResult<()> {
    let d = &w.doc;
    let (Some(target), false) = (d.ref_id, d.deleted) else { return Ok(()) };
    let target_entity = match d.entity {
        Entity::Booking => "customer",
        Entity::Order => "booking",
        _ => return Ok(()),
    };
    if w.expected_version.is_some() {
        // An update that keeps its link is not a new link (an erasure rewrites such rows).
        let current: Option<Option<String>> =
            sqlx::query_scalar("SELECT ref_id FROM docs WHERE venue_id = ? AND id = ?")
                .bind(venue_id.to_string())
                .bind(d.id.to_string())
                .fetch_optional(&mut **tx)
                .await?;
        if current.flatten().as_deref() == Some(target.to_string().as_str()) {
            return Ok(());
        }
    }
    let live: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM docs WHERE venue_id = ? AND id = ? AND entity = ? AND deleted = 0")
            .bind(venue_id.to_string())
            .bind(target.to_string())
            .bind(target_entity)
            .fetch_one(&mut **tx)
            .await?;
    if live == 0 {
        return Err(refused(DomainError::NotFound));
    }
    Ok(())
}

/// Whether a booking occupies seats.
fn holds_seats(doc: &DocRecord) -> bool {
    doc.entity == Entity::Booking && !doc.deleted && matches!(doc.status.as_deref(), Some("confirmed" | "seated"))
}

/// The highest number of seats taken at any moment of the booking's time, with it: the
/// seat changes inside its time, summed per instant by SQLite from the covering index (a
/// pile of bookings on the same quarter hours is a handful of rows), swept by the domain rule.
async fn peak_load(tx: &mut Tx<'_>, venue_id: Uuid, doc: &DocRecord) -> StoreResult<i64> {
    let (Some(start), Some(end), Some(party)) = (doc.starts_at, doc.ends_at, doc.party_size) else { return Ok(0) };
    let (start, end) = (ms(start), ms(end));
    let changes: Vec<(i64, i64)> = sqlx::query_as(
        "WITH seats AS (SELECT starts_at, ends_at, party_size FROM docs \
             WHERE venue_id = ?1 AND entity = 'booking' AND deleted = 0 AND status IN ('confirmed', 'seated') \
             AND id != ?2 AND starts_at < ?3 AND starts_at >= ?4 AND ends_at > ?5) \
         SELECT t, SUM(d) FROM ( \
             SELECT MAX(starts_at, ?5) AS t, party_size AS d FROM seats \
             UNION ALL SELECT ends_at AS t, -party_size AS d FROM seats WHERE ends_at < ?3) \
         GROUP BY t ORDER BY t",
    )
    .bind(venue_id.to_string())
    .bind(doc.id.to_string())
    .bind(end)
    // No booking lasts longer than a day, so the index range stops a day before our start.
    .bind(start - capacity::LONGEST_BOOKING_MS)
    .bind(start)
    .fetch_all(&mut **tx)
    .await?;
    Ok(capacity::peak_from_changes(party, &changes))
}

/// Keeps `booking_tables` in step with a booking write (see `DocRecord::tables`); refuses a
/// table another booking holds at an overlapping time. SQLite's one writer serialises it.
async fn hold_tables(tx: &mut Tx<'_>, venue_id: Uuid, d: &DocRecord) -> StoreResult<()> {
    if d.entity != Entity::Booking || (holds_seats(d) && d.tables.is_none()) {
        return Ok(());
    }
    let (venue, booking) = (venue_id.to_string(), d.id.to_string());
    sqlx::query("DELETE FROM booking_tables WHERE venue_id = ? AND booking_id = ?")
        .bind(&venue)
        .bind(&booking)
        .execute(&mut **tx)
        .await?;
    let (Some(hold), Some(start), true) = (&d.tables, d.starts_at, holds_seats(d)) else { return Ok(()) };
    for table in &hold.ids {
        let taken: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM booking_tables WHERE venue_id = ? AND table_id = ? AND starts_at < ? AND blocked_until > ?",
        )
        .bind(&venue)
        .bind(table.to_string())
        .bind(ms(hold.until))
        .bind(ms(start))
        .fetch_one(&mut **tx)
        .await?;
        if taken > 0 {
            return Err(refused(DomainError::TableUnavailable));
        }
        sqlx::query(
            "INSERT INTO booking_tables (venue_id, booking_id, table_id, starts_at, blocked_until) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&venue)
        .bind(&booking)
        .bind(table.to_string())
        .bind(ms(start))
        .bind(ms(hold.until))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub(super) async fn write_docs(
    s: &SqliteStore,
    venue_id: Uuid,
    writes: &[DocWrite],
    check_capacity: bool,
    drop_keys: &[String],
    audit: AuditDraft,
) -> StoreResult<()> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let venue = venue_id.to_string();
    // Capacity as it is now, inside the transaction: a concurrent change of the venue's
    // capacity cannot slip between the read and the write.
    let capacity: Option<i64> = if check_capacity {
        sqlx::query_scalar("SELECT capacity FROM venues WHERE id = ?").bind(&venue).fetch_optional(&mut *tx).await?
    } else {
        None
    };
    for w in writes {
        let d = &w.doc;
        check_reference(&mut tx, venue_id, w).await?;
        match w.expected_version {
            None => {
                sqlx::query(
                    "INSERT INTO docs (venue_id, entity, id, version, status, starts_at, ends_at, party_size, ref_id, data_enc, created_at, deleted) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(&venue)
                .bind(d.entity.as_str())
                .bind(d.id.to_string())
                .bind(d.version)
                .bind(d.status.as_deref())
                .bind(d.starts_at.map(ms))
                .bind(d.ends_at.map(ms))
                .bind(d.party_size)
                .bind(d.ref_id.map(|r| r.to_string()))
                .bind(&d.data_enc)
                .bind(ms(d.created_at))
                .bind(d.deleted)
                .execute(&mut *tx)
                .await
                .map_err(|e| match conflict_or(e) {
                    StoreError::Conflict => refused(DomainError::IdConflict),
                    other => other,
                })?;
            }
            Some(expected) => {
                let n = sqlx::query(
                    "UPDATE docs SET version = ?, status = ?, starts_at = ?, ends_at = ?, party_size = ?, ref_id = ?, data_enc = ?, deleted = ? \
                     WHERE venue_id = ? AND id = ? AND entity = ? AND version = ?",
                )
                .bind(d.version)
                .bind(d.status.as_deref())
                .bind(d.starts_at.map(ms))
                .bind(d.ends_at.map(ms))
                .bind(d.party_size)
                .bind(d.ref_id.map(|r| r.to_string()))
                .bind(&d.data_enc)
                .bind(d.deleted)
                .bind(&venue)
                .bind(d.id.to_string())
                .bind(d.entity.as_str())
                .bind(expected)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    let current: Option<i64> =
                        sqlx::query_scalar("SELECT version FROM docs WHERE venue_id = ? AND id = ? AND entity = ?")
                            .bind(&venue)
                            .bind(d.id.to_string())
                            .bind(d.entity.as_str())
                            .fetch_optional(&mut *tx)
                            .await?;
                    return Err(stale_or_missing(current));
                }
            }
        }
        if let Some(cap) = capacity
            && holds_seats(d)
            && peak_load(&mut tx, venue_id, d).await? > cap
        {
            return Err(refused(DomainError::CapacityExceeded));
        }
        hold_tables(&mut tx, venue_id, d).await?;
        append_change_tx(&mut tx, venue_id, d.entity.as_str(), d.id, if d.deleted { "delete" } else { "upsert" })
            .await?;
    }
    for scope in drop_keys {
        sqlx::query("DELETE FROM data_keys WHERE scope = ?").bind(scope).execute(&mut *tx).await?;
        // The stored answer goes; the record stays, so a late retry is told, not re-run.
        sqlx::query(
            "UPDATE idempotency_records SET response_enc = NULL, locked_until = NULL, subject = ? WHERE subject = ?",
        )
        .bind(super::ERASED_SUBJECT)
        .bind(scope)
        .execute(&mut *tx)
        .await?;
    }
    append_audit_tx(&mut tx, &audit).await?;
    // The outbox: webhook deliveries commit (or roll back) with the change they announce.
    let events = crate::webhooks::events::from_writes(&audit, writes);
    super::integrations::enqueue_tx(&mut tx, venue_id, &events, audit.at).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn changes(
    s: &SqliteStore,
    venue_id: Uuid,
    since: i64,
    limit: u32,
    entities: &[&str],
) -> StoreResult<Vec<ChangeRecord>> {
    let allowed = serde_json::to_string(entities).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let rows = sqlx::query(
        "SELECT seq, entity, entity_id, op FROM changes WHERE venue_id = ? AND seq > ? \
         AND entity IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?",
    )
    .bind(venue_id.to_string())
    .bind(since)
    .bind(allowed)
    .bind(i64::from(limit))
    .fetch_all(&s.reader)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ChangeRecord {
                seq: r.try_get("seq")?,
                entity: r.try_get("entity")?,
                id: uuid(r.try_get::<&str, _>("entity_id")?)?,
                op: r.try_get("op")?,
            })
        })
        .collect()
}

pub(super) async fn append_denial(
    s: &SqliteStore,
    audit: AuditDraft,
    key: &str,
    window: time::Duration,
) -> StoreResult<bool> {
    let venue = audit.venue_id.to_string();
    let cutoff = ms(audit.at - window);
    // Already recorded within the window: answered from a reader, the writer is not taken.
    let last: Option<i64> = sqlx::query_scalar("SELECT last_at FROM authz_denials WHERE venue_id = ? AND key = ?")
        .bind(&venue)
        .bind(key)
        .fetch_optional(&s.reader)
        .await?;
    if last.is_some_and(|l| l > cutoff) {
        return Ok(false);
    }
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let claimed = sqlx::query(
        "INSERT INTO authz_denials (venue_id, key, last_at) VALUES (?, ?, ?) \
         ON CONFLICT (venue_id, key) DO UPDATE SET last_at = excluded.last_at WHERE authz_denials.last_at <= ?",
    )
    .bind(&venue)
    .bind(key)
    .bind(ms(audit.at))
    .bind(cutoff)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(true)
}

pub(super) async fn append_audit(s: &SqliteStore, audit: AuditDraft) -> StoreResult<i64> {
    let mut conn = s.writer.lock().await;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let seq = append_audit_tx(&mut tx, &audit).await?;
    tx.commit().await?;
    Ok(seq)
}

pub(super) async fn audit_events(
    s: &SqliteStore,
    venue_id: Uuid,
    q: &AuditQuery,
) -> StoreResult<Vec<StoredAuditEvent>> {
    let rows = sqlx::query(
        "SELECT seq, canonical, prev_hash, hash, at_ms, actor_id, action FROM audit_events WHERE venue_id = ?1 AND seq > ?2 \
         AND (?3 IS NULL OR at_ms >= ?3) AND (?4 IS NULL OR at_ms < ?4) AND (?5 IS NULL OR actor_id = ?5) \
         AND (?6 IS NULL OR action = ?6) ORDER BY seq LIMIT ?7",
    )
    .bind(venue_id.to_string())
    .bind(q.after_seq)
    .bind(q.from.map(ms))
    .bind(q.to.map(ms))
    .bind(q.actor_id.map(|a| a.to_string()))
    .bind(q.action.as_deref())
    .bind(i64::from(q.limit))
    .fetch_all(&s.reader)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredAuditEvent {
                seq: r.try_get("seq")?,
                canonical: r.try_get("canonical")?,
                prev_hash: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
                at_ms: r.try_get("at_ms")?,
                actor_id: r.try_get("actor_id")?,
                action: r.try_get("action")?,
            })
        })
        .collect()
}
