//! One thin command per console operation. Arguments arrive camelCase from JS (Tauri's
//! default); errors go back as `{code, message}`.

mod account;
mod screens;
mod session;

use std::sync::Arc;

use venuedesk_console_app::Console;

pub type Con<'a> = tauri::State<'a, Arc<Console>>;

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
    ]
}
