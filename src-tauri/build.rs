// Each command gets an `allow-<name>` permission; the capability grants exactly these.
const COMMANDS: &[&str] = &[
    "app_state",
    "sign_in",
    "complete_mfa",
    "sign_out",
    "select_venue",
    "sync_status",
    "sync_now",
    "resolve_conflict",
    "day_view",
    "create_booking",
    "update_booking",
    "booking_action",
    "list_orders",
    "create_order",
    "set_order_status",
    "list_products",
    "list_customers",
    "create_customer",
    "export_customer",
    "erase_customer",
    "list_members",
    "list_roles",
    "invite_member",
    "set_member_role",
    "remove_member",
    "save_role",
    "delete_role",
    "audit_page",
    "export_audit",
    "totp_begin",
    "totp_confirm",
    "totp_disable",
    "list_sessions",
    "revoke_session",
    "change_password",
    "save_text_file",
    "security_alerts",
    "mark_alerts_seen",
    "integrations",
    "create_api_client",
    "rotate_api_client_secret",
    "delete_api_client",
    "create_public_key",
    "delete_public_key",
    "create_webhook",
    "set_webhook_enabled",
    "rotate_webhook_secret",
    "delete_webhook",
    "webhook_deliveries",
    "retry_delivery",
    "save_payment_settings",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build: {e:#}");
    }
}
