//! The user's own security: TOTP enrolment (with a QR code), recovery codes, sessions and
//! password. Secrets shown once pass through here to the screen and are not kept.

use std::path::Path;

use base64::Engine;
use secrecy::SecretString;

use crate::bookings::parse_id;
use crate::console::Console;
use crate::error::AppError;
use crate::files::SaveAs;
use crate::local_time::rfc3339;
use crate::views::{SessionView, TotpEnrollment};

/// The otpauth URI as an SVG QR code in a data URI (the CSP allows `data:` images only).
pub fn qr_data_uri(uri: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| AppError::internal(e.to_string()))?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build();
    Ok(format!("data:image/svg+xml;base64,{}", base64::engine::general_purpose::STANDARD.encode(svg)))
}

impl Console {
    pub async fn totp_begin(&self, password: &str) -> Result<TotpEnrollment, AppError> {
        let session = self.online_session()?;
        let e = session.enroll_totp(&SecretString::from(password)).await.map_err(|e| self.fail(e))?;
        Ok(TotpEnrollment {
            qr_svg_data_uri: qr_data_uri(&e.otpauth_uri)?,
            secret: e.secret,
            otpauth_uri: e.otpauth_uri,
        })
    }

    /// Turns MFA on; returns the recovery codes (shown once).
    pub async fn totp_confirm(&self, code: &str) -> Result<Vec<String>, AppError> {
        let session = self.online_session()?;
        let codes = session.confirm_totp(code.trim()).await.map_err(|e| self.fail(e))?;
        self.set_mfa_enabled(true)?;
        Ok(codes.recovery_codes)
    }

    pub async fn totp_disable(&self, password: &str, code: &str) -> Result<(), AppError> {
        let session = self.online_session()?;
        session.disable_totp(&SecretString::from(password), code.trim()).await.map_err(|e| self.fail(e))?;
        self.set_mfa_enabled(false)
    }

    pub async fn list_sessions(&self) -> Result<Vec<SessionView>, AppError> {
        let session = self.online_session()?;
        let list = session.sessions().await.map_err(|e| self.fail(e))?;
        Ok(list
            .items
            .into_iter()
            .map(|s| SessionView {
                id: s.id.to_string(),
                device_name: s.device_name,
                created_at: rfc3339(s.created_at),
                last_used_at: rfc3339(s.last_used_at),
                ip: s.ip,
                current: s.current,
            })
            .collect())
    }

    pub async fn revoke_session(&self, id: &str) -> Result<(), AppError> {
        let id = parse_id(id, "session")?;
        let session = self.online_session()?;
        session.revoke_session(id).await.map_err(|e| self.fail(e))
    }

    /// Every other session is signed out by the platform; this one carries on.
    pub async fn change_password(&self, current: &str, next: &str) -> Result<(), AppError> {
        let session = self.online_session()?;
        session.change_password(&SecretString::from(current), &SecretString::from(next)).await.map_err(|e| self.fail(e))
    }
}

/// What the save dialog proposes for the recovery codes.
pub fn recovery_codes_save_as() -> SaveAs {
    SaveAs::new("venuedesk-recovery-codes", "Text", "txt")
}

/// Writes text the user asked to keep (recovery codes) at the path they chose in the save
/// dialog the shell opened (never a path from the webview); returns the path, for display.
pub fn save_text_file(path: &Path, contents: &str) -> Result<String, AppError> {
    std::fs::write(path, contents).map_err(AppError::io)?;
    Ok(path.display().to_string())
}
