//! Customers: search and profiles offline; GDPR export and erasure with the platform.

use std::path::Path;

use reqwest::Method;
use serde_json::Value;
use venuedesk_api::venue::Customer;
use venuedesk_console_core::cache::Kind;

use crate::bookings::parse_id;
use crate::console::Console;
use crate::error::AppError;
use crate::files::SaveAs;
use crate::views::{CustomerInput, CustomerView};

fn view(c: &Customer, pending: bool) -> CustomerView {
    CustomerView {
        id: c.id.to_string(),
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        allergens: c.allergens.clone(),
        dietary_notes: c.dietary_notes.clone(),
        version: c.version,
        pending,
    }
}

fn blank_to_none(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

impl Console {
    pub fn list_customers(&self, search: Option<&str>) -> Result<Vec<CustomerView>, AppError> {
        let search = search.map(str::trim).filter(|s| !s.is_empty());
        Ok(self.with_cache(|cache, _| Ok(cache.customers(search)?))?.iter().map(|(c, p)| view(c, *p)).collect())
    }

    /// Works offline (pending until the platform confirms it).
    pub fn create_customer(&self, input: &CustomerInput) -> Result<CustomerView, AppError> {
        let vid = parse_id(&self.venue()?.id, "venue")?;
        let allergens: Vec<String> =
            input.allergens.iter().map(|a| a.trim().to_lowercase()).filter(|a| !a.is_empty()).collect();
        let c = self.with_cache(|cache, _| {
            Ok(cache.create_customer(
                vid,
                input.name.trim().to_string(),
                blank_to_none(&input.email),
                blank_to_none(&input.phone),
                allergens,
                blank_to_none(&input.dietary_notes),
            )?)
        })?;
        Ok(view(&c, true))
    }

    /// What the save dialog proposes for a customer's export; refuses first what could
    /// never be exported (a bad id, no session or venue), so no dialog opens for nothing.
    pub fn customer_export_save_as(&self, id: &str) -> Result<SaveAs, AppError> {
        let id = parse_id(id, "customer")?.to_string();
        self.online()?;
        let name = self.list_customers(None).ok().and_then(|all| all.into_iter().find(|c| c.id == id)).map(|c| c.name);
        Ok(SaveAs::new(&format!("customer-{}", name.unwrap_or(id)), "JSON", "json"))
    }

    /// Everything the venue holds about the customer, as one JSON file at `path`: the path
    /// the person chose in the save dialog the shell opened (never one from the webview).
    pub async fn export_customer(&self, id: &str, path: &Path) -> Result<String, AppError> {
        let id = parse_id(id, "customer")?;
        let online = self.online()?;
        let doc: Value = online
            .session
            .get(&format!("/v1/venues/{}/customers/{id}/export", online.venue_id))
            .await
            .map_err(|e| self.fail(e))?;
        self.mark_online();
        let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| AppError::internal(e.to_string()))?;
        std::fs::write(path, bytes).map_err(AppError::io)?;
        Ok(path.display().to_string())
    }

    /// Erases the customer's personal data on the platform, and the cached profile here.
    pub async fn erase_customer(&self, id: &str) -> Result<(), AppError> {
        let id = parse_id(id, "customer")?;
        let online = self.online()?;
        online
            .session
            .call::<(), ()>(Method::DELETE, &format!("/v1/venues/{}/customers/{id}", online.venue_id), None, None, None)
            .await
            .map_err(|e| self.fail(e))?;
        self.mark_online();
        self.with_cache(|cache, _| Ok(cache.remove_record(Kind::Customer, &id.to_string())?))
    }
}
