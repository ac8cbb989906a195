//! Which events are critical, and what their alert says (no personal data: the audit
//! event it points to holds the details). One pure rule both backends call inside the
//! audited write's transaction.

use crate::audit::AuditDraft;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    RefreshTokenReuse,
    Lockout,
    MfaDisabled,
    NewOwner,
    RoleWidened,
    CustomerErased,
    AuditExported,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::RefreshTokenReuse => "refresh_token_reuse",
            Kind::Lockout => "lockout",
            Kind::MfaDisabled => "mfa_disabled",
            Kind::NewOwner => "new_owner",
            Kind::RoleWidened => "role_widened",
            Kind::CustomerErased => "customer_erased",
            Kind::AuditExported => "audit_exported",
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            Kind::RefreshTokenReuse => "A team member's refresh token was used twice: their session was ended",
            Kind::Lockout => "A team member's account was locked after repeated failed sign-ins",
            Kind::MfaDisabled => "A team member turned off two-factor authentication",
            Kind::NewOwner => "Someone became an owner of the venue",
            Kind::RoleWidened => "A role was given more permissions",
            Kind::CustomerErased => "A customer's personal data was erased",
            Kind::AuditExported => "The audit trail was exported",
        }
    }
}

/// The alert an audited venue action raises, if any. The route records what the rule needs
/// in the event's details: `owner` (the role given is the owner role) and `added` (the
/// permissions a role gained).
pub fn from_audit(d: &AuditDraft) -> Option<Kind> {
    match d.action.as_str() {
        "customer.erase" => Some(Kind::CustomerErased),
        "audit.export" => Some(Kind::AuditExported),
        "member.role_change" | "invitation.accept" if d.details["owner"] == true => Some(Kind::NewOwner),
        "role.update" if d.details["added"].as_array().is_some_and(|a| !a.is_empty()) => Some(Kind::RoleWidened),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::*;
    use crate::audit::Actor;

    fn draft(action: &str, details: serde_json::Value) -> AuditDraft {
        AuditDraft {
            venue_id: Uuid::nil(),
            id: Uuid::nil(),
            at: OffsetDateTime::UNIX_EPOCH,
            actor: Actor::System,
            action: action.into(),
            target_type: "x".into(),
            target_id: None,
            request_id: None,
            ip: None,
            details,
        }
    }

    #[test]
    fn only_critical_actions_raise_and_only_when_they_are_critical() {
        assert_eq!(from_audit(&draft("customer.erase", json!({}))), Some(Kind::CustomerErased));
        assert_eq!(from_audit(&draft("audit.export", json!({}))), Some(Kind::AuditExported));
        assert_eq!(from_audit(&draft("member.role_change", json!({"owner": true}))), Some(Kind::NewOwner));
        assert_eq!(from_audit(&draft("member.role_change", json!({"owner": false}))), None);
        assert_eq!(from_audit(&draft("invitation.accept", json!({"owner": true}))), Some(Kind::NewOwner));
        assert_eq!(from_audit(&draft("role.update", json!({"added": ["audit:export"]}))), Some(Kind::RoleWidened));
        assert_eq!(from_audit(&draft("role.update", json!({"added": []}))), None, "narrowing is not an alert");
        assert_eq!(from_audit(&draft("booking.create", json!({}))), None);
    }
}
