//! The signed-in user's own account, sessions, MFA and security events.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub mfa_enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RoleRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    pub venue_id: Uuid,
    pub venue_name: String,
    pub role: RoleRef,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MeResponse {
    pub user: User,
    pub memberships: Vec<Membership>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionInfo {
    pub id: Uuid,
    pub device_name: Option<String>,
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    #[serde(with = "crate::timestamp")]
    pub last_used_at: OffsetDateTime,
    pub ip: Option<String>,
    pub current: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionInfo>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordOnly {
    pub password: String,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeOnly {
    pub code: String,
}

/// `code` is a current TOTP code or one of the user's recovery codes.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordAndCode {
    pub password: String,
    pub code: String,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct TotpEnrollment {
    /// Base32 (RFC 4648, no padding).
    pub secret: String,
    pub otpauth_uri: String,
}
// Passwords, codes and tokens never reach Debug output.
impl std::fmt::Debug for TotpEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrollment { .. }")
    }
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes({} codes)", self.recovery_codes.len())
    }
}

/// What happened to the account. `kind` is one of: `signup`, `login`, `login_failed`,
/// `logout`, `session_revoked`, `refresh_reuse_detected`, `mfa_enrolled`, `mfa_disabled`,
/// `mfa_failed`, `recovery_codes_regenerated`, `recovery_code_used`, `password_changed`,
/// `locked_out`, `incident_revoked` (an operator ended the session: `incident revoke-sessions`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SecurityEvent {
    pub id: Uuid,
    pub kind: String,
    #[serde(with = "crate::timestamp")]
    pub at: OffsetDateTime,
    pub ip: Option<String>,
    pub session_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SecurityEventList {
    pub items: Vec<SecurityEvent>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    pub status: String,
}

impl std::fmt::Debug for PasswordChangeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChangeRequest").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PasswordOnly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordOnly").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for CodeOnly {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeOnly").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for PasswordAndCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordAndCode").finish_non_exhaustive()
    }
}
