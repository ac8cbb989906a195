//! The signed-in user's own account through the session: password, TOTP, recovery codes,
//! sessions. Every write carries its own Idempotency-Key (the session adds one).

use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;
use venuedesk_api::me::{
    CodeOnly, MeResponse, PasswordAndCode, PasswordChangeRequest, PasswordOnly, RecoveryCodes, SessionList,
    TotpEnrollment,
};

use crate::error::CoreError;
use crate::session::Session;

impl Session {
    pub async fn me(&self) -> Result<MeResponse, CoreError> {
        self.get("/v1/me").await
    }

    /// Changes the password; every other session of the user is signed out.
    pub async fn change_password(&self, current: &SecretString, new: &SecretString) -> Result<(), CoreError> {
        let body = PasswordChangeRequest {
            current_password: current.expose_secret().to_owned(),
            new_password: new.expose_secret().to_owned(),
        };
        self.call::<_, ()>(Method::POST, "/v1/me/password", Some(&body), None, None).await
    }

    /// Starts TOTP enrolment: the secret and otpauth URI to show once (QR code and manual key).
    pub async fn enroll_totp(&self, password: &SecretString) -> Result<TotpEnrollment, CoreError> {
        let body = PasswordOnly { password: password.expose_secret().to_owned() };
        self.call(Method::POST, "/v1/me/mfa/totp", Some(&body), None, None).await
    }

    /// Confirms enrolment with a current code; returns the ten recovery codes, shown once.
    pub async fn confirm_totp(&self, code: &str) -> Result<RecoveryCodes, CoreError> {
        self.call(Method::POST, "/v1/me/mfa/totp/confirm", Some(&CodeOnly { code: code.to_owned() }), None, None).await
    }

    /// Turns TOTP off; `code` is a current code or a recovery code.
    pub async fn disable_totp(&self, password: &SecretString, code: &str) -> Result<(), CoreError> {
        let body = PasswordAndCode { password: password.expose_secret().to_owned(), code: code.to_owned() };
        self.call::<_, ()>(Method::DELETE, "/v1/me/mfa/totp", Some(&body), None, None).await
    }

    /// New recovery codes; the old ones stop working.
    pub async fn regenerate_recovery_codes(
        &self,
        password: &SecretString,
        code: &str,
    ) -> Result<RecoveryCodes, CoreError> {
        let body = PasswordAndCode { password: password.expose_secret().to_owned(), code: code.to_owned() };
        self.call(Method::POST, "/v1/me/mfa/recovery-codes", Some(&body), None, None).await
    }

    pub async fn sessions(&self) -> Result<SessionList, CoreError> {
        self.get("/v1/auth/sessions").await
    }

    pub async fn revoke_session(&self, id: Uuid) -> Result<(), CoreError> {
        self.call::<(), ()>(Method::DELETE, &format!("/v1/auth/sessions/{id}"), None, None, None).await
    }
}
