//! argon2id password hashing (OWASP: m=19456 KiB, t=2, p=1), off the async workers: on a
//! small pool of dedicated threads (about half the cores) that run at a lower scheduling
//! priority, so a login storm queues behind itself instead of stalling every other request.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use secrecy::{ExposeSecret, SecretString};

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed")]
    Hash,
    #[error("password hashing pool is gone")]
    Pool,
}

fn argon2() -> Argon2<'static> {
    // Constant, valid parameters: Params::new cannot fail for them.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

type Job = Box<dyn FnOnce() + Send>;

/// Nice value of the hashing threads: below the async workers, so they get the CPU first.
const HASHING_NICE: i32 = 10;

#[derive(Clone)]
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    /// Verified against when the email is unknown, so both cases cost the same.
    dummy_hash: Arc<String>,
}

impl PasswordHasher {
    pub fn new(threads: usize) -> Result<Self, PasswordError> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // every sender dropped: the platform is gone
                        }
                    }
                })
                .map_err(|_| PasswordError::Pool)?;
        }
        let salt = SaltString::generate(&mut OsRng);
        let dummy = argon2().hash_password(b"venuedesk-dummy-password", &salt).map_err(|_| PasswordError::Hash)?;
        Ok(PasswordHasher { jobs: tx, dummy_hash: Arc::new(dummy.to_string()) })
    }

    /// About half the cores, at least one.
    pub fn default_parallelism() -> usize {
        std::thread::available_parallelism().map(|n| n.get().div_ceil(2)).unwrap_or(1)
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Result<T, PasswordError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                // The request was dropped (timeout, disconnect): spend no CPU on it.
                if !tx.is_closed() {
                    let _ = tx.send(f());
                }
            }))
            .map_err(|_| PasswordError::Pool)?;
        rx.await.map_err(|_| PasswordError::Pool)
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String, PasswordError> {
        let password = password.clone();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.expose_secret().as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|_| PasswordError::Hash)
        })
        .await?
    }

    /// Verifies against `hash`, or against a dummy hash when `hash` is `None`.
    pub async fn verify(&self, password: &SecretString, hash: Option<&str>) -> Result<bool, PasswordError> {
        let password = password.clone();
        let known = hash.is_some();
        let hash = hash.map(str::to_owned).unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        self.run(move || {
            let parsed = PasswordHash::new(&hash).map_err(|_| PasswordError::Hash)?;
            let ok = argon2().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok();
            Ok(ok && known)
        })
        .await?
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux the nice value is per thread; `who = 0` is the calling thread.
    // SAFETY: setpriority has no memory-safety preconditions.
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, HASHING_NICE) };
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {
    let _ = HASHING_NICE;
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

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_at_lower_priority() {
        let hasher = PasswordHasher::new(1).unwrap();
        // SAFETY: getpriority has no memory-safety preconditions.
        let nice = hasher.run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }).await.unwrap();
        // SAFETY: as above, for the test's own thread.
        let ours = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert!(nice > ours, "hashing nice {nice} vs caller {ours}");
    }
}
