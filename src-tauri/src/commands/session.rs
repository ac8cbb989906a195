//! Signing in and out, the venue in use, and sync.

use venuedesk_console_app::AppError;
use venuedesk_console_app::views::{AppState, SignInOutcome, SyncStatus};

use super::Con;
use crate::setup::sync_soon;

#[tauri::command]
pub async fn app_state(c: Con<'_>) -> Result<AppState, AppError> {
    Ok(c.state())
}

#[tauri::command]
pub async fn sign_in(c: Con<'_>, server: String, email: String, password: String) -> Result<SignInOutcome, AppError> {
    let outcome = c.sign_in(&server, &email, &password).await?;
    if matches!(outcome, SignInOutcome::SignedIn { .. }) {
        sync_soon(&c);
    }
    Ok(outcome)
}

#[tauri::command]
pub async fn complete_mfa(c: Con<'_>, code: String) -> Result<AppState, AppError> {
    let state = c.complete_mfa(&code).await?;
    sync_soon(&c);
    Ok(state)
}

#[tauri::command]
pub async fn sign_out(c: Con<'_>) -> Result<(), AppError> {
    c.sign_out().await
}

#[tauri::command]
pub async fn select_venue(c: Con<'_>, venue_id: String) -> Result<AppState, AppError> {
    let state = c.select_venue(&venue_id).await?;
    sync_soon(&c);
    Ok(state)
}

#[tauri::command]
pub async fn sync_status(c: Con<'_>) -> Result<SyncStatus, AppError> {
    c.sync_status()
}

#[tauri::command]
pub async fn sync_now(c: Con<'_>) -> Result<SyncStatus, AppError> {
    c.sync_now().await
}

#[tauri::command]
pub async fn resolve_conflict(c: Con<'_>, seq: i64, action: String) -> Result<SyncStatus, AppError> {
    let status = c.resolve_conflict(seq, &action)?;
    sync_soon(&c);
    Ok(status)
}
