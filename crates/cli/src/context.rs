//! What every command needs: the settings (shared with the desktop app), the session from
//! the keychain, and the current venue's cache.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use uuid::Uuid;
use venuedesk_console_core::cache::{Cache, CacheId};
use venuedesk_console_core::settings::{self, Settings};
use venuedesk_console_core::{ApiClient, CoreError, Keychain, OsKeychain, Session};

pub struct Ctx {
    pub dir: PathBuf,
    pub settings: Settings,
    pub keychain: Arc<dyn Keychain>,
    pub json: bool,
}

impl Ctx {
    pub fn new(dir: PathBuf, json: bool) -> anyhow::Result<Ctx> {
        let settings = Settings::load(&dir);
        Ok(Ctx { dir, settings, keychain: Arc::new(OsKeychain), json })
    }

    pub fn save(&self) -> anyhow::Result<()> {
        self.settings.save(&self.dir).with_context(|| format!("saving the settings in {}", self.dir.display()))
    }

    pub fn caches_dir(&self) -> PathBuf {
        settings::caches_dir(&self.dir)
    }

    pub fn server(&self) -> anyhow::Result<&str> {
        self.settings.server.as_deref().ok_or_else(|| CoreError::NotSignedIn.into())
    }

    pub fn email(&self) -> anyhow::Result<&str> {
        self.settings.email.as_deref().ok_or_else(|| CoreError::NotSignedIn.into())
    }

    /// The session kept in the keychain. Signing out, or the platform ending the session,
    /// wipes every cache and keychain item of the account on this server, of every venue.
    pub fn session(&self) -> anyhow::Result<Session> {
        let client = ApiClient::new(self.server()?)?;
        let session = Session::resume(client, self.keychain.clone(), self.email()?)?.ok_or(CoreError::NotSignedIn)?;
        session.keep_local_data(self.caches_dir(), &self.settings.venue_ids());
        Ok(session)
    }

    pub fn venue(&self) -> anyhow::Result<Uuid> {
        match self.settings.venue_id {
            Some(v) => Ok(v),
            None => bail!("no venue chosen: run `venuedesk venues` and `venuedesk use <venue>`"),
        }
    }

    pub fn venue_name(&self) -> Option<String> {
        self.settings.venue().map(|v| v.name.clone())
    }

    pub fn timezone(&self) -> anyhow::Result<chrono_tz::Tz> {
        let tz = self.settings.venue().map_or("UTC", |v| v.timezone.as_str());
        tz.parse().map_err(|_| anyhow::anyhow!("unknown time zone {tz}"))
    }

    pub fn cache(&self) -> anyhow::Result<Cache> {
        let id =
            CacheId { server: self.server()?.to_string(), email: self.email()?.to_string(), venue_id: self.venue()? };
        Cache::open(&self.caches_dir(), id, self.keychain.clone()).context("opening the offline cache")
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
