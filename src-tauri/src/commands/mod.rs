//! One thin command per console operation. Arguments arrive camelCase from JS (Tauri's
//! default); errors go back as `{code, message}`. No command takes a file path from the
//! webview: a command that writes a file asks where with the native save dialog itself.

mod account;
mod floor;
mod integrations;
mod screens;
mod session;

use std::path::PathBuf;
use std::sync::Arc;

use tauri_plugin_dialog::DialogExt;
use venuedesk_console_app::files::{DIALOG_TITLE, SaveAs};
use venuedesk_console_app::{AppError, Console};

pub type Con<'a> = tauri::State<'a, Arc<Console>>;

/// Opens the native save dialog over `window`, proposing `proposal`, and waits for the
/// person: the path they chose, or `None` when they cancelled. The dialog runs on the main
/// thread (the plugin's callback form); this task only awaits its answer.
pub async fn ask_where(window: &tauri::WebviewWindow, proposal: &SaveAs) -> Result<Option<PathBuf>, AppError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    window
        .dialog()
        .file()
        .set_parent(window)
        .set_title(DIALOG_TITLE)
        .set_file_name(&proposal.file_name)
        .add_filter(proposal.filter_name, &[proposal.extension])
        .save_file(move |chosen| {
            let _ = tx.send(chosen);
        });
    match rx.await {
        Ok(Some(chosen)) => chosen
            .into_path()
            .map(Some)
            .map_err(|e| AppError::internal(format!("the save dialog did not give a file path: {e}"))),
        // Cancelled, or the dialog went away without an answer: nothing is written.
        Ok(None) | Err(_) => Ok(None),
    }
}

pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        session::app_state,
        session::sign_in,
        session::complete_mfa,
        session::sign_out,
        session::select_venue,
        session::sync_status,
        session::sync_now,
        session::resolve_conflict,
        screens::day_view,
        screens::create_booking,
        screens::update_booking,
        screens::booking_action,
        floor::floor_view,
        floor::availability,
        floor::waitlist,
        floor::add_to_waitlist,
        floor::waitlist_step,
        floor::walk_in,
        floor::move_booking,
        floor::floor_settings,
        floor::save_table,
        floor::delete_table,
        floor::save_opening_hours,
        floor::save_booking_rules,
        screens::list_orders,
        screens::create_order,
        screens::set_order_status,
        screens::list_products,
        screens::list_customers,
        screens::create_customer,
        screens::export_customer,
        screens::erase_customer,
        screens::list_members,
        screens::list_roles,
        screens::invite_member,
        screens::set_member_role,
        screens::remove_member,
        screens::save_role,
        screens::delete_role,
        screens::audit_page,
        screens::export_audit,
        account::totp_begin,
        account::totp_confirm,
        account::totp_disable,
        account::list_sessions,
        account::revoke_session,
        account::change_password,
        account::save_text_file,
        account::security_alerts,
        account::mark_alerts_seen,
        integrations::integrations,
        integrations::create_api_client,
        integrations::rotate_api_client_secret,
        integrations::delete_api_client,
        integrations::create_public_key,
        integrations::delete_public_key,
        integrations::create_webhook,
        integrations::set_webhook_enabled,
        integrations::rotate_webhook_secret,
        integrations::delete_webhook,
        integrations::webhook_deliveries,
        integrations::retry_delivery,
        integrations::save_payment_settings,
    ]
}
