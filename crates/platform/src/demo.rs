//! `--demo`: a demo owner account a newcomer can sign in with at once. Running it again on
//! the same database does not duplicate anything; it sets the password to the one printed.

use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

use crate::auth::password_policy;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{NewSecurityEvent, UserRecord};

pub const OWNER_EMAIL: &str = "owner@demo.venuedesk.test";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("VENUEDESK_DEMO_PASSWORD does not meet the password policy: {0}")]
    WeakPassword(String),
    #[error("creating the demo account failed: {0:?}")]
    Setup(ApiError),
}

impl<E: Into<ApiError>> From<E> for DemoError {
    fn from(e: E) -> Self {
        DemoError::Setup(e.into())
    }
}

/// A random password that meets the policy (four groups of five, mixed classes).
pub fn generate_password() -> SecretString {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    loop {
        let groups: Vec<String> =
            (0..4).map(|_| (0..5).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()).collect();
        let candidate = format!("{}!{}", groups.join("-"), rng.gen_range(10..100));
        if password_policy::check(&candidate, &[OWNER_EMAIL]).is_empty() {
            return SecretString::from(candidate);
        }
    }
}

/// Creates the demo owner, or resets its password. Returns the user id.
pub async fn ensure_owner(state: &AppState, password: &SecretString) -> Result<Uuid, DemoError> {
    let reasons = password_policy::check(password.expose_secret(), &[OWNER_EMAIL]);
    if !reasons.is_empty() {
        return Err(DemoError::WeakPassword(reasons.join("; ")));
    }
    let hash = state.passwords.hash(password).await?;
    let now = state.clock.now();
    if let Some(user) = state.store.user_by_email(OWNER_EMAIL).await? {
        let event =
            NewSecurityEvent { user_id: user.id, kind: "password_changed", at: now, ip: None, session_id: None };
        state.store.change_password(user.id, &hash, None, event).await?;
        return Ok(user.id);
    }
    let user = UserRecord {
        id: Uuid::now_v7(),
        email: OWNER_EMAIL.into(),
        display_name: "Demo Owner".into(),
        password_hash: hash,
        totp_secret_enc: None,
        totp_pending_enc: None,
        totp_last_step: None,
        created_at: now,
    };
    let event = NewSecurityEvent { user_id: user.id, kind: "signup", at: now, ip: None, session_id: None };
    state.store.create_user(&user, event).await?;
    Ok(user.id)
}
