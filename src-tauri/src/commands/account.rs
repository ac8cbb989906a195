//! The user's own security settings.

use tauri::WebviewWindow;
use venuedesk_console_app::files::Saved;
use venuedesk_console_app::views::{AlertsView, SessionView, TotpEnrollment};
use venuedesk_console_app::{AppError, security};

use super::{Con, ask_where};

#[tauri::command]
pub async fn totp_begin(c: Con<'_>, password: String) -> Result<TotpEnrollment, AppError> {
    c.totp_begin(&password).await
}

#[tauri::command]
pub async fn totp_confirm(c: Con<'_>, code: String) -> Result<Vec<String>, AppError> {
    c.totp_confirm(&code).await
}

#[tauri::command]
pub async fn totp_disable(c: Con<'_>, password: String, code: String) -> Result<(), AppError> {
    c.totp_disable(&password, &code).await
}

#[tauri::command]
pub async fn list_sessions(c: Con<'_>) -> Result<Vec<SessionView>, AppError> {
    c.list_sessions().await
}

#[tauri::command]
pub async fn revoke_session(c: Con<'_>, id: String) -> Result<(), AppError> {
    c.revoke_session(&id).await
}

#[tauri::command]
pub async fn change_password(c: Con<'_>, current: String, next: String) -> Result<(), AppError> {
    c.change_password(&current, &next).await
}

/// Saves the recovery codes where the person chooses in the save dialog opened here.
#[tauri::command]
pub async fn save_text_file(window: WebviewWindow, contents: String) -> Result<Saved<String>, AppError> {
    let Some(path) = ask_where(&window, &security::recovery_codes_save_as()).await? else {
        return Ok(Saved::Cancelled);
    };
    security::save_text_file(&path, &contents).map(Saved::Saved)
}

/// Security › Alerts (those who manage the venue's settings).
#[tauri::command]
pub async fn security_alerts(c: Con<'_>) -> Result<AlertsView, AppError> {
    c.security_alerts().await
}

#[tauri::command]
pub async fn mark_alerts_seen(c: Con<'_>) -> Result<(), AppError> {
    c.mark_alerts_seen()
}
