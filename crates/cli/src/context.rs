//! What every command needs: the configuration, the session from the keychain, and the
//! current venue's cache.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use uuid::Uuid;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::{ApiClient, CoreError, Keychain, OsKeychain, Session};

use crate::config::{self, Config};

pub struct Ctx {
    pub dir: PathBuf,
    pub config: Config,
    pub keychain: Arc<dyn Keychain>,
    pub json: bool,
}

impl Ctx {
    pub fn new(dir: PathBuf, json: bool) -> anyhow::Result<Ctx> {
        let config = config::load(&dir)?;
        Ok(Ctx { dir, config, keychain: Arc::new(OsKeychain), json })
    }

    pub fn server(&self) -> anyhow::Result<&str> {
        self.config.server.as_deref().ok_or_else(|| CoreError::NotSignedIn.into())
    }

    pub fn email(&self) -> anyhow::Result<&str> {
        self.config.email.as_deref().ok_or_else(|| CoreError::NotSignedIn.into())
    }

    pub fn session(&self) -> anyhow::Result<Session> {
        let client = ApiClient::new(self.server()?)?;
        let session = Session::resume(client, self.keychain.clone(), self.email()?)?.ok_or(CoreError::NotSignedIn)?;
        // When the platform ends the session, nothing of the account stays here.
        let (dir, keychain, server, email) =
            (self.dir.clone(), self.keychain.clone(), self.server()?.to_string(), self.email()?.to_string());
        let venue = self.config.venue_id;
        session.on_end(move |_| {
            if let Some(v) = venue {
                let id = CacheId { server: server.clone(), email: email.clone(), venue_id: v };
                let _ = Cache::destroy(&dir.join("caches"), &id, keychain.as_ref());
            }
        });
        Ok(session)
    }

    pub fn venue(&self) -> anyhow::Result<Uuid> {
        match self.config.venue_id {
            Some(v) => Ok(v),
            None => bail!("no venue chosen: run `venuedesk venues` and `venuedesk use <venue>`"),
        }
    }

    pub fn timezone(&self) -> anyhow::Result<chrono_tz::Tz> {
        let tz = self.config.timezone.as_deref().unwrap_or("UTC");
        tz.parse().map_err(|_| anyhow::anyhow!("unknown time zone {tz}"))
    }

    pub fn cache(&self) -> anyhow::Result<Cache> {
        let id =
            CacheId { server: self.server()?.to_string(), email: self.email()?.to_string(), venue_id: self.venue()? };
        Cache::open(&self.dir.join("caches"), id, self.keychain.clone()).context("opening the offline cache")
    }
}

/// Sends queued changes and pulls when the platform is reachable; offline is fine (the
/// answer says which).
pub async fn try_sync(ctx: &Ctx, cache: &mut Cache) -> anyhow::Result<bool> {
    let session = ctx.session()?;
    let report = cache.drain(&session, &mut |_, _| {}).await?;
    if report.offline {
        return Ok(false);
    }
    match cache.pull(&session, ctx.venue()?, &mut |_, _| {}).await {
        Ok(_) => Ok(true),
        Err(CoreError::Network(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
