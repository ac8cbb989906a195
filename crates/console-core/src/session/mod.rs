//! A signed-in session. The access token lives only in memory; the refresh token only in the
//! OS keychain. Refresh happens before expiry, single-flight (concurrent callers wait for
//! the one refresh), with an Idempotency-Key so a lost response is retried as the same
//! rotation. When the platform says the session is over — reuse detected, revoked, expired —
//! or the user signs out, everything of the account on this device is wiped (every keychain
//! item, and every cache file once `keep_local_data` said where they are; see
//! `cache::account`) and the caller learns why.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;
use uuid::Uuid;
use venuedesk_api::ProblemCode;
use venuedesk_api::auth::{LoginRequest, LoginResponse, MfaRequest, RefreshRequest, TokenPair};

use crate::client::{ApiClient, Call};
use crate::error::{CoreError, EndReason};
use crate::keychain::{Keychain, refresh_account, rotation_account};

fn hex_sha256(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// Refresh this long before the access token expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Attempts of one rotation when the network drops requests or answers.
const REFRESH_ATTEMPTS: u32 = 4;

struct Access {
    token: SecretString,
    expires_at: Instant,
}

type EndHook = Box<dyn Fn(EndReason) + Send + Sync>;

/// Where the account's offline data lives, so that the session can wipe all of it.
#[derive(Default)]
struct LocalData {
    caches_dir: Option<std::path::PathBuf>,
    venues: Vec<Uuid>,
}

pub struct Session {
    client: ApiClient,
    keychain: Arc<dyn Keychain>,
    email: String,
    session_id: std::sync::Mutex<Option<Uuid>>,
    /// Held across a refresh: that is what makes refresh single-flight.
    access: Mutex<Option<Access>>,
    on_end: std::sync::Mutex<Vec<EndHook>>,
    /// Boxed: a `Session` travels by value inside `LoginOutcome`.
    local: std::sync::Mutex<Box<LocalData>>,
}

pub enum LoginOutcome {
    SignedIn(Session),
    MfaRequired { mfa_token: SecretString, methods: Vec<String> },
}

/// The second factor of an MFA sign-in.
pub enum Factor {
    Totp(String),
    RecoveryCode(SecretString),
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("server", &self.client.base())
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

impl Session {
    fn new(client: ApiClient, keychain: Arc<dyn Keychain>, email: &str) -> Self {
        Session {
            client,
            keychain,
            email: email.trim().to_ascii_lowercase(),
            session_id: std::sync::Mutex::new(None),
            access: Mutex::new(None),
            on_end: std::sync::Mutex::new(Vec::new()),
            local: std::sync::Mutex::new(Box::default()),
        }
    }

    fn account(&self) -> String {
        refresh_account(self.client.base(), &self.email)
    }

    fn adopt(&self, pair: &TokenPair) -> Result<Access, CoreError> {
        self.keychain.set(&self.account(), &SecretString::from(pair.refresh_token.clone()))?;
        if let Ok(mut sid) = self.session_id.lock() {
            *sid = Some(pair.session_id);
        }
        Ok(Access {
            token: SecretString::from(pair.access_token.clone()),
            expires_at: Instant::now() + Duration::from_secs(pair.expires_in),
        })
    }

    /// Signs in with email and password; MFA users get a challenge to complete.
    pub async fn login(
        client: ApiClient,
        keychain: Arc<dyn Keychain>,
        email: &str,
        password: &SecretString,
        device_name: &str,
    ) -> Result<LoginOutcome, CoreError> {
        let body = LoginRequest {
            email: email.to_owned(),
            password: password.expose_secret().to_owned(),
            device_name: Some(device_name.to_owned()),
        };
        let answer: LoginResponse =
            client.send(Call { body: Some(&body), ..Call::new(Method::POST, "/v1/auth/login") }).await?;
        match answer {
            LoginResponse::Tokens(pair) => {
                let s = Session::new(client, keychain, email);
                let access = s.adopt(&pair)?;
                *s.access.lock().await = Some(access);
                Ok(LoginOutcome::SignedIn(s))
            }
            LoginResponse::Mfa(c) => {
                Ok(LoginOutcome::MfaRequired { mfa_token: SecretString::from(c.mfa_token), methods: c.methods })
            }
        }
    }

    pub async fn complete_mfa(
        client: ApiClient,
        keychain: Arc<dyn Keychain>,
        email: &str,
        mfa_token: &SecretString,
        factor: Factor,
    ) -> Result<Session, CoreError> {
        let body = match &factor {
            Factor::Totp(code) => MfaRequest {
                mfa_token: mfa_token.expose_secret().to_owned(),
                code: Some(code.clone()),
                recovery_code: None,
            },
            Factor::RecoveryCode(c) => MfaRequest {
                mfa_token: mfa_token.expose_secret().to_owned(),
                code: None,
                recovery_code: Some(c.expose_secret().to_owned()),
            },
        };
        let pair: TokenPair =
            client.send(Call { body: Some(&body), ..Call::new(Method::POST, "/v1/auth/mfa") }).await?;
        let s = Session::new(client, keychain, email);
        let access = s.adopt(&pair)?;
        *s.access.lock().await = Some(access);
        Ok(s)
    }

    /// The session whose refresh token the keychain holds for this server and user, if any.
    /// Its first call refreshes.
    pub fn resume(client: ApiClient, keychain: Arc<dyn Keychain>, email: &str) -> Result<Option<Session>, CoreError> {
        let s = Session::new(client, keychain, email);
        Ok(s.keychain.get(&s.account())?.map(|_| s))
    }

    pub fn email(&self) -> &str {
        &self.email
    }

    pub fn session_id(&self) -> Option<Uuid> {
        self.session_id.lock().ok().and_then(|s| *s)
    }

    pub fn server(&self) -> &str {
        self.client.base()
    }

    /// Runs when the platform ends the session (not on a deliberate logout), after the
    /// account's local data is wiped.
    pub fn on_end(&self, hook: impl Fn(EndReason) + Send + Sync + 'static) {
        if let Ok(mut hooks) = self.on_end.lock() {
            hooks.push(Box::new(hook));
        }
    }

    /// Says where the account's offline caches are (`caches_dir`) and which venues the
    /// caller knows of, so that signing out or the end of the session removes every cache
    /// file of the account, not only the open one. Cache keys in the keychain are found
    /// through the account's registry either way.
    pub fn keep_local_data(&self, caches_dir: std::path::PathBuf, known_venues: &[Uuid]) {
        if let Ok(mut local) = self.local.lock() {
            local.caches_dir = Some(caches_dir);
            local.venues = known_venues.to_vec();
        }
    }

    /// Deletes everything of the account on this device: keychain items and cache files.
    fn wipe(&self, more_venues: &[Uuid]) -> Result<(), CoreError> {
        let (dir, mut venues) = match self.local.lock() {
            Ok(l) => (l.caches_dir.clone(), l.venues.clone()),
            Err(_) => (None, Vec::new()),
        };
        venues.extend_from_slice(more_venues);
        crate::cache::wipe_account(dir.as_deref(), self.keychain.as_ref(), self.client.base(), &self.email, &venues)
    }

    fn end(&self, reason: EndReason) -> CoreError {
        if let Err(e) = self.wipe(&[]) {
            tracing::warn!(error = %e, "the session ended but not all of its local data could be wiped");
        }
        if let Ok(hooks) = self.on_end.lock() {
            for h in hooks.iter() {
                h(reason);
            }
        }
        CoreError::SessionEnded(reason)
    }

    /// A valid access token, refreshing first when it is missing or about to expire.
    pub async fn access_token(&self) -> Result<SecretString, CoreError> {
        let mut guard = self.access.lock().await;
        if let Some(a) = guard.as_ref()
            && a.expires_at > Instant::now() + REFRESH_MARGIN
        {
            return Ok(a.token.clone());
        }
        let fresh = self.rotate().await;
        match fresh {
            Ok(a) => {
                let token = a.token.clone();
                *guard = Some(a);
                Ok(token)
            }
            Err(e) => {
                if matches!(e, CoreError::SessionEnded(_)) {
                    *guard = None;
                }
                Err(e)
            }
        }
    }

    /// The Idempotency-Key of the rotation of `refresh`: the one already tried for this
    /// token if any (kept in the keychain, so even a restarted process retries the same
    /// rotation instead of presenting a rotated token under a new key, which is reuse).
    fn rotation_key(&self, refresh: &SecretString) -> Result<String, CoreError> {
        let account = rotation_account(self.client.base(), &self.email);
        let fingerprint = hex_sha256(refresh.expose_secret());
        if let Some(stored) = self.keychain.get(&account)?
            && let Some((fp, key)) = stored.expose_secret().split_once(' ')
            && fp == fingerprint
        {
            return Ok(key.to_string());
        }
        let key = Uuid::new_v4().to_string();
        self.keychain.set(&account, &SecretString::from(format!("{fingerprint} {key}")))?;
        Ok(key)
    }

    /// One refresh-token rotation, retried on network failure with the same key.
    async fn rotate(&self) -> Result<Access, CoreError> {
        let refresh = self.keychain.get(&self.account())?.ok_or(CoreError::NotSignedIn)?;
        let key = self.rotation_key(&refresh)?;
        let body = RefreshRequest { refresh_token: refresh.expose_secret().to_owned() };
        let mut delay = Duration::from_millis(200);
        for attempt in 1..=REFRESH_ATTEMPTS {
            let call =
                Call { body: Some(&body), idempotency_key: Some(&key), ..Call::new(Method::POST, "/v1/auth/refresh") };
            match self.client.send::<_, TokenPair>(call).await {
                Ok(pair) => return self.adopt(&pair),
                Err(CoreError::Problem { code: ProblemCode::RefreshTokenReused, .. }) => {
                    return Err(self.end(EndReason::RefreshTokenReused));
                }
                Err(CoreError::Problem { code: ProblemCode::SessionRevoked, .. }) => {
                    return Err(self.end(EndReason::SessionRevoked));
                }
                Err(CoreError::Problem { code: ProblemCode::RefreshTokenInvalid, .. }) => {
                    return Err(self.end(EndReason::RefreshTokenInvalid));
                }
                Err(e) if e.is_transient() && attempt < REFRESH_ATTEMPTS => {
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                Err(e) => return Err(e),
            }
        }
        Err(CoreError::Network("refresh kept failing".into()))
    }

    /// An authenticated call. Writes get an Idempotency-Key (the caller's, so a retry is the
    /// same request). A rejected access token is refreshed once; a revoked session ends.
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
        if_match: Option<i64>,
    ) -> Result<T, CoreError> {
        let generated;
        let key = match (idempotency_key, &method) {
            (Some(k), _) => Some(k),
            (None, m) if *m == Method::POST || *m == Method::PUT || *m == Method::PATCH || *m == Method::DELETE => {
                generated = Uuid::new_v4().to_string();
                Some(generated.as_str())
            }
            _ => None,
        };
        for attempt in 0..2 {
            let token = self.access_token().await?;
            let call = Call {
                method: method.clone(),
                path,
                bearer: Some(token.expose_secret()),
                body,
                idempotency_key: key,
                if_match,
            };
            match self.client.send(call).await {
                Err(CoreError::Problem { code: ProblemCode::Unauthenticated, .. }) if attempt == 0 => {
                    // The token was refused (expired early, voided): force one refresh.
                    *self.access.lock().await = None;
                }
                Err(CoreError::Problem { code: ProblemCode::SessionRevoked, .. }) => {
                    *self.access.lock().await = None;
                    return Err(self.end(EndReason::SessionRevoked));
                }
                other => return other,
            }
        }
        Err(CoreError::NotSignedIn)
    }

    /// Streams a GET answer into `out`, reporting bytes written; returns the total.
    pub async fn download<W: tokio::io::AsyncWrite + Unpin>(
        &self,
        path: &str,
        out: &mut W,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<u64, CoreError> {
        use tokio::io::AsyncWriteExt;
        let token = self.access_token().await?;
        let mut res = match self.client.get_stream(path, token.expose_secret()).await {
            Err(CoreError::Problem { code: ProblemCode::SessionRevoked, .. }) => {
                return Err(self.end(EndReason::SessionRevoked));
            }
            other => other?,
        };
        let mut written = 0u64;
        while let Some(chunk) = res.chunk().await.map_err(|e| CoreError::Network(e.without_url().to_string()))? {
            out.write_all(&chunk).await.map_err(|e| CoreError::Cache(format!("writing the export: {e}")))?;
            written += chunk.len() as u64;
            progress(written);
        }
        out.flush().await.map_err(|e| CoreError::Cache(format!("writing the export: {e}")))?;
        Ok(written)
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CoreError> {
        self.call::<(), T>(Method::GET, path, None, None, None).await
    }

    /// Signs out: the platform revokes the session, and everything of the account on this
    /// device goes — the refresh token, every cache key and (see `keep_local_data`) every
    /// cache file, of every venue, also of venues opened long ago. The local wipe happens
    /// even when the platform cannot be reached (the session then expires on its own).
    pub async fn logout(&self) -> Result<(), CoreError> {
        // The account's venues, so that caches made before the registry existed are found too.
        let (memberships, result) = match self.get::<venuedesk_api::me::MeResponse>("/v1/me").await {
            Ok(me) => (
                me.memberships.iter().map(|m| m.venue_id).collect::<Vec<_>>(),
                self.call::<(), ()>(Method::POST, "/v1/auth/logout", None, None, None).await,
            ),
            // Offline: no point waiting for a second timeout.
            Err(e @ CoreError::Network(_)) => (Vec::new(), Err(e)),
            Err(_) => (Vec::new(), self.call::<(), ()>(Method::POST, "/v1/auth/logout", None, None, None).await),
        };
        *self.access.lock().await = None;
        self.wipe(&memberships)?;
        match result {
            Ok(()) | Err(CoreError::SessionEnded(_)) | Err(CoreError::NotSignedIn) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Ends this sign-in but keeps the account's offline data and cache keys: for a role
    /// that now requires MFA, where the person must sign in again with their second factor
    /// and the changes waiting to sync must still be there afterwards. The platform session
    /// is revoked (best effort) and the refresh token deleted.
    pub async fn end_keeping_data(&self) -> Result<(), CoreError> {
        let result = self.call::<(), ()>(Method::POST, "/v1/auth/logout", None, None, None).await;
        if let Err(e) = &result {
            tracing::info!(error = %e, "could not revoke the session on the platform; it expires on its own");
        }
        *self.access.lock().await = None;
        self.keychain.delete(&self.account())?;
        self.keychain.delete(&rotation_account(self.client.base(), &self.email))
    }
}
