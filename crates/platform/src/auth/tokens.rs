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

pub struct TokenService {
    issuer: String,
    kid: String,
    encoding: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    jwks: serde_json::Value,
}

fn aad(kid: &str) -> Vec<u8> {
    format!("signing-key:{kid}").into_bytes()
}

impl TokenService {
    /// Loads the stored signing keys, generating the first one when there is none.
    pub async fn load_or_create(
        store: &dyn Store,
        key: &DataKey,
        issuer: String,
        now: OffsetDateTime,
    ) -> Result<Self, TokenError> {
        let mut keys = store.signing_keys().await?;
        if keys.is_empty() {
            let rng = ring::rand::SystemRandom::new();
            let pkcs8 =
                Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| TokenError::Key("generation failed".into()))?;
            let pair =
                Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| TokenError::Key("generation failed".into()))?;
            let public = pair.public_key().as_ref().to_vec();
            let kid = URL_SAFE_NO_PAD.encode(&sha256(&public)[..12]);
            let record = SigningKeyRecord {
                private_key_enc: key.seal(&aad(&kid), pkcs8.as_ref()).map_err(|e| TokenError::Key(e.to_string()))?,
                kid,
                public_key: public,
                created_at: now,
            };
            match store.insert_signing_key(&record).await {
                Ok(()) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
            keys = store.signing_keys().await?;
        }
        let newest = keys.last().ok_or_else(|| TokenError::Key("no signing key".into()))?;
        let pkcs8 = key.open(&aad(&newest.kid), &newest.private_key_enc).map_err(|e| TokenError::Key(e.to_string()))?;
        let encoding = EncodingKey::from_ed_der(&pkcs8);
        let mut decoding = HashMap::new();
        let mut jwks = Vec::new();
        for k in &keys {
            decoding.insert(k.kid.clone(), DecodingKey::from_ed_der(&k.public_key));
            jwks.push(serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
                "kid": k.kid, "x": URL_SAFE_NO_PAD.encode(&k.public_key),
            }));
        }
        Ok(TokenService {
            issuer,
            kid: newest.kid.clone(),
            encoding,
            decoding,
            jwks: serde_json::json!({ "keys": jwks }),
        })
    }

    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn issue(&self, user: Uuid, session: Uuid, pair: Uuid, now: OffsetDateTime) -> Result<String, TokenError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: user,
            sid: session,
            jti: pair,
            iat: now.unix_timestamp(),
            exp: (now + ACCESS_TTL).unix_timestamp(),
            client: None,
        };
        jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(|_| TokenError::Sign)
    }

    /// A client credentials token for `client` acting on `venue` with `scope`.
    pub fn issue_client(
        &self,
        client: Uuid,
        venue: Uuid,
        scope: String,
        now: OffsetDateTime,
    ) -> Result<String, TokenError> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: client,
            sid: client,
            jti: Uuid::now_v7(),
            iat: now.unix_timestamp(),
            exp: (now + CLIENT_TOKEN_TTL).unix_timestamp(),
            client: Some(ClientGrant { venue, scope }),
        };
        jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(|_| TokenError::Sign)
    }

    /// Checks signature (EdDSA only: `alg: none` and HS/RS tokens are refused), issuer and
    /// expiry against our clock.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, Rejection> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| Rejection::Malformed)?;
        if header.alg != Algorithm::EdDSA {
            return Err(Rejection::Malformed);
        }
        let kid = header.kid.ok_or(Rejection::UnknownKey)?;
        let key = self.decoding.get(&kid).ok_or(Rejection::UnknownKey)?;
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
