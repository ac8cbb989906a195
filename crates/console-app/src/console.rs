//! The console's state: who is signed in where, the current venue's offline cache, and
//! sync. Each screen's operations live in their own module on the same `Console`.
//!
//! Locking: `inner` (a plain mutex) is never held across an `.await`. Reads and local
//! changes use the long-lived cache connection in `inner` (its page cache stays warm);
//! anything that talks to the platform while touching the cache (sync, edits) opens its
//! own connection to the same file, so the screens stay responsive while it runs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use secrecy::SecretString;
use uuid::Uuid;
use venuedesk_api::me::MeResponse;
use venuedesk_api::venue::Venue;
use venuedesk_console_core::cache::{Cache, CacheId, wipe_account};
use venuedesk_console_core::session::Factor;
use venuedesk_console_core::settings::{self, KnownVenue};
use venuedesk_console_core::{ApiClient, CoreError, EndReason, Keychain, LoginOutcome, Session};

use crate::config::{self, Config};
use crate::error::{AppError, problem_message};
use crate::local_time::rfc3339;
use crate::views::{AppState, ConflictView, Progress, ProgressTask, SignInOutcome, SyncStatus, VenueView};

pub type ProgressSink = Arc<dyn Fn(Progress) + Send + Sync>;

/// The page cache of the connections that sync or wait on the network (the screens'
/// connection keeps the large one, for fast day views).
const SIDE_PAGE_CACHE_KIB: u32 = 4 * 1024;

struct PendingMfa {
    server: String,
    email: String,
    token: SecretString,
}

#[derive(Default)]
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) session: Option<Arc<Session>>,
    pub(crate) cache: Option<Cache>,
    mfa: Option<PendingMfa>,
}

pub struct Console {
    pub(crate) dir: PathBuf,
    pub(crate) keychain: Arc<dyn Keychain>,
    device_name: String,
    /// `VENUEDESK_SERVER`: prefills the sign-in screen on first run.
    default_server: Option<String>,
    inner: Mutex<Inner>,
    sync_lock: tokio::sync::Mutex<()>,
    syncing: AtomicBool,
    online: AtomicBool,
    /// Set by the session when the platform ends it (reuse, revocation, expiry).
    ended: Arc<Mutex<Option<EndReason>>>,
    pub(crate) progress: ProgressSink,
}

/// What a platform call needs, taken out of the lock.
pub(crate) struct Online {
    pub session: Arc<Session>,
    pub venue_id: Uuid,
}

impl Console {
    /// Opens the console's data directory; a session kept in the keychain is resumed (it
    /// works offline until the platform says otherwise).
    pub fn new(
        dir: PathBuf,
        keychain: Arc<dyn Keychain>,
        device_name: String,
        default_server: Option<String>,
        progress: ProgressSink,
    ) -> Result<Console, AppError> {
        let config = Config::load(&dir);
        let console = Console {
            dir,
            keychain,
            device_name,
            default_server,
            inner: Mutex::new(Inner { config, ..Inner::default() }),
            sync_lock: tokio::sync::Mutex::new(()),
            syncing: AtomicBool::new(false),
            online: AtomicBool::new(true),
            ended: Arc::new(Mutex::new(None)),
            progress,
        };
        let resumed = {
            let inner = console.lock();
            match (&inner.config.server, &inner.config.email) {
                // A remembered server the console no longer accepts (plain http:// to another
                // computer) is not resumed: the sign-in screen explains why.
                (Some(server), Some(email)) => match ApiClient::new(server) {
                    Ok(client) => Session::resume(client, console.keychain.clone(), email)?.map(Arc::new),
                    Err(_) => None,
                },
                _ => None,
            }
        };
        if let Some(session) = resumed {
            console.adopt(session)?;
        }
        Ok(console)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves plain data; carry on with it.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn caches_dir(&self) -> PathBuf {
        settings::caches_dir(&self.dir)
    }

    fn cache_id(config: &Config) -> Option<CacheId> {
        Some(CacheId { server: config.server.clone()?, email: config.email.clone()?, venue_id: config.venue_id? })
    }

    /// Makes `session` the current one and opens the current venue's cache. When the
    /// platform ends the session, the session itself wipes every cache and keychain item of
    /// the account (it knows where they are); the rest is tidied by `forget_if_ended`.
    fn adopt(&self, session: Arc<Session>) -> Result<(), AppError> {
        let ended = self.ended.clone();
        session.on_end(move |reason| {
            if let Ok(mut e) = ended.lock() {
                *e = Some(reason);
            }
        });
        let mut inner = self.lock();
        session.keep_local_data(self.caches_dir(), &inner.config.venue_ids());
        inner.session = Some(session);
        inner.cache = match Self::cache_id(&inner.config) {
            Some(id) => Some(Cache::open(&self.caches_dir(), id, self.keychain.clone())?),
            None => None,
        };
        Ok(())
    }

    /// When the platform ended the session: nothing of the account stays on the device.
    /// The session already wiped it; once the open cache is closed, the wipe runs again so
    /// that a file that could not go while it was open (Windows) goes now.
    fn forget_if_ended(&self) -> Option<EndReason> {
        let reason = self.ended.lock().ok().and_then(|mut e| e.take())?;
        let mut inner = self.lock();
        inner.session = None;
        drop(inner.cache.take());
        if let (Some(server), Some(email)) = (inner.config.server.clone(), inner.config.email.clone())
            && let Err(e) = wipe_account(
                Some(&self.caches_dir()),
                self.keychain.as_ref(),
                &server,
                &email,
                &inner.config.venue_ids(),
            )
        {
            tracing::warn!(error = %e, "the session ended but not all of its local data could be wiped");
        }
        inner.config = inner.config.signed_out();
        let _ = config::save(&inner.config, &self.dir);
        Some(reason)
    }

    /// Turns a core error into what the UI shows, noting offline/online and a session end.
    pub(crate) fn fail(&self, e: CoreError) -> AppError {
        match &e {
            CoreError::Network(_) => self.online.store(false, Ordering::Relaxed),
            CoreError::Problem { .. } => self.online.store(true, Ordering::Relaxed),
            _ => {}
        }
        self.forget_if_ended();
        AppError::from(e)
    }

    pub(crate) fn mark_online(&self) {
        self.online.store(true, Ordering::Relaxed);
    }

    /// The session and venue for a platform call.
    pub(crate) fn online(&self) -> Result<Online, AppError> {
        self.forget_if_ended();
        let inner = self.lock();
        let session = inner.session.clone().ok_or_else(|| AppError::from(CoreError::NotSignedIn))?;
        let venue_id =
            inner.config.venue_id.ok_or_else(|| AppError::new(crate::error::Code::NoVenue, "Choose a venue first."))?;
        Ok(Online { session, venue_id })
    }

    /// Runs `f` on the current venue's cache (the long-lived connection).
    pub(crate) fn with_cache<T>(
        &self,
        f: impl FnOnce(&mut Cache, &Config) -> Result<T, AppError>,
    ) -> Result<T, AppError> {
        if let Some(reason) = self.forget_if_ended() {
            return Err(AppError::from(CoreError::SessionEnded(reason)));
        }
        let mut inner = self.lock();
        let Inner { cache, config, session, .. } = &mut *inner;
        if session.is_none() {
            return Err(AppError::from(CoreError::NotSignedIn));
        }
        let cache =
            cache.as_mut().ok_or_else(|| AppError::new(crate::error::Code::NoVenue, "Choose a venue first."))?;
        f(cache, config)
    }

    /// A second connection to the current venue's cache, for work that waits on the network.
    pub(crate) fn side_cache(&self) -> Result<Cache, AppError> {
        let inner = self.lock();
        let id = Self::cache_id(&inner.config)
            .ok_or_else(|| AppError::new(crate::error::Code::NoVenue, "Choose a venue first."))?;
        let cache = Cache::open(&self.caches_dir(), id, self.keychain.clone())?;
        cache.set_page_cache_kib(SIDE_PAGE_CACHE_KIB)?;
        Ok(cache)
    }

    /// The session alone, for the user's own account (no venue needed).
    pub(crate) fn online_session(&self) -> Result<Arc<Session>, AppError> {
        self.forget_if_ended();
        self.lock().session.clone().ok_or_else(|| AppError::from(CoreError::NotSignedIn))
    }

    pub(crate) fn set_mfa_enabled(&self, on: bool) -> Result<(), AppError> {
        let mut inner = self.lock();
        inner.config.mfa_enabled = on;
        config::save(&inner.config, &self.dir)
    }

    pub(crate) fn venue(&self) -> Result<VenueView, AppError> {
        config::current_venue(&self.lock().config)
            .ok_or_else(|| AppError::new(crate::error::Code::NoVenue, "Choose a venue first."))
    }

    pub fn state(&self) -> AppState {
        self.forget_if_ended();
        let inner = self.lock();
        let permissions = inner.cache.as_ref().and_then(|c| c.permissions().ok()).unwrap_or_default();
        AppState {
            server: inner.config.server.clone().or_else(|| self.default_server.clone()),
            signed_in: inner.session.is_some(),
            email: inner.config.email.clone(),
            display_name: inner.config.display_name.clone(),
            mfa_enabled: inner.config.mfa_enabled,
            venues: inner.config.venues.iter().map(config::venue_view).collect(),
            venue: config::current_venue(&inner.config),
            permissions,
        }
    }

    pub async fn sign_in(&self, server: &str, email: &str, password: &str) -> Result<SignInOutcome, AppError> {
        let server = server.trim().trim_end_matches('/').to_string();
        let email = email.trim().to_ascii_lowercase();
        if server.is_empty() || email.is_empty() || password.is_empty() {
            return Err(AppError::invalid("Server, email and password are all needed."));
        }
        let client = ApiClient::new(&server)?;
        let outcome =
            Session::login(client, self.keychain.clone(), &email, &SecretString::from(password), &self.device_name)
                .await
                .map_err(|e| self.fail(e))?;
        match outcome {
            LoginOutcome::SignedIn(session) => self.finish_sign_in(server, email, session).await,
            LoginOutcome::MfaRequired { mfa_token, methods } => {
                self.lock().mfa = Some(PendingMfa { server, email, token: mfa_token });
                Ok(SignInOutcome::MfaRequired { methods })
            }
        }
    }

    /// The second step: a 6-digit TOTP code or a recovery code.
    pub async fn complete_mfa(&self, code: &str) -> Result<AppState, AppError> {
        let pending = self.lock().mfa.take().ok_or_else(|| AppError::invalid("Sign in with your password first."))?;
        let code = code.trim();
        let factor = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            Factor::Totp(code.to_string())
        } else {
            Factor::RecoveryCode(SecretString::from(code))
        };
        let client = ApiClient::new(&pending.server)?;
        match Session::complete_mfa(client, self.keychain.clone(), &pending.email, &pending.token, factor).await {
            Ok(session) => match self.finish_sign_in(pending.server, pending.email, session).await? {
                SignInOutcome::SignedIn { state } => Ok(*state),
                SignInOutcome::MfaRequired { .. } => Err(AppError::internal("asked for MFA twice")),
            },
            Err(e) => {
                // A wrong code may be tried again with the same challenge (it lives 5 minutes).
                if matches!(&e, CoreError::Problem { code: venuedesk_api::ProblemCode::InvalidMfaCode, .. }) {
                    self.lock().mfa = Some(pending);
                }
                Err(self.fail(e))
            }
        }
    }

    async fn finish_sign_in(&self, server: String, email: String, session: Session) -> Result<SignInOutcome, AppError> {
        let session = Arc::new(session);
        let (me, venues) = profile(&session).await.map_err(|e| self.fail(e))?;
        {
            let mut inner = self.lock();
            if let Some(old) = inner.cache.take() {
                drop(old);
            }
            // Signing in again to the same account (after the role came to require MFA, say)
            // carries on in the same venue, with its queued changes.
            let same_account =
                inner.config.server.as_deref() == Some(&server) && inner.config.email.as_deref() == Some(&email);
            let keep = inner.config.venue_id.filter(|v| same_account && venues.iter().any(|x| x.id == *v));
            inner.config = Config {
                server: Some(server),
                email: Some(email),
                display_name: Some(me.user.display_name.clone()),
                mfa_enabled: me.user.mfa_enabled,
                venue_id: keep.or_else(|| venues.first().map(|v| v.id)),
                venues,
            };
            config::save(&inner.config, &self.dir)?;
        }
        self.adopt(session)?;
        self.remember_permissions(&me)?;
        self.mark_online();
        Ok(SignInOutcome::SignedIn { state: Box::new(self.state()) })
    }

    /// Stores the user's permissions in the current venue, so screens gate at once (the
    /// next pull refreshes them).
    pub(crate) fn remember_permissions(&self, me: &MeResponse) -> Result<(), AppError> {
        let mut inner = self.lock();
        let venue = inner.config.venue_id;
        if let (Some(cache), Some(v)) = (inner.cache.as_mut(), venue) {
            let permissions =
                me.memberships.iter().find(|m| m.venue_id == v).map(|m| m.permissions.clone()).unwrap_or_default();
            cache.set_permissions(&permissions)?;
            cache.forget_unreadable_snapshots()?;
        }
        Ok(())
    }

    /// Signs out and wipes everything of the account on this device — every venue's cache
    /// file and every keychain item, also of venues used long ago — even when the platform
    /// cannot be reached (the error then says so; the wipe is done).
    pub async fn sign_out(&self) -> Result<(), AppError> {
        let (session, cache, previous) = {
            let mut inner = self.lock();
            let previous = inner.config.clone();
            inner.config = previous.signed_out();
            config::save(&inner.config, &self.dir)?;
            (inner.session.take(), inner.cache.take(), previous)
        };
        drop(cache);
        let venues = previous.venue_ids();
        let result = match (session, previous.server, previous.email) {
            (Some(session), _, _) => {
                session.keep_local_data(self.caches_dir(), &venues);
                session.logout().await
            }
            // Signed out already (the role came to require MFA, say): what is left goes.
            (None, Some(server), Some(email)) => {
                wipe_account(Some(&self.caches_dir()), self.keychain.as_ref(), &server, &email, &venues)
            }
            (None, _, _) => Ok(()),
        };
        result.map_err(|e| self.fail(e))
    }

    pub async fn select_venue(&self, venue_id: &str) -> Result<AppState, AppError> {
        {
            let mut inner = self.lock();
            let Some(venue_id) = venue_id.parse().ok().filter(|v| inner.config.venues.iter().any(|k| k.id == *v))
            else {
                return Err(AppError::new(crate::error::Code::NotFound, "You are not a member of that venue."));
            };
            inner.config.venue_id = Some(venue_id);
            config::save(&inner.config, &self.dir)?;
            inner.cache = None;
            let id = Self::cache_id(&inner.config)
                .ok_or_else(|| AppError::new(crate::error::Code::NoVenue, "Choose a venue first."))?;
            inner.cache = Some(Cache::open(&self.caches_dir(), id, self.keychain.clone())?);
        }
        if let Ok(online) = self.online()
            && let Ok(me) = online.session.get::<MeResponse>("/v1/me").await
        {
            self.remember_permissions(&me)?;
        }
        Ok(self.state())
    }

    pub fn sync_status(&self) -> Result<SyncStatus, AppError> {
        let syncing = self.syncing.load(Ordering::Relaxed);
        let online = self.online.load(Ordering::Relaxed);
        self.with_cache(|cache, config| {
            let tz = crate::local_time::zone(config.venue().map_or("UTC", |v| v.timezone.as_str()))?;
            let conflicts = cache
                .conflicts()?
                .into_iter()
                .map(|c| ConflictView {
                    mine: c.versions.as_ref().map(|(mine, _)| crate::bookings::view(tz, mine, true)),
                    theirs: c
                        .versions
                        .as_ref()
                        .and_then(|(_, t)| t.as_ref())
                        .map(|t| crate::bookings::view(tz, t, false)),
                    seq: c.seq,
                    summary: crate::sync_words::summary(cache, tz, &c.entity, c.entity_id),
                    entity: c.entity,
                    entity_id: c.entity_id.to_string(),
                    message: venuedesk_api::ProblemCode::parse(&c.code)
                        .map_or_else(|| c.detail.clone(), |code| problem_message(code, c.detail.clone(), None)),
                    code: c.code,
                })
                .collect();
            let last_sync = cache
                .meta("last_sync")?
                .and_then(|s| s.parse::<i64>().ok())
                .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
                .map(rfc3339);
            Ok(SyncStatus { online, pending: cache.outbox_len()?, last_sync, syncing, conflicts })
        })
    }

    /// Sends the outbox, then follows the change feed; one at a time (a second caller waits
    /// for the running sync and gets its result). Progress goes to the progress sink.
    ///
    /// When the member's role now requires MFA and this sign-in had none, sync stops with
    /// `mfa_required` and the console signs out *keeping* the account's data: the state
    /// says signed out (the sign-in screen asks for the password and code), and signing in
    /// again to the same account sends the changes still queued. When no second factor is
    /// enrolled yet the session stays, so the person can enrol one under Security first.
    pub async fn sync_now(&self) -> Result<SyncStatus, AppError> {
        let _one = self.sync_lock.lock().await;
        let online = self.online()?;
        self.syncing.store(true, Ordering::Relaxed);
        let result = match self.sync_once(&online).await {
            Err(SyncError::Core(e)) => {
                if matches!(e, CoreError::MfaRequired { enrollment_required: false, .. }) {
                    self.end_sign_in_keeping_data(&online.session).await;
                }
                Err(self.fail(e))
            }
            Err(SyncError::App(e)) => Err(e),
            Ok(()) => Ok(()),
        };
        self.syncing.store(false, Ordering::Relaxed);
        (self.progress)(Progress { task: ProgressTask::Sync, done: 1, total: 1 });
        match result {
            Ok(()) => self.sync_status(),
            Err(e) if e.code == crate::error::Code::Offline => self.sync_status(),
            Err(e) => Err(e),
        }
    }

    async fn sync_once(&self, online: &Online) -> Result<(), SyncError> {
        let mut cache = self.side_cache().map_err(SyncError::App)?;
        let sink = self.progress.clone();
        let report = cache
            .drain(&online.session, &mut |done, total| (sink)(Progress { task: ProgressTask::Sync, done, total }))
            .await?;
        if report.offline {
            self.online.store(false, Ordering::Relaxed);
            return Ok(());
        }
        self.mark_online();
        let sink = self.progress.clone();
        cache
            .pull(&online.session, online.venue_id, &mut |done, total| {
                (sink)(Progress { task: ProgressTask::Sync, done, total })
            })
            .await?;
        Ok(())
    }

    /// Ends this sign-in (see `sync_now`), keeping the account's caches, keys and settings.
    async fn end_sign_in_keeping_data(&self, session: &Arc<Session>) {
        {
            let mut inner = self.lock();
            if inner.session.as_ref().is_some_and(|s| Arc::ptr_eq(s, session)) {
                inner.session = None;
            }
        }
        if let Err(e) = session.end_keeping_data().await {
            tracing::warn!(error = %e, "could not remove the refresh token after mfa_required");
        }
    }

    pub fn resolve_conflict(&self, seq: i64, action: &str) -> Result<SyncStatus, AppError> {
        self.with_cache(|cache, _| match action {
            "retry" => Ok(cache.retry(seq)?),
            "discard" => Ok(cache.discard(seq)?),
            other => Err(AppError::invalid(format!("{other:?} is neither retry nor discard"))),
        })?;
        self.sync_status()
    }
}

/// Why a sync stopped: the platform or cache (`Core`, looked at before it becomes what the
/// UI shows), or opening the cache for the current venue (`App`).
enum SyncError {
    Core(CoreError),
    App(AppError),
}

impl From<CoreError> for SyncError {
    fn from(e: CoreError) -> SyncError {
        SyncError::Core(e)
    }
}

/// The user and their venues (name, zone, capacity and role), from the platform.
async fn profile(session: &Session) -> Result<(MeResponse, Vec<KnownVenue>), CoreError> {
    let me: MeResponse = session.get("/v1/me").await?;
    let mut venues = Vec::with_capacity(me.memberships.len());
    for m in &me.memberships {
        let v: Venue = session.get(&format!("/v1/venues/{}", m.venue_id)).await?;
        venues.push(KnownVenue {
            id: v.id,
            name: v.name,
            timezone: v.timezone,
            capacity: v.capacity,
            role_name: m.role.name.clone(),
        });
    }
    venues.sort_by_key(|v| v.name.to_lowercase());
    Ok((me, venues))
}
