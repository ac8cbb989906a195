//! The team: members and roles read from the cache; invitations, role changes and the
//! role editor go to the platform (which enforces the last-owner and no-escalation rules).

use reqwest::Method;
use venuedesk_api::venue::{InvitationCreated, Member, MemberPatch, NewInvitation, NewRole, Role, RolePatch};
use venuedesk_console_core::cache::Kind;

use crate::bookings::parse_id;
use crate::console::Console;
use crate::error::AppError;
use crate::local_time::rfc3339;
use crate::views::{InvitationView, MemberView, RoleInput, RoleView};

fn role_view(r: &Role) -> RoleView {
    RoleView {
        id: r.id.to_string(),
        name: r.name.clone(),
        builtin: r.builtin,
        permissions: r.permissions.clone(),
        require_mfa: r.require_mfa,
        version: r.version,
    }
}

fn member_view(m: &Member, roles: &[Role], me: Option<&str>) -> MemberView {
    MemberView {
        user_id: m.user_id.to_string(),
        email: m.email.clone(),
        display_name: m.display_name.clone(),
        role_id: m.role_id.to_string(),
        role_name: roles.iter().find(|r| r.id == m.role_id).map_or_else(String::new, |r| r.name.clone()),
        mfa_enabled: m.mfa_enabled,
        joined_at: rfc3339(m.joined_at),
        is_me: me == Some(m.email.as_str()),
    }
}

impl Console {
    pub fn list_members(&self) -> Result<Vec<MemberView>, AppError> {
        self.with_cache(|cache, config| {
            let roles = cache.roles()?;
            Ok(cache.members()?.iter().map(|m| member_view(m, &roles, config.email.as_deref())).collect())
        })
    }

    pub fn list_roles(&self) -> Result<Vec<RoleView>, AppError> {
        Ok(self.with_cache(|cache, _| Ok(cache.roles()?))?.iter().map(role_view).collect())
    }

    pub async fn invite_member(&self, email: &str, role_id: &str) -> Result<InvitationView, AppError> {
        let role_id = parse_id(role_id, "role")?;
        let email = email.trim().to_ascii_lowercase();
        if !email.contains('@') {
            return Err(AppError::invalid("Enter the invitee's email address."));
        }
        let online = self.online()?;
        let created: InvitationCreated = online
            .session
            .call(
                Method::POST,
                &format!("/v1/venues/{}/invitations", online.venue_id),
                Some(&NewInvitation { email: email.clone(), role_id }),
                None,
                None,
            )
            .await
            .map_err(|e| self.fail(e))?;
        self.mark_online();
        Ok(InvitationView {
            id: created.id.to_string(),
            token: created.token,
            expires_at: rfc3339(created.expires_at),
            email,
        })
    }

    pub async fn set_member_role(&self, user_id: &str, role_id: &str) -> Result<MemberView, AppError> {
        let (uid, rid) = (parse_id(user_id, "user")?, parse_id(role_id, "role")?);
        let version = self
            .with_cache(|cache, _| Ok(cache.record::<Member>(Kind::Member, uid)?))?
            .map(|(m, _)| m.version)
            .ok_or_else(|| {
                AppError::new(crate::error::Code::NotFound, "That person is not a member here (sync and try again).")
            })?;
        let online = self.online()?;
        let m: Member = online
            .session
            .call(
                Method::PATCH,
                &format!("/v1/venues/{}/members/{uid}", online.venue_id),
                Some(&MemberPatch { role_id: rid }),
                None,
                Some(version),
            )
            .await
            .map_err(|e| self.fail(e))?;
        self.mark_online();
        self.with_cache(|cache, config| {
            cache.put_records(Kind::Member, std::slice::from_ref(&m), false)?;
            Ok(member_view(&m, &cache.roles()?, config.email.as_deref()))
        })
    }

    pub async fn remove_member(&self, user_id: &str) -> Result<(), AppError> {
        let uid = parse_id(user_id, "user")?;
        let online = self.online()?;
        online
            .session
            .call::<(), ()>(Method::DELETE, &format!("/v1/venues/{}/members/{uid}", online.venue_id), None, None, None)
            .await
            .map_err(|e| self.fail(e))?;
        self.mark_online();
        self.with_cache(|cache, _| Ok(cache.remove_record(Kind::Member, &uid.to_string())?))
    }

    /// Creates a role (`id` None) or changes one.
    pub async fn save_role(&self, id: Option<&str>, input: &RoleInput) -> Result<RoleView, AppError> {
        let name = input.name.trim();
        if name.is_empty() {
            return Err(AppError::invalid("A role needs a name."));
        }
        let online = self.online()?;
        let base = format!("/v1/venues/{}/roles", online.venue_id);
        let role: Role = match id {
            None => {
                let body = NewRole {
                    id: None,
                    name: name.to_string(),
                    permissions: input.permissions.clone(),
                    require_mfa: input.require_mfa,
                };
                online.session.call(Method::POST, &base, Some(&body), None, None).await
            }
            Some(id) => {
                let rid = parse_id(id, "role")?;
                let current = self
                    .with_cache(|cache, _| Ok(cache.record::<Role>(Kind::Role, rid)?))?
                    .map(|(r, _)| r)
                    .ok_or_else(|| {
                    AppError::new(crate::error::Code::NotFound, "No such role here (sync and try again).")
                })?;
                // Built-in roles keep their name and permissions; only "require MFA" changes.
                let body = if current.builtin {
                    RolePatch { require_mfa: Some(input.require_mfa), ..RolePatch::default() }
                } else {
                    RolePatch {
                        name: Some(name.to_string()),
                        permissions: Some(input.permissions.clone()),
                        require_mfa: Some(input.require_mfa),
                    }
                };
                online
                    .session
                    .call(Method::PATCH, &format!("{base}/{rid}"), Some(&body), None, Some(current.version))
                    .await
            }
        }
        .map_err(|e| self.fail(e))?;
        self.mark_online();
        self.with_cache(|cache, _| Ok(cache.put_records(Kind::Role, std::slice::from_ref(&role), false)?))?;
        Ok(role_view(&role))
    }

    pub async fn delete_role(&self, id: &str) -> Result<(), AppError> {
        let rid = parse_id(id, "role")?;
        let online = self.online()?;
        online
            .session
            .call::<(), ()>(Method::DELETE, &format!("/v1/venues/{}/roles/{rid}", online.venue_id), None, None, None)
            .await
            .map_err(|e| self.fail(e))?;
        self.mark_online();
        self.with_cache(|cache, _| Ok(cache.remove_record(Kind::Role, &rid.to_string())?))
    }
}
