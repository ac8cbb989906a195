//! argon2id password hashing (OWASP: m=19456 KiB, t=2, p=1), run on the blocking pool behind
//! a semaphore so a login storm uses at most about half the cores and cannot starve the
//! async workers that serve everything else.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed")]
    Hash,
    #[error("password hashing task failed")]
    Join,
}

fn argon2() -> Argon2<'static> {
    // Constant, valid parameters: Params::new cannot fail for them.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when the email is unknown, so both cases cost the same.
    dummy_hash: Arc<String>,
}

impl PasswordHasher {
    pub fn new(max_parallel: usize) -> Result<Self, PasswordError> {
        let salt = SaltString::generate(&mut OsRng);
        let dummy = argon2().hash_password(b"venuedesk-dummy-password", &salt).map_err(|_| PasswordError::Hash)?;
        Ok(PasswordHasher {
            permits: Arc::new(Semaphore::new(max_parallel.max(1))),
            dummy_hash: Arc::new(dummy.to_string()),
        })
    }

    /// About half the cores, at least one.
    pub fn default_parallelism() -> usize {
        std::thread::available_parallelism().map(|n| n.get().div_ceil(2)).unwrap_or(1)
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Join)?;
        let password = password.clone();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|_| PasswordError::Hash)
        })
        .await
        .map_err(|_| PasswordError::Join)?
    }

    /// Verifies against `hash`, or against a dummy hash when `hash` is `None`.
    pub async fn verify(&self, password: &SecretString, hash: Option<&str>) -> Result<bool, PasswordError> {
        let _permit = self.permits.acquire().await.map_err(|_| PasswordError::Join)?;
        let password = password.clone();
        let known = hash.is_some();
        let hash = hash.map(str::to_owned).unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        tokio::task::spawn_blocking(move || {
            let parsed = PasswordHash::new(&hash).map_err(|_| PasswordError::Hash)?;
            let ok = argon2().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok();
            Ok(ok && known)
        })
        .await
        .map_err(|_| PasswordError::Join)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_owasp_argon2id_and_verifies() {
        let hasher = PasswordHasher::new(1).unwrap();
        let pw = SecretString::from("Correct-Horse-Battery-9");
        let hash = hasher.hash(&pw).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hasher.verify(&pw, Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&SecretString::from("wrong"), Some(&hash)).await.unwrap());
        assert!(!hasher.verify(&pw, None).await.unwrap(), "unknown user never verifies");
    }
}
