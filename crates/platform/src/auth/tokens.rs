//! Access tokens: EdDSA (Ed25519) JWTs with a `kid`, 15 minutes. The signing key is made on
//! first start and stored sealed under the platform data key; public keys go to the JWKS.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::crypto::{DataKey, sha256};
use crate::store::{SigningKeyRecord, Store, StoreError};

pub const ACCESS_TTL: Duration = Duration::minutes(15);
/// An API client's token (client credentials grant) lives an hour; it has no refresh token.
pub const CLIENT_TOKEN_TTL: Duration = Duration::hours(1);

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("signing key unusable: {0}")]
    Key(String),
    #[error("signing failed")]
    Sign,
}

/// Claims of an access token. `jti` is the id of the refresh token issued with it, so a pair
/// voided by a lost-response retry stops working as a pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: Uuid,
    pub sid: Uuid,
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
    /// Present only on an API client's token: `sub` is then the client's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<ClientGrant>,
}

/// What a client credentials token may do: its one venue and the granted scope.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClientGrant {
    pub venue: Uuid,
    /// Space-separated permissions (RFC 6749 §3.3).
    pub scope: String,
}

/// Why a bearer token was not accepted. All of these answer `401 unauthenticated`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    Malformed,
    UnknownKey,
    BadSignature,
    Expired,
    WrongIssuer,
}

/// The signing keys as loaded: the newest signs; every one that may still have unexpired
/// tokens verifies.
struct KeySet {
    kid: String,
    encoding: EncodingKey,
    /// kid → (key, when its successor took over; `None` for the newest).
    decoding: HashMap<String, (DecodingKey, Option<OffsetDateTime>)>,
    public: Vec<(String, Vec<u8>, Option<OffsetDateTime>)>,
}

/// A key stops verifying (and leaves the JWKS) once every token it can have signed has
/// expired: the longest-lived token, a client's, after its successor took over.
pub const RETIRE_AFTER: Duration = CLIENT_TOKEN_TTL;

pub struct TokenService {
    issuer: String,
    keys: std::sync::RwLock<std::sync::Arc<KeySet>>,
    /// When the stored keys were last compared with ours (an unknown `kid` looks again, at
    /// most once a second).
    checked: std::sync::Mutex<Option<std::time::Instant>>,
}

fn aad(kid: &str) -> Vec<u8> {
    format!("signing-key:{kid}").into_bytes()
}

/// A new Ed25519 signing key, sealed under the platform data key.
pub fn new_signing_key(key: &DataKey, now: OffsetDateTime) -> Result<SigningKeyRecord, TokenError> {
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| TokenError::Key("generation failed".into()))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| TokenError::Key("generation failed".into()))?;
    let public = pair.public_key().as_ref().to_vec();
    let kid = URL_SAFE_NO_PAD.encode(&sha256(&public)[..12]);
    Ok(SigningKeyRecord {
        private_key_enc: key.seal(&aad(&kid), pkcs8.as_ref()).map_err(|e| TokenError::Key(e.to_string()))?,
        kid,
        public_key: public,
        created_at: now,
    })
}

fn key_set(records: &[SigningKeyRecord], key: &DataKey) -> Result<KeySet, TokenError> {
    let newest = records.last().ok_or_else(|| TokenError::Key("no signing key".into()))?;
    let pkcs8 = key.open(&aad(&newest.kid), &newest.private_key_enc).map_err(|e| TokenError::Key(e.to_string()))?;
    let mut decoding = HashMap::new();
    let mut public = Vec::new();
    for (i, k) in records.iter().enumerate() {
        let superseded = records.get(i + 1).map(|next| next.created_at);
        decoding.insert(k.kid.clone(), (DecodingKey::from_ed_der(&k.public_key), superseded));
        public.push((k.kid.clone(), k.public_key.clone(), superseded));
    }
    Ok(KeySet { kid: newest.kid.clone(), encoding: EncodingKey::from_ed_der(&pkcs8), decoding, public })
}

impl TokenService {
    /// Loads the stored signing keys, generating the first one when there is none.
    pub async fn load_or_create(
        store: &dyn Store,
        key: &DataKey,
        issuer: String,
        now: OffsetDateTime,
    ) -> Result<Self, TokenError> {
        let mut records = store.signing_keys().await?;
        if records.is_empty() {
            match store.insert_signing_key(&new_signing_key(key, now)?).await {
                Ok(()) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
            records = store.signing_keys().await?;
        }
        Ok(TokenService {
            issuer,
            keys: std::sync::RwLock::new(std::sync::Arc::new(key_set(&records, key)?)),
            checked: std::sync::Mutex::new(Some(std::time::Instant::now())),
        })
    }

    fn current(&self) -> std::sync::Arc<KeySet> {
        self.keys.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Re-reads the stored keys; after `keys rotate-signing`, a running node signs with the
    /// new key and verifies with it. Whether anything changed.
    pub async fn reload(&self, store: &dyn Store, key: &DataKey) -> Result<bool, TokenError> {
        if let Ok(mut c) = self.checked.lock() {
            *c = Some(std::time::Instant::now());
        }
        let records = store.signing_keys().await?;
        let current = self.current();
        let known: Vec<&str> = current.public.iter().map(|(kid, _, _)| kid.as_str()).collect();
        let stored: Vec<&str> = records.iter().map(|r| r.kid.as_str()).collect();
        if known == stored {
            return Ok(false);
        }
        let fresh = std::sync::Arc::new(key_set(&records, key)?);
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        Ok(true)
    }

    /// Whether an unknown `kid` is worth a look at the store now (at most once a second).
    pub fn may_reload(&self) -> bool {
        self.checked
            .lock()
            .map(|c| c.is_none_or(|at| at.elapsed() >= std::time::Duration::from_secs(1)))
            .unwrap_or(false)
    }

    /// The JWKS: the signing key and every earlier one whose tokens may not all have
    /// expired yet.
    pub fn jwks(&self, now: OffsetDateTime) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .current()
            .public
            .iter()
            .filter(|(_, _, superseded)| superseded.is_none_or(|at| now < at + RETIRE_AFTER))
            .map(|(kid, public, _)| {
                serde_json::json!({
                    "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
                    "kid": kid, "x": URL_SAFE_NO_PAD.encode(public),
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn issue(&self, user: Uuid, session: Uuid, pair: Uuid, now: OffsetDateTime) -> Result<String, TokenError> {
        let keys = self.current();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.kid.clone());
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: user,
            sid: session,
            jti: pair,
            iat: now.unix_timestamp(),
            exp: (now + ACCESS_TTL).unix_timestamp(),
            client: None,
        };
        jsonwebtoken::encode(&header, &claims, &keys.encoding).map_err(|_| TokenError::Sign)
    }

    /// A client credentials token for `client` acting on `venue` with `scope`.
    pub fn issue_client(
        &self,
        client: Uuid,
        venue: Uuid,
        scope: String,
        now: OffsetDateTime,
    ) -> Result<String, TokenError> {
        let keys = self.current();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(keys.kid.clone());
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: client,
            sid: client,
            jti: Uuid::now_v7(),
            iat: now.unix_timestamp(),
            exp: (now + CLIENT_TOKEN_TTL).unix_timestamp(),
            client: Some(ClientGrant { venue, scope }),
        };
        jsonwebtoken::encode(&header, &claims, &keys.encoding).map_err(|_| TokenError::Sign)
    }

    /// Checks signature (EdDSA only: `alg: none` and HS/RS tokens are refused), issuer and
    /// expiry against our clock.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, Rejection> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(Rejection::Malformed);
        }
        let kid = header.kid.ok_or(Rejection::UnknownKey)?;
        let keys = self.current();
        let (key, superseded) = keys.decoding.get(&kid).ok_or(Rejection::UnknownKey)?;
        // A retired key verifies nothing, whatever `exp` its token claims.
        if superseded.is_some_and(|at| now >= at + RETIRE_AFTER) {
            return Err(Rejection::UnknownKey);
        }
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.validate_exp = false; // checked below with the platform clock
        validation.required_spec_claims = ["exp", "iss", "sub"].iter().map(|s| s.to_string()).collect();
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidSignature => Rejection::BadSignature,
            _ => Rejection::Malformed,
        })?;
        let claims = data.claims;
        if claims.iss != self.issuer {
            return Err(Rejection::WrongIssuer);
        }
        if claims.exp <= now.unix_timestamp() {
            return Err(Rejection::Expired);
        }
        Ok(claims)
    }
}
