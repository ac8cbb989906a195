//! Signing in and out, who and where you are, your sessions.

use std::io::BufRead;

use anyhow::{Context, bail};
use clap::Subcommand;
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;
use venuedesk_api::me::{MeResponse, SessionList};
use venuedesk_console_core::session::Factor;
use venuedesk_console_core::{ApiClient, LoginOutcome, Session};

use crate::config;
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
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let password = if password_stdin {
        SecretString::from(read_line(&mut input, "password")?)
    } else {
        SecretString::from(rpassword::prompt_password("Password: ").context("reading the password")?)
    };
    let client = ApiClient::new(server)?;
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
    ctx.config = config::Config {
        server: Some(server.trim_end_matches('/').to_string()),
        email: Some(session.email().to_string()),
        ..Default::default()
    };
    config::save(&ctx.dir, &ctx.config)?;
    let me: MeResponse = session.get("/v1/me").await?;
    // One venue: work there at once.
    if let [only] = me.memberships.as_slice() {
        use_membership(ctx, only.venue_id).await?;
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

pub async fn logout(ctx: &mut Ctx) -> anyhow::Result<()> {
    let session = ctx.session()?;
    if ctx.config.venue_id.is_some()
        && let Ok(cache) = ctx.cache()
    {
        cache.wipe()?;
    }
    session.logout().await?;
    ctx.config = config::Config::default();
    config::save(&ctx.dir, &ctx.config)?;
    emit(ctx.json, &json!({"signed_in": false}), || "Signed out; offline data wiped.".into());
    Ok(())
}

pub async fn whoami(ctx: &Ctx) -> anyhow::Result<()> {
    let me: MeResponse = ctx.session()?.get("/v1/me").await?;
    emit(ctx.json, &me, || {
        let venue = ctx.config.venue_name.clone().unwrap_or_else(|| "no venue chosen".into());
        format!(
            "{} <{}> on {} — {venue}",
            me.user.display_name,
            me.user.email,
            ctx.config.server.clone().unwrap_or_default()
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
                let mark = if Some(m.venue_id) == ctx.config.venue_id { "*" } else { " " };
                format!("{mark} {}  {}  ({})", m.venue_id, m.venue_name, m.role.name)
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}

async fn use_membership(ctx: &mut Ctx, venue_id: Uuid) -> anyhow::Result<()> {
    let venue: venuedesk_api::venue::Venue = ctx.session()?.get(&format!("/v1/venues/{venue_id}")).await?;
    ctx.config.venue_id = Some(venue.id);
    ctx.config.venue_name = Some(venue.name);
    ctx.config.timezone = Some(venue.timezone);
    config::save(&ctx.dir, &ctx.config)
}

pub async fn use_venue(ctx: &mut Ctx, wanted: &str) -> anyhow::Result<()> {
    let me: MeResponse = ctx.session()?.get("/v1/me").await?;
    let found: Vec<_> = me
        .memberships
        .iter()
        .filter(|m| m.venue_id.to_string() == wanted || m.venue_name.eq_ignore_ascii_case(wanted))
        .collect();
    let m = match found.as_slice() {
        [one] => one,
        [] => bail!("no venue {wanted:?} among yours: see `venuedesk venues`"),
        _ => bail!("several venues are called {wanted:?}: use its id"),
    };
    use_membership(ctx, m.venue_id).await?;
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
