//! Signing in and out, who and where you are, your sessions.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::Subcommand;
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::me::{MeResponse, Membership, SessionList};
use venuedesk_console_core::cache::wipe_account;
use venuedesk_console_core::session::Factor;
use venuedesk_console_core::settings::{KnownVenue, Settings};
use venuedesk_console_core::{ApiClient, CoreError, LoginOutcome, Session};

use crate::context::Ctx;
use crate::output::emit;

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// Your live sessions; `*` marks this one.
    List,
    /// Sign a session out.
    Revoke { id: Uuid },
}

fn read_line(stdin: &mut impl BufRead, what: &str) -> anyhow::Result<String> {
    let mut line = String::new();
    stdin.read_line(&mut line).with_context(|| format!("reading the {what} from stdin"))?;
    let line = line.trim_end_matches(['\n', '\r']).to_string();
    if line.is_empty() {
        bail!("no {what} on stdin");
    }
    Ok(line)
}

pub async fn login(
    ctx: &mut Ctx,
    server: &str,
    email: &str,
    password_stdin: bool,
    totp_stdin: bool,
    device: &str,
) -> anyhow::Result<()> {
    // The server is checked before a password is asked for: plain http:// to another
    // computer is refused (exit code 2).
    let client = ApiClient::new(server)?;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let password = if password_stdin {
        SecretString::from(read_line(&mut input, "password")?)
    } else {
        SecretString::from(rpassword::prompt_password("Password: ").context("reading the password")?)
    };
    let session = match Session::login(client.clone(), ctx.keychain.clone(), email, &password, device).await? {
        LoginOutcome::SignedIn(s) => s,
        LoginOutcome::MfaRequired { mfa_token, .. } => {
            let code = if totp_stdin {
                read_line(&mut input, "code")?
            } else {
                rpassword::prompt_password("Authenticator code (or a recovery code): ").context("reading the code")?
            };
            let factor = if code.trim().chars().all(|c| c.is_ascii_digit()) {
                Factor::Totp(code.trim().into())
            } else {
                Factor::RecoveryCode(SecretString::from(code))
            };
            Session::complete_mfa(client, ctx.keychain.clone(), email, &mfa_token, factor).await?
        }
    };
    let me: MeResponse = session.get("/v1/me").await?;
    // Signing in again to the same account (the role now requires MFA, say) keeps the
    // venue in use and its queued changes.
    let same_account = ctx.settings.server.as_deref() == Some(session.server())
        && ctx.settings.email.as_deref() == Some(session.email());
    let previous = std::mem::take(&mut ctx.settings);
    ctx.settings = Settings {
        server: Some(session.server().to_string()),
        email: Some(session.email().to_string()),
        display_name: Some(me.user.display_name.clone()),
        mfa_enabled: me.user.mfa_enabled,
        ..Settings::default()
    };
    if same_account {
        let still = |v: &Uuid| me.memberships.iter().any(|m| m.venue_id == *v);
        ctx.settings.venue_id = previous.venue_id.filter(still);
        ctx.settings.venues = previous.venues.into_iter().filter(|v| still(&v.id)).collect();
    }
    ctx.save()?;
    // One venue: work there at once.
    match me.memberships.as_slice() {
        [only] => use_membership(ctx, &session, only).await?,
        _ => {
            if let Some(m) = me.memberships.iter().find(|m| Some(m.venue_id) == ctx.settings.venue_id) {
                use_membership(ctx, &session, m).await?;
            }
        }
    }
    emit(ctx.json, &json!({"signed_in": true, "email": session.email(), "venues": me.memberships.len()}), || {
        format!(
            "Signed in as {} ({} venue{}).",
            session.email(),
            me.memberships.len(),
            if me.memberships.len() == 1 { "" } else { "s" }
        )
    });
    Ok(())
}

/// Signs out and wipes everything of the account on this device: every venue's cache file
/// and every keychain item (refresh token, cache keys), also of venues used long ago, and
/// also when the platform cannot be reached (exit code 4 then: the platform was not told).
pub async fn logout(ctx: &mut Ctx) -> anyhow::Result<()> {
    let (Some(server), Some(email)) = (ctx.settings.server.clone(), ctx.settings.email.clone()) else {
        return Err(CoreError::NotSignedIn.into());
    };
    let venues = ctx.settings.venue_ids();
    // A server the console no longer accepts (http:// from an older version) still has its
    // local data wiped.
    let session = match ApiClient::new(&server) {
        Ok(client) => Session::resume(client, ctx.keychain.clone(), &email)?,
        Err(_) => None,
    };
    let result = match session {
        Some(session) => {
            session.keep_local_data(ctx.caches_dir(), &venues);
            session.logout().await
        }
        None => wipe_account(Some(&ctx.caches_dir()), ctx.keychain.as_ref(), &server, &email, &venues),
    };
    ctx.settings = ctx.settings.signed_out();
    ctx.save()?;
    result?;
    emit(ctx.json, &json!({"signed_in": false}), || "Signed out; offline data wiped.".into());
    Ok(())
}

pub async fn whoami(ctx: &Ctx) -> anyhow::Result<()> {
    let me: MeResponse = ctx.session()?.get("/v1/me").await?;
    emit(ctx.json, &me, || {
        let venue = ctx.venue_name().unwrap_or_else(|| "no venue chosen".into());
        format!(
            "{} <{}> on {} — {venue}",
            me.user.display_name,
            me.user.email,
            ctx.settings.server.clone().unwrap_or_default()
        )
    });
    Ok(())
}

pub async fn venues(ctx: &Ctx) -> anyhow::Result<()> {
    let me: MeResponse = ctx.session()?.get("/v1/me").await?;
    emit(ctx.json, &me.memberships, || {
        me.memberships
            .iter()
            .map(|m| {
                let mark = if Some(m.venue_id) == ctx.settings.venue_id { "*" } else { " " };
                format!("{mark} {}  {}  ({})", m.venue_id, m.venue_name, m.role.name)
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

/// Works in the venue of `m` from now on: remembers it, and caches the member's permissions
/// there so that changes the role does not allow are refused at once, offline too.
async fn use_membership(ctx: &mut Ctx, session: &Session, m: &Membership) -> anyhow::Result<()> {
    let venue: venuedesk_api::venue::Venue = session.get(&format!("/v1/venues/{}", m.venue_id)).await?;
    ctx.settings.venue_id = Some(venue.id);
    ctx.settings.remember_venue(KnownVenue {
        id: venue.id,
        name: venue.name,
        timezone: venue.timezone,
        capacity: venue.capacity,
        role_name: m.role.name.clone(),
    });
    ctx.save()?;
    ctx.cache()?.set_permissions(&m.permissions)?;
    Ok(())
}

pub async fn use_venue(ctx: &mut Ctx, wanted: &str) -> anyhow::Result<()> {
    let session = ctx.session()?;
    let me: MeResponse = session.get("/v1/me").await?;
    let found: Vec<_> = me
        .memberships
        .iter()
        .filter(|m| m.venue_id.to_string() == wanted || m.venue_name.eq_ignore_ascii_case(wanted))
        .collect();
    let m = match found.as_slice() {
        [one] => *one,
        [] => bail!("no venue {wanted:?} among yours: see `venuedesk venues`"),
        _ => bail!("several venues are called {wanted:?}: use its id"),
    };
    use_membership(ctx, &session, m).await?;
    emit(ctx.json, &json!({"venue_id": m.venue_id, "venue_name": m.venue_name}), || {
        format!("Now working in {}.", m.venue_name)
    });
    Ok(())
}

pub async fn sessions(ctx: &Ctx, c: SessionsCommand) -> anyhow::Result<()> {
    let session = ctx.session()?;
    match c {
        SessionsCommand::List => {
            let list: SessionList = session.get("/v1/auth/sessions").await?;
            emit(ctx.json, &list, || {
                list.items
                    .iter()
                    .map(|s| {
                        format!(
                            "{} {}  {}  last used {}",
                            if s.current { "*" } else { " " },
                            s.id,
                            s.device_name.clone().unwrap_or_else(|| "unnamed device".into()),
                            s.last_used_at
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        SessionsCommand::Revoke { id } => {
            session
                .call::<(), ()>(reqwest::Method::DELETE, &format!("/v1/auth/sessions/{id}"), None, None, None)
                .await?;
            emit(ctx.json, &json!({"revoked": id}), || format!("Session {id} signed out."));
        }
    }
    Ok(())
}
