//! Bookings, orders, customers, team and audit. Local changes trigger a background sync.

use tauri::WebviewWindow;
use venuedesk_console_app::AppError;
use venuedesk_console_app::files::Saved;
use venuedesk_console_app::views::{
    AuditFilter, AuditPage, BookingInput, BookingView, CustomerInput, CustomerView, DayView, ExportFormat,
    ExportResult, InvitationView, MemberView, OrderLineInput, OrderView, ProductView, RoleInput, RoleView,
};

use super::{Con, ask_where};
use crate::setup::sync_soon;

#[tauri::command]
pub async fn day_view(c: Con<'_>, date: Option<String>, search: Option<String>) -> Result<DayView, AppError> {
    c.day_view(date.as_deref(), search.as_deref())
}

#[tauri::command]
pub async fn create_booking(c: Con<'_>, input: BookingInput) -> Result<BookingView, AppError> {
    let b = c.create_booking(&input)?;
    sync_soon(&c);
    Ok(b)
}

#[tauri::command]
pub async fn update_booking(c: Con<'_>, id: String, input: BookingInput) -> Result<BookingView, AppError> {
    let b = c.update_booking(&id, &input)?;
    sync_soon(&c);
    Ok(b)
}

#[tauri::command]
pub async fn booking_action(c: Con<'_>, id: String, action: String) -> Result<BookingView, AppError> {
    let b = c.booking_action(&id, &action)?;
    sync_soon(&c);
    Ok(b)
}

#[tauri::command]
pub async fn list_orders(c: Con<'_>) -> Result<Vec<OrderView>, AppError> {
    c.list_orders()
}

#[tauri::command]
pub async fn create_order(
    c: Con<'_>,
    items: Vec<OrderLineInput>,
    table_label: Option<String>,
) -> Result<OrderView, AppError> {
    let o = c.create_order(&items, table_label)?;
    sync_soon(&c);
    Ok(o)
}

#[tauri::command]
pub async fn set_order_status(c: Con<'_>, id: String, status: String) -> Result<OrderView, AppError> {
    let o = c.set_order_status(&id, &status)?;
    sync_soon(&c);
    Ok(o)
}

#[tauri::command]
pub async fn list_products(c: Con<'_>) -> Result<Vec<ProductView>, AppError> {
    c.list_products()
}

#[tauri::command]
pub async fn list_customers(c: Con<'_>, search: Option<String>) -> Result<Vec<CustomerView>, AppError> {
    c.list_customers(search.as_deref())
}

#[tauri::command]
pub async fn create_customer(c: Con<'_>, input: CustomerInput) -> Result<CustomerView, AppError> {
    let customer = c.create_customer(&input)?;
    sync_soon(&c);
    Ok(customer)
}

/// Exports the customer's data where the person chooses in the save dialog opened here.
#[tauri::command]
pub async fn export_customer(c: Con<'_>, window: WebviewWindow, id: String) -> Result<Saved<String>, AppError> {
    let proposal = c.customer_export_save_as(&id)?;
    let Some(path) = ask_where(&window, &proposal).await? else {
        return Ok(Saved::Cancelled);
    };
    c.export_customer(&id, &path).await.map(Saved::Saved)
}

#[tauri::command]
pub async fn erase_customer(c: Con<'_>, id: String) -> Result<(), AppError> {
    c.erase_customer(&id).await?;
    sync_soon(&c);
    Ok(())
}

#[tauri::command]
pub async fn list_members(c: Con<'_>) -> Result<Vec<MemberView>, AppError> {
    c.list_members()
}

#[tauri::command]
pub async fn list_roles(c: Con<'_>) -> Result<Vec<RoleView>, AppError> {
    c.list_roles()
}

#[tauri::command]
pub async fn invite_member(c: Con<'_>, email: String, role_id: String) -> Result<InvitationView, AppError> {
    c.invite_member(&email, &role_id).await
}

#[tauri::command]
pub async fn set_member_role(c: Con<'_>, user_id: String, role_id: String) -> Result<MemberView, AppError> {
    c.set_member_role(&user_id, &role_id).await
}

#[tauri::command]
pub async fn remove_member(c: Con<'_>, user_id: String) -> Result<(), AppError> {
    c.remove_member(&user_id).await
}

#[tauri::command]
pub async fn save_role(c: Con<'_>, id: Option<String>, input: RoleInput) -> Result<RoleView, AppError> {
    c.save_role(id.as_deref(), &input).await
}

#[tauri::command]
pub async fn delete_role(c: Con<'_>, id: String) -> Result<(), AppError> {
    c.delete_role(&id).await
}

#[tauri::command]
pub async fn audit_page(c: Con<'_>, filter: AuditFilter, cursor: Option<String>) -> Result<AuditPage, AppError> {
    c.audit_page(&filter, cursor.as_deref()).await
}

/// Exports the audit log where the person chooses in the save dialog opened here.
#[tauri::command]
pub async fn export_audit(
    c: Con<'_>,
    window: WebviewWindow,
    filter: AuditFilter,
    format: ExportFormat,
) -> Result<Saved<ExportResult>, AppError> {
    let proposal = c.audit_export_save_as(&filter, format)?;
    let Some(path) = ask_where(&window, &proposal).await? else {
        return Ok(Saved::Cancelled);
    };
    c.export_audit(&filter, format, &path).await.map(Saved::Saved)
}
