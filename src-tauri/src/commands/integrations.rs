//! The Integrations screen (owners). Every change needs the platform; reads fall back to
//! what was last read on this computer.

use venuedesk_console_app::AppError;
use venuedesk_console_app::views::{
    ApiClientSecretView, DeliveryLog, DeliveryView, IntegrationsView, PaymentSettingsView, PublicKeyCreatedView,
    WebhookSecretView, WebhookView,
};

use super::Con;

#[tauri::command]
pub async fn integrations(c: Con<'_>) -> Result<IntegrationsView, AppError> {
    c.integrations().await
}

#[tauri::command]
pub async fn create_api_client(
    c: Con<'_>,
    name: String,
    permissions: Vec<String>,
) -> Result<ApiClientSecretView, AppError> {
    c.create_api_client(&name, &permissions).await
}

#[tauri::command]
pub async fn rotate_api_client_secret(c: Con<'_>, id: String) -> Result<ApiClientSecretView, AppError> {
    c.rotate_api_client_secret(&id).await
}

#[tauri::command]
pub async fn delete_api_client(c: Con<'_>, id: String) -> Result<(), AppError> {
    c.delete_api_client(&id).await
}

#[tauri::command]
pub async fn create_public_key(c: Con<'_>, origins: Vec<String>) -> Result<PublicKeyCreatedView, AppError> {
    c.create_public_key(&origins).await
}

#[tauri::command]
pub async fn delete_public_key(c: Con<'_>, id: String) -> Result<(), AppError> {
    c.delete_public_key(&id).await
}

#[tauri::command]
pub async fn create_webhook(c: Con<'_>, url: String, events: Vec<String>) -> Result<WebhookSecretView, AppError> {
    c.create_webhook(&url, &events).await
}

#[tauri::command]
pub async fn set_webhook_enabled(c: Con<'_>, id: String, enabled: bool) -> Result<WebhookView, AppError> {
    c.set_webhook_enabled(&id, enabled).await
}

#[tauri::command]
pub async fn rotate_webhook_secret(c: Con<'_>, id: String) -> Result<WebhookSecretView, AppError> {
    c.rotate_webhook_secret(&id).await
}

#[tauri::command]
pub async fn delete_webhook(c: Con<'_>, id: String) -> Result<(), AppError> {
    c.delete_webhook(&id).await
}

#[tauri::command]
pub async fn webhook_deliveries(c: Con<'_>, id: String) -> Result<DeliveryLog, AppError> {
    c.webhook_deliveries(&id).await
}

#[tauri::command]
pub async fn retry_delivery(c: Con<'_>, webhook_id: String, delivery_id: String) -> Result<DeliveryView, AppError> {
    c.retry_delivery(&webhook_id, &delivery_id).await
}

#[tauri::command]
pub async fn save_payment_settings(
    c: Con<'_>,
    provider: String,
    webhook_secret: String,
) -> Result<PaymentSettingsView, AppError> {
    c.save_payment_settings(&provider, &webhook_secret).await
}
